// W2 (MLP train step) on TensorFlow.js. Usage: node tfjs_w2.mjs cpu|wasm <plan-json>
// Backend setup (cpu: pure JS; wasm: single-threaded SIMD in Node) is in lib/tfjs.mjs.
// A step is `await model.trainOnBatch(xs, ys)`, which reads the loss back, so the
// step's kernels have all run when it resolves.
import { readPlan, timeTrainSteps, emit, runCases } from '../lib/timing.mjs';
import { uniformF32, labelsF32 } from '../lib/data.mjs';
import { loadTfjs, backendArg } from '../lib/tfjs.mjs';

const backend = backendArg('tfjs_w2.mjs');
const plan = readPlan(process.argv[3]);
const { tf, meta } = await loadTfjs(backend);
emit({ meta });

const [seedA, seedB] = plan.seeds;
await runCases(plan, meta.impl, async (c) => {
  const [inputs, ...sizes] = c.units;
  const model = tf.sequential({
    layers: sizes.map((units, i) => tf.layers.dense({
      units,
      activation: i === sizes.length - 1 ? 'softmax' : 'relu',
      kernelInitializer: tf.initializers.glorotUniform({ seed: seedA + i }),
      ...(i === 0 ? { inputShape: [inputs] } : {}),
    })),
  });
  model.compile({ optimizer: tf.train.sgd(c.learningRate), loss: 'sparseCategoricalCrossentropy' });
  // Same values as the zerodl runner draws (lib/data.mjs).
  const xs = tf.tensor2d(uniformF32(c.batch * inputs, seedA), [c.batch, inputs]);
  const ys = tf.tensor1d(labelsF32(c.batch, c.classes, seedB));
  try {
    return await timeTrainSteps(async () => await model.trainOnBatch(xs, ys), plan.policy);
  } finally {
    xs.dispose(); ys.dispose(); model.dispose();
  }
});
