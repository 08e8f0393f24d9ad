// W5 (LSTM predict latency, batch 1) on zerodl.
// Usage: node zerodl_w5.mjs <plan-json>
// One call is what a Node service pays: zd.tensor(Float32Array, shape), model.predict (computed
// on the calling thread, N-API crossing included), toFloat32Array(), and disposing both tensors
// (a hot path frees them at once rather than leave native memory to the GC).
import { readPlan, emit, runCases, timePredict } from '../lib/timing.mjs';
import { seededParams } from '../lib/data.mjs';
import { loadZerodl } from '../lib/zerodl.mjs';

const plan = readPlan(process.argv[2]);
const { zd, meta } = loadZerodl();
emit({ meta });

await runCases(plan, 'zerodl', async (c) => {
  const model = new zd.Sequential([
    zd.layers.lstm({ units: c.hidden, inputShape: [c.seq, c.input] }),
    zd.layers.dense({ units: 1 }),
  ]);
  // The case's weights, under zerodl's PyTorch state_dict names.
  const w = seededParams(c.params, c.weightsSeed);
  model.setWeights(Object.fromEntries(c.params.map((p) => [p.name, zd.tensor(w[p.name], p.shape)])));
  const x = seededParams(c.inputSpec, c.inputSeed).x;
  const shape = [1, c.seq, c.input];
  return timePredict(() => {
    const input = zd.tensor(x, shape);
    const output = model.predict(input);
    const y = output.toFloat32Array();
    input.dispose();
    output.dispose();
    return y[0];
  }, c, plan.policy);
});
