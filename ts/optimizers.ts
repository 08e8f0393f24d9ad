/**
 * Optimizer configurations for `model.compile({ optimizer })`. The update rules are PyTorch's
 * (torch.optim.SGD / Adam / AdamW), run natively. The options are read strictly by the native
 * core, which also holds the defaults: `optimizers.adam()` returns the full configuration.
 */
import { callNative, InvalidArgumentError } from './errors.js';
import { native } from './native.js';
import { toJson } from './util/json.js';
import { optionsObject } from './util/options.js';

export interface SgdArgs {
  /** Step size. Default 0.01. */
  learningRate?: number;
  /** Momentum factor (0 = plain SGD). Default 0. */
  momentum?: number;
  /** Nesterov momentum (needs momentum > 0). Default false. */
  nesterov?: boolean;
  /** L2 penalty added to the gradient. Default 0. */
  weightDecay?: number;
}

export interface AdamArgs {
  /** Step size. Default 0.001. */
  learningRate?: number;
  /** Decay of the first-moment estimate. Default 0.9. */
  beta1?: number;
  /** Decay of the second-moment estimate. Default 0.999. */
  beta2?: number;
  /** Added to the denominator for stability. Default 1e-8. */
  epsilon?: number;
  /** Weight decay. Default 0. */
  weightDecay?: number;
  /** Decay the weights directly (AdamW) instead of adding an L2 term to the gradient. Default false. */
  decoupledWeightDecay?: boolean;
}

/** A configured optimizer (pass it to `compile`), every option filled in. */
export type OptimizerConfig = ({ kind: 'sgd' } & Required<SgdArgs>) | ({ kind: 'adam' } & Required<AdamArgs>);

/** Names accepted in place of a configured optimizer, with default settings. */
export type OptimizerName = 'sgd' | 'adam';

function configure(kind: OptimizerName, args: unknown): OptimizerConfig {
  const where = `optimizers.${kind}()`;
  // Its keys are checked by the core, which knows them; the tag is the factory's to set.
  const options = args === undefined ? {} : optionsObject(where, args);
  if ('kind' in options) throw new InvalidArgumentError(`${where}: unknown option "kind" (the factory sets it)`);
  return JSON.parse(callNative(() => native.normalizeOptimizerConfig(toJson(where, { kind, ...options }), where))) as OptimizerConfig;
}

/** Stochastic gradient descent, optionally with (Nesterov) momentum and weight decay. */
export function sgd(args: SgdArgs = {}): OptimizerConfig {
  return configure('sgd', args);
}

/** Adam (or AdamW with `decoupledWeightDecay`). */
export function adam(args: AdamArgs = {}): OptimizerConfig {
  return configure('adam', args);
}
