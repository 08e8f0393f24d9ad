// W4 / W6 (char-LM train step, LSTM or GRU per the case's `cell`) on zerodl.
// Usage: node zerodl_rnn.mjs <plan-json>
// zerodl has no one-hot input layer, so the model takes the float32 one-hot tensor
// [batch, seq, vocab] (built once, outside the timed region). A step is
// `await model.trainOnBatch(x, y)`, as in W2.
import { readPlan, timeTrainSteps, emit, runCases } from '../lib/timing.mjs';
import { labelsF32, oneHotF32 } from '../lib/data.mjs';
import { loadZerodl } from '../lib/zerodl.mjs';

const plan = readPlan(process.argv[2]);
const { zd, meta } = loadZerodl();
emit({ meta });

const [seedA, seedB] = plan.seeds;
await runCases(plan, 'zerodl', async (c) => {
  const n = c.batch * c.seq;
  const model = new zd.Sequential([
    zd.layers[c.cell]({ units: c.hidden, returnSequences: true, inputShape: [c.seq, c.vocab] }),
    zd.layers.dense({ units: c.vocab, activation: 'softmax' }),
  ], { seed: seedA });
  model.compile({ optimizer: zd.optimizers.sgd({ learningRate: c.learningRate }),
    loss: 'sparseCategoricalCrossentropy' });
  const x = zd.tensor(oneHotF32(labelsF32(n, c.vocab, seedA), c.vocab), [c.batch, c.seq, c.vocab]);
  const y = zd.tensor(labelsF32(n, c.classes, seedB), [c.batch, c.seq]);
  try {
    return await timeTrainSteps(async () => (await model.trainOnBatch(x, y)).loss, plan.policy);
  } finally {
    x.dispose(); y.dispose();
  }
});
