// Training callbacks on their own, with a fake model: History, early stopping, CallbackList.
import { createRequire } from 'node:module';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { thrown } from './helpers.js';

const require = createRequire(import.meta.url);
const cb = require('../dist/training/callbacks.js') as typeof import('../dist/training/callbacks.js');
const { InvalidArgumentError } = require('../dist/errors.js') as typeof import('../dist/errors.js');
type Logs = import('../dist/training/callbacks.js').Logs;
type Callback = import('../dist/training/callbacks.js').Callback;

/** A stand-in model: one weight that each epoch sets to its epoch number. */
class FakeModel {
  stopTraining = false;
  w = -1;
  gets = 0;
  sets: unknown[] = [];
  getWeights() {
    this.gets++;
    return { w: this.w };
  }
  setWeights(weights: Record<string, unknown>) {
    this.sets.push(weights);
    this.w = weights.w as number;
  }
}

/** Drives the callbacks the way fit() does over the given per-epoch logs; stops like fit(). */
async function train(callbacks: Callback[], epochs: Logs[], model = new FakeModel()) {
  const list = new cb.CallbackList(callbacks);
  list.setModel(model);
  await list.onTrainBegin();
  let ran = 0;
  for (const [epoch, logs] of epochs.entries()) {
    if (model.stopTraining) break;
    await list.onEpochBegin(epoch);
    model.w = epoch;
    await list.onEpochEnd(epoch, logs);
    ran++;
  }
  await list.onTrainEnd();
  return { model, ran };
}

const losses = (...v: number[]) => v.map((val_loss) => ({ loss: 1, val_loss }));

afterEach(() => {
  vi.restoreAllMocks();
});

describe('History', () => {
  it('records every epoch, metric by metric', async () => {
    const h = new cb.History();
    await train([h], [
      { loss: 0.9, accuracy: 0.5 },
      { loss: 0.5, accuracy: 0.7 },
      { loss: 0.25, accuracy: 0.75 },
    ]);
    expect(h.epoch).toEqual([0, 1, 2]);
    expect(h.history).toEqual({ loss: [0.9, 0.5, 0.25], accuracy: [0.5, 0.7, 0.75] });
  });

  it('keeps arrays aligned with epochs when a metric is missing in some epochs', async () => {
    const h = new cb.History();
    await train([h], [{ loss: 3 }, { loss: 2, val_loss: 2.5 }, { loss: 1 }]);
    expect(h.history.loss).toEqual([3, 2, 1]);
    expect(h.history.val_loss).toEqual([NaN, 2.5, NaN]);
  });

  it('starts afresh on each training run', async () => {
    const h = new cb.History();
    await train([h], [{ loss: 1 }]);
    await train([h], [{ loss: 2 }, { loss: 3 }]);
    expect(h.epoch).toEqual([0, 1]);
    expect(h.history).toEqual({ loss: [2, 3] });
  });
});

describe('CallbackList', () => {
  it('calls hooks in callback order and awaits async ones before the next', async () => {
    const seen: string[] = [];
    const slow: Callback = {
      onEpochEnd: async (epoch) => {
        await new Promise((r) => setTimeout(r, 20));
        seen.push(`slow:e${epoch}`);
      },
      onTrainEnd: () => void seen.push('slow:end'),
    };
    const fast: Callback = {
      setModel: () => void seen.push('fast:model'),
      onTrainBegin: () => void seen.push('fast:begin'),
      onEpochBegin: (epoch) => void seen.push(`fast:b${epoch}`),
      onEpochEnd: (epoch, logs) => void seen.push(`fast:e${epoch}:${logs.loss}`),
      onTrainEnd: () => void seen.push('fast:end'),
    };
    await train([slow, fast], [{ loss: 1 }, { loss: 2 }]);
    expect(seen).toEqual(['fast:model', 'fast:begin', 'fast:b0', 'slow:e0', 'fast:e0:1', 'fast:b1', 'slow:e1', 'fast:e1:2', 'slow:end', 'fast:end']);
  });

  it('passes batch numbers and logs through', async () => {
    const seen: string[] = [];
    const list = new cb.CallbackList([{ onBatchBegin: (b) => void seen.push(`b${b}`), onBatchEnd: (b, logs) => void seen.push(`e${b}:${logs.loss}`) }]);
    await list.onBatchBegin(0);
    await list.onBatchEnd(0, { loss: 0.5 });
    expect(seen).toEqual(['b0', 'e0:0.5']);
  });

  it('rejects what is not a callback with InvalidArgumentError', () => {
    const notObject = thrown(() => new cb.CallbackList([42 as unknown as Callback]));
    expect(notObject).toBeInstanceOf(InvalidArgumentError);
    expect(notObject.message).toContain('got number');
    const badHook = thrown(() => new cb.CallbackList([{ onEpochEnd: 'soon' } as unknown as Callback]));
    expect(badHook.code).toBe('ERR_INVALID_ARGUMENT');
    expect(badHook.message).toMatch(/onEpochEnd must be a function, got the string/);
  });
});

describe('earlyStopping', () => {
  it('stops after `patience` epochs without improvement', async () => {
    const { model, ran } = await train([cb.earlyStopping({ patience: 2 })], losses(1, 0.5, 0.6, 0.7, 0.1, 0.1));
    expect(ran).toBe(4); // best at epoch 1; epochs 2 and 3 do not improve
    expect(model.stopTraining).toBe(true);
  });

  it('with patience 0 stops at the first epoch that does not improve', async () => {
    const es = cb.earlyStopping();
    const { ran } = await train([es], losses(1, 0.9, 0.95, 0.1));
    expect(ran).toBe(3);
    expect(es.stoppedEpoch).toBe(2);
    expect(es.best).toBe(0.9);
    expect(es.bestEpoch).toBe(1);
  });

  it('counts improvements smaller than minDelta as none', async () => {
    const { ran } = await train([cb.earlyStopping({ minDelta: 0.1, patience: 1 })], losses(1, 0.95, 0.8, 0.79, 0.5));
    // 0.95 is not 0.1 better than 1, so patience 1 runs out at epoch 1.
    expect(ran).toBe(2);
    const loose = await train([cb.earlyStopping({ minDelta: 0.01, patience: 1 })], losses(1, 0.95, 0.8, 0.79, 0.5));
    expect(loose.ran).toBe(4);
  });

  it('maximises accuracy metrics in auto mode, minimises others, and honours an explicit mode', async () => {
    const acc = (...v: number[]) => v.map((val_accuracy) => ({ val_accuracy }));
    expect(cb.earlyStopping({ monitor: 'val_accuracy' }).mode).toBe('max');
    expect(cb.earlyStopping({ monitor: 'val_loss' }).mode).toBe('min');
    expect((await train([cb.earlyStopping({ monitor: 'val_accuracy' })], acc(0.5, 0.6, 0.7, 0.65, 0.9))).ran).toBe(4);
    const maxLoss = cb.earlyStopping({ monitor: 'loss', mode: 'max' });
    expect(maxLoss.mode).toBe('max');
    expect((await train([maxLoss], [{ loss: 1 }, { loss: 2 }, { loss: 1.5 }])).ran).toBe(3);
    expect((await train([cb.earlyStopping({ monitor: 'val_accuracy', mode: 'min' })], acc(0.5, 0.6))).ran).toBe(2);
  });

  it('stops when the baseline is not beaten within patience, even while improving', async () => {
    const es = cb.earlyStopping({ baseline: 0.5, patience: 2 });
    const { ran } = await train([es], losses(0.9, 0.8, 0.7, 0.4));
    expect(ran).toBe(2);
    expect(es.best).toBe(0.8); // the best is still tracked
    // Beating the baseline resets the count.
    const ok = await train([cb.earlyStopping({ baseline: 0.5, patience: 2 })], losses(0.9, 0.45, 0.46, 0.3, 0.2));
    expect(ok.ran).toBe(5);
  });

  it('restores the best weights at the end, whether it stopped training or not', async () => {
    const stopped = await train([cb.earlyStopping({ patience: 1, restoreBestWeights: true })], losses(1, 0.2, 0.5, 0.6, 0.1));
    expect(stopped.ran).toBe(3);
    expect(stopped.model.w).toBe(1); // epoch 1 had the best val_loss
    expect(stopped.model.sets).toEqual([{ w: 1 }]);
    const ranOut = await train([cb.earlyStopping({ patience: 5, restoreBestWeights: true })], losses(1, 0.2, 0.5));
    expect(ranOut.ran).toBe(3);
    expect(ranOut.model.w).toBe(1);
  });

  it('does not restore or copy weights unless asked, nor restore when the last epoch was the best', async () => {
    const plain = await train([cb.earlyStopping({ patience: 1 })], losses(1, 0.2, 0.5, 0.6));
    expect(plain.model.gets).toBe(0);
    expect(plain.model.sets).toEqual([]);
    expect(plain.model.w).toBe(2);
    const improving = await train([cb.earlyStopping({ restoreBestWeights: true })], losses(1, 0.5, 0.2));
    expect(improving.model.sets).toEqual([]);
    expect(improving.model.w).toBe(2);
  });

  it('is reusable across runs', async () => {
    const es = cb.earlyStopping({ restoreBestWeights: true });
    expect((await train([es], losses(1, 2))).ran).toBe(2);
    const second = await train([es], losses(5, 4, 3));
    expect(second.ran).toBe(3);
    expect(second.model.sets).toEqual([]);
    expect(es.stoppedEpoch).toBe(-1);
  });

  it('warns once, naming the available metrics, when the monitored one is missing, and never stops', async () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const { ran, model } = await train([cb.earlyStopping()], [{ loss: 1, accuracy: 0.5 }, { loss: 2, accuracy: 0.4 }, { loss: 3, accuracy: 0.3 }]);
    expect(ran).toBe(3);
    expect(model.stopTraining).toBe(false);
    expect(warn).toHaveBeenCalledTimes(1);
    expect(String(warn.mock.calls[0]?.[0])).toMatch(/"val_loss" is not in the epoch logs \(available: loss, accuracy\)/);
  });

  it('rejects bad arguments with InvalidArgumentError saying what was expected and what came', () => {
    const cases: [unknown, RegExp][] = [
      [{ patience: -1 }, /patience to be an integer >= 0, got -1/],
      [{ patience: 1.5 }, /patience to be an integer >= 0, got 1.5/],
      [{ minDelta: -0.1 }, /minDelta to be a finite number >= 0, got -0.1/],
      [{ minDelta: NaN }, /minDelta to be a finite number >= 0, got NaN/],
      [{ mode: 'biggest' }, /mode to be "auto", "min" or "max", got "biggest"/],
      [{ monitor: '' }, /monitor to be a metric name .*, got ""/],
      [{ monitor: 3 }, /monitor to be a metric name .*, got 3/],
      [{ baseline: Infinity }, /baseline to be a finite number, got Infinity/],
      [{ restoreBestWeights: 'yes' }, /restoreBestWeights to be a boolean, got "yes"/],
      [{ restoreBestWeight: true }, /unknown option "restoreBestWeight"; did you mean "restoreBestWeights"\?/],
      [null, /an options object, got null/],
    ];
    for (const [args, message] of cases) {
      const err = thrown(() => cb.earlyStopping(args as never));
      expect(err).toBeInstanceOf(InvalidArgumentError);
      expect(err.message).toMatch(message);
    }
  });

  it('needs a model to stop', () => {
    const es = cb.earlyStopping();
    expect(thrown(() => es.onEpochEnd(0, { val_loss: 1 })).message).toMatch(/setModel/);
  });
});
