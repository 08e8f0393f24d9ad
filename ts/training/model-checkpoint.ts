/**
 * Model checkpoints, with Keras's semantics: save the model during `fit()` at the end of each
 * epoch, or only when a monitored metric improves. Every save is atomic (see `model.save`), so
 * a run killed mid-save still leaves the last good checkpoint.
 */
import { InvalidArgumentError } from '../errors.js';
import { booleanOption, checkOptions } from '../util/options.js';
import { describe } from '../util/describe.js';
import type { Callback, Logs, TrainingTarget } from './callbacks.js';
import { resolveMode } from './monitor.js';

export interface ModelCheckpointArgs {
  /**
   * Where to save. `{epoch}` in it becomes the 1-based epoch number (`'ckpt-{epoch}.safetensors'`
   * keeps one file per epoch); without it each save replaces the last. Required.
   */
  path: string;
  /** Metric to watch with `saveBestOnly`, a key of the epoch logs. Default 'val_loss'. */
  monitor?: string;
  /** Save only when `monitor` improves on the best so far. Default false: every epoch. */
  saveBestOnly?: boolean;
  /** 'min' or 'max' is better; 'auto' picks 'max' for metrics whose name contains 'acc'. Default 'auto'. */
  mode?: 'auto' | 'min' | 'max';
  /** Also save the optimizer state, to resume training exactly (see `model.save`). Default false. */
  includeOptimizer?: boolean;
}

const KEYS = ['path', 'monitor', 'saveBestOnly', 'mode', 'includeOptimizer'];

/** A model that can save itself (a Sequential). */
interface Savable extends TrainingTarget {
  save(path: string, args?: { includeOptimizer?: boolean }): Promise<void>;
}

function fail(what: string, got: unknown): never {
  throw new InvalidArgumentError(`modelCheckpoint() expects ${what}, got ${describe(got)}`);
}

/** Saves the model during training (see the module notes). */
export class ModelCheckpoint implements Callback {
  readonly path: string;
  readonly monitor: string;
  readonly saveBestOnly: boolean;
  readonly mode: 'min' | 'max';
  readonly includeOptimizer: boolean;
  /** Best monitored value in the current run (±Infinity before the first). */
  best = Infinity;
  /** Paths saved in the current run, in order. */
  saved: string[] = [];
  #model: Savable | undefined;

  constructor(args: ModelCheckpointArgs) {
    if (args === undefined) fail("an options object with path, e.g. { path: 'model.safetensors' }", args);
    checkOptions('modelCheckpoint()', args, KEYS);
    const { path, monitor = 'val_loss', mode = 'auto' } = args;
    if (typeof path !== 'string' || path === '') fail('path to be a file path (a non-empty string)', path);
    if (typeof monitor !== 'string' || monitor === '') fail('monitor to be a metric name such as "val_loss"', monitor);
    if (mode !== 'auto' && mode !== 'min' && mode !== 'max') fail('mode to be "auto", "min" or "max"', mode);
    this.path = path;
    this.monitor = monitor;
    this.saveBestOnly = booleanOption('modelCheckpoint()', 'saveBestOnly', args.saveBestOnly, false);
    this.mode = resolveMode(monitor, mode);
    this.includeOptimizer = booleanOption('modelCheckpoint()', 'includeOptimizer', args.includeOptimizer, false);
    this.onTrainBegin();
  }

  setModel(model: TrainingTarget): void {
    if (typeof (model as Partial<Savable>).save !== 'function') throw new InvalidArgumentError('modelCheckpoint() needs a model that can save itself (a Sequential)');
    this.#model = model as Savable;
  }

  onTrainBegin(): void {
    this.best = this.mode === 'min' ? Infinity : -Infinity;
    this.saved = [];
  }

  async onEpochEnd(epoch: number, logs: Logs): Promise<void> {
    if (this.saveBestOnly) {
      const current = logs[this.monitor];
      if (current === undefined) {
        const keys = Object.keys(logs);
        throw new InvalidArgumentError(
          `modelCheckpoint() monitors ${JSON.stringify(this.monitor)}, which the epoch logs do not have (they have ${keys.join(', ') || 'nothing'})` +
            (this.monitor.startsWith('val_') ? '; pass validationData or validationSplit to fit(), or monitor another metric' : ''),
        );
      }
      if (!(this.mode === 'min' ? current < this.best : current > this.best)) return;
      this.best = current;
    }
    if (!this.#model) throw new InvalidArgumentError('modelCheckpoint(): no model; pass the callback to fit()');
    const path = this.path.replaceAll('{epoch}', String(epoch + 1));
    await this.#model.save(path, { includeOptimizer: this.includeOptimizer });
    this.saved.push(path);
  }
}

/** Saves the model during `fit()`: every epoch, or only the best (`saveBestOnly`). */
export function modelCheckpoint(args: ModelCheckpointArgs): ModelCheckpoint {
  return new ModelCheckpoint(args);
}
