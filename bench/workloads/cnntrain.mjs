// W3 / W12: one training step of a small CNN (BENCHMARKS.md): W3 LeNet-5 on 1x28x28, W12 the
// CIFAR-style net on 3x32x32 (lib/cnn.mjs has both), softmax cross-entropy, batch 64, plain SGD
// (lr 0.01). A step = forward + backward + update, as each library's users run it (zerodl and
// tfjs: `await model.trainOnBatch(x, y)`; PyTorch: zero_grad, forward, loss, backward, step,
// loss.item()). The two workloads differ only by the network, which is a field of the case
// (`arch`), so every implementation has one runner for both (impls/zerodl_cnn.mjs,
// peers/torch_cnn.py, peers/tfjs_cnn.mjs).
// Every implementation starts from the SAME weights (lib/data.mjs seededParams with PyTorch's
// default init bounds, in PyTorch layouts; tfjs gets them converted to its NHWC layouts) and
// trains on the same batch (inputs uniform [0, 1), integer labels, seeded), so their first
// losses agree (the "loss step 1" column).
import { torchImpl, zerodlImpl } from '../lib/impls.mjs';
import { cnnDescription, cnnFlops, cnnParams } from '../lib/cnn.mjs';

const TFJS = ['tfjs-wasm', 'tfjs-cpu'];

function cnnTrain(arch, { batch, learningRate }) {
  const [ch, h, w] = arch.inputShape;
  return {
    id: `${arch.name.split(' ')[0].toLowerCase()}-train-b${batch}`,
    label: `${arch.name} ${ch}x${h}x${w} train step, batch ${batch}`,
    arch, batch, learningRate, classes: arch.layers.at(-1).units,
    params: cnnParams(arch), weightsSeed: 1, inputSeed: 2, labelsSeed: 3,
    flops: cnnFlops(arch, batch, { train: true }),
  };
}

/**
 * The workload definition of W3 or W12. `tfjsCpuSlow`: the reason tfjs-cpu is skipped unless
 * --include-slow (W12), or undefined to run it (W3).
 */
export function cnnTrainWorkload(id, arch, { tfjsCpuSlow } = {}) {
  const c = cnnTrain(arch, { batch: 64, learningRate: 0.01 });
  return {
    id,
    title: `${arch.name} train step (forward + backward + SGD update), float32`,
    cases: [c],
    // A fresh model's first steps are slow (first-touch of buffers, thread pool start, JIT).
    policy: { warmup: 5 },
    columns: [
      { title: 'loss step 1', key: 'loss_first', digits: 4 },
      { title: 'loss last', key: 'loss_last', digits: 4 },
    ],
    notes: [
      `${arch.name}: ${cnnDescription(arch)}; softmax cross-entropy, SGD lr ${c.learningRate}. GFLOP/s counts ` +
        'the conv and dense products only (forward, weight gradients, input gradients but the first layer\'s).',
      'equal weights and batch: "loss step 1" (the first warm-up step\'s loss) agrees across implementations',
      'tfjs-cpu runs 1 warm-up step per round (a step takes seconds); tfjs-wasm cannot train a conv layer ' +
        '(no Conv2DBackpropFilter kernel on the wasm backend), its row says so',
    ],
    impls: [
      zerodlImpl('impls/zerodl_cnn.mjs'),
      torchImpl('peers/torch_cnn.py'),
      { name: 'tfjs-wasm', lang: 'node', script: 'peers/tfjs_cnn.mjs', args: ['wasm'] },
      { name: 'tfjs-cpu', lang: 'node', script: 'peers/tfjs_cnn.mjs', args: ['cpu'], policy: { warmup: 1 },
        ...(tfjsCpuSlow ? { slow: { [c.id]: tfjsCpuSlow } } : {}) },
    ],
    // zerodl speed / peer speed (same run, median vs median). A list of peers means the fastest
    // of them that ran (BENCHMARKS.md: "the best tfjs backend that trains them").
    targets: [
      { title: '>= 1.25x PyTorch CPU', case: c.id, peer: 'torch', min: 1.25 },
      { title: '>= 20x the best tfjs backend that trains it', case: c.id, peer: TFJS, min: 20 },
    ],
  };
}
