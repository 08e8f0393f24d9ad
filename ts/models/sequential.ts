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
 */
import { InvalidArgumentError, ShapeMismatchError, awaitNative, callNative } from '../errors.js';
import { Recurrent, type Layer } from '../layers.js';
import { CLASSIFICATION_LOSSES, LOSS_NAMES, type LossName } from '../losses.js';
import { native, type NativeModel } from '../native.js';
import { resolveOptimizer, type OptimizerConfig, type OptimizerName } from '../optimizers.js';
import { Tensor, checkShapeArray, describe, tensor, type TensorLike } from '../tensor.js';
import type { History } from '../training/callbacks.js';
import { evaluateNative, fitLoop, type FitTarget, type ModelFitArgs } from '../training/fit.js';
import { lengthsTensor, type SequenceArgs } from '../training/sequence-lengths.js';
import { range } from '../util/shuffle.js';

export interface ModelCompileArgs {
  /** Optimizer, e.g. `optimizers.adam({ learningRate: 1e-3 })` or 'sgd' / 'adam' with defaults. */
  optimizer: OptimizerConfig | OptimizerName;
  /** Loss to minimise. */
  loss: LossName;
  /** Extra metrics to report; 'accuracy' for classification losses. Default []. */
  metrics?: 'accuracy'[];
  /** Clip gradients to this global L2 norm before each update. Default: no clipping. */
  clipNorm?: number;
}

export interface SequentialArgs {
  /** Seed for weight initialisation, for reproducible models. Default: a random seed. */
  seed?: number;
}

export interface EvaluateArgs extends SequenceArgs {
  /** Samples per native batch. Default 32. */
  batchSize?: number;
}

const asTensor = (t: Tensor | TensorLike): Tensor => (t instanceof Tensor ? t : tensor(t));

export class Sequential implements FitTarget {
  readonly layers: readonly Layer[];
  /** Set by a callback (e.g. early stopping) to end `fit` after the current epoch. */
  stopTraining = false;
  #native: NativeModel;
  #compiled: ModelCompileArgs | undefined;
  #fitting = false;

  constructor(layers: Layer[], args: SequentialArgs = {}) {
    if (!Array.isArray(layers) || layers.length === 0) {
      throw new InvalidArgumentError(`Sequential expects a non-empty array of layers, got ${Array.isArray(layers) ? 'an empty array' : String(layers)}`);
    }
    const inputShape = layers[0]?.inputShape;
    if (!inputShape) throw new InvalidArgumentError('the first layer of a Sequential model needs inputShape, e.g. layers.dense({ units: 10, inputShape: [784] })');
    const names = layers.map((l, i) => (l.name === l.kind ? `${l.kind}_${i}` : l.name));
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup) throw new InvalidArgumentError(`layer names must be unique in a model; ${JSON.stringify(dup)} appears twice`);
    const specs = layers.map((l, i) => l.spec(names[i] as string));
    // null (a free size) is 0 natively.
    this.#native = callNative(() => new native.NativeModel(inputShape.map((d) => d ?? 0), specs, args.seed));
    layers.forEach((l, i) => l.bind(this.#native, i, names[i] as string));
    this.layers = Object.freeze([...layers]);
  }

  /** @internal */
  get nativeModel(): NativeModel {
    return this.#native;
  }

  /** @internal */
  get metricNames(): readonly string[] {
    return this.#compiled?.metrics ?? [];
  }

  /** @internal */
  get hasStatefulLayers(): boolean {
    return this.layers.some((l) => l instanceof Recurrent && l.stateful);
  }

  /** Sets the loss, optimizer and metrics. Required before `fit` and `evaluate`. */
  compile(args: ModelCompileArgs): void {
    if (!args || !LOSS_NAMES.includes(args.loss)) {
      throw new InvalidArgumentError(`compile() expects loss to be one of ${LOSS_NAMES.map((n) => JSON.stringify(n)).join(', ')}, got ${JSON.stringify(args?.loss)}`);
    }
    for (const m of args.metrics ?? []) {
      if (m !== 'accuracy') throw new InvalidArgumentError(`compile() supports metrics ['accuracy'], got ${JSON.stringify(m)}`);
      if (!CLASSIFICATION_LOSSES.has(args.loss)) throw new InvalidArgumentError(`the 'accuracy' metric needs a classification loss, got ${JSON.stringify(args.loss)}`);
    }
    const optimizer = resolveOptimizer(args.optimizer);
    callNative(() => this.#native.compile(args.loss, optimizer, args.clipNorm));
    this.#compiled = args;
  }

  /**
   * Trains the model. Runs off the JS thread one batch at a time; resolves with the history of
   * per-epoch loss and metrics. Only one `fit` may run on a model at a time.
   */
  async fit(x: Tensor | TensorLike, y: Tensor | TensorLike, args: ModelFitArgs = {}): Promise<History> {
    this.#requireCompiled('fit');
    if (this.#fitting) throw new InvalidArgumentError('fit() is already running on this model; wait for it to finish');
    this.#fitting = true;
    try {
      return await fitLoop(this, asTensor(x), asTensor(y), args);
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
    const xt = asTensor(x);
    const yt = asTensor(y);
    const n = xt.shape[0] ?? 0;
    if (yt.shape[0] !== n) throw new ShapeMismatchError(`trainOnBatch() needs as many targets as samples: x has shape [${xt.shape.join(', ')}], y has shape [${yt.shape.join(', ')}]`);
    const lengths = lengthsTensor(args.lengths, n, 'trainOnBatch()');
    const r = await awaitNative(callNative(() => this.#native.trainBatch(xt.native, yt.native, range(0, n), lengths?.native)));
    return r.total && this.metricNames.includes('accuracy') ? { loss: r.loss, accuracy: (r.correct ?? 0) / r.total } : { loss: r.loss };
  }

  /** Mean loss (and accuracy when compiled with it) over a data set, computed off the JS thread. */
  async evaluate(x: Tensor | TensorLike, y: Tensor | TensorLike, args: EvaluateArgs = {}): Promise<{ loss: number; accuracy?: number }> {
    this.#requireCompiled('evaluate');
    const batchSize = args.batchSize ?? 32;
    if (!Number.isInteger(batchSize) || batchSize < 1) throw new InvalidArgumentError(`evaluate() expects batchSize to be an integer >= 1, got ${String(batchSize)}`);
    const xt = asTensor(x);
    const lengths = lengthsTensor(args.lengths, xt.shape[0] ?? 0, 'evaluate()');
    const r = await evaluateNative(this.#native, xt, asTensor(y), batchSize, lengths);
    return this.metricNames.includes('accuracy') ? r : { loss: r.loss };
  }

  /** Outputs for a batch of inputs, computed on the calling thread (for small inputs). */
  predict(x: Tensor | TensorLike, args: SequenceArgs = {}): Tensor {
    const input = asTensor(x);
    const lengths = lengthsTensor(args.lengths, input.shape[0] ?? 0, 'predict()');
    return new Tensor(callNative(() => this.#native.predict(input.native, lengths?.native)));
  }

  /**
   * `predict()` on plain values, for a service's hot path: `x` holds the batch row-major in
   * `shape` ([samples, ...input shape]); returns the outputs row-major ([samples, ...output
   * shape]). One native call on the calling thread and no tensor handles: making and freeing
   * the two that `predict()` needs is most of its cost for a small model (W5 in the README).
   */
  predictValues(x: Float32Array, shape: readonly number[], args: SequenceArgs = {}): Float32Array {
    if (!(x instanceof Float32Array)) throw new InvalidArgumentError(`predictValues() expects x to be a Float32Array, got ${describe(x)}`);
    const dims = checkShapeArray(shape, 'predictValues');
    const lengths = lengthsTensor(args.lengths, dims[0] ?? 0, 'predictValues()');
    try {
      return new Float32Array(callNative(() => this.#native.predictValues(x, dims, lengths?.native)));
    } finally {
      lengths?.dispose();
    }
  }

  /** Outputs for a batch of inputs, computed off the JS thread. */
  async predictAsync(x: Tensor | TensorLike, args: SequenceArgs = {}): Promise<Tensor> {
    const input = asTensor(x);
    const lengths = lengthsTensor(args.lengths, input.shape[0] ?? 0, 'predictAsync()');
    return new Tensor(await awaitNative(callNative(() => this.#native.predictAsync(input.native, lengths?.native))));
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
    for (const [name, t] of Object.entries(weights)) {
      if (!(t instanceof Tensor)) throw new InvalidArgumentError(`setWeights() expects tensors, got ${typeof t} for ${JSON.stringify(name)}`);
      callNative(() => this.#native.setWeight(name, t.native));
    }
  }

  /** Layers, output shapes and parameter counts as a table; printed with `print` (console.log). */
  summary(print: ((line: string) => void) | null = console.log): string {
    const rows = this.#native.layers().map((l) => [`${l.name} (${l.kind}, ${l.activation})`, `[null, ${l.outputShape.map((d) => (d === 0 ? 'null' : String(d))).join(', ')}]`, String(l.params)]);
    const total = this.#native.layers().reduce((s, l) => s + l.params, 0);
    const header = ['Layer (type)', 'Output shape', 'Param #'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] as string).length)) + 2);
    const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] as number)).join('').trimEnd();
    const rule = '_'.repeat(widths.reduce((a, b) => a + b, 0));
    const text = [rule, line(header), rule.replace(/_/g, '='), ...rows.map(line), rule, `Total params: ${total}`, rule].join('\n');
    print?.(text);
    return text;
  }

  #requireCompiled(what: string): void {
    if (!this.#compiled) throw new InvalidArgumentError(`${what}() needs a compiled model: call model.compile({ optimizer, loss }) first`);
  }
}
