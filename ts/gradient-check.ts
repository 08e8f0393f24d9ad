/**
 * Gradient checking as a public utility (the seed series' gradient_check, generalised): central
 * differences of the loss against the analytic gradients, for every parameter of a compiled
 * model, with a verdict under a combined tolerance as torch.autograd.gradcheck gives one: an
 * element passes when |analytic - numeric| <= atol + rtol * |numeric|.
 */
import { callNative, InvalidArgumentError } from './errors.js';
import type { Sequential } from './models/sequential.js';
import { lengthsTensor, type SequenceArgs } from './training/sequence-lengths.js';
import { toTensor, type Tensor, type TensorLike } from './tensor.js';
import { describe } from './util/describe.js';
import { checkOptions, countOption } from './util/options.js';

export interface GradientCheckArgs extends SequenceArgs {
  /** Finite-difference step. Default 1e-3 (as in the seed series). */
  epsilon?: number;
  /** Elements checked per parameter (evenly spread); all of them when the tensor is smaller. Default 100. */
  maxPerParam?: number;
  /**
   * Absolute tolerance. Default 1e-3: float32 central differences of a loss near 1 carry errors
   * around 1e-4, so gradients near zero are judged by this bound rather than relatively.
   */
  atol?: number;
  /** Relative tolerance. Default 1e-2. */
  rtol?: number;
}

export interface GradientCheckEntry {
  /** Parameter name, e.g. "0.weight". */
  name: string;
  /** Elements compared. */
  checked: number;
  /** Largest |analytic - numeric|. */
  maxAbsError: number;
  /** Largest |analytic - numeric| / |numeric| where |numeric| >= atol (0 if nowhere). */
  maxRelError: number;
  /** The flat index of the element furthest outside (or least inside) its tolerance, and its two gradients. */
  worstIndex: number;
  worstAnalytic: number;
  worstNumeric: number;
  /** Every element checked is within atol + rtol * |numeric|. */
  passed: boolean;
}

export interface GradientCheckResult {
  /** Every parameter passed. */
  passed: boolean;
  /** Per parameter, in the model's order. */
  parameters: GradientCheckEntry[];
}

const KEYS = ['epsilon', 'maxPerParam', 'atol', 'rtol', 'lengths'];

function positive(name: string, value: unknown, zeroOk: boolean): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (!zeroOk && value === 0)) {
    throw new InvalidArgumentError(`gradientCheck() expects ${name} to be a finite number ${zeroOk ? '>= 0' : '> 0'}, got ${describe(value)}`);
  }
  return value;
}

/**
 * Compares analytic and numerical gradients of `model`'s loss on (x, y), parameter by parameter,
 * and says whether they agree. The loss is that of a training pass, with dropout replaying one
 * fixed mask.
 */
export function gradientCheck(model: Sequential, x: Tensor | TensorLike, y: Tensor | TensorLike, args: GradientCheckArgs = {}): GradientCheckResult {
  const { epsilon, maxPerParam, atol, rtol, lengths } = checkOptions('gradientCheck()', args, KEYS);
  // Only what was given: the native core holds the defaults.
  const given = {
    epsilon: positive('epsilon', epsilon, false),
    maxPerParam: maxPerParam === undefined ? undefined : countOption('gradientCheck()', 'maxPerParam', maxPerParam, 1),
    atol: positive('atol', atol, true),
    rtol: positive('rtol', rtol, true),
  };
  const options = Object.fromEntries(Object.entries(given).filter(([, v]) => v !== undefined));
  if (!model || typeof model !== 'object' || !('nativeModel' in model)) throw new InvalidArgumentError(`gradientCheck() expects a Sequential model, got ${describe(model)}`);
  if (!model.toJSON().training) throw new InvalidArgumentError('gradientCheck() needs a compiled model (its loss is what is differentiated): call model.compile({ optimizer, loss }) first');
  const xt = toTensor('gradientCheck()', 'x', x);
  const yt = toTensor('gradientCheck()', 'y', y);
  const lt = lengthsTensor(lengths, xt.shape[0] ?? 0, 'gradientCheck()');
  const parameters = callNative(() => model.nativeModel.gradientCheck(xt.native, yt.native, options, lt?.native));
  return { passed: parameters.every((p) => p.passed), parameters };
}
