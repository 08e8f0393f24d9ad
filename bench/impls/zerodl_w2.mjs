// W2 (MLP train step) on zerodl. Usage: node zerodl_w2.mjs <plan-json>
// A step is `await model.trainOnBatch(x, y)`: forward, backward and SGD update run off
// the JS thread, as users run them; the timed rep ends when the promise resolves.
import { readPlan, timeTrainSteps, emit, runCases } from '../lib/timing.mjs';
import { uniformF32, labelsF32 } from '../lib/data.mjs';
import { loadZerodl } from '../lib/zerodl.mjs';

const plan = readPlan(process.argv[2]);
const { zd, meta } = loadZerodl();
emit({ meta });

const [seedA, seedB] = plan.seeds;
await runCases(plan, 'zerodl', async (c) => {
  const [inputs, ...sizes] = c.units;
  const layers = sizes.map((units, i) => zd.layers.dense({
    units,
    activation: i === sizes.length - 1 ? 'softmax' : 'relu',
    ...(i === 0 ? { inputShape: [inputs] } : {}),
  }));
  const model = new zd.Sequential(layers, { seed: seedA });
  model.compile({ optimizer: zd.optimizers.sgd({ learningRate: c.learningRate }),
    loss: 'sparseCategoricalCrossentropy' });
  const x = zd.tensor(uniformF32(c.batch * inputs, seedA), [c.batch, inputs]);
  const y = zd.tensor(labelsF32(c.batch, c.classes, seedB));
  try {
    return await timeTrainSteps(async () => (await model.trainOnBatch(x, y)).loss, plan.policy);
  } finally {
    x.dispose(); y.dispose();
  }
});
