/**
 * The user-facing Tensor and its factories. Data lives in native memory (Rust); a Tensor is a
 * handle. It is freed when garbage-collected (its size is reported to V8, so the GC sees the
 * pressure); `dispose()` frees it at once when you know you are done. A tensor from
 * `model.getWeights()` holds a copy of its values in JS memory until a native call first needs it.
 */
import { callNative, InvalidArgumentError, OutOfMemoryError } from './errors.js';
import { native, type NativeTensor } from './native.js';
import { describe } from './util/describe.js';
import { checkOptions, seedOption } from './util/options.js';

export { describe };

/** A (possibly nested) array of numbers, as `toArray()` returns and `tensor()` accepts. */
export type NestedArray = number | NestedArray[];

/** Anything `tensor()` can make a tensor from. */
export type TensorLike = Float32Array | ArrayLike<number> | NestedArray[];

/**
 * A tensor's shape and row-major values as plain JS data (`model.getWeightValues()` gives
 * parameters this way).
 */
export interface TensorValues {
  shape: number[];
  values: Float32Array;
}

/** The one disposed native tensor that every disposed values-backed tensor hands to native calls. */
let disposedHandle: NativeTensor | undefined;
function disposedNative(): NativeTensor {
  if (!disposedHandle) {
    disposedHandle = native.NativeTensor.fromData(new Float32Array(0), [0]);
    disposedHandle.dispose();
  }
  return disposedHandle;
}

export class Tensor {
  #native: NativeTensor | undefined;
  // A tensor made from values (`model.getWeights()`) holds them in a V8 ArrayBuffer until a
  // native call needs it; then they are copied into a native tensor. Such a tensor makes no
  // native handle if it is only read and disposed: a napi-rs handle is freed by a finalizer
  // that Node runs only when the event loop turns, so handles made in a synchronous loop pile
  // up (~300 bytes each, disposed or not), while an ArrayBuffer is freed by the GC itself.
  #values: Float32Array | undefined;
  #shape: readonly number[] | undefined;

  /** @internal Use {@link tensor}, {@link zeros}, {@link randn}... to make tensors. */
  constructor(handle: NativeTensor | TensorValues) {
    if ('values' in handle) {
      this.#values = handle.values;
      this.#shape = Object.freeze([...handle.shape]);
    } else {
      this.#native = handle;
    }
  }

  /** @internal The native handle (made now from the values of a values-backed tensor). */
  get native(): NativeTensor {
    if (this.#native) return this.#native;
    const values = this.#values;
    if (values === undefined) return disposedNative(); // native calls throw ERR_DISPOSED
    this.#native = callNative(() => native.NativeTensor.fromData(values, this.shape as number[]));
    this.#values = undefined;
    return this.#native;
  }

  /** The dimensions, outermost first. `[]` for a scalar. */
  get shape(): readonly number[] {
    this.#shape ??= Object.freeze(callNative(() => this.native.shape));
    return this.#shape;
  }

  /** Number of dimensions. */
  get rank(): number {
    return this.shape.length;
  }

  /** Number of elements. */
  get size(): number {
    if (this.#values) return this.#values.length;
    return callNative(() => this.native.size);
  }

  /** True once `dispose()` has been called. */
  get isDisposed(): boolean {
    return this.#native ? this.#native.disposed : this.#values === undefined;
  }

  /** The same data viewed with a new shape (no copy). One dimension may be -1 (inferred). */
  reshape(shape: readonly number[]): Tensor {
    const resolved = inferDimension(checkShapeArray(shape, 'reshape'), this.size);
    return new Tensor(callNative(() => this.native.reshape(resolved), 'reshape()'));
  }

  /** A copy of the elements in row-major order. */
  toFloat32Array(): Float32Array {
    if (this.#values) return this.#values.slice();
    return new Float32Array(callNative(() => this.native.toArrayBuffer()));
  }

  /** The elements as nested arrays matching `shape` (a plain number for a scalar). */
  toArray(): NestedArray {
    return nest(this.#values ?? this.toFloat32Array(), this.shape);
  }

  /** Frees the native memory now. Using the tensor afterwards throws `ERR_DISPOSED`. */
  dispose(): void {
    this.#values = undefined;
    this.#native?.dispose();
  }

  /**
   * What `JSON.stringify` writes: `{ shape, values }` (values row-major, as numbers), so weights
   * survive a JSON round trip: `tensor(v.values, v.shape)` makes the tensor again. A model file
   * (`model.save()`) is the compact and exact way to keep weights.
   */
  toJSON(): { shape: number[]; values: number[] } {
    return { shape: [...this.shape], values: Array.from(this.toFloat32Array()) };
  }

  toString(): string {
    if (this.isDisposed) return 'Tensor(disposed)';
    return `Tensor(shape=[${this.shape.join(', ')}])`;
  }
}

/** Options for random tensors. */
export interface RandomOptions {
  /** Seed for reproducible values. Default: a fresh random seed on each call. */
  seed?: number;
}

/** Options for {@link randn}. */
export interface RandnOptions extends RandomOptions {
  /** Mean of the normal distribution. Default 0. */
  mean?: number;
  /** Standard deviation. Default 1. */
  std?: number;
}

/**
 * Makes a tensor from data. A Float32Array or flat array is taken as row-major; nested arrays
 * give their own shape. `shape`, if given, must hold exactly as many elements as the data.
 *
 * @example tensor([[1, 2], [3, 4]])            // shape [2, 2]
 * @example tensor(new Float32Array(6), [2, 3])
 */
export function tensor(data: TensorLike, shape?: readonly number[]): Tensor {
  const finalShape = shape === undefined ? undefined : checkShapeArray(shape, 'tensor');
  const { flat, shape: inferred } = flatData(data, 'tensor()', 'data');
  return new Tensor(callNative(() => native.NativeTensor.fromData(flat, finalShape ?? inferred), 'tensor()'));
}

/** Data as flat float32 values and the shape it has, or an error naming `name` in `where`. */
function flatData(data: unknown, where: string, name: string): { flat: Float32Array; shape: number[] } {
  if (data instanceof Float32Array) return { flat: data, shape: [data.length] };
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) {
    throw new InvalidArgumentError(`${where} expects ${name} as numbers; got a ${data.constructor.name}, whose BigInt values do not convert to float32 (use Float32Array or Float64Array)`);
  }
  if (ArrayBuffer.isView(data) && !(data instanceof DataView)) {
    const flat = Float32Array.from(data as unknown as ArrayLike<number>);
    return { flat, shape: [flat.length] };
  }
  if (Array.isArray(data)) return flatten(data, where, name);
  throw new InvalidArgumentError(`${where} expects ${name} to be a Float32Array, a typed array or a (nested) array of numbers, got ${describe(data)}`);
}

/**
 * `value` as a Tensor: a Tensor as is, data (a typed array or nested arrays) made into one. For
 * the arguments of model methods, whose errors name the argument (`fit(): x ...`).
 */
export function toTensor(where: string, name: string, value: unknown): Tensor {
  if (value instanceof Tensor) return value;
  if (value === undefined || value === null || (typeof value !== 'object')) {
    throw new InvalidArgumentError(`${where} expects ${name} to be a Tensor or an array of numbers, got ${describe(value)}`);
  }
  const { flat, shape } = flatData(value, where, name);
  return new Tensor(callNative(() => native.NativeTensor.fromData(flat, shape)));
}

/** `value` as a Tensor operand of an op (`add(a, b)`), or an error naming the argument. */
export function tensorArg(where: string, name: string, value: unknown): Tensor {
  if (value instanceof Tensor) return value;
  throw new InvalidArgumentError(`${where} expects ${name} to be a Tensor, got ${describe(value)}`);
}

/** A tensor of zeros. */
export function zeros(shape: readonly number[]): Tensor {
  return full(checkShapeArray(shape, 'zeros'), 0);
}

/** A tensor of ones. */
export function ones(shape: readonly number[]): Tensor {
  return full(checkShapeArray(shape, 'ones'), 1);
}

/** A tensor filled with `value`. */
export function full(shape: readonly number[], value: number): Tensor {
  const dims = checkShapeArray(shape, 'full');
  if (typeof value !== 'number') throw new InvalidArgumentError(`full() expects value to be a number, got ${describe(value)}`);
  return new Tensor(callNative(() => native.full(dims, value)));
}

function checkNumber(where: string, name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new InvalidArgumentError(`${where} expects ${name} to be a finite number, got ${describe(value)}`);
  return value;
}

/** Samples from a normal distribution N(mean, std^2). */
export function randn(shape: readonly number[], options: RandnOptions = {}): Tensor {
  const dims = checkShapeArray(shape, 'randn');
  const { mean = 0, std = 1, seed } = checkOptions('randn()', options, ['mean', 'std', 'seed']);
  checkNumber('randn()', 'mean', mean);
  checkNumber('randn()', 'std', std);
  seedOption('randn()', seed);
  return new Tensor(callNative(() => native.randn(dims, mean, std, seed)));
}

/** Samples uniformly from [low, high). */
export function uniform(shape: readonly number[], low = 0, high = 1, options: RandomOptions = {}): Tensor {
  const dims = checkShapeArray(shape, 'uniform');
  const { seed } = checkOptions('uniform()', options, ['seed']);
  checkNumber('uniform()', 'low', low);
  checkNumber('uniform()', 'high', high);
  seedOption('uniform()', seed);
  return new Tensor(callNative(() => native.uniform(dims, low, high, seed)));
}

// ---------------------------------------------------------------------------------------------
// Conversions between JS arrays and flat row-major data.

/** Checks that a shape is an array of numbers; the native side checks each value's domain. */
export function checkShapeArray(shape: unknown, fn: string): number[] {
  if (!Array.isArray(shape)) throw new InvalidArgumentError(`${fn}() expects a shape as an array of numbers, got ${describe(shape)}`);
  for (let i = 0; i < shape.length; i++) {
    if (typeof shape[i] !== 'number') throw new InvalidArgumentError(`${fn}() expects a shape as an array of numbers, got ${i in shape ? describe(shape[i]) : 'a hole'} at index ${i}`);
  }
  return shape as number[];
}

function inferDimension(shape: number[], size: number): number[] {
  const unknown = shape.indexOf(-1);
  if (unknown >= 0 && shape.indexOf(-1, unknown + 1) >= 0) throw new InvalidArgumentError(`reshape() allows one -1 (the size to infer), got [${shape.join(', ')}]`);
  if (unknown < 0) return shape;
  const known = shape.reduce((p, d, i) => (i === unknown ? p : p * d), 1);
  if (known === 0 || size % known !== 0) {
    throw new InvalidArgumentError(`cannot reshape ${size} values into [${shape.join(', ')}]`);
  }
  return shape.map((d, i) => (i === unknown ? size / known : d));
}

function flatten(data: unknown[], where: string, name: string): { flat: Float32Array; shape: number[] } {
  const shape: number[] = [];
  for (let level: unknown = data; Array.isArray(level); level = level[0]) {
    shape.push(level.length);
    if (level.length === 0) break;
  }
  const size = shape.reduce((a, b) => a * b, 1);
  let flat: Float32Array;
  try {
    flat = new Float32Array(size);
  } catch (err) {
    // V8's RangeError for a buffer it cannot make (a sparse `new Array(1e10)` has that length).
    throw new OutOfMemoryError(`${where}: ${name} of shape [${shape.join(', ')}] needs ${size * 4} bytes, which could not be allocated`, { cause: err });
  }
  let offset = 0;
  const walk = (node: unknown, depth: number, path: string): void => {
    if (depth === shape.length) {
      if (typeof node !== 'number') {
        throw new InvalidArgumentError(`${where} expects numbers, got ${describe(node)} at ${path}`);
      }
      flat[offset++] = node;
      return;
    }
    if (!Array.isArray(node) || node.length !== shape[depth]) {
      throw new InvalidArgumentError(
        `${where} expects a rectangular nested array of shape [${shape.join(', ')}], ` +
          `got ${Array.isArray(node) ? `length ${node.length}` : describe(node)} at ${path}`,
      );
    }
    // An index loop, not forEach, which skips holes (`[1, , 3]`) and would shift the values.
    for (let i = 0; i < node.length; i++) {
      if (!(i in node)) throw new InvalidArgumentError(`${where} expects numbers, got a hole (a sparse array) at ${path}[${i}]`);
      walk(node[i], depth + 1, `${path}[${i}]`);
    }
  };
  walk(data, 0, name);
  return { flat, shape };
}

function nest(flat: Float32Array, shape: readonly number[]): NestedArray {
  if (shape.length === 0) return flat[0] ?? 0;
  const build = (depth: number, offset: number): NestedArray[] => {
    const dim = shape[depth] ?? 0;
    if (depth === shape.length - 1) return Array.from(flat.subarray(offset, offset + dim));
    const stride = shape.slice(depth + 1).reduce((a, b) => a * b, 1);
    return Array.from({ length: dim }, (_, i) => build(depth + 1, offset + i * stride));
  };
  return build(0, 0);
}
