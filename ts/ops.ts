/**
 * Tensor operations. Each runs natively in one call (SIMD kernels, GEMM on zerodl's thread pool);
 * results are new tensors. Binary ops broadcast like NumPy; a number operand acts as a scalar.
 */
import { awaitNative, callNative } from './errors.js';
import { native } from './native.js';
import { full, Tensor } from './tensor.js';

/** Options for {@link matmul}. */
export interface MatmulOptions {
  /** Multiply by A^T instead of A (swaps A's last two dims). Default false. */
  transposeA?: boolean;
  /** Multiply by B^T instead of B. Default false. */
  transposeB?: boolean;
}

/**
 * Matrix product of `[..., m, k]` and `[..., k, n]` (leading batch dims must be equal).
 * Runs on the calling thread; use {@link matmulAsync} for big products in a server.
 */
export function matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  const { transposeA = false, transposeB = false } = options;
  return new Tensor(callNative(() => native.matmul(a.native, b.native, transposeA, transposeB)));
}

/** {@link matmul} computed off the JS thread; the event loop stays free meanwhile. */
export async function matmulAsync(a: Tensor, b: Tensor, options: MatmulOptions = {}): Promise<Tensor> {
  const { transposeA = false, transposeB = false } = options;
  const task = callNative(() => native.matmulAsync(a.native, b.native, transposeA, transposeB));
  return new Tensor(await awaitNative(task));
}

type Operand = Tensor | number;

const asTensor = (x: Operand): Tensor => (typeof x === 'number' ? full([], x) : x);

/** Elementwise `a + b`, with broadcasting. */
export function add(a: Operand, b: Operand): Tensor {
  return new Tensor(callNative(() => native.add(asTensor(a).native, asTensor(b).native)));
}

/** Elementwise `a - b`, with broadcasting. */
export function sub(a: Operand, b: Operand): Tensor {
  return new Tensor(callNative(() => native.sub(asTensor(a).native, asTensor(b).native)));
}

/** Elementwise `a * b`, with broadcasting. A number `b` scales `a` on the fast path. */
export function mul(a: Operand, b: Operand): Tensor {
  if (a instanceof Tensor && typeof b === 'number') {
    return new Tensor(callNative(() => native.scale(a.native, b)));
  }
  return new Tensor(callNative(() => native.mul(asTensor(a).native, asTensor(b).native)));
}

/** Logistic sigmoid `1 / (1 + e^-x)`. */
export function sigmoid(x: Tensor): Tensor {
  return new Tensor(callNative(() => native.unary('Sigmoid', x.native)));
}

/** Hyperbolic tangent. */
export function tanh(x: Tensor): Tensor {
  return new Tensor(callNative(() => native.unary('Tanh', x.native)));
}

/** `max(x, 0)` (NaN stays NaN). */
export function relu(x: Tensor): Tensor {
  return new Tensor(callNative(() => native.unary('Relu', x.native)));
}

/** `e^x`. */
export function exp(x: Tensor): Tensor {
  return new Tensor(callNative(() => native.unary('Exp', x.native)));
}

/** Softmax along `axis` (default: the last), computed stably. */
export function softmax(x: Tensor, axis = -1): Tensor {
  return new Tensor(callNative(() => native.softmax(x.native, axis)));
}

/** Log of the softmax along `axis` (default: the last), computed stably. */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  return new Tensor(callNative(() => native.logSoftmax(x.native, axis)));
}

/** Options for {@link sum}. */
export interface SumOptions {
  /** Keep the reduced axis with size 1. Default false. */
  keepDims?: boolean;
}

/** Sum of all elements (a scalar tensor), or along `axis` (negative counts from the end). */
export function sum(x: Tensor, axis?: number, options: SumOptions = {}): Tensor {
  return new Tensor(callNative(() => native.sum(x.native, axis, options.keepDims ?? false)));
}
