/**
 * What every layer shares. A layer is its description until a model is built from it: the
 * options the user set, read strictly by the native core (unknown keys, wrong types and values
 * out of range are errors at the factory call), which also fills in every default, so `config`
 * shows the full description. Each layer family's file (core.ts, recurrent.ts...) defines its
 * classes and factories and registers its kinds here, so `Sequential.fromConfig` can rebuild
 * them.
 */
import { InvalidArgumentError, callNative } from '../errors.js';
import { native, type NativeModel } from '../native.js';
import { Tensor } from '../tensor.js';
import { describe } from '../util/describe.js';
import { toJson } from '../util/json.js';
import { checkOptions } from '../util/options.js';

/** One sample's shape (the batch left out); `null` for a free size (e.g. the timesteps). */
export type InputShape = (number | null)[];

/** A layer's full description, as `layer.config` and `model.toJSON().layers` give it. */
export interface LayerConfig {
  /** The layer kind: 'dense', 'dropout', 'embedding', 'simpleRNN', 'lstm', 'gru', 'conv2d', 'conv1d', 'maxPool2d', 'avgPool2d', 'globalAveragePool2d', 'flatten', 'reshape', 'batchNormalization'. */
  kind: string;
  /** Unique in its model (`<kind>_<index>` unless given). */
  name?: string;
  [option: string]: unknown;
}

/** Options every layer factory takes besides its own. */
export interface BaseLayerArgs {
  /** Shape of one input sample (the batch left out); required on a model's first layer. */
  inputShape?: InputShape;
  /** Layer name, unique in its model. Default `<kind>_<index>`. */
  name?: string;
}

/** The factory of each layer kind (registered by each layer family's file). */
const factories = new Map<string, (args: never) => Layer>();

/** @internal Registers the factory that makes layers of `kind` (it takes their options). */
export function registerLayerKind<A>(kind: string, factory: (args: A) => Layer): void {
  factories.set(kind, factory as (args: never) => Layer);
}

/** @internal The layer object for a (normalized) description: its kind's factory on its options. */
export function layerFromConfig(config: LayerConfig, inputShape: InputShape | undefined): Layer {
  const factory = factories.get(config.kind);
  if (!factory) throw new InvalidArgumentError(`no layer kind ${JSON.stringify(config.kind)} is registered`);
  const { kind: _, ...options } = config;
  return factory({ ...options, ...(inputShape ? { inputShape } : {}) } as never);
}

function checkInputShape(where: string, shape: unknown): InputShape | undefined {
  if (shape === undefined) return undefined;
  const expected = `${where} expects inputShape to be an array of positive integers or null (a free size)`;
  if (!Array.isArray(shape)) throw new InvalidArgumentError(`${expected}, got ${describe(shape)}`);
  // An index loop: every() skips holes, which would read [, 3] as [null, 3].
  for (let i = 0; i < shape.length; i++) {
    const d: unknown = shape[i];
    if (!(i in shape)) throw new InvalidArgumentError(`${expected}, got a hole (a sparse array) at index ${i}`);
    if (d !== null && !(Number.isInteger(d) && (d as number) > 0)) throw new InvalidArgumentError(`${expected}, got [${shape.map(String).join(', ')}] (${describe(d)} at index ${i})`);
  }
  return [...(shape as InputShape)];
}

/** @internal Reads a factory's options: strict keys, then the core's checks and defaults. */
export function readLayerArgs(kind: string, args: unknown): { options: Record<string, unknown>; config: LayerConfig; inputShape: InputShape | undefined } {
  const where = `layers.${kind}()`;
  if (args === undefined) throw new InvalidArgumentError(`${where} expects an options object, got undefined`);
  const known = [...(native.layerOptions(kind) ?? []), 'inputShape'];
  const { inputShape, ...options } = checkOptions(where, args as Record<string, unknown>, known);
  const config = JSON.parse(callNative(() => native.normalizeLayerConfig(toJson(where, { kind, ...options }), where))) as LayerConfig;
  return { options: { kind, ...options }, config, inputShape: checkInputShape(where, inputShape) };
}

/** A layer: its description, and once in a model, its weights. */
export abstract class Layer {
  /** The layer kind ('dense', 'lstm', ...). */
  readonly kind: string;
  /** Shape of one input sample, when given (a model's first layer needs it). */
  readonly inputShape: InputShape | undefined;
  /** What the user set (sent when a model is built; the core fills in the rest again). */
  readonly #options: Record<string, unknown>;
  #config: LayerConfig;
  #binding: { model: NativeModel; index: number; prefix: string } | undefined;

  protected constructor(read: { options: Record<string, unknown>; config: LayerConfig; inputShape: InputShape | undefined }) {
    this.kind = read.config.kind;
    this.#options = read.options;
    this.#config = read.config;
    this.inputShape = read.inputShape;
  }

  /** The layer's name: its model's name for it once built (`<kind>_<index>` unless given). */
  get name(): string {
    return this.#config.name ?? this.kind;
  }

  /** The full description: every option, including those taken by default (a copy). */
  get config(): LayerConfig {
    return structuredClone(this.#config);
  }

  /** @internal One option of the description. */
  protected option<T>(key: string): T {
    return this.#config[key] as T;
  }

  /** @internal The options to build it from. */
  get options(): Record<string, unknown> {
    return this.#options;
  }

  /** @internal Called by the model that owns this layer (which checks `isBound` first), with the layer's description there. */
  bind(model: NativeModel, index: number, config: LayerConfig, torchIndex: number): void {
    this.#binding = { model, index, prefix: `${torchIndex}.` };
    this.#config = config;
  }

  /** @internal Whether a model owns it. */
  get isBound(): boolean {
    return this.#binding !== undefined;
  }

  /** This layer's parameters by their PyTorch names. */
  getWeights(): Record<string, Tensor> {
    const b = this.bound('getWeights');
    const prefix = b.prefix;
    const out: Record<string, Tensor> = {};
    for (const full of b.model.weightNames()) {
      if (!full.startsWith(prefix)) continue;
      // Values-backed tensors (see Sequential.getWeights): no native handle unless one is needed.
      const [shape, buffer] = callNative(() => b.model.getWeightValues(full));
      out[full.slice(prefix.length)] = new Tensor({ shape, values: new Float32Array(buffer) });
    }
    return out;
  }

  /** Sets some or all of the parameters returned by `getWeights()`; shapes must match. */
  setWeights(weights: Record<string, Tensor>): void {
    const b = this.bound('setWeights');
    for (const [name, t] of checkWeights(`layer ${this.name}: setWeights()`, weights)) callNative(() => b.model.setWeight(`${b.prefix}${name}`, t.native));
  }

  /** @internal */
  protected bound(what: string): { model: NativeModel; index: number; prefix: string } {
    if (!this.#binding) throw new InvalidArgumentError(`${what}(): layer ${this.name} is not part of a model yet`);
    return this.#binding;
  }
}

/** @internal Checks a `setWeights` argument: a plain object of Tensors. */
export function checkWeights(where: string, weights: unknown): [string, Tensor][] {
  if (weights === null || typeof weights !== 'object' || Array.isArray(weights) || weights instanceof Tensor) {
    throw new InvalidArgumentError(`${where} expects an object of tensors by parameter name (as getWeights() returns), got ${describe(weights)}`);
  }
  return Object.entries(weights).map(([name, t]) => {
    if (!(t instanceof Tensor)) throw new InvalidArgumentError(`${where} expects a Tensor for ${JSON.stringify(name)}, got ${describe(t)}`);
    return [name, t];
  });
}
