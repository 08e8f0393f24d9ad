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
import { InvalidArgumentError, ShapeMismatchError, awaitNative, callNative } from '../errors.js';
import { Layer, checkWeights, layerFromConfig, type InputShape, type LayerConfig } from '../layers/base.js';
import { Recurrent } from '../layers/recurrent.js';
import type { LossName } from '../losses.js';
import { native, type NativeModel } from '../native.js';
import type { OptimizerConfig, OptimizerName } from '../optimizers.js';
import { Tensor, checkShapeArray, toTensor, type TensorLike } from '../tensor.js';
import type { History } from '../training/callbacks.js';
import { evaluateNative, fitLoop, type FitTarget, type ModelFitArgs } from '../training/fit.js';
import { lengthsTensor, type SequenceArgs } from '../training/sequence-lengths.js';
import { describe } from '../util/describe.js';
import { toJson } from '../util/json.js';
import { checkOptions, countOption, seedOption } from '../util/options.js';
import { range } from '../util/shuffle.js';

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
    this.#native = callNative(() => new native.NativeModel(JSON.stringify(description), 'new Sequential()', seed));
    const built = this.toJSON();
    this.#checkLaterInputShapes(layers);
    layers.forEach((l, i) => l.bind(this.#native, i, built.layers[i] as LayerConfig));
    this.layers = Object.freeze([...layers]);
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

  /** Outputs for a batch of inputs, computed off the JS thread. */
  async predictAsync(x: Tensor | TensorLike, args: SequenceArgs = {}): Promise<Tensor> {
    const { lengths } = checkOptions('predictAsync()', args, ['lengths']);
    const input = toTensor('predictAsync()', 'x', x);
    const lt = lengthsTensor(lengths, input.shape[0] ?? 0, 'predictAsync()');
    return new Tensor(await awaitNative(callNative(() => this.#native.predictAsync(input.native, lt?.native))));
  }

  /** Resets the carried state of every recurrent layer (stateful layers start afresh). */
  resetStates(): void {
    for (const layer of this.layers) if (layer instanceof Recurrent) layer.resetStates();
  }

  /** All parameters, named like a PyTorch nn.Sequential state_dict: `"0.weight"`, `"0.bias"`, ... */
  getWeights(): Record<string, Tensor> {
    const out: Record<string, Tensor> = {};
    for (const name of this.#native.weightNames()) out[name] = new Tensor(callNative(() => this.#native.getWeight(name)));
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

  #requireCompiled(what: string): void {
    if (!this.#training) throw new InvalidArgumentError(`${what}() needs a compiled model: call model.compile({ optimizer, loss }) first`);
  }
}
