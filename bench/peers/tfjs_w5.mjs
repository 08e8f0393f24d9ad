// W5 (LSTM predict latency, batch 1) on TensorFlow.js.
// Usage: node tfjs_w5.mjs cpu|wasm <plan-json>
// tf.layers.lstm (recurrentActivation 'sigmoid' as in PyTorch; Keras's default is hard
// sigmoid) + dense 1, loaded with the case's weights: Keras keeps the gates in PyTorch's order
// (i, f, c, o) but stores the kernels transposed and one bias (b_ih + b_hh). One call:
// tf.tensor3d(Float32Array), model.predict, dataSync(), dispose of both tensors.
import { readPlan, emit, runCases, timePredict } from '../lib/timing.mjs';
import { seededParams } from '../lib/data.mjs';
import { loadTfjs, backendArg } from '../lib/tfjs.mjs';

const backend = backendArg('tfjs_w5.mjs');
const plan = readPlan(process.argv[3]);
const { tf, meta } = await loadTfjs(backend);
emit({ meta });

await runCases(plan, meta.impl, async (c) => {
  const { seq, input, hidden } = c;
  const model = tf.sequential({
    layers: [
      tf.layers.lstm({ units: hidden, recurrentActivation: 'sigmoid', inputShape: [seq, input] }),
      tf.layers.dense({ units: 1 }),
    ],
  });
  const w = seededParams(c.params, c.weightsSeed);
  const t = (data, shape) => tf.tensor(data, shape);
  const bias = w['0.bias_ih_l0'].map((v, j) => v + w['0.bias_hh_l0'][j]);
  model.layers[0].setWeights([
    t(w['0.weight_ih_l0'], [4 * hidden, input]).transpose(),
    t(w['0.weight_hh_l0'], [4 * hidden, hidden]).transpose(),
    t(bias, [4 * hidden]),
  ]);
  model.layers[1].setWeights([t(w['1.weight'], [1, hidden]).transpose(), t(w['1.bias'], [1])]);
  const x = seededParams(c.inputSpec, c.inputSeed).x;
  try {
    return await timePredict(() => {
      const xs = tf.tensor3d(x, [1, seq, input]);
      const ys = model.predict(xs);
      const y = ys.dataSync();
      xs.dispose();
      ys.dispose();
      return y[0];
    }, c, plan.policy);
  } finally {
    model.dispose();
  }
});
