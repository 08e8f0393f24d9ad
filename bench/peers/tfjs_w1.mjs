// W1 (GEMM) on TensorFlow.js. Usage: node tfjs_w1.mjs cpu|wasm <plan-json>
//   cpu : tfjs's pure-JS CPU backend.
//   wasm: @tensorflow/tfjs-backend-wasm. In Node tfjs reports no multithread support
//         (WASM_HAS_MULTITHREAD_SUPPORT is hard-wired false there), so it loads the
//         single-threaded SIMD binary; we point it at node_modules explicitly.
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { readPlan, timeReps, emit, runCases } from '../lib/timing.mjs';

const require = createRequire(import.meta.url);
const backend = process.argv[2];
const plan = readPlan(process.argv[3]);
if (!['cpu', 'wasm'].includes(backend)) {
  console.error(`unknown tfjs backend "${backend}" (want cpu or wasm)`);
  process.exit(2);
}

// The bench must never touch the network: fail loudly if anything tries to fetch.
globalThis.fetch = async (url) => { throw new Error(`bench: network access refused (${url})`); };

const tf = require('@tensorflow/tfjs');
const meta = { impl: `tfjs-${backend}`, tfjs: tf.version.tfjs, backend };
if (backend === 'wasm') {
  const wasm = require('@tensorflow/tfjs-backend-wasm');
  wasm.setWasmPaths(dirname(require.resolve('@tensorflow/tfjs-backend-wasm')) + '/');
  await tf.setBackend('wasm');
  meta.wasm_simd = await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT');
  meta.wasm_multithread = await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT');
  meta.wasm_threads = wasm.getThreadsCount();
} else {
  await tf.setBackend('cpu');
}
await tf.ready();
if (tf.getBackend() !== backend) throw new Error(`tfjs backend is ${tf.getBackend()}, wanted ${backend}`);
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
