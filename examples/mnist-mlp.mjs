// Chapter 3 of the seed series, for real: a fully connected network (784-256-128-10, relu) learns
// handwritten digits (MNIST, 60,000 training images) and is scored on the 10,000 test images.
// Run alone with `node examples/mnist-mlp.mjs`; `npm run demo` runs it too.
import { performance } from 'node:perf_hooks';
import * as zd from '../dist/index.mjs';
import { loadMnist } from '../dist/datasets/index.js';

/** The network of the demo and of the MNIST test: 784-256-128-10, relu, Adam, cross-entropy. */
export function buildMnistMlp() {
  const model = new zd.Sequential(
    [
      zd.layers.dense({ units: 256, activation: 'relu', inputShape: [784], kernelInitializer: 'heNormal' }),
      zd.layers.dense({ units: 128, activation: 'relu', kernelInitializer: 'heNormal' }),
      zd.layers.dense({ units: 10, activation: 'softmax' }),
    ],
    { seed: 1 },
  );
  model.compile({ optimizer: zd.optimizers.adam({ learningRate: 1e-3 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
  return model;
}

export async function trainMnistMlp({ epochs = 8, verbose = 1 } = {}) {
  const train = loadMnist('train');
  const test = loadMnist('test');
  const x = zd.tensor(train.images, [train.count, 784]);
  const y = zd.tensor(Float32Array.from(train.labels));
  const xTest = zd.tensor(test.images, [test.count, 784]);
  const yTest = zd.tensor(Float32Array.from(test.labels));

  const model = buildMnistMlp();
  if (verbose) model.summary();
  const t0 = performance.now();
  await model.fit(x, y, { epochs, batchSize: 128, validationSplit: 1 / 12, seed: 1, verbose });
  const seconds = (performance.now() - t0) / 1000;
  const { loss, accuracy } = await model.evaluate(xTest, yTest, { batchSize: 1000 });
  return { model, loss, accuracy, seconds };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { accuracy, loss, seconds } = await trainMnistMlp();
  console.log(`\nMNIST test accuracy ${(accuracy * 100).toFixed(2)}% (loss ${loss.toFixed(4)}), trained in ${seconds.toFixed(1)} s`);
}
