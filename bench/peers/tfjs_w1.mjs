// W1 (GEMM) on TensorFlow.js. Usage: node tfjs_w1.mjs cpu|wasm <plan-json>
// Backend setup (cpu: pure JS; wasm: single-threaded SIMD in Node) is in lib/tfjs.mjs.
import { readPlan, timeReps, emit, runCases } from '../lib/timing.mjs';
import { loadTfjs, backendArg } from '../lib/tfjs.mjs';

const backend = backendArg('tfjs_w1.mjs');
const plan = readPlan(process.argv[3]);
const { tf, meta } = await loadTfjs(backend);
emit({ meta });

const [seedA, seedB] = plan.seeds;
await runCases(plan, meta.impl, (c) => {
  const a = tf.randomNormal([c.m, c.k], 0, 1, 'float32', seedA);
  const b = tf.randomNormal([c.k, c.n], 0, 1, 'float32', seedB);
  try {
    a.dataSync(); b.dataSync(); // inputs fully materialised before timing
    return timeReps(() => {
      const out = tf.matMul(a, b);
      out.dataSync(); // forces the product to finish (and, on cpu, is where it runs)
      out.dispose();
    }, plan.policy);
  } finally {
    a.dispose(); b.dispose();
  }
});
