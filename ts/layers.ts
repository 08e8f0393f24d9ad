/**
 * Layer factories (`layers.dense(...)`, `layers.lstm(...)`...), in the Keras / tfjs style. A layer
 * is a description until a model is built from it; after that, `getWeights()` / `setWeights()`
 * read and write the model's native parameters under PyTorch's names and layouts (`weight`
 * (out, in) and `bias` for dense; `weight_ih_l0` (G*H, D), `weight_hh_l0` (G*H, H), `bias_ih_l0`,
 * `bias_hh_l0` for recurrent layers, gates i, f, g, o (LSTM) and r, z, n (GRU); `_l1`... for
 * stacked layers and `_reverse` for the backward direction).
 *
 * Shapes: `inputShape` leaves the batch out; `null` marks a free size, e.g. `[null, 65]` for
 * sequences of any length.
 */
import { InvalidArgumentError, callNative } from './errors.js';
import type { LayerSpec, NativeModel } from './native.js';
import { Tensor } from './tensor.js';

/** Activation names. */
export type ActivationName = 'linear' | 'sigmoid' | 'tanh' | 'relu' | 'softmax';

/** Initializer names. `seedUniform` is the seed series' U(-0.1, 0.1). */
export type InitializerName = 'glorotUniform' | 'glorotNormal' | 'heUniform' | 'heNormal' | 'seedUniform' | 'zeros';

/** One sample's shape (the batch left out); `null` for a free size (e.g. the timesteps). */
export type InputShape = (number | null)[];

function checkPositiveInteger(factory: string, what: string, value: unknown): void {
  if (!Number.isInteger(value) || (value as number) <= 0) throw new InvalidArgumentError(`layers.${factory}() expects ${what} to be a positive integer, got ${String(value)}`);
}

/** What every layer shares: a name, an optional input shape, and weights once in a model. */
abstract class LayerBase {
  abstract readonly kind: string;
  readonly inputShape: InputShape | undefined;
  #name: string | undefined;
  #binding: { model: NativeModel; index: number } | undefined;

  protected constructor(factory: string, args: { units?: number; inputShape?: InputShape; name?: string }, needsUnits = true) {
    if (!args || typeof args !== 'object') throw new InvalidArgumentError(`layers.${factory}() expects an options object, got ${String(args)}`);
    if (needsUnits) checkPositiveInteger(factory, 'units', args.units);
    if (args.inputShape !== undefined) {
      const ok = Array.isArray(args.inputShape) && args.inputShape.every((d) => d === null || (Number.isInteger(d) && d > 0));
      if (!ok) throw new InvalidArgumentError(`layers.${factory}() expects inputShape to be an array of positive integers or null (a free size), got ${JSON.stringify(args.inputShape)}`);
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

  /** @internal */
  protected bound(what: string): { model: NativeModel; index: number } {
    return this.#bound(what);
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
  inputShape?: InputShape;
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
  /** Shape of one input sample, `[timesteps, features]` (`[null, features]`: any length); required on a model's first layer. */
  inputShape?: InputShape;
  /** Stacked layers, each reading the one below (PyTorch's num_layers). Default 1. */
  numLayers?: number;
  /** Run every layer both ways and concatenate the two states (PyTorch's bidirectional). Default false. See also `layers.bidirectional()`. */
  bidirectional?: boolean;
  /** Dropout on the outputs of each stacked layer but the last, while training (never across time). Needs numLayers > 1. Default 0. */
  dropout?: number;
  /**
   * Start each batch from the final state of the previous one (streaming a long sequence in
   * chunks; gradients stop at batch boundaries). Batches must keep one size (fit checks that the
   * sample count is a multiple of batchSize), and `fit` should get `shuffle: false` so batch i+1
   * continues batch i's sequences; `resetStates()` starts afresh. Default false.
   */
  stateful?: boolean;
  /** Truncated BPTT: gradients flow back at most to the start of each chunk of this many steps. Default: full BPTT. */
  truncateBptt?: number;
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
  /** Peephole connections from the cell state into the gates (`peephole_l0`: [3, units], gates i, f, o). Default false. */
  peephole?: boolean;
}

/** A recurrent layer's state: h (and c for an LSTM), each [numLayers * directions, batch, units] like PyTorch's h_n / c_n. */
export interface RecurrentState {
  h: Tensor;
  c?: Tensor;
}

type RecurrentKind = 'simpleRNN' | 'lstm' | 'gru';
type AllRecurrentArgs = SimpleRnnLayerArgs & LstmLayerArgs;

/**
 * A recurrent layer over sequences. Weights start U(-1/sqrt(units), 1/sqrt(units)) as in PyTorch;
 * the whole sequence runs in one native call (one GEMM for all input projections, one fused
 * product per step). Padded batches: pass `lengths` to fit / evaluate / predict.
 */
export class Recurrent extends LayerBase {
  readonly kind: RecurrentKind;
  readonly units: number;
  readonly returnSequences: boolean;
  readonly activation: 'tanh' | 'relu';
  readonly forgetBias: number;
  readonly numLayers: number;
  readonly bidirectional: boolean;
  readonly dropout: number;
  readonly stateful: boolean;
  readonly truncateBptt: number | undefined;
  readonly peephole: boolean;
  /** @internal The options it was made with (for `layers.bidirectional`). */
  readonly args: AllRecurrentArgs;

  constructor(kind: RecurrentKind, args: AllRecurrentArgs) {
    super(kind, args);
    this.args = { ...args };
    this.kind = kind;
    this.units = args.units;
    this.returnSequences = args.returnSequences ?? false;
    this.activation = args.activation ?? 'tanh';
    this.forgetBias = args.forgetBias ?? 1;
    this.numLayers = args.numLayers ?? 1;
    this.bidirectional = args.bidirectional ?? false;
    this.dropout = args.dropout ?? 0;
    this.stateful = args.stateful ?? false;
    this.truncateBptt = args.truncateBptt;
    this.peephole = args.peephole ?? false;
    checkPositiveInteger(kind, 'numLayers', this.numLayers);
    if (this.truncateBptt !== undefined) checkPositiveInteger(kind, 'truncateBptt', this.truncateBptt);
    if (!(this.dropout >= 0 && this.dropout < 1)) throw new InvalidArgumentError(`layers.${kind}() expects dropout in [0, 1), got ${String(args.dropout)}`);
    if (this.peephole && kind !== 'lstm') throw new InvalidArgumentError(`layers.${kind}(): peephole connections exist only in LSTM layers`);
  }

  /** @internal */
  spec(name: string): LayerSpec {
    const { kind, units, activation, returnSequences, forgetBias, numLayers, bidirectional, dropout, stateful, truncateBptt, peephole } = this;
    const base = { kind, name, units, activation, returnSequences, forgetBias, numLayers, bidirectional, dropout, stateful, peephole, useBias: true, kernelInitializer: 'zeros', biasInitializer: 'zeros' };
    return truncateBptt === undefined ? base : { ...base, truncateBptt };
  }

  /** The final state after the last fit / evaluate / predict call (at each sequence's length), or null before any. */
  getState(): RecurrentState | null {
    const b = this.bound('getState');
    const parts = callNative(() => b.model.getLayerState(b.index));
    if (!parts) return null;
    const [h, c] = parts.map((p) => new Tensor(p));
    return c ? { h: h as Tensor, c } : { h: h as Tensor };
  }

  /**
   * Sets the initial state of the following calls (shapes as `getState()` returns; c for an
   * LSTM); null goes back to zeros. A stateful layer carries its state on from there.
   */
  setState(state: RecurrentState | null): void {
    const b = this.bound('setState');
    if (state !== null && !(state?.h instanceof Tensor && (state.c === undefined || state.c instanceof Tensor))) {
      throw new InvalidArgumentError(`setState() expects { h: Tensor, c?: Tensor } or null, got ${String(state)}`);
    }
    callNative(() => b.model.setLayerState(b.index, state?.h.native, state?.c?.native));
  }

  /** Forgets the carried state: the next call starts from zeros. */
  resetStates(): void {
    this.setState(null);
  }
}

export interface EmbeddingLayerArgs {
  /** Vocabulary size: ids are integers in [0, inputDim). Required. */
  inputDim: number;
  /** Size of each id's vector. Required. */
  outputDim: number;
  /** Shape of one sample's ids, e.g. `[timesteps]` or `[null]`; required on a model's first layer. */
  inputShape?: InputShape;
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

export interface DropoutLayerArgs {
  /** Fraction of the inputs set to zero while training (the rest are scaled by 1/(1-rate)). Required, in [0, 1). */
  rate: number;
  inputShape?: InputShape;
  /** Layer name, unique in its model. Default `dropout_<index>`. */
  name?: string;
}

/** Inverted dropout: active only while training (fit, trainOnBatch); the identity otherwise. */
export class Dropout extends LayerBase {
  readonly kind = 'dropout';
  readonly rate: number;

  constructor(args: DropoutLayerArgs) {
    super('dropout', args, false);
    if (!(args.rate >= 0 && args.rate < 1)) throw new InvalidArgumentError(`layers.dropout() expects rate in [0, 1), got ${String(args.rate)}`);
    this.rate = args.rate;
  }

  /** @internal */
  spec(name: string): LayerSpec {
    return { kind: 'dropout', name, units: 0, dropout: this.rate, activation: 'linear', useBias: false, kernelInitializer: 'zeros', biasInitializer: 'zeros' };
  }
}

/** Dropout between layers (training only). */
export function dropout(args: DropoutLayerArgs): Dropout {
  return new Dropout(args);
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

/**
 * The same recurrent layer run both ways over each sequence (the reverse direction from each
 * sequence's own last step), outputs concatenated [forward, backward]; weights `..._reverse`.
 */
export function bidirectional(layer: Recurrent): Recurrent {
  if (!(layer instanceof Recurrent)) throw new InvalidArgumentError(`layers.bidirectional() expects a recurrent layer (simpleRNN, lstm or gru), got ${String((layer as { kind?: string })?.kind ?? layer)}`);
  return new Recurrent(layer.kind, { ...layer.args, bidirectional: true });
}

export type Layer = Dense | Recurrent | Embedding | Dropout;
