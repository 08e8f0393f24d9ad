// W8: a character language model end to end (BENCHMARKS.md): embedding 32 -> LSTM 256 ->
// LSTM 256 (both returnSequences) -> dense vocab + softmax cross-entropy at every step, on Moby
// Dick, seq 100, batch 32, Adam (lr 2e-3, PyTorch's defaults otherwise) with gradients clipped
// to global norm 5, as examples/char-lm.mjs trains it. Each implementation trains for the same
// wall budget, from the same weights, on the same batches in the same order; then the mean
// cross-entropy (nats/char) over the same validation windows is its score (lower is better).
// zerodl and PyTorch run the same maths, so with equal weights their first losses agree and the
// validation loss differs only by how many steps each managed: the steps/s ratio is the speed.
import { torchImpl, zerodlImpl } from '../lib/impls.mjs';
import { MOBY_DICK, loadText } from '../lib/charlm_text.mjs';

const BUDGET_S = { full: 60, quick: 15 }; // per implementation; --w8-budget=300 for 5 minutes

function charLm(budgetS) {
  const text = loadText(MOBY_DICK.file, MOBY_DICK.sha256);
  const alphabet = [...new Set(text)].sort().join('');
  const [vocab, embed, hidden, seq, batch] = [alphabet.length, 32, 256, 100, 32];
  const split = Math.floor(text.length * 0.9); // the last 10% of the novel is the validation text
  // PyTorch's init bounds: nn.LSTM and nn.Linear U(-1/sqrt(fan-in = hidden)); the embedding
  // U(-sqrt(3), sqrt(3)), unit variance like nn.Embedding's N(0, 1). zerodl's names.
  const k = 1 / Math.sqrt(hidden);
  const lstm = (layer, input) => [
    { name: `${layer}.weight_ih_l0`, shape: [4 * hidden, input], bound: k },
    { name: `${layer}.weight_hh_l0`, shape: [4 * hidden, hidden], bound: k },
    { name: `${layer}.bias_ih_l0`, shape: [4 * hidden], bound: k },
    { name: `${layer}.bias_hh_l0`, shape: [4 * hidden], bound: k },
  ];
  const params = [
    { name: '0.weight', shape: [vocab, embed], bound: Math.sqrt(3) },
    ...lstm(1, embed), ...lstm(2, hidden),
    { name: '3.weight', shape: [vocab, hidden], bound: k },
    { name: '3.bias', shape: [vocab], bound: k },
  ];
  // GEMM work of a step: per LSTM layer the forward input and hidden products, their weight
  // gradients and input gradients (3 products each; layer 1's input gradient feeds the
  // embedding's); the dense layer's 3 likewise. Elementwise work is not counted.
  const g = 4 * hidden;
  const flops = 2 * batch * seq * (3 * (embed * g + hidden * g) + 3 * (hidden * g + hidden * g) + 3 * hidden * vocab);
  return {
    id: `lstm2-charlm-h${hidden}-t${seq}-b${batch}`,
    label: `2-layer LSTM ${hidden} char LM (vocab ${vocab}), seq ${seq}, batch ${batch}, ${budgetS} s`,
    textFile: MOBY_DICK.file, textSha256: MOBY_DICK.sha256, chars: text.length, alphabet,
    vocab, embed, hidden, seq, batch,
    split, trainWindows: Math.floor((split - 1) / seq), valWindows: Math.floor((text.length - split - 1) / seq),
    learningRate: 2e-3, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, clipNorm: 5,
    params, weightsSeed: 1, orderSeed: 2, // epoch e's batch order: seededPermutation(trainWindows, orderSeed + e)
    budgetS, flops,
  };
}

export default {
  id: 'W8',
  title: 'char LM end to end (2-layer LSTM 256, Moby Dick, Adam): validation loss after a wall budget',
  options: {
    'w8-budget': { value: 'S', help: 'W8: seconds of training per implementation (default 60, 15 with --quick; ' +
      '300 for BENCHMARKS.md\'s 5 minutes)' },
  },
  /** The case for this run: its budget comes from --w8-budget or the mode's default. */
  configure(values, mode) {
    const arg = values['w8-budget'];
    const budgetS = arg === undefined ? BUDGET_S[mode] : Number(arg);
    if (!(budgetS > 0)) throw new Error(`--w8-budget wants a number of seconds > 0, got ${JSON.stringify(arg)}`);
    const c = charLm(budgetS);
    return {
      ...this,
      cases: [c],
      method: `one run per implementation: training steps (no warm-up: first-step costs count) until ` +
        `${budgetS} s of wall time have passed, then the mean cross-entropy over the ${c.valWindows} ` +
        `validation windows (the last 10% of the text), outside the budget. steps/s = steps / training ` +
        `seconds; zerodl/peer speed = zerodl steps/s / peer steps/s: > 1 means zerodl is faster.`,
    };
  },
  cases: [], // made by configure()
  policy: { rounds: 1 },
  rateKey: 'steps_per_s',
  headers: { reps: 'steps', median: 'median ms/step (min-max)' },
  columns: [
    { title: 'steps/s', key: 'steps_per_s', digits: 2 },
    { title: 'loss step 1', key: 'loss_first', digits: 4 },
    { title: 'val nats/char', key: 'val_loss', digits: 4 },
  ],
  notes: [
    'val nats/char: lower is better; equal weights and batches make "loss step 1" agree across implementations',
    'tfjs is not run: its LSTM train step is ~100x slower here (W4: ~3.5 s/step), so a budget of ' +
      'minutes buys it a handful of steps and a validation loss near the untrained ln(vocab)',
  ],
  impls: [
    zerodlImpl('impls/zerodl_w8.mjs'),
    torchImpl('peers/torch_w8.py'),
  ],
  targets: [], // BENCHMARKS.md sets none for W8
};
