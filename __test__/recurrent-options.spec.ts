// Recurrent layer options through the public API: bidirectional and stacked layers with dropout
// over padded sequences (gradient-checked), lengths that matter for learning, state in and out,
// stateful streaming with free timesteps, peepholes, truncated BPTT, and exploding gradients.
import { describe, expect, it } from 'vitest';
import type { RecurrentState } from '../dist/index.js';
import { maxAbsDiff, thrown, zd } from './helpers.js';

const { layers, Sequential } = zd;
type Tensor = InstanceType<typeof zd.Tensor>;
type Recurrent = InstanceType<typeof zd.layers.Recurrent>;

const gradientsAgree = (model: InstanceType<typeof Sequential>, x: Tensor, y: Tensor, lengths?: number[]) => {
  const report = zd.gradientCheck(model, x, y, { epsilon: 1e-3, maxPerParam: 40, ...(lengths ? { lengths } : {}) });
  expect(report.passed, JSON.stringify(report.parameters.filter((e) => !e.passed))).toBe(true);
  return report.parameters.map((e) => e.name);
};

/** [batch, steps, 1] of ±1 and, for each sequence, a length in 1..steps (seeded). */
function signSequences(n: number, steps: number, seed: number) {
  let s = seed >>> 0;
  const next = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const values = Float32Array.from({ length: n * steps }, () => (next() < 0.5 ? -1 : 1));
  const lengths = Array.from({ length: n }, () => 1 + Math.floor(next() * steps));
  // The label is the sign of each sequence's last valid step: padding looks just like data.
  const labels = Float32Array.from(lengths, (len, b) => ((values[b * steps + len - 1] as number) > 0 ? 1 : 0));
  return { x: zd.tensor(values, [n, steps, 1]), y: zd.tensor(labels), lengths };
}

describe('recurrent layer options', () => {
  it('bidirectional stacked layers with dropout pass gradient checks over padded sequences', () => {
    const x = zd.uniform([3, 5, 3], -1, 1, { seed: 1 });
    const y = zd.tensor([
      [0, 1, 2, 1, 0],
      [2, 2, 0, 1, 1],
      [1, 0, 0, 2, 1],
    ]);
    for (const rnn of [layers.simpleRNN, layers.lstm, layers.gru]) {
      const inner = rnn({ units: 3, numLayers: 2, dropout: 0.25, returnSequences: true, inputShape: [null, 3] });
      const model = new Sequential([layers.bidirectional(inner), layers.dense({ units: 3, activation: 'softmax' })], { seed: 2 });
      model.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
      const names = gradientsAgree(model, x, y, [5, 2, 4]);
      expect(names).toContain('0.weight_ih_l1_reverse');
      expect(model.getWeights()['0.weight_ih_l1']?.shape).toEqual([inner.kind === 'lstm' ? 12 : inner.kind === 'gru' ? 9 : 3, 6]);
      expect(model.predict(x).shape).toEqual([3, 5, 3]);
    }
  });

  it('padded steps change nothing: outputs and states equal those of the trimmed sequences', () => {
    const model = new Sequential([layers.bidirectional(layers.gru({ units: 4, returnSequences: true, inputShape: [null, 2] }))], { seed: 3 });
    const full = zd.uniform([1, 6, 2], -1, 1, { seed: 4 });
    const trimmed = zd.tensor(full.toFloat32Array().slice(0, 6), [1, 3, 2]);
    const alone = model.predict(trimmed).toFloat32Array();
    const aloneState = model.layers[0] instanceof zd.layers.Recurrent ? model.layers[0].getState() : null;
    const padded = model.predict(full, { lengths: [3] }).toFloat32Array();
    expect(maxAbsDiff(padded.slice(0, 24), alone)).toBe(0);
    expect(Array.from(padded.slice(24)).every((v) => v === 0)).toBe(true);
    const layer = model.layers[0] as Recurrent;
    expect(layer.getState()?.h.toArray()).toEqual(aloneState?.h.toArray());
    expect(layer.getState()?.h.shape).toEqual([2, 1, 4]);
  });

  it('evaluate over padded batches weighs every valid step once', async () => {
    const model = new Sequential([layers.lstm({ units: 4, returnSequences: true, inputShape: [null, 2] }), layers.dense({ units: 3, activation: 'softmax' })], { seed: 11 });
    model.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    const x = zd.uniform([2, 4, 2], -1, 1, { seed: 12 });
    const y = zd.tensor([
      [0, 1, 2, 1],
      [2, 0, 0, 0],
    ]);
    const rows = x.toArray() as number[][][];
    const labels = y.toArray() as number[][];
    const a = (await model.evaluate(zd.tensor([rows[0] as number[][]]), zd.tensor([labels[0] as number[]]))).loss;
    const b = (await model.evaluate(zd.tensor([[(rows[1] as number[][])[0] as number[]]]), zd.tensor([[(labels[1] as number[])[0] as number]]))).loss;
    // Batches of one sequence each: 4 valid steps, then 1.
    const padded = await model.evaluate(x, y, { lengths: [4, 1], batchSize: 1 });
    expect(Math.abs(padded.loss - (4 * a + b) / 5)).toBeLessThan(1e-6);
  });

  it('lengths let a model learn what padding would hide (the sign of each last valid step)', async () => {
    const train = signSequences(512, 8, 1);
    const test = signSequences(256, 8, 2);
    const accuracy = async (useLengths: boolean) => {
      const model = new Sequential([layers.gru({ units: 8, inputShape: [8, 1] }), layers.dense({ units: 2, activation: 'softmax' })], { seed: 5 });
      model.compile({ optimizer: zd.optimizers.adam({ learningRate: 0.02 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
      await model.fit(train.x, train.y, { epochs: 12, batchSize: 32, seed: 1, verbose: 0, ...(useLengths ? { lengths: train.lengths } : {}) });
      return (await model.evaluate(test.x, test.y, useLengths ? { lengths: test.lengths } : {})).accuracy as number;
    };
    const withLengths = await accuracy(true);
    const without = await accuracy(false);
    expect(withLengths).toBeGreaterThan(0.97);
    expect(without).toBeLessThan(0.75);
  });

  it('state in and out: stateful streaming one step at a time matches the whole sequence', async () => {
    const whole = new Sequential([layers.lstm({ units: 5, numLayers: 2, returnSequences: true, inputShape: [null, 3] }), layers.dense({ units: 2 })], { seed: 6 });
    const streaming = new Sequential([layers.lstm({ units: 5, numLayers: 2, returnSequences: true, stateful: true, inputShape: [null, 3] }), layers.dense({ units: 2 })]);
    streaming.setWeights(whole.getWeights());
    const x = zd.uniform([2, 4, 3], -1, 1, { seed: 7 });
    const all = whole.predict(x).toArray() as number[][][];
    const values = x.toArray() as number[][][];
    for (let t = 0; t < 4; t++) {
      const step = streaming.predict(zd.tensor(values.map((seq) => [seq[t] as number[]]))).toArray() as number[][][];
      for (let b = 0; b < 2; b++) expect(maxAbsDiff(step[b]?.[0] as number[], all[b]?.[t] as number[])).toBeLessThan(1e-5);
    }
    const layer = streaming.layers[0] as Recurrent;
    const state = layer.getState();
    expect(state?.h.shape).toEqual([2, 2, 5]);
    expect(state?.c?.shape).toEqual([2, 2, 5]);
    // Another batch size while carrying a state of batch 2: a typed error naming both.
    const err = thrown(() => streaming.predict(zd.zeros([3, 1, 3])));
    expect(err.code).toBe('ERR_SHAPE_MISMATCH');
    expect(err.message).toMatch(/\[2, 2, 5\].*\[3, 1, 3\].*resetStates/);
    streaming.resetStates();
    expect(streaming.predict(zd.zeros([3, 1, 3])).shape).toEqual([3, 1, 2]);
    // fit refuses, before training, data that would end in a smaller batch.
    streaming.compile({ optimizer: 'sgd', loss: 'meanSquaredError' });
    const fitErr = await streaming.fit(zd.zeros([5, 2, 3]), zd.zeros([5, 2, 2]), { batchSize: 2, verbose: 0 }).catch((e: unknown) => e as Error & { code?: string });
    expect(fitErr).toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    expect((fitErr as Error).message).toMatch(/5 training samples is not a multiple of batchSize 2/);
    streaming.resetStates();
    await streaming.fit(zd.zeros([4, 2, 3]), zd.zeros([4, 2, 2]), { batchSize: 2, shuffle: false, verbose: 0 });
    expect((streaming.layers[0] as Recurrent).getState()?.h.shape).toEqual([2, 2, 5]);
    // An explicit initial state on a plain layer: continuing from it equals the stateful run.
    const plain = whole.layers[0] as Recurrent;
    whole.predict(zd.tensor(values.map((seq) => seq.slice(0, 2))));
    const mid = plain.getState() as RecurrentState;
    plain.setState(mid);
    const rest = whole.predict(zd.tensor(values.map((seq) => seq.slice(2)))).toArray() as number[][][];
    expect(maxAbsDiff(rest[1]?.[1] as number[], all[1]?.[3] as number[])).toBeLessThan(1e-5);
    // Bad states: wrong shape, missing c, not a recurrent layer.
    expect(thrown(() => plain.setState({ h: zd.zeros([1, 2, 5]), c: zd.zeros([1, 2, 5]) })).message).toMatch(/\[2, batch, 5\].*\[1, 2, 5\]/);
    expect(thrown(() => plain.setState({ h: mid.h })).code).toBe('ERR_INVALID_ARGUMENT');
    expect(thrown(() => plain.setState({ h: mid.h, c: zd.zeros([2, 2, 4]) })).code).toBe('ERR_SHAPE_MISMATCH');
  });

  it('peephole LSTMs gradient-check; truncated BPTT really truncates', () => {
    const x = zd.uniform([2, 6, 3], -1, 1, { seed: 8 });
    const y = zd.tensor([
      [0, 1, 1, 0, 1, 0],
      [1, 1, 0, 0, 1, 1],
    ]);
    const peephole = new Sequential([layers.lstm({ units: 4, peephole: true, returnSequences: true, inputShape: [6, 3] }), layers.dense({ units: 2, activation: 'softmax' })], { seed: 9 });
    peephole.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    expect(peephole.getWeights()['0.peephole_l0']?.shape).toEqual([3, 4]);
    expect(gradientsAgree(peephole, x, y)).toContain('0.peephole_l0');
    // With truncation every 2 steps the analytic gradient is no longer the full one.
    const truncated = new Sequential([layers.lstm({ units: 4, truncateBptt: 2, returnSequences: true, inputShape: [6, 3] }), layers.dense({ units: 2, activation: 'softmax' })], { seed: 9 });
    truncated.compile({ optimizer: 'sgd', loss: 'sparseCategoricalCrossentropy' });
    // ...and the gradient check says so: the verdict fails on the recurrent weights.
    const report = zd.gradientCheck(truncated, x, y);
    const hh = report.parameters.find((e) => e.name === '0.weight_hh_l0');
    expect(hh?.maxRelError).toBeGreaterThan(0.05);
    expect(hh?.passed).toBe(false);
    expect(report.passed).toBe(false);
    expect(thrown(() => layers.gru({ units: 2, peephole: true } as never)).code).toBe('ERR_INVALID_ARGUMENT');
    expect(thrown(() => layers.lstm({ units: 2, truncateBptt: 0 })).code).toBe('ERR_INVALID_ARGUMENT');
    expect(thrown(() => new Sequential([layers.lstm({ units: 2, dropout: 0.5, inputShape: [3, 1] })])).message).toMatch(/numLayers > 1/);
  });

  it('reject bad lengths, NaN inputs and wrong ranks with typed errors naming the shapes', async () => {
    const model = new Sequential([layers.gru({ units: 3, inputShape: [4, 2] }), layers.dense({ units: 2, activation: 'softmax' })]);
    model.compile({ optimizer: 'adam', loss: 'sparseCategoricalCrossentropy' });
    const x = zd.zeros([2, 4, 2]);
    const y = zd.tensor([0, 1]);
    expect(thrown(() => model.predict(x, { lengths: [4, 5] })).message).toMatch(/lengths\[1\] is 5.*\[1, 4\].*\[2, 4, 2\]/);
    expect(thrown(() => model.predict(x, { lengths: [0, 1] })).code).toBe('ERR_INVALID_ARGUMENT');
    expect(thrown(() => model.predict(x, { lengths: [1.5, 1] })).message).toMatch(/whole numbers/);
    expect(thrown(() => model.predict(x, { lengths: [2] })).code).toBe('ERR_SHAPE_MISMATCH');
    await expect(model.fit(x, y, { lengths: [1, 2, 3], verbose: 0 })).rejects.toMatchObject({ code: 'ERR_SHAPE_MISMATCH' });
    await expect(model.trainOnBatch(x, y, { lengths: [9, 1] })).rejects.toMatchObject({ code: 'ERR_INVALID_ARGUMENT' });
    const nan = zd.tensor(Float32Array.from({ length: 16 }, (_, i) => (i === 5 ? Number.NaN : 0)), [2, 4, 2]);
    expect(thrown(() => model.predict(nan)).code).toBe('ERR_NON_FINITE');
    expect(thrown(() => model.predict(zd.zeros([2, 8]))).message).toMatch(/\[batch, 4, 2\].*\[2, 8\]/);
    expect(thrown(() => layers.lstm({ units: 2, inputShape: [0, 3] })).code).toBe('ERR_INVALID_ARGUMENT');
  });

  it('exploding gradients: clipped when clipNorm is set, otherwise fit stops with ERR_NON_FINITE', async () => {
    // A relu RNN whose recurrent weights double the state each step: gradients grow ~4^T.
    const build = (steps: number, clipNorm?: number) => {
      const m = new Sequential([layers.simpleRNN({ units: 2, activation: 'relu', inputShape: [steps, 1] }), layers.dense({ units: 1 })], { seed: 1 });
      m.setWeights({ '0.weight_hh_l0': zd.tensor([[2, 0], [0, 2]]), '0.weight_ih_l0': zd.tensor([[1], [1]]), '0.bias_ih_l0': zd.zeros([2]), '0.bias_hh_l0': zd.zeros([2]) });
      m.compile({ optimizer: zd.optimizers.sgd({ learningRate: 0.1 }), loss: 'meanSquaredError', ...(clipNorm ? { clipNorm } : {}) });
      return m;
    };
    const data = (steps: number) => [zd.ones([4, steps, 1]), zd.zeros([4, 1])] as const;
    const stepSize = async (m: InstanceType<typeof Sequential>, steps: number) => {
      const before = m.getWeights();
      await m.trainOnBatch(...data(steps));
      let moved = 0;
      for (const [name, w] of Object.entries(m.getWeights())) {
        const a = w.toFloat32Array();
        const b = (before[name] as Tensor).toFloat32Array();
        for (let i = 0; i < a.length; i++) moved += ((a[i] as number) - (b[i] as number)) ** 2;
      }
      return Math.sqrt(moved);
    };
    // 40 steps: a huge but finite gradient (~1e24); clipping bounds the step to lr * clipNorm.
    expect(await stepSize(build(40, 1), 40)).toBeLessThanOrEqual(0.1 * 1.0001);
    expect(await stepSize(build(40), 40)).toBeGreaterThan(1e6);
    // 64 steps: the gradient overflows float32; fit stops and keeps the last finite weights.
    const model = build(64);
    const before = model.getWeights()['0.weight_hh_l0']?.toArray();
    const err = await model.fit(...data(64), { epochs: 3, batchSize: 4, verbose: 0 }).catch((e: unknown) => e as Error & { code?: string });
    expect(err).toMatchObject({ code: 'ERR_NON_FINITE' });
    expect((err as Error).message).toMatch(/epoch 1, batch 1.*last finite values/);
    expect(model.getWeights()['0.weight_hh_l0']?.toArray()).toEqual(before);
  });
});
