// W5: LSTM inference latency, the Node-service case (BENCHMARKS.md): one sample (batch 1) of
// 32 steps x 16 features through LSTM 128, then dense 1 on the last hidden state. One rep is
// one predict call as a service pays it: the input Float32Array into the library's tensor,
// predict, the output read back into JS (for Python peers: the NumPy array in, a float out);
// zerodl's row is its serving call, predictValues, and zerodl-tensors its tensor API.
// Every implementation loads the SAME weights (lib/data.mjs seededParams, PyTorch's init
// bounds U(-1/sqrt(hidden), 1/sqrt(hidden)) and parameter names) and must reproduce the
// float64 reference prediction below within `tolerance` before it is timed.
import { numpyImpl, torchImpl, zerodlImpl } from '../lib/impls.mjs';
import { seededParams } from '../lib/data.mjs';
import { lstmDenseForward } from '../lib/lstm_reference.mjs';

// The weights and the input are part of the case (not run.mjs's seeds), so the reference
// prediction below and every runner provably use the same ones.
const WEIGHTS_SEED = 1;
const INPUT_SEED = 2;

function lstmRegressor({ seq, input, hidden }) {
  const k = 1 / Math.sqrt(hidden); // nn.LSTM's and nn.Linear's (fan-in = hidden) init bound
  const params = [
    { name: '0.weight_ih_l0', shape: [4 * hidden, input], bound: k },
    { name: '0.weight_hh_l0', shape: [4 * hidden, hidden], bound: k },
    { name: '0.bias_ih_l0', shape: [4 * hidden], bound: k },
    { name: '0.bias_hh_l0', shape: [4 * hidden], bound: k },
    { name: '1.weight', shape: [1, hidden], bound: k },
    { name: '1.bias', shape: [1], bound: k },
  ];
  const inputSpec = [{ name: 'x', shape: [1, seq, input], bound: 1 }];
  const expected = lstmDenseForward(seededParams(inputSpec, INPUT_SEED).x,
    seededParams(params, WEIGHTS_SEED), { seq, input, hidden })[0];
  return {
    id: `lstm-predict-h${hidden}-t${seq}-b1`,
    label: `LSTM ${input}-${hidden} + dense 1, seq ${seq}, batch 1`,
    seq, input, hidden,
    params, weightsSeed: WEIGHTS_SEED, inputSpec, inputSeed: INPUT_SEED,
    // float32 against float64 over 32 steps: ~1e-6 apart; a wrong gate order is ~1e-2 off.
    expected, tolerance: 1e-4,
    // Multiply-adds of the input and hidden products and the dense layer (elementwise work not counted).
    flops: 2 * seq * 4 * hidden * (input + hidden) + 2 * hidden,
  };
}

const c = lstmRegressor({ seq: 32, input: 16, hidden: 128 });

export default {
  id: 'W5',
  title: 'LSTM inference latency (predict call, batch 1), float32',
  unit: 'us',
  cases: [c],
  // BENCHMARKS.md: the median of 200 calls; 4 rounds x 50. The first calls of a fresh process
  // are slow (JIT, first-touch of buffers, thread pool start), hence 100 warm-up calls.
  policy: { warmup: 100, minReps: 50, maxReps: 50 },
  columns: [{ title: 'prediction', key: 'prediction', digits: 6 }],
  notes: [`every runner checked its prediction against the float64 reference ${c.expected.toFixed(6)} ` +
    `(tolerance ${c.tolerance}) before timing`],
  impls: [
    // Every multithreaded implementation may use every core (lib/impls.mjs); at batch 1 none
    // gains from a second.
    // zerodl's serving call (predictValues), and its tensor API as a second row.
    { ...zerodlImpl('impls/zerodl_w5.mjs'), args: ['values'] },
    { ...zerodlImpl('impls/zerodl_w5.mjs'), name: 'zerodl-tensors', args: ['tensors'] },
    { name: 'onnxruntime', lang: 'node', script: 'peers/ort_w5.mjs', needsModule: 'onnxruntime-node' },
    torchImpl('peers/torch_w5.py'),
    numpyImpl('peers/numpy_w5.py'),
    { name: 'tfjs-wasm', lang: 'node', script: 'peers/tfjs_w5.mjs', args: ['wasm'] },
    { name: 'tfjs-cpu', lang: 'node', script: 'peers/tfjs_w5.mjs', args: ['cpu'] },
  ],
  targets: [
    // An absolute bound on zerodl's median (BENCHMARKS.md: the L2-bandwidth bound for these
    // weights is ~25-50 us).
    { title: '<= 60 us per predict call', case: c.id, maxMs: 0.060 },
    // zerodl speed / peer speed (same run, median vs median).
    { title: '>= 3x faster than onnxruntime-node', case: c.id, peer: 'onnxruntime', min: 3 },
  ],
};
