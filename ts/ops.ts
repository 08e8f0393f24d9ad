/**
 * Tensor operations. Each runs natively in one call (SIMD kernels, GEMM on zerodl's thread pool);
 * results are new tensors. Binary ops broadcast like NumPy; a number operand acts as a scalar.
 */
import { awaitNative, callNative, InvalidArgumentError } from './errors.js';
import { native } from './native.js';
import { full, Tensor, tensorArg } from './tensor.js';
import { describe } from './util/describe.js';
import { booleanOption, checkOptions } from './util/options.js';

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
  const [ta, tb, transposeA, transposeB] = matmulArgs('matmul()', a, b, options);
  return new Tensor(callNative(() => native.matmul(ta.native, tb.native, transposeA, transposeB)));
}

/** {@link matmul} computed off the JS thread; the event loop stays free meanwhile. */
export async function matmulAsync(a: Tensor, b: Tensor, options: MatmulOptions = {}): Promise<Tensor> {
  const [ta, tb, transposeA, transposeB] = matmulArgs('matmulAsync()', a, b, options);
  const task = callNative(() => native.matmulAsync(ta.native, tb.native, transposeA, transposeB));
  return new Tensor(await awaitNative(task));
}

function matmulArgs(where: string, a: unknown, b: unknown, options: MatmulOptions): [Tensor, Tensor, boolean, boolean] {
  const { transposeA = false, transposeB = false } = checkOptions(where, options, ['transposeA', 'transposeB']);
  const flags = [booleanOption(where, 'transposeA', transposeA, false), booleanOption(where, 'transposeB', transposeB, false)] as const;
  return [tensorArg(where, 'a', a), tensorArg(where, 'b', b), ...flags];
}

type Operand = Tensor | number;

/** An operand as a tensor: numbers become scalars. */
function operand(where: string, name: string, x: unknown): Tensor {
  return typeof x === 'number' ? full([], x) : tensorArg(where, name, x);
}

/** Elementwise `a + b`, with broadcasting. */
export function add(a: Operand, b: Operand): Tensor {
  const [ta, tb] = [operand('add()', 'a', a), operand('add()', 'b', b)];
  return new Tensor(callNative(() => native.add(ta.native, tb.native)));
}

/** Elementwise `a - b`, with broadcasting. */
export function sub(a: Operand, b: Operand): Tensor {
  const [ta, tb] = [operand('sub()', 'a', a), operand('sub()', 'b', b)];
  return new Tensor(callNative(() => native.sub(ta.native, tb.native)));
}

/** Elementwise `a * b`, with broadcasting. A number `b` scales `a` on the fast path. */
export function mul(a: Operand, b: Operand): Tensor {
  if (a instanceof Tensor && typeof b === 'number') {
    return new Tensor(callNative(() => native.scale(a.native, b)));
  }
  const [ta, tb] = [operand('mul()', 'a', a), operand('mul()', 'b', b)];
  return new Tensor(callNative(() => native.mul(ta.native, tb.native)));
}

/** Logistic sigmoid `1 / (1 + e^-x)`. */
export function sigmoid(x: Tensor): Tensor {
  const t = tensorArg('sigmoid()', 'x', x);
  return new Tensor(callNative(() => native.unary('Sigmoid', t.native)));
}

/** Hyperbolic tangent. */
export function tanh(x: Tensor): Tensor {
  const t = tensorArg('tanh()', 'x', x);
  return new Tensor(callNative(() => native.unary('Tanh', t.native)));
}

/** `max(x, 0)` (NaN stays NaN). */
export function relu(x: Tensor): Tensor {
  const t = tensorArg('relu()', 'x', x);
  return new Tensor(callNative(() => native.unary('Relu', t.native)));
}

/** `e^x`. */
export function exp(x: Tensor): Tensor {
  const t = tensorArg('exp()', 'x', x);
  return new Tensor(callNative(() => native.unary('Exp', t.native)));
}

/** An axis argument: an integer (negative counts from the end); the native side checks its range. */
function axisArg(where: string, axis: unknown, x: Tensor): number {
  if (!Number.isInteger(axis)) throw new InvalidArgumentError(`${where} expects axis to be an integer, got ${describe(axis)}`);
  const rank = x.rank;
  if ((axis as number) < -rank || (axis as number) >= rank) throw new InvalidArgumentError(`${where}: axis ${axis as number} is out of range for a tensor of rank ${rank} (valid: ${-rank} to ${rank - 1})`);
  return axis as number;
}

/** Softmax along `axis` (default: the last), computed stably. */
export function softmax(x: Tensor, axis = -1): Tensor {
  const t = tensorArg('softmax()', 'x', x);
  const a = axisArg('softmax()', axis, t);
  return new Tensor(callNative(() => native.softmax(t.native, a)));
}

/** Log of the softmax along `axis` (default: the last), computed stably. */
export function logSoftmax(x: Tensor, axis = -1): Tensor {
  const t = tensorArg('logSoftmax()', 'x', x);
  const a = axisArg('logSoftmax()', axis, t);
  return new Tensor(callNative(() => native.logSoftmax(t.native, a)));
}

/** Options for {@link sum}. */
export interface SumOptions {
  /** Keep the reduced axis with size 1. Default false. */
  keepDims?: boolean;
}

/** Sum of all elements (a scalar tensor), or along `axis` (negative counts from the end). */
export function sum(x: Tensor, axis?: number, options: SumOptions = {}): Tensor {
  const t = tensorArg('sum()', 'x', x);
  const a = axis === undefined ? undefined : axisArg('sum()', axis, t);
  const keepDims = booleanOption('sum()', 'keepDims', checkOptions('sum()', options, ['keepDims']).keepDims, false);
  return new Tensor(callNative(() => native.sum(t.native, a, keepDims)));
}
