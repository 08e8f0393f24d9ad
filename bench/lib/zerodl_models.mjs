// The zerodl models and training steps of the workloads, built from a case, for every runner
// that needs them: W2's and W4/W6's step (impls/zerodl_w2.mjs, zerodl_rnn.mjs, and W9's
// long runs of both), W5's LSTM regressor (zerodl_w5.mjs, W10's and W14's serving runs), W8's
// char LM (zerodl_w8.mjs, the save/load runs).
import { labelsF32, oneHotF32, seededParams, uniformF32 } from './data.mjs';

/**
 * W2: the MLP of case `c` (units, batch, learningRate, classes), compiled with SGD, and its
 * seeded batch. `step()` is one `await model.trainOnBatch(x, y)`, resolving with the loss.
 */
export function mlpStep(zd, c, [seedA, seedB]) {
  const [inputs, ...sizes] = c.units;
  const layers = sizes.map((units, i) => zd.layers.dense({
    units,
    activation: i === sizes.length - 1 ? 'softmax' : 'relu',
    ...(i === 0 ? { inputShape: [inputs] } : {}),
  }));
  const model = new zd.Sequential(layers, { seed: seedA });
  model.compile({ optimizer: zd.optimizers.sgd({ learningRate: c.learningRate }),
    loss: 'sparseCategoricalCrossentropy' });
  const x = zd.tensor(uniformF32(c.batch * inputs, seedA), [c.batch, inputs]);
  const y = zd.tensor(labelsF32(c.batch, c.classes, seedB));
  return trainStep(model, x, y);
}

/**
 * W4 / W6: the char LM of case `c` (cell, vocab, hidden, seq, batch, learningRate, classes),
 * compiled with SGD, and its seeded batch. zerodl has no one-hot input layer, so the model takes
 * the float32 one-hot tensor [batch, seq, vocab], built once.
 */
export function charLmStep(zd, c, [seedA, seedB]) {
  const n = c.batch * c.seq;
  const model = new zd.Sequential([
    zd.layers[c.cell]({ units: c.hidden, returnSequences: true, inputShape: [c.seq, c.vocab] }),
    zd.layers.dense({ units: c.vocab, activation: 'softmax' }),
  ], { seed: seedA });
  model.compile({ optimizer: zd.optimizers.sgd({ learningRate: c.learningRate }),
    loss: 'sparseCategoricalCrossentropy' });
  const x = zd.tensor(oneHotF32(labelsF32(n, c.vocab, seedA), c.vocab), [c.batch, c.seq, c.vocab]);
  const y = zd.tensor(labelsF32(n, c.classes, seedB), [c.batch, c.seq]);
  return trainStep(model, x, y);
}

function trainStep(model, x, y) {
  return {
    model,
    step: async () => (await model.trainOnBatch(x, y)).loss,
    dispose() { x.dispose(); y.dispose(); },
  };
}

/** Sets the case's seeded weights (`c.params`: PyTorch names, shapes, bounds; `c.weightsSeed`). */
export function setSeededWeights(zd, model, c) {
  const w = seededParams(c.params, c.weightsSeed);
  model.setWeights(Object.fromEntries(c.params.map((p) => [p.name, zd.tensor(w[p.name], p.shape)])));
}

/** W5: LSTM(hidden) on [seq, input] then dense 1 on the last state, with the case's weights. */
export function lstmRegressor(zd, c) {
  const model = new zd.Sequential([
    zd.layers.lstm({ units: c.hidden, inputShape: [c.seq, c.input] }),
    zd.layers.dense({ units: 1 }),
  ]);
  setSeededWeights(zd, model, c);
  return model;
}

/** W8: embedding, two LSTM layers (returnSequences) and dense vocab + softmax, with the case's weights. */
export function charLm2(zd, c) {
  const model = new zd.Sequential([
    zd.layers.embedding({ inputDim: c.vocab, outputDim: c.embed, inputShape: [c.seq] }),
    zd.layers.lstm({ units: c.hidden, returnSequences: true }),
    zd.layers.lstm({ units: c.hidden, returnSequences: true }),
    zd.layers.dense({ units: c.vocab, activation: 'softmax' }),
  ]);
  setSeededWeights(zd, model, c);
  return model;
}
