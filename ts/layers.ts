/**
 * Layer factories (`layers.dense(...)`, `layers.lstm(...)`...), in the Keras / tfjs style. A layer
 * is a description until a model is built from it; after that, `getWeights()` / `setWeights()`
 * read and write the model's native parameters under PyTorch's names and layouts (`weight`
 * (out, in) and `bias` for dense; `weight_ih_l0` (G*H, D), `weight_hh_l0` (G*H, H), `bias_ih_l0`,
 * `bias_hh_l0` for recurrent layers, gates i, f, g, o (LSTM) and r, z, n (GRU)).
 */
import { InvalidArgumentError } from './errors.js';
import type { LayerSpec, NativeModel } from './native.js';
import { Tensor } from './tensor.js';

/** Activation names. */
export type ActivationName = 'linear' | 'sigmoid' | 'tanh' | 'relu' | 'softmax';

/** Initializer names. `seedUniform` is the seed series' U(-0.1, 0.1). */
export type InitializerName = 'glorotUniform' | 'glorotNormal' | 'heUniform' | 'heNormal' | 'seedUniform' | 'zeros';

/** What every layer shares: a name, an optional input shape, and weights once in a model. */
abstract class LayerBase {
  abstract readonly kind: string;
  readonly inputShape: number[] | undefined;
  #name: string | undefined;
  #binding: { model: NativeModel; index: number } | undefined;

  protected constructor(factory: string, args: { units: number; inputShape?: number[]; name?: string }) {
    if (!args || typeof args !== 'object') throw new InvalidArgumentError(`layers.${factory}() expects an options object, got ${String(args)}`);
    if (!Number.isInteger(args.units) || args.units <= 0) {
      throw new InvalidArgumentError(`layers.${factory}() expects units to be a positive integer, got ${String(args.units)}`);
    }
    this.inputShape = args.inputShape;
    this.#name = args.name;
  }

  /** The layer's name (`<kind>_<index>` unless given). */
  get name(): string {
    return this.#name ?? this.kind;
  }

  /** @internal The native description, under the name the model gives it. */
  abstract spec(name: string): LayerSpec;

  /** @internal Called by the model that owns this layer. */
  bind(model: NativeModel, index: number, name: string): void {
    if (this.#binding) throw new InvalidArgumentError(`layer ${this.name} already belongs to a model; create a new layer`);
    this.#binding = { model, index };
    this.#name = name;
  }

  /** This layer's parameters by their PyTorch names. */
  getWeights(): Record<string, Tensor> {
    const b = this.#bound('getWeights');
    const prefix = `${b.index}.`;
    const out: Record<string, Tensor> = {};
    for (const full of b.model.weightNames()) if (full.startsWith(prefix)) out[full.slice(prefix.length)] = new Tensor(b.model.getWeight(full));
    return out;
  }

  /** Sets some or all of the parameters returned by `getWeights()`; shapes must match. */
  setWeights(weights: Record<string, Tensor>): void {
    const b = this.#bound('setWeights');
    for (const [name, t] of Object.entries(weights)) b.model.setWeight(`${b.index}.${name}`, t.native);
  }

  #bound(what: string): { model: NativeModel; index: number } {
    if (!this.#binding) throw new InvalidArgumentError(`${what}(): layer ${this.name} is not part of a model yet`);
    return this.#binding;
  }
}

export interface DenseLayerArgs {
  /** Output size. Required. */
  units: number;
  /** Activation applied to the output. Default 'linear'. */
  activation?: ActivationName;
  /** Shape of one input sample; required on a model's first layer. */
  inputShape?: number[];
  /** Add a bias. Default true. */
  useBias?: boolean;
  /** Weight initializer. Default 'glorotUniform' (Keras's default; 'heNormal' suits relu). */
  kernelInitializer?: InitializerName;
  /** Bias initializer. Default 'zeros'. */
  biasInitializer?: InitializerName;
  /** Layer name, unique in its model. Default `dense_<index>`. */
  name?: string;
}

/**
 * A fully connected layer: `y = activation(x W^T + b)`. On sequence inputs ([batch, T, D]) it
 * applies at every step (time-distributed), as Keras's Dense does.
 */
export class Dense extends LayerBase {
  readonly kind = 'dense';
  readonly units: number;
  readonly activation: ActivationName;
  readonly useBias: boolean;
  readonly kernelInitializer: InitializerName;
  readonly biasInitializer: InitializerName;

  constructor(args: DenseLayerArgs) {
    super('dense', args);
    this.units = args.units;
    this.activation = args.activation ?? 'linear';
    this.useBias = args.useBias ?? true;
    this.kernelInitializer = args.kernelInitializer ?? 'glorotUniform';
    this.biasInitializer = args.biasInitializer ?? 'zeros';
  }

  /** @internal */
  spec(name: string): LayerSpec {
    const { kind, units, activation, useBias, kernelInitializer, biasInitializer } = this;
    return { kind, name, units, activation, useBias, kernelInitializer, biasInitializer };
  }
}

export interface RecurrentLayerArgs {
  /** Size of the hidden state. Required. */
  units: number;
  /** Output the state at every step ([batch, T, units]) instead of the last one ([batch, units]). Default false. */
  returnSequences?: boolean;
  /** Shape of one input sample, `[timesteps, features]`; required on a model's first layer. */
  inputShape?: number[];
  /** Layer name, unique in its model. Default `<kind>_<index>`. */
  name?: string;
}

export interface SimpleRnnLayerArgs extends RecurrentLayerArgs {
  /** 'tanh' or 'relu'. Default 'tanh'. */
  activation?: 'tanh' | 'relu';
}

export interface LstmLayerArgs extends RecurrentLayerArgs {
  /**
   * Added to the forget gate's bias at initialisation, so the cell remembers by default (1.0 as in
   * TensorFlow's BasicLSTMCell and Keras's unitForgetBias). Default 1.
   */
  forgetBias?: number;
}

/**
 * A recurrent layer over sequences. Weights start U(-1/sqrt(units), 1/sqrt(units)) as in PyTorch;
 * the whole sequence runs in one native call (one GEMM for all input projections, one fused
 * product per step).
 */
export class Recurrent extends LayerBase {
  readonly kind: 'simpleRNN' | 'lstm' | 'gru';
  readonly units: number;
  readonly returnSequences: boolean;
  readonly activation: 'tanh' | 'relu';
  readonly forgetBias: number;

  constructor(kind: 'simpleRNN' | 'lstm' | 'gru', args: SimpleRnnLayerArgs & LstmLayerArgs) {
    super(kind, args);
    this.kind = kind;
    this.units = args.units;
    this.returnSequences = args.returnSequences ?? false;
    this.activation = args.activation ?? 'tanh';
    this.forgetBias = args.forgetBias ?? 1;
  }

  /** @internal */
  spec(name: string): LayerSpec {
    const { kind, units, activation, returnSequences, forgetBias } = this;
    return { kind, name, units, activation, returnSequences, forgetBias, useBias: true, kernelInitializer: 'zeros', biasInitializer: 'zeros' };
  }
}

export interface EmbeddingLayerArgs {
  /** Vocabulary size: ids are integers in [0, inputDim). Required. */
  inputDim: number;
  /** Size of each id's vector. Required. */
  outputDim: number;
  /** Shape of one sample's ids, e.g. `[timesteps]`; required on a model's first layer. */
  inputShape?: number[];
  /** Layer name, unique in its model. Default `embedding_<index>`. */
  name?: string;
}

/**
 * Maps integer ids ([batch, T], given as numbers) to learned vectors ([batch, T, outputDim]);
 * PyTorch's nn.Embedding (`weight` (inputDim, outputDim), initialised N(0, 1)).
 */
export class Embedding extends LayerBase {
  readonly kind = 'embedding';
  readonly inputDim: number;
  readonly outputDim: number;

  constructor(args: EmbeddingLayerArgs) {
    super('embedding', { ...args, units: args?.outputDim });
    if (!Number.isInteger(args.inputDim) || args.inputDim <= 0) {
      throw new InvalidArgumentError(`layers.embedding() expects inputDim to be a positive integer, got ${String(args.inputDim)}`);
    }
    this.inputDim = args.inputDim;
    this.outputDim = args.outputDim;
  }

  /** @internal */
  spec(name: string): LayerSpec {
    return { kind: 'embedding', name, units: this.outputDim, inputDim: this.inputDim, activation: 'linear', useBias: false, kernelInitializer: 'zeros', biasInitializer: 'zeros' };
  }
}

/** An embedding table (integer ids to vectors). */
export function embedding(args: EmbeddingLayerArgs): Embedding {
  return new Embedding(args);
}

/** A fully connected layer. */
export function dense(args: DenseLayerArgs): Dense {
  return new Dense(args);
}

/** Elman RNN: h_t = act(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh). */
export function simpleRNN(args: SimpleRnnLayerArgs): Recurrent {
  return new Recurrent('simpleRNN', args);
}

/** LSTM (PyTorch's formulation and gate order i, f, g, o). */
export function lstm(args: LstmLayerArgs): Recurrent {
  return new Recurrent('lstm', args);
}

/** GRU (PyTorch's formulation: gates r, z, n, the reset applied after the hidden product). */
export function gru(args: RecurrentLayerArgs): Recurrent {
  return new Recurrent('gru', args);
}

export type Layer = Dense | Recurrent | Embedding;
