// W8 (char LM end to end: 2-layer LSTM, Moby Dick, a wall budget) on zerodl.
// Usage: node zerodl_w8.mjs <plan-json>
// The model of examples/char-lm.mjs with a second LSTM layer, loaded with the case's weights.
// Training: `await model.trainOnBatch(x, y)` on the case's batches, in its order, until the
// budget has passed (the step that crosses it finishes); then `model.evaluate` on the
// validation windows, outside the budget.
import { performance } from 'node:perf_hooks';
import { readPlan, emit, runCases } from '../lib/timing.mjs';
import { encode, epochOrder, gatherBatch, loadText, windows } from '../lib/charlm_text.mjs';
import { loadZerodl } from '../lib/zerodl.mjs';
import { charLm2 } from '../lib/zerodl_models.mjs';

const plan = readPlan(process.argv[2]);
const { zd, meta } = loadZerodl();
emit({ meta });

/** Trains until `budgetS` has passed; per-step times (ms) and every step's loss. */
async function trainFor(budgetS, step) {
  const times = [];
  const losses = [];
  const t0 = performance.now();
  while (performance.now() - t0 < budgetS * 1000) {
    const s = performance.now();
    losses.push(await step(times.length));
    times.push(performance.now() - s);
  }
  return { times, losses, seconds: (performance.now() - t0) / 1000 };
}

await runCases(plan, 'zerodl', async (c) => {
  const text = loadText(c.textFile, c.textSha256);
  if (text.length !== c.chars) throw new Error(`text has ${text.length} characters, the case ${c.chars}`);
  const ids = encode(text, c.alphabet);
  const train = windows(ids, 0, c.trainWindows, c.seq);
  const val = windows(ids, c.split, c.valWindows, c.seq);

  const model = charLm2(zd, c);
  model.compile({
    optimizer: zd.optimizers.adam({ learningRate: c.learningRate, beta1: c.beta1, beta2: c.beta2, epsilon: c.epsilon }),
    loss: 'sparseCategoricalCrossentropy', clipNorm: c.clipNorm,
  });

  const perEpoch = Math.floor(c.trainWindows / c.batch);
  let order;
  const { times, losses, seconds } = await trainFor(c.budgetS, async (k) => {
    if (k % perEpoch === 0) order = epochOrder(c, k / perEpoch);
    const b = gatherBatch(train, order, k % perEpoch, c.batch, c.seq);
    const x = zd.tensor(b.x, [c.batch, c.seq]);
    const y = zd.tensor(b.y, [c.batch, c.seq]);
    const { loss } = await model.trainOnBatch(x, y);
    x.dispose();
    y.dispose();
    return loss;
  });
  if (!Number.isFinite(losses.at(-1))) throw new Error(`loss is ${losses.at(-1)} after ${losses.length} steps`);

  const t = performance.now();
  const valX = zd.tensor(val.x, [val.count, c.seq]);
  const valY = zd.tensor(val.y, [val.count, c.seq]);
  const { loss: valLoss } = await model.evaluate(valX, valY, { batchSize: c.batch });
  return {
    times_ms: times, steps: times.length, train_s: seconds, steps_per_s: times.length / seconds,
    loss_first: losses[0], loss_last: losses.at(-1), loss_every_10: losses.filter((_, i) => i % 10 === 0),
    val_loss: valLoss, eval_s: (performance.now() - t) / 1000,
  };
});
