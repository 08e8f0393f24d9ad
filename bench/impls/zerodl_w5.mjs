// W5 (LSTM predict latency, batch 1) on zerodl.
// Usage: node zerodl_w5.mjs [values|tensors] <plan-json>
// `values` (the row named zerodl): model.predictValues(Float32Array, shape), the serving call:
// the input copied into a native tensor, predict (on the calling thread), the output copied
// back into a Float32Array, in one N-API crossing.
// `tensors` (zerodl-tensors): the tensor API, as a script would write it: zd.tensor(Float32Array,
// shape), model.predict, toFloat32Array(), and disposing both tensors (a hot path frees them at
// once rather than leave native memory to the GC).
import { readPlan, emit, runCases, timePredict } from '../lib/timing.mjs';
import { seededParams } from '../lib/data.mjs';
import { loadZerodl } from '../lib/zerodl.mjs';
import { lstmRegressor } from '../lib/zerodl_models.mjs';

const api = process.argv[2];
const plan = readPlan(process.argv[3]);
const { zd, meta } = loadZerodl();
const impl = api === 'tensors' ? 'zerodl-tensors' : 'zerodl';
emit({ meta: { ...meta, impl, api: api === 'tensors' ? 'tensor + predict + toFloat32Array' : 'predictValues' } });

await runCases(plan, impl, async (c) => {
  // The case's weights, under zerodl's PyTorch state_dict names.
  const model = lstmRegressor(zd, c);
  const x = seededParams(c.inputSpec, c.inputSeed).x;
  const shape = [1, c.seq, c.input];
  if (api !== 'tensors') return timePredict(() => model.predictValues(x, shape)[0], c, plan.policy);
  return timePredict(() => {
    const input = zd.tensor(x, shape);
    const output = model.predict(input);
    const y = output.toFloat32Array();
    input.dispose();
    output.dispose();
    return y[0];
  }, c, plan.policy);
});
