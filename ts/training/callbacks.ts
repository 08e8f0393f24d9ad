/**
 * Training callbacks, with tfjs / Keras semantics: hooks called by `fit()` at train, epoch and
 * batch boundaries. Epoch and batch numbers are 0-based. Hooks may be async; `fit()` awaits each
 * one before going on, in the order the callbacks were given.
 */
import { InvalidArgumentError } from '../errors.js';
import { describe } from '../util/describe.js';
import { closest } from '../util/options.js';

export { EarlyStopping, earlyStopping } from './early-stopping.js';
export type { EarlyStoppingArgs } from './early-stopping.js';
export { LearningRateScheduler, learningRateScheduler } from './learning-rate-scheduler.js';
export type { Schedule } from './learning-rate-scheduler.js';
export { ModelCheckpoint, modelCheckpoint } from './model-checkpoint.js';
export type { ModelCheckpointArgs } from './model-checkpoint.js';

/** Metric values by name: `loss`, `accuracy`, `val_loss`, `val_accuracy`, ... */
export interface Logs {
  [metric: string]: number;
}

/** The part of a model callbacks may use. Weights are opaque to callbacks. */
export interface TrainingTarget {
  /** Set to true to end training after the current epoch. */
  stopTraining: boolean;
  /** A snapshot of the weights, unaffected by later training steps. */
  getWeights(): Record<string, unknown>;
  /** Restores weights returned by `getWeights()`. */
  setWeights(weights: Record<string, unknown>): void;
  /** The optimizer's learning rate (undefined before compile); setting it keeps the optimizer's state. */
  learningRate?: number | undefined;
}

/** Hooks called by `fit()`; implement any subset. */
export interface Callback {
  /** Called once before training with the model being trained. */
  setModel?(model: TrainingTarget): void;
  onTrainBegin?(logs?: Logs): void | Promise<void>;
  /** `logs` are those of the last epoch, when given. */
  onTrainEnd?(logs?: Logs): void | Promise<void>;
  onEpochBegin?(epoch: number, logs?: Logs): void | Promise<void>;
  /** `logs` holds the epoch's mean training metrics and, with validation data, the `val_` ones. */
  onEpochEnd?(epoch: number, logs: Logs): void | Promise<void>;
  onBatchBegin?(batch: number, logs?: Logs): void | Promise<void>;
  /** `logs` holds the running means over the epoch so far. */
  onBatchEnd?(batch: number, logs: Logs): void | Promise<void>;
}

const HOOKS = ['setModel', 'onTrainBegin', 'onTrainEnd', 'onEpochBegin', 'onEpochEnd', 'onBatchBegin', 'onBatchEnd'] as const;

/**
 * A callback must be an object whose hooks are functions; a method named like a hook that is
 * not one (`onEpochEnds`) is a typo that would never be called, so it is an error too. A
 * callback may be a class instance with methods of its own: only `on...` names are checked.
 */
function checkCallback(callback: Callback): Callback {
  if (callback === null || typeof callback !== 'object') {
    throw new InvalidArgumentError(`a callback must be an object with hooks such as onEpochEnd, got ${describe(callback)}`);
  }
  for (const hook of HOOKS) {
    const f: unknown = callback[hook];
    if (f !== undefined && typeof f !== 'function') {
      throw new InvalidArgumentError(`callback.${hook} must be a function, got ${describe(f)}`);
    }
  }
  for (let o: object | null = callback; o !== null && o !== Object.prototype; o = Object.getPrototypeOf(o) as object | null) {
    for (const key of Object.getOwnPropertyNames(o)) {
      if (!/^on[A-Z]/.test(key) || (HOOKS as readonly string[]).includes(key)) continue;
      const meant = closest(key, HOOKS);
      throw new InvalidArgumentError(`a callback has ${JSON.stringify(key)}, which is not a hook${meant ? `; did you mean ${JSON.stringify(meant)}?` : ''} (hooks: ${HOOKS.join(', ')})`);
    }
  }
  return callback;
}

/** Fans each hook out to many callbacks, one after another, awaiting async ones. */
export class CallbackList {
  readonly callbacks: Callback[] = [];

  constructor(callbacks: readonly Callback[] = []) {
    if (!Array.isArray(callbacks)) {
      throw new InvalidArgumentError(`callbacks must be an array of callback objects, got ${typeof callbacks}`);
    }
    callbacks.forEach((c) => this.append(c));
  }

  /** Adds a callback; checked here so a typo fails before training starts, not mid-way. */
  append(callback: Callback): void {
    this.callbacks.push(checkCallback(callback));
  }

  /** Adds a callback that runs before the others. */
  prepend(callback: Callback): void {
    this.callbacks.unshift(checkCallback(callback));
  }

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

  async onEpochEnd(epoch: number, logs: Logs = {}): Promise<void> {
    for (const c of this.callbacks) await c.onEpochEnd?.(epoch, logs);
  }

  async onBatchBegin(batch: number, logs?: Logs): Promise<void> {
    for (const c of this.callbacks) await c.onBatchBegin?.(batch, logs);
  }

  async onBatchEnd(batch: number, logs: Logs = {}): Promise<void> {
    for (const c of this.callbacks) await c.onBatchEnd?.(batch, logs);
  }
}

/**
 * Records each epoch's logs; `fit()` resolves with it. `history.loss[i]` is the loss of epoch
 * `epoch[i]`. A metric missing from some epochs (say `val_loss` with validation every few
 * epochs) is NaN there, so every array stays aligned with `epoch`.
 */
export class History implements Callback {
  /** The epochs recorded, 0-based. */
  epoch: number[] = [];
  /** Per-metric values, one per recorded epoch. */
  history: Record<string, number[]> = {};

  onTrainBegin(): void {
    this.epoch = [];
    this.history = {};
  }

  onEpochEnd(epoch: number, logs: Logs = {}): void {
    const seen = this.epoch.length;
    for (const name of Object.keys(logs)) this.history[name] ??= new Array<number>(seen).fill(NaN);
    this.epoch.push(epoch);
    for (const [name, values] of Object.entries(this.history)) values.push(logs[name] ?? NaN);
  }
}
