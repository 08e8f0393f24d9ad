// W4 / W6 (char-LM train step, LSTM or GRU per the case's `cell`) on zerodl.
// Usage: node zerodl_rnn.mjs <plan-json>
// zerodl has no one-hot input layer, so the model takes the float32 one-hot tensor
// [batch, seq, vocab] (built once, outside the timed region). A step is
// `await model.trainOnBatch(x, y)`, as in W2.
import { readPlan, timeTrainSteps, emit, runCases } from '../lib/timing.mjs';
import { charLmStep } from '../lib/zerodl_models.mjs';
import { loadZerodl } from '../lib/zerodl.mjs';

const plan = readPlan(process.argv[2]);
const { zd, meta } = loadZerodl();
emit({ meta });

await runCases(plan, 'zerodl', async (c) => {
  const { step, dispose } = charLmStep(zd, c, plan.seeds);
  try {
    return await timeTrainSteps(step, plan.policy);
  } finally {
    dispose();
  }
});
