// W11 (LeNet-5 predict latency, batch 1 and 64) on zerodl.
// Usage: node zerodl_w11.mjs [values|tensors] <plan-json>
// As W5 (impls/zerodl_w5.mjs): `values` (the row named zerodl) is the serving call,
// model.predictValues(Float32Array, shape): the input copied into a native tensor, predict (on the
// calling thread), the output copied back into a Float32Array, in one N-API crossing. `tensors`
// (zerodl-tensors) is the tensor API: zd.tensor(Float32Array, shape), model.predict,
// toFloat32Array(), and disposing both tensors.
import { readPlan, emit, runCases, timePredict } from '../lib/timing.mjs';
import { uniformF32 } from '../lib/data.mjs';
import { loadZerodl } from '../lib/zerodl.mjs';
import { seededCnn } from '../lib/zerodl_models.mjs';

const api = process.argv[2];
const plan = readPlan(process.argv[3]);
const { zd, meta } = loadZerodl();
const impl = api === 'tensors' ? 'zerodl-tensors' : 'zerodl';
emit({ meta: { ...meta, impl, api: api === 'tensors' ? 'tensor + predict + toFloat32Array' : 'predictValues' } });

await runCases(plan, impl, async (c) => {
  const model = seededCnn(zd, c); // the case's weights, PyTorch layouts
  const shape = [c.batch, ...c.arch.inputShape];
  const x = uniformF32(shape.reduce((a, b) => a * b, 1), c.inputSeed);
  if (api !== 'tensors') return timePredict(() => model.predictValues(x, shape), c, plan.policy);
  return timePredict(() => {
    const input = zd.tensor(x, shape);
    const output = model.predict(input);
    const y = output.toFloat32Array();
    input.dispose();
    output.dispose();
    return y;
  }, c, plan.policy);
});
