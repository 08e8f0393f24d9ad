/**
 * A stack of layers trained as one model, Keras style:
 *
 * ```ts
 * const model = new Sequential([
 *   layers.dense({ units: 128, activation: 'relu', inputShape: [784] }),
 *   layers.dense({ units: 10, activation: 'softmax' }),
 * ]);
 * model.compile({ optimizer: optimizers.adam({ learningRate: 1e-3 }), loss: 'sparseCategoricalCrossentropy', metrics: ['accuracy'] });
 * const history = await model.fit(x, y, { epochs: 5, batchSize: 128, validationSplit: 0.1 });
 * ```
 *
 * A model is its description plus its weights: `model.toJSON()` gives the description (every
 * layer's options, defaults included, and the training configuration once compiled), and
 * `Sequential.fromConfig(description)` builds the same architecture again.
 */
import { InvalidArgumentError, ShapeMismatchError, StateDictMismatchError, awaitNative, callNative } from '../errors.js';
import { checkPath, writeFileAtomic } from '../io/atomic-write.js';
import { readSource, type SaveArgs } from '../io/source.js';
import { Layer, checkWeights, layerFromConfig, type InputShape, type LayerConfig } from '../layers/base.js';
import { Recurrent } from '../layers/recurrent.js';
import type { LossName } from '../losses.js';
import { native, type NativeModel, type StateDictReport } from '../native.js';
import type { OptimizerConfig, OptimizerName } from '../optimizers.js';
import { Tensor, checkShapeArray, toTensor, type TensorLike } from '../tensor.js';
import type { History } from '../training/callbacks.js';
import { evaluateNative, fitLoop, type FitTarget, type ModelFitArgs } from '../training/fit.js';
import { lengthsTensor, type SequenceArgs } from '../training/sequence-lengths.js';
import { describe } from '../util/describe.js';
import { toJson } from '../util/json.js';
import { booleanOption, checkOptions, countOption, seedOption } from '../util/options.js';
import { range } from '../util/shuffle.js';
import { Batcher, type BatchingOptions, type BatchingStats } from '../serving/batcher.js';
import { exportModelOnnx, modelToOnnx, type OnnxExportOptions } from '../interchange/onnx/export.js';

export interface ModelCompileArgs {
  /** Optimizer, e.g. `optimizers.adam({ learningRate: 1e-3 })` or 'sgd' / 'adam' with defaults. */
  optimizer: OptimizerConfig | OptimizerName;
  /** Loss to minimise. */
  loss: LossName;
  /** Extra metrics to report; 'accuracy' for classification losses. Default []. */
  metrics?: 'accuracy'[];
  /** Clip gradients to this global L2 norm before each update. Default: no clipping (null). */
  clipNorm?: number | null;
}

/** A compiled model's training configuration, as its description holds it (defaults filled in). */
export interface TrainingConfig {
  loss: LossName;
  optimizer: OptimizerConfig;
  metrics: 'accuracy'[];
  clipNorm: number | null;
}

/** A sequential model's description: plain, versioned JSON (`model.toJSON()`). */
export interface SequentialConfig {
  /** Always 'zerodl.sequential'. */
  format: 'zerodl.sequential';
  /** The description format's version (1). A description from a later version is refused. */
  version: number;
  /** One sample's shape; null for a free size. */
  inputShape: InputShape;
  layers: LayerConfig[];
  /** Present once compiled. */
  training?: TrainingConfig;
}

export interface SequentialArgs {
  /** Seed for weight initialisation, for reproducible models (a safe integer). Default: a random seed. */
  seed?: number;
}

export interface EvaluateArgs extends SequenceArgs {
  /** Samples per native batch. Default 32. */
  batchSize?: number;
}

const COMPILE_KEYS = ['optimizer', 'loss', 'metrics', 'clipNorm'];

/** A native model the next constructor call takes instead of building one (see `fromNative`). */
let adopting: NativeModel | undefined;

function checkSeed(where: string, args: SequentialArgs): number | undefined {
  return seedOption(where, checkOptions(where, args, ['seed']).seed);
}

export class Sequential implements FitTarget {
  readonly layers: readonly Layer[];
  /** Set by a callback (e.g. early stopping) to end `fit` after the current epoch. */
  stopTraining = false;
  #native: NativeModel;
  #training: TrainingConfig | undefined;
  #fitting = false;
  #batcher: Batcher | undefined;

  constructor(layers: Layer[], args: SequentialArgs = {}) {
    const seed = checkSeed('new Sequential()', args);
    if (!Array.isArray(layers) || layers.length === 0) {
      throw new InvalidArgumentError(`Sequential expects a non-empty array of layers, got ${Array.isArray(layers) ? 'an empty array' : describe(layers)}`);
    }
    layers.forEach((l, i) => {
      if (!(l instanceof Layer)) throw new InvalidArgumentError(`Sequential expects layers made by the layers.* factories, got ${describe(l)} at index ${i}`);
      if (l.isBound || layers.indexOf(l) < i) throw new InvalidArgumentError(`layer ${i} (${l.name}) already belongs to a model; create a new layer`);
    });
    const inputShape = layers[0]?.inputShape;
    if (!inputShape) throw new InvalidArgumentError('the first layer of a Sequential model needs inputShape, e.g. layers.dense({ units: 10, inputShape: [784] })');
    const description = { inputShape, layers: layers.map((l) => l.options) };
    const given = adopting;
    adopting = undefined;
    this.#native = given ?? callNative(() => new native.NativeModel(JSON.stringify(description), 'new Sequential()', seed));
    const built = this.toJSON();
    this.#checkLaterInputShapes(layers);
    const info = this.#native.layers();
    layers.forEach((l, i) => l.bind(this.#native, i, built.layers[i] as LayerConfig, info[i]?.torchIndex ?? i));
    this.layers = Object.freeze([...layers]);
    this.#training = built.training;
  }

  /**
   * The optimizer's learning rate (undefined before `compile`). Setting it keeps the optimizer's
   * state (Adam's moments and step count, SGD's momentum), where compiling again would start the
   * optimizer over: a schedule (see `callbacks.learningRateScheduler`). A saved model records
   * the rate in use.
   */
  get learningRate(): number | undefined {
    return this.#native.learningRate() ?? undefined;
  }

  set learningRate(value: number | undefined) {
    if (typeof value !== 'number') throw new InvalidArgumentError(`setLearningRate() expects a number >= 0, got ${describe(value)}`);
    callNative(() => this.#native.setLearningRate(value));
    this.#training = this.toJSON().training;
  }

  /** @internal The facade over a native model built elsewhere (a loaded model file). */
  static fromNative(model: NativeModel): Sequential {
    const full = JSON.parse(model.config()) as SequentialConfig;
    const layers = full.layers.map((c, i) => layerFromConfig(c, i === 0 ? full.inputShape : undefined));
    adopting = model;
    try {
      return new Sequential(layers);
    } finally {
      adopting = undefined;
    }
  }

  /**
   * The model as a model file's bytes (safetensors: the weights under their PyTorch names, the
   * description in the metadata), for databases and object stores; `zerodl.loadModel(bytes)`
   * reads it back. `includeOptimizer: true` adds the optimizer's state and the dropout streams'
   * positions, so that training resumes exactly where it stopped (see `fit`'s `initialEpoch`).
   * (A Node Buffer, typed as the Uint8Array it is so the typings need no Node types.)
   */
  toBuffer(args: SaveArgs = {}): Uint8Array {
    return this.#fileBytes('toBuffer()', args);
  }

  /**
   * Saves the model to `path` as a model file (see `toBuffer`). The write is atomic: a temporary
   * file in the same folder, flushed and renamed over `path`, so a crash or a full disk leaves
   * the previous file intact. `zerodl.loadModel(path)` reads it back; Python's
   * `safetensors.torch.load_file(path)` reads the weights (as the equivalent PyTorch
   * nn.Sequential's state_dict).
   */
  async save(path: string, args: SaveArgs = {}): Promise<void> {
    checkPath('save()', path);
    await writeFileAtomic('save()', path, this.#fileBytes('save()', args));
  }

  /** The model file's bytes for `toBuffer` and `save` (a Buffer over the native copy). */
  #fileBytes(where: string, args: SaveArgs): Buffer {
    const { includeOptimizer } = checkOptions(where, args, ['includeOptimizer']);
    const withOptimizer = booleanOption(where, 'includeOptimizer', includeOptimizer, false);
    return Buffer.from(callNative(() => this.#native.toFileBytes(withOptimizer)));
  }

  /**
   * Loads a PyTorch state_dict: a safetensors file (`safetensors.torch.save_file(model.state_dict(), path)`),
   * its bytes, or a record of tensors by name. Keys match by name when the state_dict's module
   * numbers are the model's, else by order: an nn.Sequential numbers parameter-free modules too
   * (ReLU, Dropout, Flatten), so its parameterized modules are paired with this model's layers
   * in order. As PyTorch's `load_state_dict`: with `strict` (the default) any missing or
   * unexpected key throws a `StateDictMismatchError` and nothing changes; with `strict: false`
   * the matching keys load. Shapes must match (`ShapeMismatchError`); values must be finite.
   */
  async loadStateDict(source: string | Uint8Array | ArrayBuffer | Record<string, Tensor>, args: { strict?: boolean } = {}): Promise<{ missingKeys: string[]; unexpectedKeys: string[] }> {
    const where = 'loadStateDict()';
    const strict = booleanOption(where, 'strict', checkOptions(where, args, ['strict']).strict, true);
    let report: StateDictReport;
    if (typeof source === 'string' || source instanceof Uint8Array || source instanceof ArrayBuffer) {
      const { bytes, name } = await readSource(where, source);
      report = callNative(() => this.#native.loadStateDictFile(bytes, name, strict));
    } else {
      const entries = checkWeights(where, source);
      const values = new Float32Array(entries.reduce((n, [, t]) => n + t.size, 0));
      entries.reduce((at, [, t]) => (values.set(t.toFloat32Array(), at), at + t.size), 0);
      report = callNative(() => this.#native.loadStateDictValues(entries.map(([k]) => k), entries.map(([, t]) => [...t.shape]), values, strict));
    }
    const { missingKeys, unexpectedKeys } = report;
    if (!report.applied) throw new StateDictMismatchError(`${where}: ${report.message}`, { missingKeys, unexpectedKeys });
    return { missingKeys, unexpectedKeys };
  }

  /**
   * Builds the model a description describes (`model.toJSON()`, or its JSON text): the same
   * layers, options and parameter names and shapes, new weights (from `seed`); compiled if the
   * description has a training configuration. The description is read strictly.
   */
  static fromConfig(config: SequentialConfig | string, args: SequentialArgs = {}): Sequential {
    const where = 'Sequential.fromConfig()';
    checkSeed(where, args);
    const text = typeof config === 'string' ? config : toJson(where, config);
    const full = JSON.parse(callNative(() => native.normalizeModelConfig(text, where))) as SequentialConfig;
    const layers = full.layers.map((c, i) => layerFromConfig(c, i === 0 ? full.inputShape : undefined));
    const model = new Sequential(layers, args);
    if (full.training) model.compile(full.training);
    return model;
  }

  /** The model's full description: plain, versioned JSON (what `JSON.stringify(model)` writes). */
  toJSON(): SequentialConfig {
    return JSON.parse(this.#native.config()) as SequentialConfig;
  }

  /** A later layer's inputShape, where given, must be the shape reaching it. */
  #checkLaterInputShapes(layers: Layer[]): void {
    const info = this.#native.layers();
    layers.forEach((l, i) => {
      const reaching = info[i - 1]?.outputShape.map((d) => (d === 0 ? null : d));
      if (i === 0 || !l.inputShape || !reaching) return;
      if (JSON.stringify(reaching) !== JSON.stringify(l.inputShape)) {
        throw new ShapeMismatchError(`layer ${i} (${info[i]?.name}) has inputShape ${JSON.stringify(l.inputShape)}, but the layer before it outputs ${JSON.stringify(reaching)} per sample; leave inputShape out of later layers or make it match`);
      }
    });
  }

  /** @internal */
  get nativeModel(): NativeModel {
    return this.#native;
  }

  /** @internal */
  get metricNames(): readonly string[] {
    return this.#training?.metrics ?? [];
  }

  /** @internal */
  get hasStatefulLayers(): boolean {
    return this.layers.some((l) => l instanceof Recurrent && l.stateful);
  }

  /** Sets the loss, optimizer and metrics. Required before `fit` and `evaluate`. */
  compile(args: ModelCompileArgs): void {
    if (args === undefined) throw new InvalidArgumentError("compile() expects { optimizer, loss }, e.g. { optimizer: 'adam', loss: 'meanSquaredError' }, got undefined");
    checkOptions('compile()', args, COMPILE_KEYS);
    if (this.#fitting) throw new InvalidArgumentError('compile() while fit() is running would swap the optimizer mid-training; wait for fit() to finish');
    callNative(() => this.#native.compile(toJson('compile()', args)));
    this.#training = this.toJSON().training;
  }

  /**
   * Trains the model. Runs off the JS thread one batch at a time; resolves with the history of
   * per-epoch loss and metrics. Only one `fit` may run on a model at a time. The data (and
   * `validationData`) are checked whole before the first step.
   */
  async fit(x: Tensor | TensorLike, y: Tensor | TensorLike, args: ModelFitArgs = {}): Promise<History> {
    this.#requireCompiled('fit');
    if (this.#fitting) throw new InvalidArgumentError('fit() is already running on this model; wait for it to finish');
    this.#fitting = true;
    try {
      return await fitLoop(this, toTensor('fit()', 'x', x), toTensor('fit()', 'y', y), args);
    } finally {
      this.#fitting = false;
    }
  }

  /**
   * One gradient step on exactly this batch (no shuffling, callbacks or history), off the JS
   * thread. For custom training loops.
   */
  async trainOnBatch(x: Tensor | TensorLike, y: Tensor | TensorLike, args: SequenceArgs = {}): Promise<{ loss: number; accuracy?: number }> {
    this.#requireCompiled('trainOnBatch');
    const { lengths } = checkOptions('trainOnBatch()', args, ['lengths']);
    const xt = toTensor('trainOnBatch()', 'x', x);
    const yt = toTensor('trainOnBatch()', 'y', y);
    const n = xt.shape[0] ?? 0;
    // The step itself checks the batch (inputs, targets) before it changes any weight.
    const lt = lengthsTensor(lengths, n, 'trainOnBatch()');
    const r = await awaitNative(callNative(() => this.#native.trainBatch(xt.native, yt.native, range(0, n), lt?.native)));
    return r.total && this.metricNames.includes('accuracy') ? { loss: r.loss, accuracy: (r.correct ?? 0) / r.total } : { loss: r.loss };
  }

  /** Mean loss (and accuracy when compiled with it) over a data set, computed off the JS thread. */
  async evaluate(x: Tensor | TensorLike, y: Tensor | TensorLike, args: EvaluateArgs = {}): Promise<{ loss: number; accuracy?: number }> {
    this.#requireCompiled('evaluate');
    const { batchSize: given = 32, lengths } = checkOptions('evaluate()', args, ['batchSize', 'lengths']);
    const batchSize = countOption('evaluate()', 'batchSize', given, 1);
    const xt = toTensor('evaluate()', 'x', x);
    const yt = toTensor('evaluate()', 'y', y);
    const lt = lengthsTensor(lengths, xt.shape[0] ?? 0, 'evaluate()');
    callNative(() => this.#native.checkData(xt.native, yt.native, lt?.native, 'evaluate()'));
    const r = await evaluateNative(this.#native, xt, yt, batchSize, lt);
    return this.metricNames.includes('accuracy') ? r : { loss: r.loss };
  }

  /** Outputs for a batch of inputs, computed on the calling thread (for small inputs). */
  predict(x: Tensor | TensorLike, args: SequenceArgs = {}): Tensor {
    const { lengths } = checkOptions('predict()', args, ['lengths']);
    const input = toTensor('predict()', 'x', x);
    const lt = lengthsTensor(lengths, input.shape[0] ?? 0, 'predict()');
    return new Tensor(callNative(() => this.#native.predict(input.native, lt?.native)));
  }

  /**
   * `predict()` on plain values, for a service's hot path: `x` holds the batch row-major in
   * `shape` ([samples, ...input shape]); returns the outputs row-major ([samples, ...output
   * shape]). One native call on the calling thread and no tensor handles: making and freeing
   * the two that `predict()` needs is most of its cost for a small model (W5 in the README).
   */
  predictValues(x: Float32Array, shape: readonly number[], args: SequenceArgs = {}): Float32Array {
    const { lengths } = checkOptions('predictValues()', args, ['lengths']);
    if (!(x instanceof Float32Array)) throw new InvalidArgumentError(`predictValues() expects x to be a Float32Array, got ${describe(x)}`);
    const dims = checkShapeArray(shape, 'predictValues');
    const lt = lengthsTensor(lengths, dims[0] ?? 0, 'predictValues()');
    try {
      return new Float32Array(callNative(() => this.#native.predictValues(x, dims, lt?.native)));
    } finally {
      lt?.dispose();
    }
  }

  /**
   * Outputs for a batch of inputs, computed off the JS thread. Concurrent calls are batched: while
   * one runs, later calls wait, and then those with the same per-sample shape run as one native
   * batch, each caller getting its own rows (see `setBatching()`). Results equal `predict()` on
   * the batch formed, bit for bit, and `predict()` on the call's own input to rounding.
   */
  async predictAsync(x: Tensor | TensorLike, args: SequenceArgs = {}): Promise<Tensor> {
    const { lengths } = checkOptions('predictAsync()', args, ['lengths']);
    const input = toTensor('predictAsync()', 'x', x);
    const lt = lengthsTensor(lengths, input.shape[0] ?? 0, 'predictAsync()');
    return this.#batching().submit(input, lt, input !== x);
  }

  /**
   * How `predictAsync()` batches concurrent calls; options not given keep their setting.
   * `maxBatchSize` (default 64): most rows in one native batch (1: one call at a time, never
   * gathered; a larger call runs alone). `maxWaitMs` (default 0): how long an idle model holds
   * a call to gather more. Calls that arrive while a batch runs always wait for it; calls of
   * a model with stateful recurrent layers run one at a time, never gathered.
   */
  setBatching(options: BatchingOptions): void {
    this.#batching().configure('setBatching()', options);
  }

  /** @internal Counters of predictAsync's batching, for tests and diagnostics. */
  get batchingStats(): BatchingStats {
    return this.#batching().stats;
  }

  #batching(): Batcher {
    this.#batcher ??= new Batcher({
      predict: async (x, lengths) => new Tensor(await awaitNative(callNative(() => this.#native.predictAsync(x.native, lengths?.native)))),
      inputShape: this.toJSON().inputShape,
      readsLengths: this.layers.some((l) => l instanceof Recurrent),
      // Carried or given states belong to one call's batch: such calls run one at a time.
      oneAtATime: () => this.hasStatefulLayers || this.layers.some((l) => l instanceof Recurrent && l.hasSetState),
    });
    return this.#batcher;
  }

  /** Resets the carried state of every recurrent layer (stateful layers start afresh). */
  resetStates(): void {
    for (const layer of this.layers) if (layer instanceof Recurrent) layer.resetStates();
  }

  /**
   * All parameters, named like a PyTorch nn.Sequential state_dict: `"0.weight"`, `"0.bias"`, ...
   * Each tensor holds a copy of the values in JS memory until it is used natively (by an op or
   * `setWeights`), so reading and disposing them, even in a synchronous loop, makes no native
   * handle. Where no tensor is needed, {@link getWeightValues} gives the plain values.
   */
  getWeights(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    for (const [name, entry] of Object.entries(this.getWeightValues())) out[name] = new Tensor(entry);
    return out;
  }

  /**
   * All parameters as plain data, named as by {@link getWeights}: for each, its `shape` and a
   * copy of its `values` (row-major) in a Float32Array that is yours to keep or change (it does
   * not write back: use `setWeights`). No tensor, nothing to dispose: the arrays are ordinary
   * garbage-collected memory. For serialising, checksums or statistics over the weights.
   *
   * @example
   * const { shape, values } = model.getWeightValues()['0.weight']!; // a dense layer's: [units, inputs], as in PyTorch
   */
  getWeightValues(): Record<string, { shape: number[]; values: Float32Array }> {
    const out: Record<string, { shape: number[]; values: Float32Array }> = {};
    for (const name of this.#native.weightNames()) {
      const [shape, buffer] = callNative(() => this.#native.getWeightValues(name));
      out[name] = { shape, values: new Float32Array(buffer) };
    }
    return out;
  }

  /** Sets any of the parameters returned by `getWeights()`; shapes must match. */
  setWeights(weights: Record<string, Tensor>): void {
    for (const [name, t] of checkWeights('setWeights()', weights)) callNative(() => this.#native.setWeight(name, t.native));
  }

  /** Layers, output shapes and parameter counts as a table; printed with `print` (console.log). */
  summary(print: ((line: string) => void) | null = console.log): string {
    if (print !== null && typeof print !== 'function') throw new InvalidArgumentError(`summary() expects a print function or null, got ${describe(print)}`);
    const info = this.#native.layers();
    const rows = info.map((l) => [`${l.name} (${l.kind}, ${l.activation})`, `[null, ${l.outputShape.map((d) => (d === 0 ? 'null' : String(d))).join(', ')}]`, String(l.params)]);
    const total = info.reduce((s, l) => s + l.params, 0);
    const header = ['Layer (type)', 'Output shape', 'Param #'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)) + 2);
    const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] as number)).join('').trimEnd();
    const rule = '_'.repeat(widths.reduce((a, b) => a + b, 0));
    const text = [rule, line(header), rule.replace(/_/g, '='), ...rows.map(line), rule, `Total params: ${total}`, rule].join('\n');
    print?.(text);
    return text;
  }

  /**
   * The model as ONNX bytes (a ModelProto, opset 17): input "input" ([batch, ...inputShape]),
   * output "output"; batch and free sizes are dynamic. Dense, dropout, embedding, simpleRNN, LSTM
   * and GRU layers (stacked, bidirectional), conv2d, conv1d, maxPool2d, avgPool2d,
   * globalAveragePool2d, flatten, reshape and batchNormalization are supported; stateful layers
   * are not.
   */
  toOnnx(options: OnnxExportOptions = {}): Uint8Array {
    return modelToOnnx(this, options, 'toOnnx()');
  }

  /** Writes `toOnnx(options)` to `path` atomically (a temporary file renamed into place). */
  async exportOnnx(path: string, options: OnnxExportOptions = {}): Promise<void> {
    await exportModelOnnx(this, path, options, 'exportOnnx()');
  }

  #requireCompiled(what: string): void {
    if (!this.#training) throw new InvalidArgumentError(`${what}() needs a compiled model: call model.compile({ optimizer, loss }) first`);
  }
}
