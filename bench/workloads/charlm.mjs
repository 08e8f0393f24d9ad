// W4 / W6: one training step of a character language model (BENCHMARKS.md): one-hot input
// (vocabulary 65), one recurrent layer (W4: LSTM, W6: GRU; hidden 256, PyTorch's
// formulations), dense 65 + softmax cross-entropy at every step, batch 32, sequence 64,
// plain SGD. A step = forward + backpropagation through time + update. The two workloads
// differ only by the cell, which is a field of the case (`cell`), so every implementation
// has one runner for both (impls/zerodl_rnn.mjs, peers/*_rnn.*).
// Inputs: seeded character ids (seed A) fed as a float32 one-hot tensor [batch, seq, vocab]
// built outside the timed region, and seeded integer labels [batch, seq] (seed B).
import { numpyImpl, torchImpl, zerodlImpl } from '../lib/impls.mjs';

const GATES = { lstm: 4, gru: 3 };
const TFJS = ['tfjs-wasm', 'tfjs-cpu'];

function charLm(cell, { vocab, hidden, seq, batch, learningRate }) {
  // GEMM work of a step: forward products (input projection, hidden product, dense), their
  // weight gradients, and the input gradients of the hidden product and of the dense layer
  // (nothing needs d(loss)/d(x)). Elementwise work (gates, softmax, update) is not counted.
  const g = GATES[cell] * hidden;
  const fwd = vocab * g + hidden * g + hidden * vocab;
  const flops = 2 * batch * seq * (2 * fwd + hidden * g + hidden * vocab);
  return {
    id: `${cell}-charlm-h${hidden}-t${seq}-b${batch}`,
    label: `${cell.toUpperCase()} char LM ${vocab}-${hidden}-${vocab}, seq ${seq}, batch ${batch}`,
    cell, vocab, hidden, seq, batch, learningRate, classes: vocab,
    flops,
  };
}

/** The workload definition of W4 (cell 'lstm') or W6 (cell 'gru'). */
export function charLmWorkload(id, cell) {
  const c = charLm(cell, { vocab: 65, hidden: 256, seq: 64, batch: 32, learningRate: 0.1 });
  return {
    id,
    title: `${cell.toUpperCase()} char-LM train step (forward + BPTT + SGD update), float32`,
    cases: [c],
    // A fresh model's first steps are slow (zerodl's first LSTM step takes ~2x a later one:
    // first-touch of buffers, thread pool start; PyTorch has its own first-call costs).
    policy: { warmup: 3 },
    impls: [
      zerodlImpl('impls/zerodl_rnn.mjs'),
      torchImpl('peers/torch_rnn.py'),
      numpyImpl('peers/numpy_rnn.py'),
      // ~2-3.5 s per step: 4 rounds x (3 warm-ups + 3 reps) cost over a minute per workload,
      // so only with --include-slow (the tfjs target is then n/a).
      { name: 'tfjs-wasm', lang: 'node', script: 'peers/tfjs_rnn.mjs', args: ['wasm'],
        slow: { [c.id]: '~2-3.5 s per step' } },
      // tfjs-cpu is left out: its pure-JS kernels manage ~0.7 GFLOP/s (W1), so a step of
      // ~4 GFLOP would take ~6-10 s, minutes per workload for a peer tfjs-wasm already beats.
    ],
    // zerodl speed / peer speed (same run, median vs median). A list of peers means the
    // fastest of them that ran (tfjs-cpu is not run here, so it is tfjs-wasm).
    targets: [
      { title: '>= 1.25x PyTorch CPU', case: c.id, peer: 'torch', min: 1.25 },
      { title: '>= 2.5x hand-written NumPy', case: c.id, peer: 'numpy', min: 2.5 },
      { title: '>= 50x the best tfjs backend', case: c.id, peer: TFJS, min: 50 },
    ],
  };
}
