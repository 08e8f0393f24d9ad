// W2: one MLP training step (BENCHMARKS.md): 784-256-128-10, relu, softmax cross-entropy,
// batch 128, plain SGD. A step = forward + backward + update, as each library's users
// run it (zerodl and tfjs: `await model.trainOnBatch(x, y)`; PyTorch: zero_grad, forward,
// loss, backward, step; NumPy: the same maths written out). Inputs: seeded float32
// uniform [0, 1) of shape [batch, 784] and integer labels 0..9.
import { numpyImpl, torchImpl, zerodlImpl } from '../lib/impls.mjs';

function mlp(units, batch, learningRate) {
  // GEMM work of a step: the forward products, their weight gradients, and the input
  // gradients of every layer but the first (nothing needs d(loss)/d(x)). Elementwise
  // work (relu, softmax, bias, update) is not counted.
  const pairs = units.slice(1).map((out, i) => units[i] * out);
  const sum = pairs.reduce((a, b) => a + b, 0);
  const flops = 2 * batch * (2 * sum + (sum - pairs[0]));
  return {
    id: `mlp-${units.join('-')}-b${batch}`,
    label: `MLP ${units.join('-')}, batch ${batch}`,
    units, batch, learningRate, classes: units.at(-1),
    flops,
  };
}

const TFJS = ['tfjs-wasm', 'tfjs-cpu'];

export default {
  id: 'W2',
  title: 'MLP train step (forward + backward + SGD update), float32',
  cases: [mlp([784, 256, 128, 10], 128, 0.01)],
  // A fresh model's first ~10 steps run slow (zerodl: 2-15 ms against ~1.6 ms after:
  // first-touch of buffers, thread pool start; tfjs and PyTorch have their own first-call
  // costs), so every round warms up with 10 steps, in quick runs too.
  policy: { warmup: 10 },
  impls: [
    zerodlImpl('impls/zerodl_w2.mjs'),
    torchImpl('peers/torch_w2.py'),
    numpyImpl('peers/numpy_w2.py'),
    { name: 'tfjs-wasm', lang: 'node', script: 'peers/tfjs_w2.mjs', args: ['wasm'] },
    // ~220-330 ms per step: the 4 rounds' minimum reps (12) already take a few seconds.
    { name: 'tfjs-cpu', lang: 'node', script: 'peers/tfjs_w2.mjs', args: ['cpu'] },
  ],
  // zerodl speed / peer speed (same run, median vs median). A list of peers means the
  // fastest of them that ran.
  targets: [
    { title: 'at least as fast as PyTorch CPU', case: 'mlp-784-256-128-10-b128', peer: 'torch', min: 1.0 },
    { title: '>= 20x the best tfjs backend', case: 'mlp-784-256-128-10-b128', peer: TFJS, min: 20 },
  ],
};
