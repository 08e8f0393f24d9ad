// W1: GEMM C = A x B in float32 (BENCHMARKS.md). Square n = 64..1024, plus the
// 32x256 @ 256x1024 product of one LSTM step (batch 32, hidden 256, 4 gates).
import { numpyImpl, zerodlImpl } from '../lib/impls.mjs';

function gemm(m, k, n, note) {
  return {
    id: `${m}x${k}x${n}`,
    label: `${m}x${k} @ ${k}x${n}${note ? ` (${note})` : ''}`,
    m, n, k,
    flops: 2 * m * n * k,
  };
}

const sq = (n) => gemm(n, n, n);

export default {
  id: 'W1',
  title: 'GEMM C = A x B, float32',
  cases: [sq(64), sq(128), sq(256), sq(512), sq(1024), gemm(32, 256, 1024, 'LSTM step')],
  impls: [
    zerodlImpl('impls/zerodl_w1.mjs'),
    numpyImpl('peers/numpy_w1.py'),
    { name: 'tfjs-wasm', lang: 'node', script: 'peers/tfjs_w1.mjs', args: ['wasm'] },
    // tfjs's pure-JS backend manages ~0.7 GFLOP/s: n=1024 costs ~3.3 s per product
    // (~40 s for warm-up + 10 reps, more than all the rest), so only with --include-slow.
    { name: 'tfjs-cpu', lang: 'node', script: 'peers/tfjs_w1.mjs', args: ['cpu'],
      slow: { '1024x1024x1024': '~3.3 s per product (0.65 GFLOP/s)' } },
  ],
  // zerodl speed / numpy speed required at each size (same run, median vs median).
  targets: [
    { case: '128x128x128', peer: 'numpy', min: 0.8 },
    { case: '256x256x256', peer: 'numpy', min: 0.8 },
    { case: '512x512x512', peer: 'numpy', min: 0.9 },
    { case: '1024x1024x1024', peer: 'numpy', min: 0.9 },
  ],
};
