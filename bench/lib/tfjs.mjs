// TensorFlow.js with a chosen backend, for the tfjs peer runners (peers/tfjs_w*.mjs):
//   cpu : tfjs's pure-JS CPU backend.
//   wasm: @tensorflow/tfjs-backend-wasm. In Node tfjs reports no multithread support
//         (WASM_HAS_MULTITHREAD_SUPPORT is hard-wired false there), so it loads the
//         single-threaded SIMD binary; we point it at node_modules explicitly.
import { createRequire } from 'node:module';
import { dirname } from 'node:path';

export const TFJS_BACKENDS = ['cpu', 'wasm'];

/** {tf, meta} with `backend` set and ready; meta says what was actually measured. */
export async function loadTfjs(backend) {
  if (!TFJS_BACKENDS.includes(backend)) {
    throw new Error(`unknown tfjs backend "${backend}" (want ${TFJS_BACKENDS.join(' or ')})`);
  }
  // The bench must never touch the network: fail loudly if anything tries to fetch.
  globalThis.fetch = async (url) => { throw new Error(`bench: network access refused (${url})`); };

  const require = createRequire(import.meta.url);
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
  return { tf, meta };
}

/** The backend named on the command line (argv[2]), or exit 2 with a usage line. */
export function backendArg(script) {
  const backend = process.argv[2];
  if (!TFJS_BACKENDS.includes(backend)) {
    console.error(`usage: node ${script} ${TFJS_BACKENDS.join('|')} <plan-json>  (got backend "${backend}")`);
    process.exit(2);
  }
  return backend;
}
