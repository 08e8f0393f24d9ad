// W11 (LeNet-5 predict latency, batch 1 and 64) on onnxruntime-node (CPU execution provider).
// Usage: node ort_w11.mjs [auto|zerodl|bench] <plan-json>
// The model, with the case's weights, comes from
//   zerodl: zerodl's own export, model.toOnnx() (impls/zerodl_onnx_export.mjs, run in a child
//           process so zerodl's native library stays out of this one), as a zerodl user would ship it;
//   bench:  lib/onnx.mjs cnnModel, the graph an export of the nn.Sequential gives (Conv, Relu,
//           MaxPool, Flatten, Gemm, Softmax), written from the weights by the bench itself;
//   auto:   zerodl's export when this zerodl build makes one, else the bench's (meta says which).
// Either way the session must reproduce the float64 reference before it is timed.
// One call: new ort.Tensor(Float32Array), await session.run(), read the output.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import os from 'node:os';
import { readPlan, emit, runCases, timePredict } from '../lib/timing.mjs';
import { seededParams, uniformF32 } from '../lib/data.mjs';
import { BENCH_DIR } from '../lib/paths.mjs';
import * as onnx from '../lib/onnx.mjs';

const SOURCES = ['auto', 'zerodl', 'bench'];
const source = process.argv[2];
if (!SOURCES.includes(source)) {
  console.error(`usage: node ort_w11.mjs ${SOURCES.join('|')} <plan-json>  (got "${source}")`);
  process.exit(2);
}
const plan = readPlan(process.argv[3]);
const ort = createRequire(import.meta.url)('onnxruntime-node');
const THREADS = os.availableParallelism(); // every core, as the other implementations get

/** zerodl's export of the case's model: {bytes} or {error}. */
function zerodlExport(c) {
  const { expected, ...small } = c; // the reference outputs are not needed to build the model
  const r = spawnSync(process.execPath, [join(BENCH_DIR, 'impls', 'zerodl_onnx_export.mjs'), JSON.stringify(small)],
    { maxBuffer: 256 << 20 });
  if (r.status === 0 && r.stdout.length) return { bytes: new Uint8Array(r.stdout) };
  const lines = r.stderr.toString().trim().split('\n').map((l) => l.trim()).filter(Boolean);
  const why = r.error?.message ?? lines.findLast((l) => /error/i.test(l)) ?? lines.at(-1);
  return { error: why || `exited with ${r.status}` };
}

/** The ONNX bytes for case c, and a line saying where they came from. */
function onnxModel(c) {
  if (source !== 'bench') {
    const z = zerodlExport(c);
    if (z.bytes) return { bytes: z.bytes, from: 'zerodl model.toOnnx()' };
    if (source === 'zerodl') throw new Error(`zerodl's ONNX export failed: ${z.error}`);
    return { bytes: bench(c), from: `bench lib/onnx.mjs (zerodl export unavailable: ${z.error})` };
  }
  return { bytes: bench(c), from: 'bench lib/onnx.mjs' };
}
const bench = (c) => onnx.cnnModel(c.arch, c.params, seededParams(c.params, c.weightsSeed), c.batch);

const sources = [];
const meta = { impl: 'onnxruntime', 'onnxruntime-node': ort.env.versions.node, intra_op_threads: THREADS };
const models = plan.cases.map((c) => {
  try {
    const m = onnxModel(c);
    if (!sources.includes(m.from)) sources.push(m.from);
    return m;
  } catch (e) {
    return { error: e.message };
  }
});
emit({ meta: { ...meta, onnx_model: sources.join('; ') } });

await runCases(plan, 'onnxruntime', async (c) => {
  const m = models[plan.cases.indexOf(c)];
  if (m.error) throw new Error(m.error);
  const session = await ort.InferenceSession.create(m.bytes, {
    executionProviders: ['cpu'], intraOpNumThreads: THREADS, interOpNumThreads: 1,
    executionMode: 'sequential', graphOptimizationLevel: 'all',
  });
  const shape = [c.batch, ...c.arch.inputShape];
  const x = uniformF32(shape.reduce((a, b) => a * b, 1), c.inputSeed);
  const [input] = session.inputNames;
  const [output] = session.outputNames;
  try {
    return await timePredict(async () => {
      const out = await session.run({ [input]: new ort.Tensor('float32', x, shape) });
      return out[output].data;
    }, c, plan.policy, { async: true });
  } finally {
    await session.release();
  }
});
