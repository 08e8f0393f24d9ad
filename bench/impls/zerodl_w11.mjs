// W11 (LeNet-5 predict latency, batch 1 and 64) on zerodl.
// Usage: node zerodl_w11.mjs [values|tensors] <plan-json>
// As W5: `values` (the row named zerodl) is the serving call, `tensors` (zerodl-tensors) the
// tensor API: see predictCall in lib/zerodl.mjs.
import { readPlan, emit, runCases, timePredict } from '../lib/timing.mjs';
import { uniformF32 } from '../lib/data.mjs';
import { loadZerodl, predictApi, predictCall } from '../lib/zerodl.mjs';
import { seededCnn } from '../lib/zerodl_models.mjs';

const api = process.argv[2];
const plan = readPlan(process.argv[3]);
const { zd, meta } = loadZerodl();
const { impl, api: apiName } = predictApi(api);
emit({ meta: { ...meta, impl, api: apiName } });

await runCases(plan, impl, async (c) => {
  const model = seededCnn(zd, c); // the case's weights, PyTorch layouts
  const shape = [c.batch, ...c.arch.inputShape];
  const x = uniformF32(shape.reduce((a, b) => a * b, 1), c.inputSeed);
  const predict = predictCall(zd, model, api);
  return timePredict(() => predict(x, shape), c, plan.policy);
});
