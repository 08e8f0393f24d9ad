/**
 * The training loop behind `model.fit()`. TypeScript owns the loop (epochs, shuffling, batching,
 * callbacks, validation, stopping); each batch is one native async call, computed off the JS
 * thread, so a Node service stays responsive while a model trains.
 */
import { AbortError, InvalidArgumentError, NonFiniteError, awaitNative, callNative, toZerodlError } from '../errors.js';
import { native, type NativeModel } from '../native.js';
import { lengthsTensor, type SequenceLengths } from './sequence-lengths.js';
import { Tensor, toTensor, type TensorLike } from '../tensor.js';
import { describe } from '../util/describe.js';
import { booleanOption, checkOptions, countOption, seedOption } from '../util/options.js';
import { mulberry32, range, shuffleInPlace } from '../util/shuffle.js';
import { CallbackList, History, type Callback, type Logs, type TrainingTarget } from './callbacks.js';
import { progressLogger } from './progress.js';

export interface ModelFitArgs {
  /** Passes over the training data. Default 1. */
  epochs?: number;
  /** Samples per gradient step. Default 32. */
  batchSize?: number;
  /** Shuffle the training samples before each epoch. Default true. */
  shuffle?: boolean;
  /** Seed for the shuffling, for reproducible runs (each epoch's order comes from the seed and the epoch number). Default: a random seed. */
  seed?: number;
  /**
   * The epoch to start at (Keras's initialEpoch): trains epochs initialEpoch..epochs-1, so a
   * model saved with `includeOptimizer` after 2 epochs and loaded trains on with
   * `{ epochs: 4, initialEpoch: 2 }` exactly as a 4-epoch run would (same seed). Default 0.
   */
  initialEpoch?: number;
  /** Fraction of the data (taken from the end, before shuffling) held out for validation. Default 0. */
  validationSplit?: number;
  /** Explicit validation data `[x, y]` (or `[x, y, lengths]` for padded sequences); overrides `validationSplit`. */
  validationData?: [Tensor | TensorLike, Tensor | TensorLike] | [Tensor | TensorLike, Tensor | TensorLike, SequenceLengths];
  /** Valid steps of each training sequence (one per sample of x) when they are padded to one length; see `SequenceArgs`. */
  lengths?: SequenceLengths;
  /** Called at train/epoch/batch boundaries (e.g. `callbacks.earlyStopping()`). */
  callbacks?: Callback[];
  /** Stops training between batches; `fit` then rejects with an AbortError. */
  signal?: AbortSignal;
  /** 0 = silent, 1 = progress bar in a terminal (one line per epoch otherwise), 2 = one line per epoch. Default 1. */
  verbose?: 0 | 1 | 2;
}

/** What the loop needs from the model. */
export interface FitTarget extends TrainingTarget {
  readonly nativeModel: NativeModel;
  /** Names of the metrics to report, e.g. ['accuracy']. */
  readonly metricNames: readonly string[];
  /** Whether some layer carries its state from batch to batch (then every batch must have one size). */
  readonly hasStatefulLayers: boolean;
}

interface Split {
  x: Tensor;
  y: Tensor;
  lengths: Tensor | undefined;
  trainIndices: Uint32Array;
  validation: Validation | undefined;
}

interface Validation {
  x: Tensor;
  y: Tensor;
  lengths: Tensor | undefined;
}

const FIT_KEYS = ['epochs', 'initialEpoch', 'batchSize', 'shuffle', 'seed', 'validationSplit', 'validationData', 'lengths', 'callbacks', 'signal', 'verbose'];

/** The options' types, before any work. */
function checkFitArgs(args: ModelFitArgs): void {
  const { shuffle, seed, validationSplit, validationData, signal } = args;
  booleanOption('fit()', 'shuffle', shuffle, true);
  seedOption('fit()', seed);
  if (validationSplit !== undefined && !(typeof validationSplit === 'number' && validationSplit >= 0 && validationSplit < 1)) {
    throw new InvalidArgumentError(`fit() expects validationSplit to be a number in [0, 1), got ${describe(validationSplit)}`);
  }
  if (validationData !== undefined && !(Array.isArray(validationData) && (validationData.length === 2 || validationData.length === 3))) {
    throw new InvalidArgumentError(`fit() expects validationData to be [x, y] or [x, y, lengths], got ${describe(validationData)}`);
  }
  if (signal !== undefined && !(signal instanceof AbortSignal)) throw new InvalidArgumentError(`fit() expects signal to be an AbortSignal, got ${describe(signal)}`);
}

/** Splits off the validation data, then checks both sets whole: a mistake must not cost an epoch. */
function split(model: FitTarget, x: Tensor, y: Tensor, args: ModelFitArgs): Split {
  const n = x.shape[0] ?? 0;
  const check = (d: { x: Tensor; y: Tensor; lengths: Tensor | undefined }, what: string) => callNative(() => model.nativeModel.checkData(d.x.native, d.y.native, d.lengths?.native, what));
  const lengths = lengthsTensor(args.lengths, n, 'fit()');
  check({ x, y, lengths }, 'fit()');
  if (args.validationData) {
    const [vxIn, vyIn, vl] = args.validationData;
    const [vx, vy] = [toTensor('fit() validationData', 'x', vxIn), toTensor('fit() validationData', 'y', vyIn)];
    const validation = { x: vx, y: vy, lengths: lengthsTensor(vl, vx.shape[0] ?? 0, 'fit() validationData') };
    check(validation, 'fit() validationData');
    return { x, y, lengths, trainIndices: range(0, n), validation };
  }
  const fraction = args.validationSplit ?? 0;
  const nTrain = Math.floor(n * (1 - fraction));
  if (nTrain === 0) throw new InvalidArgumentError(`validationSplit ${fraction} leaves no training samples out of ${n}`);
  if (nTrain === n) return { x, y, lengths, trainIndices: range(0, n), validation: undefined };
  const val = range(nTrain, n);
  const take = (t: Tensor) => new Tensor(callNative(() => native.gatherRows(t.native, val)));
  return { x, y, lengths, trainIndices: range(0, nTrain), validation: { x: take(x), y: take(y), lengths: lengths && take(lengths) } };
}

function abortError(signal: AbortSignal): AbortError {
  const reason: unknown = signal.reason;
  // controller.abort() with no reason gives the DOM's generic AbortError: nothing to add.
  const generic = reason === undefined || (reason instanceof Error && reason.name === 'AbortError');
  const why = generic ? '' : `: ${reason instanceof Error ? reason.message : String(reason)}`;
  return new AbortError(`fit() was aborted by its signal${why}`, { cause: reason });
}

/** The shuffling seed of one epoch: from the run's seed and the epoch alone, so a resumed run
 * (`initialEpoch`) shuffles as the uninterrupted one did. */
function epochSeed(seed: number, epoch: number): number {
  return (seed ^ Math.imul(epoch + 1, 0x9e3779b1)) >>> 0;
}

/** Runs the loop; resolves with the per-epoch history. */
export async function fitLoop(model: FitTarget, x: Tensor, y: Tensor, args: ModelFitArgs = {}): Promise<History> {
  checkOptions('fit()', args, FIT_KEYS);
  const epochs = countOption('fit()', 'epochs', args.epochs ?? 1, 1);
  const batchSize = countOption('fit()', 'batchSize', args.batchSize ?? 32, 1);
  const initialEpoch = countOption('fit()', 'initialEpoch', args.initialEpoch ?? 0, 0);
  if (initialEpoch >= epochs) throw new InvalidArgumentError(`fit() trains epochs initialEpoch..epochs-1, so initialEpoch must be below epochs; got initialEpoch ${initialEpoch} and epochs ${epochs}`);
  const verbose = args.verbose ?? 1;
  if (![0, 1, 2].includes(verbose)) throw new InvalidArgumentError(`fit() expects verbose 0, 1 or 2, got ${describe(verbose)}`);
  checkFitArgs(args);
  const callbacks = new CallbackList(args.callbacks ?? []);
  const data = split(model, x, y, args);
  if (model.hasStatefulLayers && data.trainIndices.length % batchSize !== 0) {
    throw new InvalidArgumentError(
      `fit() on a model with stateful layers needs batches of one size: ${data.trainIndices.length} training samples is not a multiple of batchSize ${batchSize}`,
    );
  }
  const batchesPerEpoch = Math.ceil(data.trainIndices.length / batchSize);
  const history = new History();
  callbacks.prepend(history);
  callbacks.append(progressLogger({ verbose, epochs, batchesPerEpoch }));
  callbacks.setModel(model);
  const seed = args.seed ?? Math.floor(Math.random() * 2 ** 32);
  if (args.signal?.aborted) throw abortError(args.signal);

  model.stopTraining = false;
  await callbacks.onTrainBegin();
  try {
    for (let epoch = initialEpoch; epoch < epochs && !model.stopTraining; epoch++) {
      await callbacks.onEpochBegin(epoch);
      const order = args.shuffle === false ? data.trainIndices : shuffleInPlace(data.trainIndices.slice(), mulberry32(epochSeed(seed, epoch)));
      const logs = await trainEpoch(model, data, order, epoch, batchSize, callbacks, args.signal);
      if (data.validation) {
        const v = await evaluateNative(model.nativeModel, data.validation.x, data.validation.y, batchSize, data.validation.lengths);
        logs.val_loss = v.loss;
        if (model.metricNames.includes('accuracy') && v.accuracy !== undefined) logs.val_accuracy = v.accuracy;
      }
      await callbacks.onEpochEnd(epoch, logs);
    }
  } finally {
    // Also after an abort or an error, so the progress bar stops its redraw timer.
    await callbacks.onTrainEnd();
  }
  return history;
}

/** One pass over `order` in batches; returns the epoch's mean loss (and accuracy). */
async function trainEpoch(
  model: FitTarget,
  data: Split,
  order: Uint32Array,
  epoch: number,
  batchSize: number,
  callbacks: CallbackList,
  signal: AbortSignal | undefined,
): Promise<Logs> {
  const wantsAccuracy = model.metricNames.includes('accuracy');
  let lossSum = 0;
  let lossRows = 0;
  let correct = 0;
  let counted = 0;
  const running = (): Logs => {
    const logs: Logs = { loss: lossSum / lossRows };
    if (wantsAccuracy && counted > 0) logs.accuracy = correct / counted;
    return logs;
  };
  for (let batch = 0; batch * batchSize < order.length; batch++) {
    if (signal?.aborted) throw abortError(signal);
    await callbacks.onBatchBegin(batch);
    const indices = order.subarray(batch * batchSize, (batch + 1) * batchSize);
    let r;
    try {
      r = await awaitNative(callNative(() => model.nativeModel.trainBatch(data.x.native, data.y.native, indices, data.lengths?.native)));
    } catch (err) {
      const e = toZerodlError(err);
      if (e instanceof NonFiniteError) {
        throw new NonFiniteError(`training stopped at epoch ${epoch + 1}, batch ${batch + 1}: ${e.message}; the weights keep their last finite values`, { cause: e });
      }
      throw e;
    }
    // Each batch's mean weighs by the rows it is over (padded steps count for nothing).
    lossSum += r.loss * r.rows;
    lossRows += r.rows;
    correct += r.correct ?? 0;
    counted += r.total ?? 0;
    await callbacks.onBatchEnd(batch, running());
  }
  return running();
}

/** Mean loss (and accuracy, for classification losses) over a data set. */
export async function evaluateNative(model: NativeModel, x: Tensor, y: Tensor, batchSize: number, lengths?: Tensor | undefined): Promise<{ loss: number; accuracy?: number }> {
  const r = await awaitNative(callNative(() => model.evaluate(x.native, y.native, batchSize, lengths?.native)));
  return r.total ? { loss: r.loss, accuracy: (r.correct ?? 0) / r.total } : { loss: r.loss };
}
