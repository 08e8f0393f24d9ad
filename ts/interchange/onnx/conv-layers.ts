/**
 * ONNX mappings of the convolutional family (issue 19): conv2d, conv1d, maxPool2d, avgPool2d,
 * globalAveragePool2d, flatten, reshape and batchNormalization. Registered in layers.ts's
 * LAYER_EXPORTERS next to the other kinds.
 *
 * ONNX's Conv, pools and BatchNormalization are channels-first ([N, C, ...spatial]), as zerodl's
 * default; a 'channelsLast' layer is wrapped in a Transpose to channels-first and one back.
 * Padding is always written as explicit `pads` ([begin per axis..., end per axis...]) computed
 * here from the description and the input's (fixed) spatial sizes, 'same' as the contract's
 * SAME_UPPER rule, so no runtime-specific auto_pad behaviour is relied on. Weights are PyTorch's
 * layouts, which are ONNX's: Conv's W is [F, C/groups, ...kernel] (OIHW).
 */
import { InternalError, InvalidArgumentError } from '../../errors.js';
import type { LayerConfig } from '../../layers/base.js';
import type { Tensor } from '../../tensor.js';
import { FloatAttr, type GraphBuilder, type Value } from './graph.js';
import type { LayerContext, LayerExporter } from './layers.js';
import { DataType, type Dim } from './schema.js';

/** A parameter by its local name, checked against the shape the mapping needs. */
function param(ctx: LayerContext, weights: Record<string, Tensor>, name: string, shape: readonly number[]): Float32Array {
  const t = weights[name];
  if (!t) throw new InvalidArgumentError(`${ctx.where}: has no parameter ${JSON.stringify(name)} (it has ${Object.keys(weights).join(', ') || 'none'}), so it cannot be exported`);
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new InternalError(`${ctx.where}: parameter ${name} has shape [${t.shape.join(', ')}], the ONNX mapping expects [${shape.join(', ')}]`);
  }
  return t.toFloat32Array();
}

const CONV_ACTIVATION_OPS: Record<string, string | null> = { linear: null, relu: 'Relu', sigmoid: 'Sigmoid', tanh: 'Tanh' };

/** A spatial option as one number per axis (a number stands for every axis). */
function perAxis(ctx: LayerContext, config: LayerConfig, key: string, rank: number): number[] {
  const v = config[key];
  const list = typeof v === 'number' ? Array<number>(rank).fill(v) : v;
  if (!Array.isArray(list) || list.length !== rank || !list.every((d) => Number.isInteger(d) && (d as number) >= 0)) {
    throw new InvalidArgumentError(`${ctx.where}: option ${key} is ${JSON.stringify(v)}, expected ${rank === 1 ? 'a number' : `${rank} numbers`}`);
  }
  return list as number[];
}

/** The padding option: 'valid', 'same', or explicit symmetric padding per axis. */
function paddingOf(ctx: LayerContext, config: LayerConfig, rank: number): 'valid' | 'same' | number[] {
  const p = config.padding;
  if (p === 'valid' || p === 'same') return p;
  return perAxis(ctx, config, 'padding', rank);
}

interface Window {
  kernel: number[];
  strides: number[];
  dilation: number[];
  padding: 'valid' | 'same' | number[];
}

/**
 * ONNX `pads` ([begins..., ends...]) and the output sizes of a window sliding over `sizes`:
 * out = (in + before + after - dilation*(k-1) - 1) / stride + 1 per axis; 'same' gives
 * out = ceil(in / stride) with the total padding split floor(total/2) before, the rest after.
 */
export function windowPads(where: string, sizes: readonly number[], w: Window): { pads: number[]; out: number[] } {
  const before: number[] = [];
  const after: number[] = [];
  const out: number[] = [];
  sizes.forEach((size, i) => {
    const [k, s, d] = [w.kernel[i] as number, w.strides[i] as number, w.dilation[i] as number];
    const span = d * (k - 1) + 1;
    let [b, a] = [0, 0];
    if (w.padding === 'same') {
      const o = Math.ceil(size / s);
      const total = Math.max((o - 1) * s + span - size, 0);
      b = Math.floor(total / 2);
      a = total - b;
    } else if (w.padding !== 'valid') {
      b = a = w.padding[i] as number;
    }
    const o = Math.floor((size + b + a - span) / s) + 1;
    if (!(o >= 1)) throw new InvalidArgumentError(`${where}: a window of ${span} (kernel ${k}, dilation ${d}) does not fit an input of ${size} padded by ${b} + ${a}`);
    before.push(b);
    after.push(a);
    out.push(o);
  });
  return { pads: [...before, ...after], out };
}

/** The sizes after the batch, which these layers need fixed. */
function fixedSample(ctx: LayerContext, x: Value, rank: number, what: string): number[] {
  const sample = x.shape.slice(1);
  if (sample.length !== rank) throw new InvalidArgumentError(`${ctx.where}: expects ${what} (rank ${rank + 1} with the batch), got values of rank ${x.shape.length}`);
  if (!sample.every((d): d is number => typeof d === 'number')) {
    throw new InvalidArgumentError(`${ctx.where}: needs fixed sizes, got [${x.shape.join(', ')}]`);
  }
  return sample;
}

const channelsLast = (config: LayerConfig): boolean => config.dataFormat === 'channelsLast';

/** [N, ...spatial, C] -> [N, C, ...spatial]. */
function toChannelsFirst(graph: GraphBuilder, x: Value, name: string): Value {
  const r = x.shape.length;
  const perm = [0, r - 1, ...Array.from({ length: r - 2 }, (_, i) => i + 1)];
  return { name: graph.op('Transpose', [x.name], `${name}/channels_first`, { perm }, `${name}/Transpose_in`), shape: perm.map((p) => x.shape[p] as Dim) };
}

/** [N, C, ...spatial] -> [N, ...spatial, C]. */
function toChannelsLast(graph: GraphBuilder, x: Value, name: string): Value {
  const r = x.shape.length;
  const perm = [0, ...Array.from({ length: r - 2 }, (_, i) => i + 2), 1];
  return { name: graph.op('Transpose', [x.name], `${name}/channels_last`, { perm }, `${name}/Transpose_out`), shape: perm.map((p) => x.shape[p] as Dim) };
}

/** Runs `body` on channels-first values, transposing in and out for a 'channelsLast' layer. */
function inChannelsFirst(ctx: LayerContext, x: Value, config: LayerConfig, body: (x: Value) => Value): Value {
  const name = config.name as string;
  if (!channelsLast(config) || x.shape.length <= 2) return body(x);
  return toChannelsLast(ctx.graph, body(toChannelsFirst(ctx.graph, x, name)), name);
}

/** conv2d (rank 2) and conv1d (rank 1): Conv, then the activation. */
function conv(rank: 1 | 2): LayerExporter {
  return (ctx, x, config, weights) => {
    const { graph } = ctx;
    const name = config.name as string;
    const activation = config.activation as string;
    if (!Object.hasOwn(CONV_ACTIVATION_OPS, activation)) throw new InvalidArgumentError(`${ctx.where}: activation ${JSON.stringify(activation)} has no ONNX mapping here`);
    const sample = fixedSample(ctx, x, rank + 1, rank === 2 ? 'images' : 'sequences');
    const cl = channelsLast(config);
    const channels = (cl ? sample[rank] : sample[0]) as number;
    const sizes = cl ? sample.slice(0, rank) : sample.slice(1);
    const filters = config.filters as number;
    const groups = config.groups as number;
    const w: Window = {
      kernel: perAxis(ctx, config, 'kernelSize', rank),
      strides: perAxis(ctx, config, 'strides', rank),
      dilation: perAxis(ctx, config, 'dilation', rank),
      padding: paddingOf(ctx, config, rank),
    };
    if (!Number.isInteger(groups) || groups < 1 || channels % groups !== 0 || filters % groups !== 0) {
      throw new InvalidArgumentError(`${ctx.where}: groups ${groups} must divide the ${channels} input channels and the ${filters} filters`);
    }
    const { pads, out } = windowPads(ctx.where, sizes, w);
    const wShape = [filters, channels / groups, ...w.kernel];
    const W = graph.initializer(`${name}.weight`, DataType.FLOAT, wShape, param(ctx, weights, 'weight', wShape));
    const B = config.useBias ? graph.initializer(`${name}.bias`, DataType.FLOAT, [filters], param(ctx, weights, 'bias', [filters])) : '';
    return inChannelsFirst(ctx, x, config, (xf) => {
      const attrs = { kernel_shape: w.kernel, strides: w.strides, dilations: w.dilation, group: groups, pads };
      let y = graph.op('Conv', [xf.name, W, B], `${name}/conv`, attrs, `${name}/Conv`);
      const op = CONV_ACTIVATION_OPS[activation];
      if (op) y = graph.op(op, [y], `${name}/${activation}`, {}, `${name}/${op}`);
      return { name: y, shape: [xf.shape[0] as Dim, filters, ...out] };
    });
  };
}

/** maxPool2d (MaxPool: padding never wins) and avgPool2d (AveragePool counting padded zeros). */
function pool(opType: 'MaxPool' | 'AveragePool'): LayerExporter {
  return (ctx, x, config) => {
    const name = config.name as string;
    const sample = fixedSample(ctx, x, 3, 'images');
    const sizes = channelsLast(config) ? sample.slice(0, 2) : sample.slice(1);
    const kernel = perAxis(ctx, config, 'poolSize', 2);
    const w: Window = { kernel, strides: perAxis(ctx, config, 'strides', 2), dilation: [1, 1], padding: paddingOf(ctx, config, 2) };
    const { pads, out } = windowPads(ctx.where, sizes, w);
    return inChannelsFirst(ctx, x, config, (xf) => {
      const attrs: Record<string, number | number[]> = { kernel_shape: kernel, strides: w.strides, pads };
      if (opType === 'AveragePool') attrs.count_include_pad = 1;
      const y = ctx.graph.op(opType, [xf.name], `${name}/pool`, attrs, `${name}/${opType}`);
      return { name: y, shape: [xf.shape[0] as Dim, xf.shape[1] as Dim, ...out] };
    });
  };
}

/** The mean over H and W: GlobalAveragePool ([N, C, 1, 1]), then Flatten to [N, C]. */
function globalAveragePool2d(ctx: LayerContext, x: Value, config: LayerConfig): Value {
  const { graph } = ctx;
  const name = config.name as string;
  fixedSample(ctx, x, 3, 'images');
  const xf = channelsLast(config) ? toChannelsFirst(graph, x, name) : x;
  const pooled = graph.op('GlobalAveragePool', [xf.name], `${name}/pool`, {}, `${name}/GlobalAveragePool`);
  const y = graph.op('Flatten', [pooled], `${name}/flat`, { axis: 1 }, `${name}/Flatten`);
  return { name: y, shape: [x.shape[0] as Dim, xf.shape[1] as Dim] };
}

/** Product of the sizes, or a named free dim when one is free. */
function product(sizes: readonly Dim[], name: string): Dim {
  return sizes.every((d): d is number => typeof d === 'number') ? sizes.reduce((a, b) => a * b, 1) : `${name}_features`;
}

/** Each sample to one row, in its own order (HWC for channelsLast activations, as zerodl does). */
function flatten(ctx: LayerContext, x: Value, config: LayerConfig): Value {
  const name = config.name as string;
  const y = ctx.graph.op('Flatten', [x.name], `${name}/flat`, { axis: 1 }, `${name}/Flatten`);
  return { name: y, shape: [x.shape[0] as Dim, product(x.shape.slice(1), name)] };
}

/**
 * Reshape to [batch, ...targetShape]: the batch kept (0 copies the input's size), an inferred -1
 * written as its size when the input's sizes are fixed.
 */
function reshape(ctx: LayerContext, x: Value, config: LayerConfig): Value {
  const name = config.name as string;
  const target = config.targetShape;
  if (!Array.isArray(target) || !target.every((d) => Number.isInteger(d) && (d === -1 || (d as number) >= 1)) || target.filter((d) => d === -1).length > 1) {
    throw new InvalidArgumentError(`${ctx.where}: targetShape ${JSON.stringify(target)} is not sizes >= 1 with at most one -1`);
  }
  const sizes = target as number[];
  const total = product(x.shape.slice(1), name);
  let shape: Dim[] = sizes;
  if (typeof total === 'number') {
    const known = sizes.reduce((a, d) => (d === -1 ? a : a * d), 1);
    const resolved = sizes.map((d) => (d === -1 ? total / known : d));
    if (!resolved.every((d) => Number.isInteger(d)) || resolved.reduce((a, b) => a * b, 1) !== total) {
      throw new InvalidArgumentError(`${ctx.where}: cannot reshape [${x.shape.slice(1).join(', ')}] (${total} values) to [${sizes.join(', ')}]`);
    }
    shape = resolved;
  } else if (sizes.includes(-1)) {
    shape = sizes.map((d) => (d === -1 ? `${name}_inferred` : d));
  }
  const onnxShape = [0, ...(typeof total === 'number' ? (shape as number[]) : sizes)];
  const y = ctx.graph.op('Reshape', [x.name, ctx.graph.int64s(onnxShape)], `${name}/reshaped`, {}, `${name}/Reshape`);
  return { name: y, shape: [x.shape[0] as Dim, ...shape] };
}

/**
 * BatchNormalization in inference mode (the running statistics): on [N, C] and [N, C, ...]
 * values; channelsLast samples ([..., C]) transposed to channels-first and back.
 */
function batchNormalization(ctx: LayerContext, x: Value, config: LayerConfig, weights: Record<string, Tensor>): Value {
  const { graph } = ctx;
  const name = config.name as string;
  if (x.shape.length < 2) throw new InvalidArgumentError(`${ctx.where}: expects values of rank 2 or more with the batch, got rank ${x.shape.length}`);
  const channelAxis = channelsLast(config) ? x.shape.length - 1 : 1;
  const channels = x.shape[channelAxis];
  if (typeof channels !== 'number') throw new InvalidArgumentError(`${ctx.where}: needs a fixed number of channels, got [${x.shape.join(', ')}]`);
  const epsilon = config.epsilon as number;
  if (typeof epsilon !== 'number' || !(epsilon >= 0)) throw new InvalidArgumentError(`${ctx.where}: epsilon ${JSON.stringify(epsilon)} is not a number >= 0`);
  const affine = config.affine as boolean;
  const c = [channels];
  const scale = affine ? param(ctx, weights, 'weight', c) : new Float32Array(channels).fill(1);
  const bias = affine ? param(ctx, weights, 'bias', c) : new Float32Array(channels);
  const inputs = [
    graph.initializer(`${name}.weight`, DataType.FLOAT, c, scale),
    graph.initializer(`${name}.bias`, DataType.FLOAT, c, bias),
    graph.initializer(`${name}.running_mean`, DataType.FLOAT, c, param(ctx, weights, 'running_mean', c)),
    graph.initializer(`${name}.running_var`, DataType.FLOAT, c, param(ctx, weights, 'running_var', c)),
  ];
  return inChannelsFirst(ctx, x, config, (xf) => {
    const y = graph.op('BatchNormalization', [xf.name, ...inputs], `${name}/normalized`, { epsilon: new FloatAttr(epsilon) }, `${name}/BatchNormalization`);
    return { name: y, shape: xf.shape };
  });
}

const WINDOW_OPTIONS = ['poolSize', 'strides', 'padding', 'dataFormat'] as const;
const CONV_OPTIONS = ['filters', 'kernelSize', 'strides', 'padding', 'dilation', 'groups', 'useBias', 'activation', 'kernelInitializer', 'biasInitializer', 'dataFormat'] as const;

/** The convolutional family's entries of LAYER_EXPORTERS. */
export const CONV_LAYER_EXPORTERS: Record<string, { options: readonly string[]; exporter: LayerExporter }> = {
  conv2d: { options: CONV_OPTIONS, exporter: conv(2) },
  conv1d: { options: CONV_OPTIONS, exporter: conv(1) },
  maxPool2d: { options: WINDOW_OPTIONS, exporter: pool('MaxPool') },
  avgPool2d: { options: WINDOW_OPTIONS, exporter: pool('AveragePool') },
  globalAveragePool2d: { options: ['dataFormat'], exporter: globalAveragePool2d },
  flatten: { options: [], exporter: flatten },
  reshape: { options: ['targetShape'], exporter: reshape },
  batchNormalization: { options: ['momentum', 'epsilon', 'affine', 'dataFormat'], exporter: batchNormalization },
};
