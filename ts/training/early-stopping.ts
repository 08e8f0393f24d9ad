/**
 * Early stopping, with Keras 3's semantics (but see `baseline`): stop when the monitored metric
 * has not improved for `patience` epochs; optionally put back the best epoch's weights when
 * training ends, whether or not it stopped early.
 */
import { InvalidArgumentError } from '../errors.js';
import { checkOptions } from '../util/options.js';
import type { Callback, Logs, TrainingTarget } from './callbacks.js';
import { resolveMode } from './monitor.js';

export interface EarlyStoppingArgs {
  /** Metric to watch, a key of the epoch logs. Default 'val_loss'. */
  monitor?: string;
  /** Smallest change that counts as an improvement (an absolute amount, >= 0). Default 0. */
  minDelta?: number;
  /** Epochs without improvement after which training stops (0 = at the first one). Default 0. */
  patience?: number;
  /**
   * Whether lower ('min') or higher ('max') is better; 'auto' picks 'max' for metrics whose name
   * contains 'acc' and 'min' otherwise. Default 'auto'.
   */
  mode?: 'auto' | 'min' | 'max';
  /**
   * A value the metric must beat: epochs that do not beat it count against `patience` even when
   * they improve on the best so far. Default: none.
   */
  baseline?: number;
  /** Put back the weights of the best epoch when training ends. Default false. */
  restoreBestWeights?: boolean;
}

const KEYS = ['monitor', 'minDelta', 'patience', 'mode', 'baseline', 'restoreBestWeights'];

const show = (v: unknown): string => (typeof v === 'string' ? JSON.stringify(v) : String(v));

function fail(what: string, got: unknown): never {
  throw new InvalidArgumentError(`earlyStopping() expects ${what}, got ${show(got)}`);
}

/** Stops training when a monitored metric has stopped improving. */
export class EarlyStopping implements Callback {
  readonly monitor: string;
  readonly minDelta: number;
  readonly patience: number;
  /** The resolved direction ('auto' already decided). */
  readonly mode: 'min' | 'max';
  readonly baseline: number | undefined;
  readonly restoreBestWeights: boolean;
  /** Best value seen in the current run (±Infinity before the first). */
  best = Infinity;
  /** Epoch of `best`, or -1. */
  bestEpoch = -1;
  /** Epoch at which this callback stopped training, or -1. */
  stoppedEpoch = -1;
  #model: TrainingTarget | undefined;
  #wait = 0;
  #lastEpoch = -1;
  #bestWeights: Record<string, unknown> | undefined;
  #warned = false;

  constructor(args: EarlyStoppingArgs = {}) {
    // A misspelt option (say `restoreBestWeight`) would otherwise be silently ignored.
    checkOptions('earlyStopping()', args, KEYS);
    const { monitor = 'val_loss', minDelta = 0, patience = 0, mode = 'auto', baseline, restoreBestWeights = false } = args;
    if (typeof monitor !== 'string' || monitor === '') fail('monitor to be a metric name such as "val_loss"', monitor);
    if (typeof minDelta !== 'number' || !Number.isFinite(minDelta) || minDelta < 0) fail('minDelta to be a finite number >= 0', minDelta);
    if (!Number.isInteger(patience) || patience < 0) fail('patience to be an integer >= 0', patience);
    if (mode !== 'auto' && mode !== 'min' && mode !== 'max') fail('mode to be "auto", "min" or "max"', mode);
    if (baseline !== undefined && (typeof baseline !== 'number' || !Number.isFinite(baseline))) fail('baseline to be a finite number', baseline);
    if (typeof restoreBestWeights !== 'boolean') fail('restoreBestWeights to be a boolean', restoreBestWeights);
    this.monitor = monitor;
    this.minDelta = minDelta;
    this.patience = patience;
    this.mode = resolveMode(monitor, mode);
    this.baseline = baseline;
    this.restoreBestWeights = restoreBestWeights;
    this.onTrainBegin();
  }

  setModel(model: TrainingTarget): void {
    this.#model = model;
  }

  onTrainBegin(): void {
    // A callback object may be reused across fit() calls; each run starts afresh.
    this.best = this.mode === 'min' ? Infinity : -Infinity;
    this.bestEpoch = -1;
    this.stoppedEpoch = -1;
    this.#wait = 0;
    this.#lastEpoch = -1;
    this.#bestWeights = undefined;
    this.#warned = false;
  }

  onEpochEnd(epoch: number, logs: Logs = {}): void {
    const current = logs[this.monitor];
    if (current === undefined) {
      this.#warnMissing(logs);
      return;
    }
    const model = this.#requireModel();
    this.#lastEpoch = epoch;
    this.#wait++;
    if (this.#improves(current, this.best)) {
      this.best = current;
      this.bestEpoch = epoch;
      if (this.restoreBestWeights) this.#bestWeights = model.getWeights();
      // Unlike Keras, which only stops on a non-improving epoch, an epoch that improves but
      // misses the baseline still counts against patience (tfjs's behaviour, and what the
      // baseline is for: stop a run that does not get good enough in time).
      if (this.baseline === undefined || this.#improves(current, this.baseline)) {
        this.#wait = 0;
        return;
      }
    }
    if (this.#wait >= this.patience) {
      this.stoppedEpoch = epoch;
      model.stopTraining = true;
    }
  }

  onTrainEnd(): void {
    // Skip the copy when the last epoch was the best: the weights are already those.
    if (this.#bestWeights !== undefined && this.bestEpoch !== this.#lastEpoch) this.#requireModel().setWeights(this.#bestWeights);
    this.#bestWeights = undefined;
  }

  #improves(value: number, reference: number): boolean {
    return this.mode === 'min' ? value + this.minDelta < reference : value - this.minDelta > reference;
  }

  #warnMissing(logs: Logs): void {
    if (this.#warned) return;
    this.#warned = true;
    const keys = Object.keys(logs);
    console.warn(
      `earlyStopping: the monitored metric ${JSON.stringify(this.monitor)} is not in the epoch logs ` +
        `(available: ${keys.length > 0 ? keys.join(', ') : 'none'}); it will not stop training. ` +
        (this.monitor.startsWith('val_') ? 'Pass validationData or validationSplit to fit(), or monitor another metric.' : 'Monitor one of the available metrics.'),
    );
  }

  #requireModel(): TrainingTarget {
    if (!this.#model) throw new InvalidArgumentError('earlyStopping needs setModel(model) before training; fit() does this for its callbacks');
    return this.#model;
  }
}

/** Stops training when a monitored metric has stopped improving (see {@link EarlyStoppingArgs}). */
export function earlyStopping(args?: EarlyStoppingArgs): EarlyStopping {
  return new EarlyStopping(args);
}
