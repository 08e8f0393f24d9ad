// Recurrent layers through the public API: PyTorch-verified outputs after loading PyTorch-layout
// weights, weight names, gradient checks of a per-step sequence model, a sine wave learned with
// fit(), and typed errors for bad shapes.
import { describe, expect, it } from 'vitest';
import { maxAbsDiff, thrown, zd } from './helpers.js';

const { layers, Sequential } = zd;

// candle-nn/tests/rnn.rs (PyTorch-verified): cos/sin weights, inputs [v, v/2] for v in 3 1 4 1 5 9 2.
const pattern = [-1, 1, -0.5, 2];
const inputs = zd.tensor([[3, 1, 4, 1, 5, 9, 2].map((v) => [v, v / 2])]);
const cos = (n: number, rows: number, cols: number) => zd.tensor(Float32Array.from({ length: n }, (_, i) => Math.cos(i)), [rows, cols]);
const sin = (n: number, rows: number, cols: number) => zd.tensor(Float32Array.from({ length: n }, (_, i) => Math.sin(i)), [rows, cols]);
const bias = (n: number, f: (v: number) => number) => zd.tensor(Float32Array.from({ length: n }, (_, i) => f(pattern[i % 4] as number)));

describe('recurrent layers', () => {
  it('reproduce PyTorch nn.LSTM and nn.GRU outputs from PyTorch-layout weights', () => {
    const lstm = new Sequential([layers.lstm({ units: 3, inputShape: [7, 2] })]);
    expect(Object.fromEntries(Object.entries(lstm.getWeights()).map(([k, t]) => [k, t.shape]))).toEqual({
      '0.weight_ih_l0': [12, 2],
      '0.weight_hh_l0': [12, 3],
      '0.bias_ih_l0': [12],
      '0.bias_hh_l0': [12],
    });
    lstm.setWeights({ '0.weight_ih_l0': cos(24, 12, 2), '0.weight_hh_l0': sin(36, 12, 3), '0.bias_ih_l0': bias(12, (v) => v), '0.bias_hh_l0': bias(12, Math.cos) });
    expect(maxAbsDiff(lstm.predict(inputs).toFloat32Array(), [0.9919, 0.1738, -0.1451])).toBeLessThan(1e-4);

    const gru = new Sequential([layers.gru({ units: 3, inputShape: [7, 2] })]);
    gru.layers[0]?.setWeights({ weight_ih_l0: cos(18, 9, 2), weight_hh_l0: sin(27, 9, 3), bias_ih_l0: bias(9, (v) => v), bias_hh_l0: bias(9, Math.cos) });
    expect(maxAbsDiff(gru.predict(inputs).toFloat32Array(), [0.0579, 0.8836, -0.9991])).toBeLessThan(1e-4);
  });

  it('pass gradient checks in a per-step classification model (the char-LM shape)', () => {
    const x = zd.uniform([2, 5, 4], -1, 1, { seed: 1 });
    const y = zd.tensor([
      [0, 1, 2, 1, 0],
      [2, 2, 0, 1, 1],
    ]);
    for (const rnn of [layers.simpleRNN, layers.lstm, layers.gru]) {
      const model = new Sequential([rnn({ units: 6, returnSequences: true, inputShape: [5, 4] }), layers.dense({ units: 3, activation: 'softmax' })], { seed: 2 });
      model.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
      const report = zd.gradientCheck(model, x, y, { epsilon: 1e-3 });
      expect(report.passed, `${rnn.name} ${JSON.stringify(report.parameters.filter((e) => !e.passed))}`).toBe(true);
    }
  });

  it('learn to continue a sine wave with fit() (seed 003)', async () => {
    const steps = 20;
    const n = 256;
    const series = Array.from({ length: n + steps + 1 }, (_, i) => Math.sin(i * 0.1));
    const x = zd.tensor(Float32Array.from({ length: n * steps }, (_, k) => series[Math.floor(k / steps) + (k % steps)] as number), [n, steps, 1]);
    const y = zd.tensor(Float32Array.from({ length: n }, (_, s) => series[s + steps] as number), [n, 1]);
    const model = new Sequential([layers.lstm({ units: 16, inputShape: [steps, 1] }), layers.dense({ units: 1 })], { seed: 1 });
    model.compile({ optimizer: zd.optimizers.adam({ learningRate: 0.01 }), loss: 'meanSquaredError', clipNorm: 1 });
    const history = await model.fit(x, y, { epochs: 40, batchSize: 32, seed: 1, verbose: 0 });
    const loss = history.history.loss as number[];
    expect(loss.at(-1)).toBeLessThan(2e-3);
    expect(loss.at(-1)).toBeLessThan((loss[0] as number) / 20);
  });

  it('reject inputs of the wrong shape and bad options with typed errors', () => {
    const model = new Sequential([layers.lstm({ units: 4, inputShape: [10, 3] })]);
    const err = thrown(() => model.predict(zd.zeros([2, 10, 5])));
    expect(err.code).toBe('ERR_SHAPE_MISMATCH');
    expect(err.message).toMatch(/\[batch, 10, 3\].*\[2, 10, 5\]/);
    expect(thrown(() => model.predict(zd.zeros([2, 30]))).code).toBe('ERR_SHAPE_MISMATCH');
    expect(thrown(() => new Sequential([layers.lstm({ units: 4, inputShape: [3] })])).message).toMatch(/\[timesteps, features\]/);
    expect(thrown(() => new Sequential([layers.simpleRNN({ units: 4, activation: 'sigmoid' as never, inputShape: [2, 2] })])).message).toMatch(/"tanh" or "relu"/);
    expect(thrown(() => layers.gru({ units: 0 })).code).toBe('ERR_INVALID_ARGUMENT');
  });
});
