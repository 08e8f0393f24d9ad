/**
 * The core layers (Keras's "core" family): dense (fully connected) and dropout.
 */
import { Layer, readLayerArgs, registerLayerKind, type BaseLayerArgs } from './base.js';

/** Activation names. */
export type ActivationName = 'linear' | 'sigmoid' | 'tanh' | 'relu' | 'softmax';

/** Initializer names. `seedUniform` is the seed series' U(-0.1, 0.1). */
export type InitializerName = 'glorotUniform' | 'glorotNormal' | 'heUniform' | 'heNormal' | 'seedUniform' | 'zeros';

export interface DenseLayerArgs extends BaseLayerArgs {
  /** Output size, an integer >= 1. Required. */
  units: number;
  /** Activation applied to the output. Default 'linear'. */
  activation?: ActivationName;
  /** Add a bias. Default true. */
  useBias?: boolean;
  /** Weight initializer. Default 'glorotUniform' (Keras's default; 'heNormal' suits relu). */
  kernelInitializer?: InitializerName;
  /** Bias initializer. Default 'zeros'. */
  biasInitializer?: InitializerName;
}

/**
 * A fully connected layer: `y = activation(x W^T + b)`, W (units, inputs) as PyTorch's
 * nn.Linear (`weight`, `bias`). On sequence inputs ([batch, T, D]) it applies at every step
 * (time-distributed), as Keras's Dense does.
 */
export class Dense extends Layer {
  constructor(args: DenseLayerArgs) {
    super(readLayerArgs('dense', args));
  }

  get units(): number {
    return this.option('units');
  }

  get activation(): ActivationName {
    return this.option('activation');
  }

  get useBias(): boolean {
    return this.option('useBias');
  }

  get kernelInitializer(): InitializerName {
    return this.option('kernelInitializer');
  }

  get biasInitializer(): InitializerName {
    return this.option('biasInitializer');
  }
}

export interface DropoutLayerArgs extends BaseLayerArgs {
  /** Fraction of the inputs set to zero while training (the rest are scaled by 1/(1-rate)). Required, in [0, 1). */
  rate: number;
}

/** Inverted dropout: active only while training (fit, trainOnBatch); the identity otherwise. */
export class Dropout extends Layer {
  constructor(args: DropoutLayerArgs) {
    super(readLayerArgs('dropout', args));
  }

  get rate(): number {
    return this.option('rate');
  }
}

/** A fully connected layer. */
export function dense(args: DenseLayerArgs): Dense {
  return new Dense(args);
}

/** Dropout between layers (training only). */
export function dropout(args: DropoutLayerArgs): Dropout {
  return new Dropout(args);
}

registerLayerKind('dense', dense);
registerLayerKind('dropout', dropout);
