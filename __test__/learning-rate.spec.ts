// The learning rate of a compiled model: read and set without resetting the optimizer, and a
// schedule (callbacks.learningRateScheduler, Keras's semantics) applied before each epoch.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { thrown } from './helpers.js';

const require = createRequire(import.meta.url);
const zd = require('../dist/index.js') as typeof import('../dist/index.js');
const { layers, Sequential, callbacks, optimizers } = zd;

function model() {
  const m = new Sequential([layers.dense({ units: 4, activation: 'tanh', inputShape: [3] }), layers.dense({ units: 2 })], { seed: 3 });
  m.compile({ loss: 'meanSquaredError', optimizer: optimizers.adam({ learningRate: 0.05 }) });
  return m;
}

const x = zd.tensor(Float32Array.from({ length: 48 }, (_, i) => Math.sin(i)), [16, 3]);
const y = zd.tensor(Float32Array.from({ length: 32 }, (_, i) => Math.cos(i)), [16, 2]);
const fitArgs = { batchSize: 4, seed: 1, verbose: 0 as const };
const weights = (m: InstanceType<typeof Sequential>) => Object.values(m.getWeights()).map((t) => Array.from(t.toFloat32Array()));

describe('learningRate', () => {
  it('is undefined before compile, the optimizer\'s after, and is recorded in the description', () => {
    const m = new Sequential([layers.dense({ units: 1, inputShape: [2] })]);
    expect(m.learningRate).toBeUndefined();
    const e = thrown(() => {
      m.learningRate = 0.1;
    });
    expect(e.code).toBe('ERR_INVALID_ARGUMENT');
    expect(e.message).toMatch(/needs a compiled model/);
    const c = model();
    expect(c.learningRate).toBe(0.05);
    c.learningRate = 0.001;
    expect(c.learningRate).toBe(0.001);
    expect((c.toJSON().training?.optimizer as { learningRate: number }).learningRate).toBe(0.001);
  });

  it('refuses rates that are not finite numbers >= 0, naming what came', () => {
    const m = model();
    for (const [bad, came] of [[-1, /got -1/], [Number.NaN, /NaN/], ['0.1', /the string "0\.1"/]] as const) {
      const e = thrown(() => {
        m.learningRate = bad as number;
      });
      expect(e.code).toBe('ERR_INVALID_ARGUMENT');
      expect(e.message).toMatch(came);
    }
    expect(m.learningRate).toBe(0.05);
  });

  it('keeps the optimizer state: setting the same rate between epochs changes nothing, compiling again does', async () => {
    const straight = model();
    await straight.fit(x, y, { ...fitArgs, epochs: 2 });
    const set = model();
    await set.fit(x, y, { ...fitArgs, epochs: 1 });
    set.learningRate = 0.05;
    await set.fit(x, y, { ...fitArgs, epochs: 2, initialEpoch: 1 });
    expect(weights(set)).toEqual(weights(straight));
    const recompiled = model();
    await recompiled.fit(x, y, { ...fitArgs, epochs: 1 });
    recompiled.compile({ loss: 'meanSquaredError', optimizer: optimizers.adam({ learningRate: 0.05 }) });
    await recompiled.fit(x, y, { ...fitArgs, epochs: 2, initialEpoch: 1 });
    expect(weights(recompiled)).not.toEqual(weights(straight));
  });
});

describe('callbacks.learningRateScheduler', () => {
  it('sets each epoch\'s rate from (epoch, rate) before the epoch', async () => {
    const m = model();
    const calls: [number, number][] = [];
    const during: number[] = [];
    await m.fit(x, y, {
      ...fitArgs,
      epochs: 4,
      callbacks: [callbacks.learningRateScheduler((epoch, lr) => (calls.push([epoch, lr]), epoch >= 2 ? lr / 10 : lr)), { onEpochEnd: () => void during.push(Number(m.learningRate?.toPrecision(6))) }],
    });
    expect(calls.map(([e, lr]) => [e, Number(lr.toPrecision(6))])).toEqual([[0, 0.05], [1, 0.05], [2, 0.05], [3, 0.005]]);
    expect(during).toEqual([0.05, 0.05, 0.005, 0.0005]);
    expect(m.learningRate).toBeCloseTo(0.0005, 12);
  });

  it('an identity schedule trains exactly as no schedule', async () => {
    const a = model();
    await a.fit(x, y, { ...fitArgs, epochs: 3 });
    const b = model();
    await b.fit(x, y, { ...fitArgs, epochs: 3, callbacks: [callbacks.learningRateScheduler((_, lr) => lr)] });
    expect(weights(b)).toEqual(weights(a));
  });

  it('refuses a schedule that is not a function, or that returns a bad rate', async () => {
    expect(thrown(() => callbacks.learningRateScheduler('step' as never)).message).toMatch(/expects a function \(epoch, learningRate\) => learningRate, got the string "step"/);
    const e = (await model()
      .fit(x, y, { ...fitArgs, epochs: 2, callbacks: [callbacks.learningRateScheduler(() => Number.NaN)] })
      .then(() => undefined, (err: unknown) => err)) as Error & { code: string };
    expect(e.code).toBe('ERR_INVALID_ARGUMENT');
    expect(e.message).toMatch(/must return a finite number >= 0, got .*NaN.* for epoch 0/);
  });
});
