// W5 (LSTM predict latency, batch 1) on zerodl.
// Usage: node zerodl_w5.mjs [values|tensors] <plan-json>
// `values` (the row named zerodl) is the serving call, `tensors` (zerodl-tensors) the tensor API:
// see predictCall in lib/zerodl.mjs.
import { readPlan, emit, runCases, timePredict } from '../lib/timing.mjs';
import { seededParams } from '../lib/data.mjs';
import { loadZerodl, predictApi, predictCall } from '../lib/zerodl.mjs';
import { lstmRegressor } from '../lib/zerodl_models.mjs';

const api = process.argv[2];
const plan = readPlan(process.argv[3]);
const { zd, meta } = loadZerodl();
const { impl, api: apiName } = predictApi(api);
emit({ meta: { ...meta, impl, api: apiName } });

await runCases(plan, impl, async (c) => {
  // The case's weights, under zerodl's PyTorch state_dict names.
  const model = lstmRegressor(zd, c);
  const x = seededParams(c.inputSpec, c.inputSeed).x;
  const shape = [1, c.seq, c.input];
  const predict = predictCall(zd, model, api);
  return timePredict(() => predict(x, shape)[0], c, plan.policy);
});
