// Loads the zerodl build under test for the zerodl runners (impls/*.mjs): the CommonJS
// entry dist/index.js (`npm run build` makes it), or ZERODL_ENTRY.
import { createRequire } from 'node:module';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, ZERODL_ENTRY } from './paths.mjs';

/** {zd, meta}, or exit 3 if there is no build. */
export function loadZerodl() {
  if (!existsSync(ZERODL_ENTRY)) {
    console.error('zerodl not built: run npm run build');
    process.exit(3);
  }
  const zd = createRequire(import.meta.url)(ZERODL_ENTRY);
  const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
  // backendInfo() (threads, SIMD level, GEMM kernel) says what was actually measured.
  const meta = { impl: 'zerodl', zerodl: version, ...zd.backendInfo?.() };
  if (process.env.ZERODL_ENTRY) meta.entry = ZERODL_ENTRY; // a non-default build is being measured
  return { zd, meta };
}

/** The implementation names and meta line of a predict-latency runner for `api`. */
export function predictApi(api) {
  const tensors = api === 'tensors';
  return { impl: tensors ? 'zerodl-tensors' : 'zerodl', api: tensors ? 'tensor + predict + toFloat32Array' : 'predictValues' };
}

/**
 * One predict call from Node as `api` does it, (x: Float32Array, shape) => Float32Array:
 * `values` (the row named zerodl) is the serving call, model.predictValues(x, shape), one N-API
 * crossing; `tensors` (zerodl-tensors) is the tensor API as a script would write it:
 * zd.tensor, model.predict, toFloat32Array(), and both tensors disposed at once (a hot path
 * frees them rather than leave native memory to the GC).
 */
export function predictCall(zd, model, api) {
  if (api !== 'tensors') return (x, shape) => model.predictValues(x, shape);
  return (x, shape) => {
    const input = zd.tensor(x, shape);
    const output = model.predict(input);
    const y = output.toFloat32Array();
    input.dispose();
    output.dispose();
    return y;
  };
}
