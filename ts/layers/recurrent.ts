/**
 * Recurrent layers over sequences ([batch, timesteps, features]): simple RNN, LSTM and GRU in
 * PyTorch's formulation and weights (`weight_ih_l0` (G*H, D), `weight_hh_l0` (G*H, H),
 * `bias_ih_l0`, `bias_hh_l0`; gates i, f, g, o (LSTM) and r, z, n (GRU); `_l1`... for stacked
 * layers and `_reverse` for the backward direction), stacked and bidirectional.
 */
import { InvalidArgumentError, callNative } from '../errors.js';
import { Tensor } from '../tensor.js';
import { describe } from '../util/describe.js';
import { checkOptions } from '../util/options.js';
import { Layer, readLayerArgs, registerLayerKind, type BaseLayerArgs } from './base.js';

export interface RecurrentLayerArgs extends BaseLayerArgs {
  /** Size of the hidden state, an integer >= 1. Required. */
  units: number;
  /** Output the state at every step ([batch, T, units]) instead of the last one ([batch, units]). Default false. */
  returnSequences?: boolean;
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
  /** Truncated BPTT: gradients flow back at most to the start of each chunk of this many steps. Default null: full BPTT. */
  truncateBptt?: number | null;
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

export type RecurrentKind = 'simpleRNN' | 'lstm' | 'gru';

/**
 * A recurrent layer over sequences. Weights start U(-1/sqrt(units), 1/sqrt(units)) as in PyTorch;
 * the whole sequence runs in one native call (one GEMM for all input projections, one fused
 * product per step). Padded batches: pass `lengths` to fit / evaluate / predict.
 */
export class Recurrent extends Layer {
  declare readonly kind: RecurrentKind;
  #hasSetState = false;

  constructor(kind: RecurrentKind, args: SimpleRnnLayerArgs | LstmLayerArgs) {
    super(readLayerArgs(kind, args));
  }

  get units(): number {
    return this.option('units');
  }

  get returnSequences(): boolean {
    return this.option('returnSequences');
  }

  get numLayers(): number {
    return this.option('numLayers');
  }

  get bidirectional(): boolean {
    return this.option('bidirectional');
  }

  get dropout(): number {
    return this.option('dropout');
  }

  get stateful(): boolean {
    return this.option('stateful');
  }

  get truncateBptt(): number | null {
    return this.option('truncateBptt');
  }

  /** simpleRNN: its activation; undefined for the other cells. */
  get activation(): 'tanh' | 'relu' | undefined {
    return this.option('activation');
  }

  /** LSTM: the forget gate's initial bias; undefined for the other cells. */
  get forgetBias(): number | undefined {
    return this.option('forgetBias');
  }

  /** LSTM: whether it has peepholes; undefined for the other cells. */
  get peephole(): boolean | undefined {
    return this.option('peephole');
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
    if (state === undefined) throw new InvalidArgumentError('setState() expects { h, c? } (tensors shaped as getState() returns) or null for zeros, got undefined');
    if (state !== null) {
      checkOptions('setState()', state, ['h', 'c']);
      if (!(state.h instanceof Tensor)) throw new InvalidArgumentError(`setState() expects h to be a Tensor, got ${describe(state.h)}`);
      if (state.c !== undefined && !(state.c instanceof Tensor)) throw new InvalidArgumentError(`setState() expects c to be a Tensor (or left out), got ${describe(state.c)}`);
    }
    callNative(() => b.model.setLayerState(b.index, state?.h.native, state?.c?.native));
    this.#hasSetState = state !== null;
  }

  /** Whether calls start from a state given with `setState()` (sized for one batch): such calls must not be batched together. */
  get hasSetState(): boolean {
    return this.#hasSetState;
  }

  /** Forgets the carried state: the next call starts from zeros. */
  resetStates(): void {
    this.setState(null);
  }
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
 * Equivalent to the layer's own `bidirectional: true`.
 */
export function bidirectional(layer: Recurrent, ...rest: never[]): Recurrent {
  // Keras's Bidirectional takes a mergeMode; here the two directions are always concatenated,
  // so an options object would be ignored: refuse it.
  if (rest.length > 0) checkOptions('layers.bidirectional()', rest[0] as unknown as object, []);
  const given: unknown = layer;
  if (!(given instanceof Recurrent)) throw new InvalidArgumentError(`layers.bidirectional() expects a recurrent layer (simpleRNN, lstm or gru), got ${given instanceof Layer ? `a ${given.kind} layer` : describe(given)}`);
  const { kind, ...options } = layer.options;
  return new Recurrent(kind as RecurrentKind, { ...(options as unknown as RecurrentLayerArgs), ...(layer.inputShape ? { inputShape: layer.inputShape } : {}), bidirectional: true });
}

registerLayerKind('simpleRNN', simpleRNN);
registerLayerKind('lstm', lstm);
registerLayerKind('gru', gru);
