// Chapter 4 of the seed series, for real: LeNet-5, a convolutional network, learns handwritten
// digits (MNIST, 60,000 training images) until it scores >= 99% on the 10,000 test images, then
// draws what it learned: the first convolution's 6 filters, and one test digit with its feature
// maps after each convolution, as PNGs.
//
//   node examples/lenet-mnist.mjs [--out DIR] [--epochs N] [--batch-size N]
//
// The PNGs go to DIR (default: $LENET_OUT_DIR, else ./lenet-output). `npm run demo` runs it too.
import { resolve, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as zd from '../dist/index.mjs';
import { loadMnist } from '../dist/datasets/index.js';
import { planes, stackGray, tileGray, writePng } from './lib/png-grid.mjs';

/** Where the figures go unless told: $LENET_OUT_DIR, else ./lenet-output. */
export const DEFAULT_OUT_DIR = process.env.LENET_OUT_DIR || 'lenet-output';

/**
 * LeNet-5's layers (LeCun et al. 1998, with relu and max pooling, as in most modern versions),
 * new each call. One sample is a [1, 28, 28] image (channels first): 6 filters of 5x5 (padded to
 * keep 28x28), 2x2 max pooling (14x14), 16 filters of 5x5 (10x10), pooling (5x5), then 400 ->
 * 120 -> 84 -> 10 fully connected. Weights start glorotUniform (the default; heNormal's larger
 * weights ended ~0.2% lower here). `upTo` keeps only the first layers (for feature maps).
 */
export function lenetLayers(upTo = Infinity) {
  return [
    zd.layers.conv2d({ filters: 6, kernelSize: 5, padding: 2, activation: 'relu', inputShape: [1, 28, 28] }),
    zd.layers.maxPool2d({ poolSize: 2 }),
    zd.layers.conv2d({ filters: 16, kernelSize: 5, activation: 'relu' }),
    zd.layers.maxPool2d({ poolSize: 2 }),
    zd.layers.flatten(),
    zd.layers.dense({ units: 120, activation: 'relu' }),
    zd.layers.dense({ units: 84, activation: 'relu' }),
    zd.layers.dense({ units: 10, activation: 'softmax' }),
  ].slice(0, upTo);
}

/** LeNet-5, compiled: Adam, cross-entropy on integer labels, accuracy. */
export function buildLeNet({ seed = 1, learningRate = 1e-3 } = {}) {
  const model = new zd.Sequential(lenetLayers(), { seed });
  compileLeNet(model, learningRate);
  return model;
}

function compileLeNet(model, learningRate) {
  model.compile({ optimizer: zd.optimizers.adam({ learningRate }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
}

/** MNIST as [count, 1, 28, 28] images and [count] labels (the first `limit` of the split). */
export function mnistImages(split, limit) {
  const d = loadMnist(split, limit === undefined ? {} : { limit });
  return { x: zd.tensor(d.images, [d.count, 1, 28, 28]), y: zd.tensor(Float32Array.from(d.labels)), images: d.images, labels: d.labels, count: d.count };
}

/** A model of `model`'s first `layers` layers, sharing its trained weights (by copy). */
function prefixModel(model, layers) {
  const part = new zd.Sequential(lenetLayers(layers));
  part.layers.forEach((layer, i) => layer.setWeights(model.layers[i].getWeights()));
  return part;
}

/**
 * Draws a trained LeNet-5 into `outDir`: `conv1-filters.png`, the 6 filters of the first
 * convolution (5x5 each, 16x enlarged, each normalized to black..white), and
 * `feature-maps.png`, one test image (top row) with its 6 feature maps after the first
 * convolution (28x28, relu'd) and its 16 after the second (10x10, two rows of 8). Returns
 * `{ filters, featureMaps }`, the two paths.
 */
export function writeLeNetFigures(model, { outDir = DEFAULT_OUT_DIR, image } = {}) {
  const weight = model.layers[0].getWeights().weight; // [6, 1, 5, 5]
  const filters = writePng(join(outDir, 'conv1-filters.png'), tileGray(planes(weight.toFloat32Array(), [...weight.shape]), { scale: 16, gap: 4 }));

  const digit = image ?? loadMnist('test', { limit: 1 }).images.subarray(0, 784);
  const input = zd.tensor(digit, [1, 1, 28, 28]);
  const maps1 = prefixModel(model, 1).predict(input); // [1, 6, 28, 28]
  const maps2 = prefixModel(model, 3).predict(input); // [1, 16, 10, 10]
  const figure = stackGray([
    tileGray([{ shape: [28, 28], values: digit }], { scale: 4, gap: 4, range: [0, 1] }),
    tileGray(planes(maps1.toFloat32Array(), [...maps1.shape]), { scale: 4, gap: 4 }),
    tileGray(planes(maps2.toFloat32Array(), [...maps2.shape]), { scale: 8, gap: 4, columns: 8 }),
  ]);
  const featureMaps = writePng(join(outDir, 'feature-maps.png'), figure);
  return { filters: resolve(filters), featureMaps: resolve(featureMaps) };
}

/**
 * Trains LeNet-5 on MNIST until the test accuracy reaches `target` (checked after each epoch;
 * the test set is fit()'s validation data, so the progress shows val_accuracy) or `epochs`
 * epochs have run, then writes the figures. Adam runs at `learningRate` for `decayAfter`
 * epochs, then at a tenth of it (`callbacks.learningRateScheduler`, which keeps Adam's state),
 * which takes LeNet-5 from its ~98.8% plateau past 99%. Resolves with `{ model, accuracy, loss, epochs, seconds, files, digit }`:
 * test accuracy and loss, epochs run, training time, the PNG paths, and the label of the test
 * digit drawn. `trainLimit` / `testLimit` use the first images of each split only (quick checks).
 */
export async function trainLeNet({
  epochs = 10,
  target = 0.99,
  batchSize = 64,
  learningRate = 2e-3,
  decayAfter = 2,
  seed = 1,
  trainLimit,
  testLimit,
  outDir = DEFAULT_OUT_DIR,
  verbose = 1,
  log = console.log,
} = {}) {
  const train = mnistImages('train', trainLimit);
  const test = mnistImages('test', testLimit);
  const model = buildLeNet({ seed, learningRate });
  if (verbose) model.summary(log);
  log(`training on ${train.count} images, batch ${batchSize}, until ${(target * 100).toFixed(1)}% on ${test.count} test images (at most ${epochs} epochs)`);

  const t0 = performance.now();
  // A tenth of the rate after `decayAfter` epochs; the scheduler keeps Adam's state.
  const schedule = zd.callbacks.learningRateScheduler((epoch) => (epoch < decayAfter ? learningRate : learningRate / 10));
  const stop = {
    onEpochEnd(epoch, logs) {
      if (logs.val_accuracy >= target) model.stopTraining = true;
    },
  };
  const history = await model.fit(train.x, train.y, { epochs, batchSize, seed, validationData: [test.x, test.y], callbacks: [schedule, stop], verbose });
  const done = history.history.loss.length;
  const seconds = (performance.now() - t0) / 1000;
  const { loss, accuracy } = await model.evaluate(test.x, test.y, { batchSize: 1000 });

  const files = writeLeNetFigures(model, { outDir, image: test.images.subarray(0, 784) });
  return { model, accuracy, loss, epochs: done, seconds, files, digit: test.labels[0] };
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { out: { type: 'string' }, epochs: { type: 'string' }, 'batch-size': { type: 'string' } } });
  const r = await trainLeNet({
    ...(values.out ? { outDir: values.out } : {}),
    ...(values.epochs ? { epochs: Number(values.epochs) } : {}),
    ...(values['batch-size'] ? { batchSize: Number(values['batch-size']) } : {}),
  });
  console.log(`\nLeNet-5 test accuracy ${(r.accuracy * 100).toFixed(2)}% (loss ${r.loss.toFixed(4)}) after ${r.epochs} epoch${r.epochs === 1 ? '' : 's'}, trained in ${r.seconds.toFixed(1)} s`);
  console.log(`first-layer filters: ${r.files.filters}\nfeature maps of a test digit (${r.digit}): ${r.files.featureMaps}`);
}
