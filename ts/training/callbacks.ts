/**
 * Training callbacks, with tfjs/Keras semantics: hooks at train, epoch and batch boundaries
 * (epochs and batches numbered from 0), a History that `fit` returns, and early stopping.
 */
import { InvalidArgumentError } from '../errors.js';

/** Metric values by name: `loss`, `accuracy`, `val_loss`, `val_accuracy`. */
export interface Logs {
  [metric: string]: number;
}

/** What callbacks may touch on the model being trained. */
export interface TrainingTarget {
  /** Set to true to end training after the current epoch. */
  stopTraining: boolean;
  getWeights(): Record<string, unknown>;
  setWeights(weights: Record<string, unknown>): void;
}

type Hook<A extends unknown[]> = ((...args: A) => void | Promise<void>) | undefined;

export interface Callback {
  setModel?(model: TrainingTarget): void;
  onTrainBegin?: Hook<[logs?: Logs]>;
  onTrainEnd?: Hook<[logs?: Logs]>;
  onEpochBegin?: Hook<[epoch: number, logs?: Logs]>;
  onEpochEnd?: Hook<[epoch: number, logs: Logs]>;
  onBatchBegin?: Hook<[batch: number, logs?: Logs]>;
  onBatchEnd?: Hook<[batch: number, logs: Logs]>;
}

/** Calls every callback's hook in order, awaiting async ones. */
export class CallbackList {
  constructor(readonly callbacks: Callback[]) {}

  setModel(model: TrainingTarget): void {
    for (const c of this.callbacks) c.setModel?.(model);
  }
  async onTrainBegin(logs?: Logs): Promise<void> {
    for (const c of this.callbacks) await c.onTrainBegin?.(logs);
  }
  async onTrainEnd(logs?: Logs): Promise<void> {
    for (const c of this.callbacks) await c.onTrainEnd?.(logs);
  }
  async onEpochBegin(epoch: number, logs?: Logs): Promise<void> {
    for (const c of this.callbacks) await c.onEpochBegin?.(epoch, logs);
  }
  async onEpochEnd(epoch: number, logs: Logs): Promise<void> {
    for (const c of this.callbacks) await c.onEpochEnd?.(epoch, logs);
  }
  async onBatchBegin(batch: number, logs?: Logs): Promise<void> {
    for (const c of this.callbacks) await c.onBatchBegin?.(batch, logs);
  }
  async onBatchEnd(batch: number, logs: Logs): Promise<void> {
    for (const c of this.callbacks) await c.onBatchEnd?.(batch, logs);
  }
}

/** Per-epoch metrics of a `fit` run (what `fit` resolves with). */
export class History implements Callback {
  readonly epoch: number[] = [];
  readonly history: Record<string, number[]> = {};

  onEpochEnd(epoch: number, logs: Logs): void {
    this.epoch.push(epoch);
    for (const [k, v] of Object.entries(logs)) (this.history[k] ??= []).push(v);
  }
}

export interface EarlyStoppingArgs {
  /** Metric to watch. Default 'val_loss'. */
  monitor?: string;
  /** Smallest change that counts as an improvement. Default 0. */
  minDelta?: number;
  /** Epochs without improvement before stopping. Default 0. */
  patience?: number;
  /** Whether smaller or larger is better; 'auto' = larger for accuracy metrics. Default 'auto'. */
  mode?: 'auto' | 'min' | 'max';
  /** Stop unless the metric beats this value. Default: none. */
  baseline?: number;
  /** Put back the weights of the best epoch when training ends. Default false. */
  restoreBestWeights?: boolean;
}

/** Stops training when a monitored metric has stopped improving. */
export function earlyStopping(args: EarlyStoppingArgs = {}): Callback {
  const monitor = args.monitor ?? 'val_loss';
  const minDelta = Math.abs(args.minDelta ?? 0);
  const patience = args.patience ?? 0;
  const mode = args.mode ?? 'auto';
  if (!Number.isInteger(patience) || patience < 0) throw new InvalidArgumentError(`earlyStopping() expects patience to be an integer >= 0, got ${String(patience)}`);
  if (!Number.isFinite(minDelta)) throw new InvalidArgumentError(`earlyStopping() expects a finite minDelta, got ${String(args.minDelta)}`);
  if (!['auto', 'min', 'max'].includes(mode)) throw new InvalidArgumentError(`earlyStopping() expects mode 'auto', 'min' or 'max', got ${String(mode)}`);
  const higherIsBetter = mode === 'max' || (mode === 'auto' && /acc/.test(monitor));
  const better = (a: number, b: number) => (higherIsBetter ? a - minDelta > b : a + minDelta < b);
  let model: TrainingTarget | undefined;
  let best = args.baseline ?? (higherIsBetter ? -Infinity : Infinity);
  let bestWeights: Record<string, unknown> | undefined;
  let wait = 0;
  let warned = false;
  return {
    setModel(m) {
      model = m;
    },
    onTrainBegin() {
      best = args.baseline ?? (higherIsBetter ? -Infinity : Infinity);
      bestWeights = undefined;
      wait = 0;
    },
    onEpochEnd(_epoch, logs) {
      const value = logs[monitor];
      if (value === undefined) {
        if (!warned) console.warn(`earlyStopping: metric ${JSON.stringify(monitor)} is not available; available: ${Object.keys(logs).join(', ')}`);
        warned = true;
        return;
      }
      if (better(value, best)) {
        best = value;
        wait = 0;
        if (args.restoreBestWeights && model) bestWeights = model.getWeights();
      } else if (++wait > patience && model) {
        model.stopTraining = true;
      }
    },
    onTrainEnd() {
      if (args.restoreBestWeights && bestWeights && model) model.setWeights(bestWeights);
    },
  };
}
