// W4 / W6 (char-LM train step, LSTM or GRU per the case's `cell`) on TensorFlow.js.
// Usage: node tfjs_rnn.mjs cpu|wasm <plan-json>  (workloads/charlm.mjs runs wasm only)
// tf.layers.lstm / gru with returnSequences, then a dense softmax layer on the 3-D output
// (applied at every step), sparse categorical cross-entropy, SGD; a step is
// `await model.trainOnBatch(xs, ys)`, as in W2. tfjs's GRU is Keras's original one (reset
// applied before the hidden product; tfjs has no resetAfter): the same GEMM work.
import { readPlan, timeTrainSteps, emit, runCases } from '../lib/timing.mjs';
import { labelsF32, oneHotF32 } from '../lib/data.mjs';
import { loadTfjs, backendArg } from '../lib/tfjs.mjs';

const backend = backendArg('tfjs_rnn.mjs');
const plan = readPlan(process.argv[3]);
const { tf, meta } = await loadTfjs(backend);
emit({ meta });

const [seedA, seedB] = plan.seeds;
await runCases(plan, meta.impl, async (c) => {
  const n = c.batch * c.seq;
  const model = tf.sequential({
    layers: [
      tf.layers[c.cell]({
        units: c.hidden, returnSequences: true, inputShape: [c.seq, c.vocab],
        kernelInitializer: tf.initializers.glorotUniform({ seed: seedA }),
        recurrentInitializer: tf.initializers.orthogonal({ seed: seedA + 1 }),
      }),
      tf.layers.dense({ units: c.vocab, activation: 'softmax',
        kernelInitializer: tf.initializers.glorotUniform({ seed: seedA + 2 }) }),
    ],
  });
  model.compile({ optimizer: tf.train.sgd(c.learningRate), loss: 'sparseCategoricalCrossentropy' });
  // Same values as the zerodl runner draws (lib/data.mjs).
  const xs = tf.tensor3d(oneHotF32(labelsF32(n, c.vocab, seedA), c.vocab), [c.batch, c.seq, c.vocab]);
  const ys = tf.tensor3d(labelsF32(n, c.classes, seedB), [c.batch, c.seq, 1]);
  try {
    return await timeTrainSteps(async () => await model.trainOnBatch(xs, ys), plan.policy);
  } finally {
    xs.dispose(); ys.dispose(); model.dispose();
  }
});
