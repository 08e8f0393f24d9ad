// The zerodl models and training steps of the workloads, built from a case, for every runner
// that needs them: W2's and W4/W6's step (impls/zerodl_w2.mjs, zerodl_rnn.mjs, and W9's
// long runs of both), W5's LSTM regressor (zerodl_w5.mjs, W10's and W14's serving runs), W8's
// char LM (zerodl_w8.mjs, the save/load runs), and the CNNs of W3/W12 (zerodl_cnn.mjs), W11
// (zerodl_w11.mjs, zerodl_onnx_export.mjs) and W7 (zerodl_w7.mjs).
import { cnnShapes } from './cnn.mjs';
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

/**
 * A CNN of lib/cnn.mjs (`arch`: inputShape [C, H, W], layers) as a zerodl Sequential (NCHW, the
 * default channelsFirst), with its own initial weights (`seed`) until setCnnWeights replaces them.
 */
export function cnnModel(zd, arch, { seed } = {}) {
  const layers = cnnShapes(arch).map((l, i) => {
    const first = i === 0 ? { inputShape: arch.inputShape } : {};
    if (l.kind === 'conv2d') {
      return zd.layers.conv2d({ filters: l.filters, kernelSize: l.kernel, padding: l.padding || 'valid',
        activation: l.activation, ...first });
    }
    if (l.kind === 'maxPool2d') return zd.layers.maxPool2d({ poolSize: l.pool, ...first });
    if (l.kind === 'flatten') return zd.layers.flatten({ ...first });
    return zd.layers.dense({ units: l.units, activation: l.activation, ...first });
  });
  return new zd.Sequential(layers, seed === undefined ? {} : { seed });
}

/**
 * Sets a CNN's parameters to `values` ({name: Float32Array} in the order of `params`, lib/cnn.mjs
 * cnnParams: PyTorch layouts), pairing them with the model's own parameters by order and checking
 * each shape, so a difference in module numbering cannot put a tensor in the wrong place.
 */
export function setCnnWeights(zd, model, params, values) {
  const own = Object.entries(model.getWeightValues());
  if (own.length !== params.length) throw new Error(`model has ${own.length} parameters, the case ${params.length}`);
  const tensors = {};
  own.forEach(([name, { shape }], i) => {
    const p = params[i];
    if (shape.join() !== p.shape.join()) throw new Error(`parameter ${name}: model shape [${shape}], case ${p.name} [${p.shape}]`);
    tensors[name] = zd.tensor(values[p.name], p.shape);
  });
  model.setWeights(tensors);
  for (const t of Object.values(tensors)) t.dispose();
}

/** The case's CNN (`c.arch`) with the case's seeded weights (`c.params`, `c.weightsSeed`). */
export function seededCnn(zd, c) {
  const model = cnnModel(zd, c.arch);
  setCnnWeights(zd, model, c.params, seededParams(c.params, c.weightsSeed));
  return model;
}

/**
 * W3 / W12: the case's CNN with its seeded weights, compiled with SGD, and its seeded batch
 * (inputs uniform [0, 1) [batch, C, H, W], integer labels). `step()` is one
 * `await model.trainOnBatch(x, y)`, resolving with the loss.
 */
export function cnnTrainStep(zd, c) {
  const model = seededCnn(zd, c);
  model.compile({ optimizer: zd.optimizers.sgd({ learningRate: c.learningRate }),
    loss: 'sparseCategoricalCrossentropy' });
  const x = zd.tensor(uniformF32(c.batch * c.arch.inputShape.reduce((a, b) => a * b, 1), c.inputSeed),
    [c.batch, ...c.arch.inputShape]);
  const y = zd.tensor(labelsF32(c.batch, c.classes, c.labelsSeed));
  return trainStep(model, x, y);
}
