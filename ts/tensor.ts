/**
 * The user-facing Tensor and its factories. Data lives in native memory (Rust); a Tensor is a
 * handle. It is freed when garbage-collected (its size is reported to V8, so the GC sees the
 * pressure); `dispose()` frees it at once when you know you are done.
 */
import { callNative, InvalidArgumentError } from './errors.js';
import { native, type NativeTensor } from './native.js';

/** A (possibly nested) array of numbers, as `toArray()` returns and `tensor()` accepts. */
export type NestedArray = number | NestedArray[];

/** Anything `tensor()` can make a tensor from. */
export type TensorLike = Float32Array | ArrayLike<number> | NestedArray[];

export class Tensor {
  /** @internal The native handle. */
  readonly native: NativeTensor;
  #shape: readonly number[] | undefined;

  /** @internal Use {@link tensor}, {@link zeros}, {@link randn}... to make tensors. */
  constructor(handle: NativeTensor) {
    this.native = handle;
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
    return callNative(() => this.native.size);
  }

  /** True once `dispose()` has been called. */
  get isDisposed(): boolean {
    return this.native.disposed;
  }

  /** The same data viewed with a new shape (no copy). One dimension may be -1 (inferred). */
  reshape(shape: readonly number[]): Tensor {
    const resolved = inferDimension(checkShapeArray(shape, 'reshape'), this.size);
    return new Tensor(callNative(() => this.native.reshape(resolved)));
  }

  /** A copy of the elements in row-major order. */
  toFloat32Array(): Float32Array {
    return new Float32Array(callNative(() => this.native.toArrayBuffer()));
  }

  /** The elements as nested arrays matching `shape` (a plain number for a scalar). */
  toArray(): NestedArray {
    return nest(this.toFloat32Array(), this.shape);
  }

  /** Frees the native memory now. Using the tensor afterwards throws `ERR_DISPOSED`. */
  dispose(): void {
    this.native.dispose();
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
  let flat: Float32Array;
  let inferred: number[];
  if (data instanceof Float32Array) {
    flat = data;
    inferred = [data.length];
  } else if (ArrayBuffer.isView(data) && !(data instanceof DataView)) {
    flat = Float32Array.from(data as unknown as ArrayLike<number>);
    inferred = [flat.length];
  } else if (Array.isArray(data)) {
    ({ flat, shape: inferred } = flatten(data));
  } else {
    throw new InvalidArgumentError(
      `tensor() expects a Float32Array, a typed array or a (nested) array of numbers, got ${describe(data)}`,
    );
  }
  const finalShape = shape === undefined ? inferred : checkShapeArray(shape, 'tensor');
  return new Tensor(callNative(() => native.NativeTensor.fromData(flat, finalShape)));
}

/** A tensor of zeros. */
export function zeros(shape: readonly number[]): Tensor {
  return full(shape, 0);
}

/** A tensor of ones. */
export function ones(shape: readonly number[]): Tensor {
  return full(shape, 1);
}

/** A tensor filled with `value`. */
export function full(shape: readonly number[], value: number): Tensor {
  const dims = checkShapeArray(shape, 'full');
  if (typeof value !== 'number') throw new InvalidArgumentError(`full() value must be a number, got ${describe(value)}`);
  return new Tensor(callNative(() => native.full(dims, value)));
}

/** Samples from a normal distribution N(mean, std^2). */
export function randn(shape: readonly number[], options: RandnOptions = {}): Tensor {
  const dims = checkShapeArray(shape, 'randn');
  const { mean = 0, std = 1, seed } = options;
  return new Tensor(callNative(() => native.randn(dims, mean, std, seed)));
}

/** Samples uniformly from [low, high). */
export function uniform(shape: readonly number[], low = 0, high = 1, options: RandomOptions = {}): Tensor {
  const dims = checkShapeArray(shape, 'uniform');
  return new Tensor(callNative(() => native.uniform(dims, low, high, options.seed)));
}

// ---------------------------------------------------------------------------------------------
// Conversions between JS arrays and flat row-major data.

/** Checks that a shape is an array of numbers; the native side checks each value's domain. */
export function checkShapeArray(shape: unknown, fn: string): number[] {
  if (!Array.isArray(shape) || shape.some((d) => typeof d !== 'number')) {
    throw new InvalidArgumentError(`${fn}() expects a shape as an array of numbers, got ${describe(shape)}`);
  }
  return shape as number[];
}

function inferDimension(shape: number[], size: number): number[] {
  const unknown = shape.indexOf(-1);
  if (unknown < 0 || shape.indexOf(-1, unknown + 1) >= 0) return shape;
  const known = shape.reduce((p, d, i) => (i === unknown ? p : p * d), 1);
  if (known === 0 || size % known !== 0) {
    throw new InvalidArgumentError(`cannot reshape ${size} values into [${shape.join(', ')}]`);
  }
  return shape.map((d, i) => (i === unknown ? size / known : d));
}

function flatten(data: NestedArray[]): { flat: Float32Array; shape: number[] } {
  const shape: number[] = [];
  for (let level: unknown = data; Array.isArray(level); level = level[0]) {
    shape.push(level.length);
    if (level.length === 0) break;
  }
  const size = shape.reduce((a, b) => a * b, 1);
  const flat = new Float32Array(size);
  let offset = 0;
  const walk = (node: unknown, depth: number, path: string): void => {
    if (depth === shape.length) {
      if (typeof node !== 'number') {
        throw new InvalidArgumentError(`tensor() expects numbers, got ${describe(node)} at ${path}`);
      }
      flat[offset++] = node;
      return;
    }
    if (!Array.isArray(node) || node.length !== shape[depth]) {
      throw new InvalidArgumentError(
        `tensor() expects a rectangular nested array of shape [${shape.join(', ')}], ` +
          `got ${Array.isArray(node) ? `length ${node.length}` : describe(node)} at ${path}`,
      );
    }
    node.forEach((child, i) => walk(child, depth + 1, `${path}[${i}]`));
  };
  walk(data, 0, 'data');
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

/** Short description of a value for error messages. */
export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  if (typeof value === 'object') return `an object (${value.constructor?.name ?? 'Object'})`;
  if (typeof value === 'string') return `the string ${JSON.stringify(value.slice(0, 40))}`;
  return `${typeof value} ${String(value)}`;
}
