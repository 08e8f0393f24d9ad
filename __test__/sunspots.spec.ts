// Recurrent forecasting on real data: an LSTM reading the previous 12 years of sunspot numbers
// predicts the next year for the 50 held-out years 1959-2008 better than the naive forecast
// "same as last year".
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { zd } from './helpers.js';

const require = createRequire(import.meta.url);
const { loadSunspots } = require('../dist/datasets/index.js') as typeof import('../dist/datasets/index.js');

describe('sunspots', () => {
  it('an LSTM beats the last-value forecast on the last 50 years', async () => {
    const { years, values } = loadSunspots();
    expect([years[0], years.at(-1), values.length]).toEqual([1700, 2008, 309]);
    const window = 12;
    const split = values.length - 50;
    // Standardise with training-period statistics only.
    const train = values.subarray(0, split);
    const mean = train.reduce((a, b) => a + b, 0) / split;
    const std = Math.sqrt(train.reduce((a, b) => a + (b - mean) ** 2, 0) / split);
    const z = Float32Array.from(values, (v) => (v - mean) / std);
    const windows = (from: number, to: number) => {
      const n = to - from;
      const x = new Float32Array(n * window);
      const y = new Float32Array(n);
      for (let k = 0; k < n; k++) {
        x.set(z.subarray(from + k - window, from + k), k * window);
        y[k] = z[from + k] as number;
      }
      return [zd.tensor(x, [n, window, 1]), zd.tensor(y, [n, 1])] as const;
    };
    const [xTrain, yTrain] = windows(window, split);
    const [xTest, yTest] = windows(split, values.length);

    const model = new zd.Sequential([zd.layers.lstm({ units: 32, inputShape: [window, 1] }), zd.layers.dense({ units: 1 })], { seed: 1 });
    model.compile({ optimizer: zd.optimizers.adam({ learningRate: 0.01 }), loss: 'meanSquaredError', clipNorm: 1 });
    await model.fit(xTrain, yTrain, { epochs: 100, batchSize: 32, seed: 1, verbose: 0 });

    const predicted = model.predict(xTest).toFloat32Array();
    const truth = yTest.toFloat32Array();
    let lstm = 0;
    let naive = 0;
    for (let k = 0; k < truth.length; k++) {
      lstm += (((predicted[k] as number) - (truth[k] as number)) * std) ** 2;
      naive += (((z[split + k - 1] as number) - (truth[k] as number)) * std) ** 2;
    }
    const [lstmRmse, naiveRmse] = [Math.sqrt(lstm / truth.length), Math.sqrt(naive / truth.length)];
    // Measured: ~16 vs ~30 sunspots.
    expect(lstmRmse).toBeLessThan(0.75 * naiveRmse);
  });
});
