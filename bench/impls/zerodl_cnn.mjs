// W3 / W12 (CNN train step, the network per the case's `arch`) on zerodl.
// Usage: node zerodl_cnn.mjs <plan-json>
// The model (lib/zerodl_models.mjs cnnModel: conv2d, maxPool2d, flatten, dense on NCHW input) gets
// the case's seeded weights; a step is `await model.trainOnBatch(x, y)` on the case's batch, as in W2.
import { readPlan, timeTrainSteps, emit, runCases } from '../lib/timing.mjs';
import { cnnTrainStep } from '../lib/zerodl_models.mjs';
import { loadZerodl } from '../lib/zerodl.mjs';

const plan = readPlan(process.argv[2]);
const { zd, meta } = loadZerodl();
emit({ meta });

await runCases(plan, 'zerodl', async (c) => {
  const { step, dispose } = cnnTrainStep(zd, c);
  try {
    return await timeTrainSteps(step, plan.policy);
  } finally {
    dispose();
  }
});
