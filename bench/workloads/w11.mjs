// W11: CNN inference latency from Node (BENCHMARKS.md): LeNet-5 (as W3) at batch 1 and batch 64.
// One rep is one predict call as a service pays it: the input Float32Array into the library's
// tensor, predict, the output (batch x 10 softmax probabilities) read back into JS (for Python
// peers: the NumPy array in, a NumPy array out); zerodl's row is its serving call predictValues,
// zerodl-tensors its tensor API (as W5).
// Every implementation loads the SAME weights (lib/data.mjs seededParams, PyTorch's init bounds
// and layouts) and must reproduce the float64 reference output below (lib/cnn.mjs cnnForward64,
// every one of the batch x 10 probabilities within `tolerance`) before it is timed and after.
import { torchImpl, zerodlImpl } from '../lib/impls.mjs';
import { LENET5, cnnDescription, cnnFlops, cnnForward64, cnnParams } from '../lib/cnn.mjs';
import { seededParams, uniformF32 } from '../lib/data.mjs';

// The weights and the input are part of the case, so the reference and every runner use the same ones.
const WEIGHTS_SEED = 1;
const INPUT_SEED = 2;

function lenetPredict(batch) {
  const arch = LENET5;
  const params = cnnParams(arch);
  const x = uniformF32(batch * arch.inputShape.reduce((a, b) => a * b, 1), INPUT_SEED);
  const expected = Array.from(cnnForward64(arch, seededParams(params, WEIGHTS_SEED), x, batch));
  return {
    id: `lenet-5-predict-b${batch}`,
    label: `LeNet-5 predict, batch ${batch}`,
    arch, batch, params, weightsSeed: WEIGHTS_SEED, inputSeed: INPUT_SEED,
    // float32 against float64: ~1e-7 apart; a transposed kernel or a wrong flatten order is far off.
    expected, tolerance: 1e-4,
    flops: cnnFlops(arch, batch, { train: false }),
  };
}

const B1 = 'lenet-5-predict-b1';
const B64 = 'lenet-5-predict-b64';

export default {
  id: 'W11',
  title: 'CNN inference latency (LeNet-5 predict call, batch 1 and 64), float32',
  unit: 'us',
  /** The cases (their float64 reference outputs take a moment): made only when W11 runs. */
  configure() {
    return { ...this, cases: [lenetPredict(1), lenetPredict(64)] };
  },
  cases: [{ id: B1 }, { id: B64 }], // made by configure()
  // As W5: the median of 200 calls (4 rounds x 50) after warm-up calls (JIT, first-touch of
  // buffers, thread pool start).
  policy: { warmup: 30, minReps: 50, maxReps: 50 },
  columns: [{ title: 'max |diff| to ref', key: 'max_abs_error', digits: 1, exp: true }],
  notes: [
    `LeNet-5: ${cnnDescription(LENET5)}; output: softmax probabilities. Every runner checked all its ` +
      'outputs against the float64 reference (tolerance 1e-4) before timing and after',
    'onnxruntime runs the model zerodl exports (model.toOnnx()) when this zerodl build can export it, else the ' +
      'same graph written by lib/onnx.mjs (Conv, Relu, MaxPool, Flatten, Gemm, Softmax); its meta line says which',
    'tfjs runs channels-last (its own format; the input is converted to NHWC once, untimed); tfjs-cpu does ' +
      '10 warm-up calls and >= 5 timed calls per round (up to 50 while under 250 ms): a batch-64 call takes ~0.2 s',
  ],
  impls: [
    { ...zerodlImpl('impls/zerodl_w11.mjs'), args: ['values'] },
    { ...zerodlImpl('impls/zerodl_w11.mjs'), name: 'zerodl-tensors', args: ['tensors'] },
    // Loads zerodl only in a child process to export the ONNX model (when built); not needed otherwise.
    { name: 'onnxruntime', lang: 'node', script: 'peers/ort_w11.mjs', args: ['auto'], needsModule: 'onnxruntime-node' },
    torchImpl('peers/torch_w11.py'),
    { name: 'tfjs-wasm', lang: 'node', script: 'peers/tfjs_w11.mjs', args: ['wasm'] },
    { name: 'tfjs-cpu', lang: 'node', script: 'peers/tfjs_w11.mjs', args: ['cpu'],
      policy: { warmup: 10, minReps: 5, maxReps: 50, targetMs: 250 } },
  ],
  targets: [
    { title: '>= 1.5x onnxruntime-node at batch 1', case: B1, peer: 'onnxruntime', min: 1.5 },
    { title: '>= 1.25x PyTorch CPU at batch 64', case: B64, peer: 'torch', min: 1.25 },
  ],
};
