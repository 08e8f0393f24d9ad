/**
 * Convolutional layers (seed chapter 4): conv2d and conv1d, max / average / global average
 * pooling, batch normalization, and the shape layers between them (flatten, reshape).
 *
 * Inputs are channels first, as in PyTorch and ONNX: one sample is `[channels, height, width]`
 * (`[channels, length]` for conv1d). `dataFormat: 'channelsLast'` reads `[height, width,
 * channels]` instead (Keras's and tfjs's layout). Weights have PyTorch's layouts and names:
 * `weight` (filters, channels / groups, kh, kw) and `bias` for convolutions; `weight`, `bias`,
 * `running_mean`, `running_var`, `num_batches_tracked` for batch normalization.
 */
import { Layer, readLayerArgs, registerLayerKind, type BaseLayerArgs } from './base.js';
import type { InitializerName } from './core.js';

/** A size for both spatial axes, or `[height, width]`. */
export type Size2d = number | [number, number];

/**
 * Zero padding: `'valid'` (none), `'same'` (output size ceil(input / stride); any extra row or
 * column goes after, as TensorFlow and ONNX's SAME_UPPER), or explicit sizes added before and
 * after on each axis.
 */
export type Padding2d = 'valid' | 'same' | Size2d;

/** Where a sample's channels are: first (`[C, H, W]`, the default) or last (`[H, W, C]`). */
export type DataFormat = 'channelsFirst' | 'channelsLast';

/** Activations a convolution can fuse (softmax belongs to a dense output layer). */
export type ConvActivationName = 'linear' | 'relu' | 'sigmoid' | 'tanh';

interface ConvCommonArgs extends BaseLayerArgs {
  /** Output channels, an integer >= 1. Required. */
  filters: number;
  /** Channel groups: each group of `channels / groups` inputs makes `filters / groups` outputs (depthwise: groups = input channels). Default 1. */
  groups?: number;
  /** Add a bias per filter. Default true. */
  useBias?: boolean;
  /** Applied to the output, fused into the convolution. Default 'linear'. */
  activation?: ConvActivationName;
  /** Default 'glorotUniform' ('heNormal' suits relu). */
  kernelInitializer?: InitializerName;
  /** Default 'zeros'. */
  biasInitializer?: InitializerName;
  /** Default 'channelsFirst'. */
  dataFormat?: DataFormat;
}

export interface Conv2dLayerArgs extends ConvCommonArgs {
  /** Kernel size: a number or [height, width]. Required. */
  kernelSize: Size2d;
  /** Default 1. */
  strides?: Size2d;
  /** Default 'valid'. */
  padding?: Padding2d;
  /** Spacing between kernel taps. Default 1. */
  dilation?: Size2d;
}

export interface Conv1dLayerArgs extends ConvCommonArgs {
  /** Kernel length. Required. */
  kernelSize: number;
  /** Default 1. */
  strides?: number;
  /** Default 'valid'. */
  padding?: 'valid' | 'same' | number;
  /** Default 1. */
  dilation?: number;
}

export interface Pool2dLayerArgs extends BaseLayerArgs {
  /** Window size: a number or [height, width]. Default 2. */
  poolSize?: Size2d;
  /** Default: the pool size (windows side by side). */
  strides?: Size2d;
  /** Default 'valid'. Explicit padding is at most half the pool size. */
  padding?: Padding2d;
  /** Default 'channelsFirst'. */
  dataFormat?: DataFormat;
}

export interface GlobalPoolLayerArgs extends BaseLayerArgs {
  /** Default 'channelsFirst'. */
  dataFormat?: DataFormat;
}

export interface ReshapeLayerArgs extends BaseLayerArgs {
  /** One sample's new shape (the batch left out); one size may be -1 (inferred). Required. */
  targetShape: number[];
}

export interface BatchNormalizationLayerArgs extends BaseLayerArgs {
  /** PyTorch's convention: running = (1 - momentum) * running + momentum * batch. Default 0.1 (Keras's momentum 0.99 is 0.01 here). */
  momentum?: number;
  /** Added to the variance. Default 1e-5. */
  epsilon?: number;
  /** Learn a scale (`weight`) and shift (`bias`) per channel. Default true. */
  affine?: boolean;
  /** Channel axis: a sample's first (default) or last. */
  dataFormat?: DataFormat;
}

/**
 * A 2-D convolution (cross-correlation, as PyTorch's nn.Conv2d): `[C, H, W]` to
 * `[filters, H', W']` with H' = (H + padding - dilation * (kh - 1) - 1) / stride + 1, which must
 * be a whole number (the model build says so when it is not, rather than dropping rows).
 */
export class Conv2d extends Layer {
  constructor(args: Conv2dLayerArgs) {
    super(readLayerArgs('conv2d', args));
  }

  get filters(): number {
    return this.option('filters');
  }

  get kernelSize(): [number, number] {
    return this.option('kernelSize');
  }

  get strides(): [number, number] {
    return this.option('strides');
  }

  get padding(): 'valid' | 'same' | [number, number] {
    return this.option('padding');
  }

  get dilation(): [number, number] {
    return this.option('dilation');
  }

  get groups(): number {
    return this.option('groups');
  }

  get activation(): ConvActivationName {
    return this.option('activation');
  }

  get dataFormat(): DataFormat {
    return this.option('dataFormat');
  }
}

/** A 1-D convolution over sequences (PyTorch's nn.Conv1d): `[C, L]` to `[filters, L']`. */
export class Conv1d extends Layer {
  constructor(args: Conv1dLayerArgs) {
    super(readLayerArgs('conv1d', args));
  }

  get filters(): number {
    return this.option('filters');
  }

  get kernelSize(): number {
    return this.option('kernelSize');
  }
}

/** Max or average pooling over 2-D windows. */
export class Pool2d extends Layer {
  constructor(kind: 'maxPool2d' | 'avgPool2d', args: Pool2dLayerArgs) {
    super(readLayerArgs(kind, args));
  }

  get poolSize(): [number, number] {
    return this.option('poolSize');
  }

  get strides(): [number, number] {
    return this.option('strides');
  }
}

/** Each channel's mean over all positions: `[C, H, W]` to `[C]`. */
export class GlobalAveragePool2d extends Layer {
  constructor(args: GlobalPoolLayerArgs) {
    super(readLayerArgs('globalAveragePool2d', args));
  }
}

/** One sample to one axis (`[C, H, W]` to `[C * H * W]`), as PyTorch's nn.Flatten. */
export class Flatten extends Layer {
  constructor(args: BaseLayerArgs) {
    super(readLayerArgs('flatten', args));
  }
}

/** One sample to a new shape with the same number of values (e.g. `[784]` to `[1, 28, 28]`). */
export class Reshape extends Layer {
  constructor(args: ReshapeLayerArgs) {
    super(readLayerArgs('reshape', args));
  }

  get targetShape(): number[] {
    return this.option('targetShape');
  }
}

/** Batch normalization (PyTorch's nn.BatchNorm1d / nn.BatchNorm2d): batch statistics while training, running statistics in predict and evaluate. */
export class BatchNormalization extends Layer {
  constructor(args: BatchNormalizationLayerArgs = {}) {
    super(readLayerArgs('batchNormalization', args));
  }

  get momentum(): number {
    return this.option('momentum');
  }

  get epsilon(): number {
    return this.option('epsilon');
  }
}

/** A 2-D convolution. */
export function conv2d(args: Conv2dLayerArgs): Conv2d {
  return new Conv2d(args);
}

/** A 1-D convolution. */
export function conv1d(args: Conv1dLayerArgs): Conv1d {
  return new Conv1d(args);
}

/** Max pooling (the gradient goes to each window's first maximum). */
export function maxPool2d(args: Pool2dLayerArgs = {}): Pool2d {
  return new Pool2d('maxPool2d', args);
}

/** Average pooling (padded zeros count in the divisor, as PyTorch's default). */
export function avgPool2d(args: Pool2dLayerArgs = {}): Pool2d {
  return new Pool2d('avgPool2d', args);
}

/** Global average pooling. */
export function globalAveragePool2d(args: GlobalPoolLayerArgs = {}): GlobalAveragePool2d {
  return new GlobalAveragePool2d(args);
}

/** Flattens each sample. */
export function flatten(args: BaseLayerArgs = {}): Flatten {
  return new Flatten(args);
}

/** Reshapes each sample. */
export function reshape(args: ReshapeLayerArgs): Reshape {
  return new Reshape(args);
}

/** Batch normalization. */
export function batchNormalization(args: BatchNormalizationLayerArgs = {}): BatchNormalization {
  return new BatchNormalization(args);
}

registerLayerKind('conv2d', conv2d);
registerLayerKind('conv1d', conv1d);
registerLayerKind('maxPool2d', maxPool2d);
registerLayerKind('avgPool2d', avgPool2d);
registerLayerKind('globalAveragePool2d', globalAveragePool2d);
registerLayerKind('flatten', flatten);
registerLayerKind('reshape', reshape);
registerLayerKind('batchNormalization', batchNormalization);
