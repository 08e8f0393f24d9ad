// W5 (LSTM predict latency, batch 1) on onnxruntime-node (CPU execution provider).
// Usage: node ort_w5.mjs <plan-json>
// The model is what an export of nn.LSTM(batch_first) + nn.Linear on the last state gives:
// Transpose to time-major, one ONNX LSTM node, Flatten of Y_h, Gemm. It is written from the
// case's weights by lib/onnx.mjs and handed to InferenceSession as bytes (no file, nothing
// downloaded). One call: new ort.Tensor(Float32Array), await session.run(), read the output.
// session.run defers the (synchronous) native run by a setImmediate: part of what it costs.
import { createRequire } from 'node:module';
import os from 'node:os';
import { readPlan, emit, runCases, timePredict } from '../lib/timing.mjs';
import { seededParams } from '../lib/data.mjs';
import * as onnx from '../lib/onnx.mjs';

const plan = readPlan(process.argv[2]);
const ort = createRequire(import.meta.url)('onnxruntime-node');
// Every core, as the other implementations get; also its best setting here (2 intra-op threads:
// ~158 us per call, 1 thread: ~205 us).
const THREADS = os.availableParallelism();
emit({ meta: { impl: 'onnxruntime', 'onnxruntime-node': ort.env.versions.node, intra_op_threads: THREADS } });

// PyTorch orders the gates i, f, g, o; ONNX's LSTM wants i, o, f, c (g).
const ONNX_GATES = [0, 3, 1, 2];
function toOnnxGates(w, hidden, width = 1) {
  const out = new Float32Array(w.length);
  const block = hidden * width;
  ONNX_GATES.forEach((src, dst) => out.set(w.subarray(src * block, (src + 1) * block), dst * block));
  return out;
}

function lstmRegressorModel(c, w) {
  const { seq, input, hidden } = c;
  const bias = new Float32Array(8 * hidden); // ONNX's B: [Wb (i, o, f, c), Rb (i, o, f, c)]
  bias.set(toOnnxGates(w['0.bias_ih_l0'], hidden), 0);
  bias.set(toOnnxGates(w['0.bias_hh_l0'], hidden), 4 * hidden);
  return onnx.model({
    nodes: [
      onnx.node('Transpose', ['x'], ['x_tbf'], { perm: [1, 0, 2] }),
      onnx.node('LSTM', ['x_tbf', 'W', 'R', 'B'], ['', 'h_n'], { hidden_size: hidden }),
      onnx.node('Flatten', ['h_n'], ['h_last'], { axis: 2 }), // [1, batch, hidden] -> [batch, hidden]
      onnx.node('Gemm', ['h_last', 'dense_w', 'dense_b'], ['y'], { transB: 1 }),
    ],
    initializers: [
      onnx.tensor('W', [1, 4 * hidden, input], toOnnxGates(w['0.weight_ih_l0'], hidden, input)),
      onnx.tensor('R', [1, 4 * hidden, hidden], toOnnxGates(w['0.weight_hh_l0'], hidden, hidden)),
      onnx.tensor('B', [1, 8 * hidden], bias),
      onnx.tensor('dense_w', [1, hidden], w['1.weight']),
      onnx.tensor('dense_b', [1], w['1.bias']),
    ],
    inputs: [onnx.valueInfo('x', [1, seq, input])],
    outputs: [onnx.valueInfo('y', [1, 1])],
  });
}

await runCases(plan, 'onnxruntime', async (c) => {
  const session = await ort.InferenceSession.create(lstmRegressorModel(c, seededParams(c.params, c.weightsSeed)), {
    executionProviders: ['cpu'], intraOpNumThreads: THREADS, interOpNumThreads: 1,
    executionMode: 'sequential', graphOptimizationLevel: 'all',
  });
  const x = seededParams(c.inputSpec, c.inputSeed).x;
  const shape = [1, c.seq, c.input];
  try {
    return await timePredict(async () => {
      const out = await session.run({ x: new ort.Tensor('float32', x, shape) });
      return out.y.data[0];
    }, c, plan.policy, { async: true });
  } finally {
    await session.release();
  }
});
