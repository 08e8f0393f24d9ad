// W11 (LeNet-5 predict latency, batch 1 and 64) on TensorFlow.js.
// Usage: node tfjs_w11.mjs cpu|wasm <plan-json>
// The model of lib/tfjs_cnn.mjs (channels-last, tfjs's own format) with the case's weights
// converted to tfjs's layouts; the case's input is converted to NHWC once, untimed. One call:
// tf.tensor4d(Float32Array), model.predict, dataSync(), dispose of both tensors.
import { readPlan, emit, runCases, timePredict } from '../lib/timing.mjs';
import { loadTfjs, backendArg } from '../lib/tfjs.mjs';
import { caseModelAndInput } from '../lib/tfjs_cnn.mjs';

const backend = backendArg('tfjs_w11.mjs');
const plan = readPlan(process.argv[3]);
const { tf, meta } = await loadTfjs(backend);
emit({ meta });

await runCases(plan, meta.impl, async (c) => {
  const { model, x, shape } = caseModelAndInput(tf, c);
  try {
    return await timePredict(() => {
      const xs = tf.tensor4d(x, shape);
      const ys = model.predict(xs);
      const y = ys.dataSync();
      xs.dispose();
      ys.dispose();
      return y;
    }, c, plan.policy);
  } finally {
    model.dispose();
  }
});
