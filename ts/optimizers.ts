/**
 * Optimizer configurations for `model.compile({ optimizer })`. The update rules are PyTorch's
 * (torch.optim.SGD / Adam / AdamW), run natively.
 */
import { InvalidArgumentError } from './errors.js';

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

/** A configured optimizer (pass it to `compile`). */
export type OptimizerConfig =
  | ({ kind: 'sgd'; learningRate: number } & Omit<SgdArgs, 'learningRate'>)
  | ({ kind: 'adam'; learningRate: number } & Omit<AdamArgs, 'learningRate'>);

/** Names accepted in place of a configured optimizer, with default settings. */
export type OptimizerName = 'sgd' | 'adam';

/** Stochastic gradient descent, optionally with (Nesterov) momentum and weight decay. */
export function sgd(args: SgdArgs = {}): OptimizerConfig {
  return { kind: 'sgd', ...args, learningRate: args.learningRate ?? 0.01 };
}

/** Adam (or AdamW with `decoupledWeightDecay`). */
export function adam(args: AdamArgs = {}): OptimizerConfig {
  return { kind: 'adam', ...args, learningRate: args.learningRate ?? 0.001 };
}

/** Resolves a name or a config into a config. */
export function resolveOptimizer(o: OptimizerConfig | OptimizerName | undefined): OptimizerConfig {
  if (o === 'sgd') return sgd();
  if (o === 'adam') return adam();
  if (o && typeof o === 'object' && (o.kind === 'sgd' || o.kind === 'adam')) return o;
  throw new InvalidArgumentError(
    `compile() expects optimizer to be "sgd", "adam" or optimizers.sgd()/adam(), got ${JSON.stringify(o)}`,
  );
}
