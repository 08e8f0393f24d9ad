/**
 * The seed series' first two models, one neuron each (chapters 1-2 of "deep learning from zero"):
 *
 * ```ts
 * const and = new Perceptron(2);
 * and.train([[1, 1], [0, 0], [1, 0], [0, 1]], [1, 0, 0, 0], { epochs: 10, learningRate: 0.1 });
 * and.predict([[1, 1], [0, 1]]); // [1, 0]
 * String(and); // 'weights\t:[0.1, 0.2]\nbias\t:-0.200000\n', the seed's printout
 *
 * const salary = new LinearUnit(1);
 * salary.train([[5], [3], [8], [1.4], [10.1]], [5500, 2300, 7600, 1800, 11400]);
 * salary.predict([3.4]); // 3907.30...
 * ```
 *
 * Both start from zero weights and train with the perceptron rule, one sample at a time in order:
 * `w += rate * (t - y) * x`, `b += rate * (t - y)`. With the linear unit's identity activation
 * that rule is stochastic gradient descent on `E = 1/2 * sum((t - y)^2)`. The arithmetic is f64 in
 * the seed's operation order, so the numbers match the seed's Python to the last digit.
 */
import { callNative, InvalidArgumentError, ShapeMismatchError } from '../errors.js';
import { checkPath, writeFileAtomic } from '../io/atomic-write.js';
import { native } from '../native.js';
import { describe } from '../util/describe.js';
import { toJson } from '../util/json.js';
import { checkOptions } from '../util/options.js';

type NativePerceptron = InstanceType<typeof native.NativePerceptron>;

/** Training samples: one row of numbers per sample, or all rows flat (row-major) in a typed array. */
export type PerceptronInputs = readonly (readonly number[])[] | Float64Array | Float32Array;

/** The unit after one epoch of training; `train` returns one per epoch. */
export interface PerceptronEpoch {
  /** 1-based. */
  epoch: number;
  weights: number[];
  bias: number;
  /**
   * Samples whose error `t - y` was non-zero when used this epoch (for the perceptron: its
   * mistakes). 0 means the epoch changed nothing: training has converged.
   */
  mistakes: number;
  /** Mean of `1/2 * (t - y)^2` over the epoch, each sample's error taken as it was used. */
  loss: number;
}

/** Options for {@link Perceptron.train}. */
export interface PerceptronTrainOptions {
  /** Passes over the data, an integer >= 1. Default 10. */
  epochs?: number;
  /** Step size of the perceptron rule, a finite number > 0. Default 0.1. */
  learningRate?: number;
}

/** Options for {@link LinearUnit.train}. */
export interface LinearUnitTrainOptions {
  /** Passes over the data, an integer >= 1. Default 10. */
  epochs?: number;
  /** Step size, a finite number > 0. Default 0.01. */
  learningRate?: number;
  /**
   * Samples per update, an integer >= 1. Default 1: the seed's per-sample SGD. Above 1 each
   * update is the MEAN of `rate * (t - y) * x` over the batch (so the step does not grow with the
   * batch), the whole batch predicted with the weights from its start; the last batch of an epoch
   * may be smaller and is averaged over its own size. A batch size >= the sample count is
   * full-batch gradient descent.
   */
  batchSize?: number;
  /** Reshuffle the samples every epoch. Default false: the given order, as in the seed. */
  shuffle?: boolean;
  /** Seed for `shuffle`, for a reproducible order. Default: a fresh random seed. Ignored without `shuffle`. */
  seed?: number;
}

/** A perceptron's or linear unit's description: plain, versioned JSON (`toJSON()`). */
export interface UnitConfig {
  /** Always 'zerodl.unit'. */
  format: 'zerodl.unit';
  version: number;
  kind: 'perceptron' | 'linearUnit';
  /** Values per sample. */
  inputSize: number;
}

/** A single unit: weights, bias, an activation; the shared machinery of both models. */
class Unit {
  readonly #native: NativePerceptron;
  readonly inputSize: number;

  constructor(where: string, description: unknown, built?: NativePerceptron) {
    this.#native = built ?? callNative(() => new native.NativePerceptron(toJson(where, description), where));
    this.inputSize = this.config().inputSize;
  }

  toBuffer(): Uint8Array {
    return Buffer.from(callNative(() => this.#native.toFileBytes()));
  }

  config(): UnitConfig {
    return JSON.parse(this.#native.config()) as UnitConfig;
  }

  get weights(): number[] {
    return this.#native.weights;
  }

  get bias(): number {
    return this.#native.bias;
  }

  setWeights(weights: readonly number[], bias: number): void {
    if (!Array.isArray(weights)) throw new InvalidArgumentError(`setWeights expects weights as an array of numbers, got ${describe(weights)}`);
    numbers('weights', weights);
    if (typeof bias !== 'number') throw new InvalidArgumentError(`setWeights expects bias as a number, got ${describe(bias)}`);
    callNative(() => this.#native.setWeights([...weights], bias));
  }

  train(inputs: unknown, labels: unknown, epochs: number, learningRate: number, batchSize: number, seed: number | undefined): PerceptronEpoch[] {
    const x = flatten(inputs, this.inputSize);
    const y = labelArray(labels, x.length / this.inputSize);
    return callNative(() => this.#native.train(x, y, epochs, learningRate, batchSize, seed));
  }

  predict(input: unknown): number | number[] {
    if (Array.isArray(input) && input.length > 0 && Array.isArray(input[0])) {
      const x = flatten(input, this.inputSize);
      return callNative(() => this.#native.predict(x));
    }
    if (!Array.isArray(input)) {
      throw new InvalidArgumentError(`predict expects one sample (an array of numbers) or an array of samples, got ${describe(input)}`);
    }
    if (input.length !== this.inputSize) {
      throw new ShapeMismatchError(`predict expects a sample of ${this.inputSize} values (inputSize), got ${input.length}`);
    }
    const x = Float64Array.from(numbers('input', input));
    return callNative(() => this.#native.predictOne(x));
  }

  toString(): string {
    return `weights\t:[${this.weights.map(pyRepr).join(', ')}]\nbias\t:${pyPercentF(this.bias)}\n`;
  }
}

/** A unit read from a model file, which the next constructor call takes (see `fromNative`). */
let adopting: Unit | undefined;

function adopted(): Unit | undefined {
  const unit = adopting;
  adopting = undefined;
  return unit;
}

/** What the perceptron and the linear unit share: one neuron's weights, bias and outputs. */
abstract class OneNeuron {
  protected readonly unit: Unit;

  protected constructor(unit: Unit) {
    this.unit = unit;
  }

  /** Values per sample. */
  get inputSize(): number {
    return this.unit.inputSize;
  }

  /** A copy of the weights, one per input. */
  get weights(): number[] {
    return this.unit.weights;
  }

  get bias(): number {
    return this.unit.bias;
  }

  /** Replaces the weights (one finite number per input) and the bias. */
  setWeights(weights: readonly number[], bias: number): void {
    this.unit.setWeights(weights, bias);
  }

  /** The output for one sample. */
  predict(input: readonly number[]): number;
  /** The outputs for several samples. */
  predict(inputs: readonly (readonly number[])[]): number[];
  predict(input: readonly number[] | readonly (readonly number[])[]): number | number[] {
    return this.unit.predict(input);
  }

  /** The seed's printout: `weights\t:[0.1, 0.2]\nbias\t:-0.200000\n`. */
  toString(): string {
    return this.unit.toString();
  }

  /** The unit's description (what `JSON.stringify(unit)` writes); `fromConfig` rebuilds it. */
  toJSON(): UnitConfig {
    return this.unit.config();
  }

  /**
   * The unit as a model file's bytes: safetensors with `weight` [1, inputSize] and `bias` [1]
   * (an nn.Linear(inputSize, 1) state_dict, kept in float64 as the unit computes) and the
   * description in the metadata. `zerodl.loadModel(bytes)` reads it back.
   */
  toBuffer(): Uint8Array {
    return this.unit.toBuffer();
  }

  /** Saves the unit to `path` (see `toBuffer`), atomically: a failed save leaves the old file. */
  async save(path: string): Promise<void> {
    checkPath('save()', path);
    await writeFileAtomic('save()', path, this.unit.toBuffer());
  }
}

function checkInputSize(model: string, inputSize: unknown): number {
  if (typeof inputSize !== 'number' || !Number.isInteger(inputSize) || inputSize < 1) {
    throw new InvalidArgumentError(`${model} expects inputSize as an integer >= 1, got ${describe(inputSize)}`);
  }
  return inputSize;
}

/** A description read for `kind`: an object (or its JSON text) whose kind, where given, is `kind`. */
function unitDescription(where: string, kind: UnitConfig['kind'], config: unknown): unknown {
  const value: unknown = typeof config === 'string' ? parseJson(where, config) : config;
  if (value && typeof value === 'object' && !Array.isArray(value) && (value as { kind?: unknown }).kind !== kind) {
    throw new InvalidArgumentError(`${where} expects a description with kind ${JSON.stringify(kind)}, got kind ${describe((value as { kind?: unknown }).kind)}`);
  }
  return value;
}

function parseJson(where: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new InvalidArgumentError(`${where} expects a description object or its JSON text, got text that is not JSON (${(err as Error).message})`, { cause: err });
  }
}

/**
 * The perceptron: output `step(w . x + b)`, 1 if positive else 0 (`step(0)` is 0, as in the seed).
 * Learns any linearly separable two-class problem (AND, OR, iris setosa vs versicolor); never XOR.
 */
export class Perceptron extends OneNeuron {
  /** A perceptron over samples of `inputSize` numbers, with all weights and the bias at 0. */
  constructor(inputSize: number) {
    super(adopted() ?? new Unit('new Perceptron()', { kind: 'perceptron', inputSize: checkInputSize('Perceptron', inputSize) }));
  }

  /** @internal The facade over a unit read from a model file. */
  static fromNative(built: NativePerceptron): Perceptron {
    adopting = new Unit('loadModel()', undefined, built);
    return new Perceptron(built.inputs);
  }

  /** A perceptron from its description (`toJSON()`), weights at 0. */
  static fromConfig(config: UnitConfig | string): Perceptron {
    // Read strictly by the core first; a unit is then all in its input size.
    return new Perceptron(new Unit('Perceptron.fromConfig()', unitDescription('Perceptron.fromConfig()', 'perceptron', config)).inputSize);
  }

  /**
   * Trains with the perceptron rule, one sample at a time in the given order, and returns the
   * state after each epoch. `labels` are the targets, 0 or 1, one per sample. Training continues
   * from the current weights.
   */
  train(inputs: PerceptronInputs, labels: ArrayLike<number>, options: PerceptronTrainOptions = {}): PerceptronEpoch[] {
    checkOptions('train()', options, ['epochs', 'learningRate']);
    const epochs = integerOption('epochs', options.epochs, 10);
    const learningRate = rateOption(options.learningRate, 0.1);
    return this.unit.train(inputs, labels, epochs, learningRate, 1, undefined);
  }
}

/**
 * The linear unit: output `w . x + b` (the perceptron with the identity activation), for
 * regression. Trained by SGD on `E = 1/2 * sum((t - y)^2)`, or mini-batch / batch gradient descent
 * with `batchSize`.
 */
export class LinearUnit extends OneNeuron {
  /** A linear unit over samples of `inputSize` numbers, with all weights and the bias at 0. */
  constructor(inputSize: number) {
    super(adopted() ?? new Unit('new LinearUnit()', { kind: 'linearUnit', inputSize: checkInputSize('LinearUnit', inputSize) }));
  }

  /** @internal The facade over a unit read from a model file. */
  static fromNative(built: NativePerceptron): LinearUnit {
    adopting = new Unit('loadModel()', undefined, built);
    return new LinearUnit(built.inputs);
  }

  /** A linear unit from its description (`toJSON()`), weights at 0. */
  static fromConfig(config: UnitConfig | string): LinearUnit {
    return new LinearUnit(new Unit('LinearUnit.fromConfig()', unitDescription('LinearUnit.fromConfig()', 'linearUnit', config)).inputSize);
  }

  /**
   * Trains by gradient descent on `1/2 * (t - y)^2` and returns the state after each epoch.
   * Training continues from the current weights. Throws `NonFiniteError` if the weights blow up
   * (learning rate too large for the data's scale).
   */
  train(inputs: PerceptronInputs, labels: ArrayLike<number>, options: LinearUnitTrainOptions = {}): PerceptronEpoch[] {
    checkOptions('train()', options, ['epochs', 'learningRate', 'batchSize', 'shuffle', 'seed']);
    const epochs = integerOption('epochs', options.epochs, 10);
    const learningRate = rateOption(options.learningRate, 0.01);
    const batchSize = integerOption('batchSize', options.batchSize, 1);
    const { shuffle = false, seed } = options;
    if (typeof shuffle !== 'boolean') throw new InvalidArgumentError(`shuffle must be true or false, got ${describe(shuffle)}`);
    if (seed !== undefined && !(typeof seed === 'number' && Number.isFinite(seed))) {
      throw new InvalidArgumentError(`seed must be a finite number, got ${describe(seed)}`);
    }
    const shuffleSeed = shuffle ? (seed ?? Math.floor(Math.random() * 2 ** 32)) : undefined;
    return this.unit.train(inputs, labels, epochs, learningRate, batchSize, shuffleSeed);
  }
}


function integerOption(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 2 ** 32 - 1) {
    throw new InvalidArgumentError(`${name} must be an integer >= 1, got ${describe(value)}`);
  }
  return value;
}

function rateOption(value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new InvalidArgumentError(`learningRate must be a finite number > 0, got ${describe(value)}`);
  }
  return value;
}

/** Checks every element is a number (NaN and infinities pass: the core names them as non-finite). */
function numbers(name: string, values: readonly unknown[]): number[] {
  // An index loop, not forEach, which skips the holes of a sparse array.
  for (let i = 0; i < values.length; i++) {
    if (typeof values[i] !== 'number') throw new InvalidArgumentError(`${name}[${i}] must be a number, got ${i in values ? describe(values[i]) : 'a hole (a sparse array)'}`);
  }
  return values as number[];
}

/** Rows (or a flat typed array) to one row-major Float64Array, checking every row has `d` values. */
function flatten(inputs: unknown, d: number): Float64Array {
  if (inputs instanceof Float64Array || inputs instanceof Float32Array) {
    if (inputs.length % d !== 0) {
      throw new ShapeMismatchError(`expected flat inputs of n x ${d} values (inputSize ${d}), got ${inputs.length} values, not a multiple of ${d}`);
    }
    return inputs instanceof Float64Array ? inputs : Float64Array.from(inputs);
  }
  if (!Array.isArray(inputs)) {
    throw new InvalidArgumentError(`inputs must be an array of samples (number[][]) or a flat Float64Array, got ${describe(inputs)}`);
  }
  const out = new Float64Array(inputs.length * d);
  for (let i = 0; i < inputs.length; i++) {
    const row: unknown = inputs[i];
    if (!(i in inputs)) throw new InvalidArgumentError(`inputs must be an array of samples; got a hole (a sparse array) at inputs[${i}]`);
    if (!Array.isArray(row)) {
      throw new InvalidArgumentError(`inputs must be an array of samples, each an array of ${d} numbers; got ${describe(row)} at inputs[${i}]${typeof row === 'number' ? ` (wrap each sample: [[${row}], ...])` : ''}`);
    }
    if (row.length !== d) {
      throw new ShapeMismatchError(`expected every sample to have ${d} values (inputSize), got ${row.length} at inputs[${i}]`);
    }
    numbers(`inputs[${i}]`, row).forEach((v, j) => {
      out[i * d + j] = v;
    });
  }
  return out;
}

function labelArray(labels: unknown, samples: number): Float64Array {
  if (labels instanceof BigInt64Array || labels instanceof BigUint64Array) {
    throw new InvalidArgumentError(`labels must be numbers; got a ${labels.constructor.name}, whose BigInt values do not convert (use an array or a Float64Array)`);
  }
  const isTyped = ArrayBuffer.isView(labels) && !(labels instanceof DataView);
  if (!Array.isArray(labels) && !isTyped) {
    throw new InvalidArgumentError(`labels must be an array of numbers, got ${describe(labels)}`);
  }
  const list = labels as ArrayLike<unknown>;
  if (list.length !== samples) {
    throw new ShapeMismatchError(`expected ${samples} labels (one per sample), got ${list.length}`);
  }
  if (labels instanceof Float64Array) return labels;
  if (Array.isArray(labels)) numbers('labels', labels);
  return Float64Array.from(list as ArrayLike<number>);
}

/** Python's repr() of a float: shortest round-trip digits, '.0' on whole numbers, e-notation outside [1e-4, 1e16). */
function pyRepr(x: number): string {
  if (Number.isNaN(x)) return 'nan';
  if (!Number.isFinite(x)) return x > 0 ? 'inf' : '-inf';
  if (x === 0) return Object.is(x, -0) ? '-0.0' : '0.0';
  // toExponential() with no argument gives the shortest digits that round-trip, as repr does.
  const [mantissa = '', exponent = '0'] = x.toExponential().split('e');
  const sign = x < 0 ? '-' : '';
  const digits = mantissa.replace('-', '').replace('.', '');
  const e = Number(exponent);
  if (e < -4 || e >= 16) {
    const frac = digits.length > 1 ? `.${digits.slice(1)}` : '';
    return `${sign}${digits[0]}${frac}e${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`;
  }
  if (e < 0) return `${sign}0.${'0'.repeat(-e - 1)}${digits}`;
  const whole = digits.slice(0, e + 1).padEnd(e + 1, '0');
  return `${sign}${whole}.${digits.slice(e + 1) || '0'}`;
}

/** Python's '%f': six decimals, exact ties to even (JS's toFixed breaks exact ties upward). */
function pyPercentF(x: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? 'nan' : x > 0 ? 'inf' : '-inf';
  const sign = x < 0 || Object.is(x, -0) ? '-' : '';
  const a = Math.abs(x);
  if (a >= 1e21) return `${sign}${BigInt(a)}.000000`; // a whole number; toFixed would switch to e-notation
  const s = a.toFixed(6);
  // A tie is a value whose exact decimal expansion stops at the 7th decimal with a 5 (e.g.
  // 1/128 = 0.0078125); 100 digits cover every such double's full expansion. toFixed rounded it
  // up; if that left an odd last digit, the even neighbour is one below (no borrow: odd >= 1).
  const exact = a.toFixed(100);
  const point = exact.indexOf('.');
  const last = Number(s.at(-1));
  if (exact[point + 7] === '5' && /^0*$/.test(exact.slice(point + 8)) && last % 2 === 1) {
    return `${sign}${s.slice(0, -1)}${last - 1}`;
  }
  return sign + s;
}
