// Chapter 2 on real data: a linear unit trained by SGD on sklearn's diabetes set (442 patients,
// 10 features, disease progression after one year) must beat the mean predictor on held-out rows.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { zd } from './helpers.js';

const require = createRequire(import.meta.url);
const { loadDiabetes, trainTestSplit, takeRows } = require('../dist/datasets/index.js') as typeof import('../dist/datasets/index.js');

describe('diabetes regression', () => {
  it('a linear unit beats the mean predictor on 111 held-out patients', () => {
    const d = loadDiabetes();
    const { train, test } = trainTestSplit(d.count, 0.25, 1);
    const [xTrain, yTrain] = [takeRows(d.features, 10, train), takeRows(d.target, 1, train)];
    const [xTest, yTest] = [takeRows(d.features, 10, test), takeRows(d.target, 1, test)];
    const mse = (pred: ArrayLike<number>) => Array.from(yTest).reduce((s, t, i) => s + ((pred[i] as number) - t) ** 2, 0) / yTest.length;
    const trainMean = yTrain.reduce((a, b) => a + b, 0) / yTrain.length;
    const baseline = mse(Array.from(yTest, () => trainMean));

    const unit = new zd.LinearUnit(10);
    const history = unit.train(xTrain, yTrain, { epochs: 100, learningRate: 0.5, shuffle: true, seed: 1 });
    const rows = Array.from({ length: test.length }, (_, i) => Array.from(xTest.subarray(i * 10, (i + 1) * 10)));
    const heldOut = mse(unit.predict(rows));
    expect(history.at(-1)?.loss).toBeLessThan(history[0]?.loss as number);
    // R^2 on unseen patients of about 0.45, in line with ordinary least squares on this data.
    expect(heldOut).toBeLessThan(0.7 * baseline);
  });
});
