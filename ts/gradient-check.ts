/**
 * Gradient checking as a public utility (the seed series' gradient_check, generalised): central
 * differences of the loss against the analytic gradients, for every parameter of a compiled model.
 */
import { callNative, InvalidArgumentError } from './errors.js';
import type { Sequential } from './models/sequential.js';
import { lengthsTensor, type SequenceArgs } from './training/sequence-lengths.js';
import { Tensor, tensor, type TensorLike } from './tensor.js';

export interface GradientCheckArgs extends SequenceArgs {
  /** Finite-difference step. Default 1e-3 (as in the seed series). */
  epsilon?: number;
  /** Elements checked per parameter (evenly spread); all of them when the tensor is smaller. Default 100. */
  maxPerParam?: number;
}

export interface GradientCheckEntry {
  /** Parameter name, e.g. "0.weight". */
  name: string;
  checked: number;
  maxAbsError: number;
  /** max |analytic - numeric| / max(|analytic| + |numeric|, 1e-6). */
  maxRelError: number;
}

/**
 * Compares analytic and numerical gradients of `model`'s loss on (x, y), parameter by parameter.
 * The loss is that of a training pass, with dropout replaying one fixed mask.
 */
export function gradientCheck(model: Sequential, x: Tensor | TensorLike, y: Tensor | TensorLike, args: GradientCheckArgs = {}): GradientCheckEntry[] {
  const epsilon = args.epsilon ?? 1e-3;
  const maxPerParam = args.maxPerParam ?? 100;
  if (!(epsilon > 0 && Number.isFinite(epsilon))) throw new InvalidArgumentError(`gradientCheck() expects epsilon > 0, got ${String(epsilon)}`);
  if (!Number.isInteger(maxPerParam) || maxPerParam < 1) throw new InvalidArgumentError(`gradientCheck() expects maxPerParam to be an integer >= 1, got ${String(maxPerParam)}`);
  const xt = x instanceof Tensor ? x : tensor(x);
  const yt = y instanceof Tensor ? y : tensor(y);
  const lengths = lengthsTensor(args.lengths, xt.shape[0] ?? 0, 'gradientCheck()');
  return callNative(() => model.nativeModel.gradientCheck(xt.native, yt.native, epsilon, maxPerParam, lengths?.native));
}
