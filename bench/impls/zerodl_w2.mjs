// W2 (MLP train step) on zerodl. Usage: node zerodl_w2.mjs <plan-json>
// A step is `await model.trainOnBatch(x, y)`: forward, backward and SGD update run off
// the JS thread, as users run them; the timed rep ends when the promise resolves.
import { readPlan, timeTrainSteps, emit, runCases } from '../lib/timing.mjs';
import { mlpStep } from '../lib/zerodl_models.mjs';
import { loadZerodl } from '../lib/zerodl.mjs';

const plan = readPlan(process.argv[2]);
const { zd, meta } = loadZerodl();
emit({ meta });

await runCases(plan, 'zerodl', async (c) => {
  const { step, dispose } = mlpStep(zd, c, plan.seeds);
  try {
    return await timeTrainSteps(step, plan.policy);
  } finally {
    dispose();
  }
});
