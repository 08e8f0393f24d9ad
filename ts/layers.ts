/**
 * Layer factories (`layers.dense(...)`), in the Keras / tfjs style. A layer is a description until
 * a model is built from it; after that, `getWeights()` / `setWeights()` read and write the
 * model's native parameters under PyTorch's names and layouts (`weight` (out, in), `bias`).
 */
import { InvalidArgumentError } from './errors.js';
import type { NativeModel } from './native.js';
import { Tensor } from './tensor.js';

/** Activation names. */
export type ActivationName = 'linear' | 'sigmoid' | 'tanh' | 'relu' | 'softmax';

/** Initializer names. `seedUniform` is the seed series' U(-0.1, 0.1). */
export type InitializerName = 'glorotUniform' | 'glorotNormal' | 'heUniform' | 'heNormal' | 'seedUniform' | 'zeros';

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

/** A fully connected layer: `y = activation(x W^T + b)`. */
export class Dense {
  readonly kind = 'dense';
  readonly units: number;
  readonly activation: ActivationName;
  readonly inputShape: number[] | undefined;
  readonly useBias: boolean;
  readonly kernelInitializer: InitializerName;
  readonly biasInitializer: InitializerName;
  #name: string | undefined;
  #binding: { model: NativeModel; index: number } | undefined;

  constructor(args: DenseLayerArgs) {
    if (!args || typeof args !== 'object') throw new InvalidArgumentError(`layers.dense() expects an options object, got ${String(args)}`);
    if (!Number.isInteger(args.units) || args.units <= 0) {
      throw new InvalidArgumentError(`layers.dense() expects units to be a positive integer, got ${String(args.units)}`);
    }
    this.units = args.units;
    this.activation = args.activation ?? 'linear';
    this.inputShape = args.inputShape;
    this.useBias = args.useBias ?? true;
    this.kernelInitializer = args.kernelInitializer ?? 'glorotUniform';
    this.biasInitializer = args.biasInitializer ?? 'zeros';
    this.#name = args.name;
  }

  /** The layer's name (assigned when added to a model if not given). */
  get name(): string {
    return this.#name ?? 'dense';
  }

  /** @internal Called by the model that owns this layer. */
  bind(model: NativeModel, index: number): void {
    if (this.#binding) throw new InvalidArgumentError(`layer ${this.name} already belongs to a model; create a new layer`);
    this.#binding = { model, index };
    this.#name ??= `dense_${index}`;
  }

  /** This layer's parameters: `{ weight: [units, inputs], bias: [units] }`. */
  getWeights(): Record<string, Tensor> {
    const b = this.#bound('getWeights');
    const out: Record<string, Tensor> = {};
    for (const name of ['weight', 'bias']) out[name] = new Tensor(b.model.getWeight(`${b.index}.${name}`));
    return out;
  }

  /** Sets some or all of `{ weight, bias }`; shapes must match. */
  setWeights(weights: Record<string, Tensor>): void {
    const b = this.#bound('setWeights');
    for (const [name, t] of Object.entries(weights)) b.model.setWeight(`${b.index}.${name}`, t.native);
  }

  #bound(what: string): { model: NativeModel; index: number } {
    if (!this.#binding) throw new InvalidArgumentError(`${what}(): layer ${this.name} is not part of a model yet`);
    return this.#binding;
  }
}

/** A fully connected layer. */
export function dense(args: DenseLayerArgs): Dense {
  return new Dense(args);
}

export type Layer = Dense;
