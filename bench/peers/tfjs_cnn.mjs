// W3 / W12 (CNN train step, the network per the case's `arch`) on TensorFlow.js.
// Usage: node tfjs_cnn.mjs cpu|wasm <plan-json>
// The model of lib/tfjs_cnn.mjs (conv2d, maxPooling2d, flatten, dense; channels-last, tfjs's own
// format) with the case's weights converted to tfjs's layouts, on the case's batch converted to
// NHWC once, outside the timed region; sparse categorical cross-entropy, SGD. A step is
// `await model.trainOnBatch(xs, ys)`, as in W2. The wasm backend has no Conv2DBackpropFilter
// kernel (tfjs 4.22), so there the first step fails and the case records tfjs's error.
import { readPlan, timeTrainSteps, emit, runCases } from '../lib/timing.mjs';
import { labelsF32 } from '../lib/data.mjs';
import { loadTfjs, backendArg } from '../lib/tfjs.mjs';
import { caseModelAndInput } from '../lib/tfjs_cnn.mjs';

const backend = backendArg('tfjs_cnn.mjs');
const plan = readPlan(process.argv[3]);
const { tf, meta } = await loadTfjs(backend);
emit({ meta });

await runCases(plan, meta.impl, async (c) => {
  // Same values as the zerodl runner's (lib/data.mjs), NCHW -> NHWC.
  const { model, x, shape } = caseModelAndInput(tf, c);
  model.compile({ optimizer: tf.train.sgd(c.learningRate), loss: 'sparseCategoricalCrossentropy' });
  const xs = tf.tensor4d(x, shape);
  const ys = tf.tensor1d(labelsF32(c.batch, c.classes, c.labelsSeed));
  try {
    return await timeTrainSteps(async () => await model.trainOnBatch(xs, ys), plan.policy);
  } finally {
    xs.dispose(); ys.dispose(); model.dispose();
  }
});
