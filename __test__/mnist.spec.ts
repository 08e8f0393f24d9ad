// Chapter 3 on real data, within CI time: an MLP trained on a subset of MNIST must generalise to
// unseen test digits. (The demo trains on all 60,000 and reaches >= 97.5%.)
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { zd } from './helpers.js';

const require = createRequire(import.meta.url);
const { loadMnist } = require('../dist/datasets/index.js') as typeof import('../dist/datasets/index.js');

describe('MNIST', () => {
  it('an MLP trained on 20,000 images scores >= 95% on 2,000 unseen test images', async () => {
    const train = loadMnist('train', { limit: 20000 });
    const test = loadMnist('test', { limit: 2000 });
    // The demo's own network (examples/mnist-mlp.mjs), trained on a subset.
    const example = '../examples/mnist-mlp.mjs'; // plain JS, imported as is
    const { buildMnistMlp } = (await import(example)) as { buildMnistMlp: () => InstanceType<typeof zd.Sequential> };
    const model = buildMnistMlp();
    const history = await model.fit(zd.tensor(train.images, [train.count, 784]), zd.tensor(Float32Array.from(train.labels)), {
      epochs: 4,
      batchSize: 64,
      seed: 1,
      verbose: 0,
    });
    const losses = history.history.loss as number[];
    expect(losses[3]).toBeLessThan((losses[0] as number) / 2);
    const { accuracy } = await model.evaluate(zd.tensor(test.images, [test.count, 784]), zd.tensor(Float32Array.from(test.labels)));
    expect(accuracy).toBeGreaterThanOrEqual(0.95);
    // predict agrees with evaluate's accuracy on the same images.
    const probs = model.predict(zd.tensor(test.images.subarray(0, 784 * 100), [100, 784])).toArray() as number[][];
    const hits = probs.filter((p, i) => p.indexOf(Math.max(...p)) === test.labels[i]).length;
    expect(hits).toBeGreaterThanOrEqual(90);
  });
});
