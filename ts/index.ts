/**
 * zerodl: deep learning for Node.js on a Rust core.
 *
 * @example
 * import { tensor, matmul } from 'zerodl';
 * const a = tensor([[1, 2], [3, 4]]);
 * matmul(a, a).toArray(); // [[7, 10], [15, 22]]
 */
export * from './errors.js';
export * from './ops.js';
export { full, ones, randn, tensor, Tensor, uniform, zeros } from './tensor.js';
export type { NestedArray, RandnOptions, RandomOptions, TensorLike } from './tensor.js';
export { backendInfo } from './info.js';
export { getMaxTensorBytes, setMaxTensorBytes } from './memory.js';
export * as layers from './layers/index.js';
export * as optimizers from './optimizers.js';
export type { AdamArgs, OptimizerConfig, OptimizerName, SgdArgs } from './optimizers.js';
export type { LossName } from './losses.js';
export { Sequential } from './models/sequential.js';
export type { ActivationName, BaseLayerArgs, BatchNormalizationLayerArgs, Conv1dLayerArgs, Conv2dLayerArgs, ConvActivationName, DataFormat, DenseLayerArgs, GlobalPoolLayerArgs, Padding2d, Pool2dLayerArgs, ReshapeLayerArgs, Size2d, DropoutLayerArgs, EmbeddingLayerArgs, InitializerName, InputShape, LayerConfig, LstmLayerArgs, RecurrentKind, RecurrentLayerArgs, RecurrentState, SimpleRnnLayerArgs } from './layers/index.js';
export type { EvaluateArgs, ModelCompileArgs, SequentialArgs, SequentialConfig, TrainingConfig } from './models/sequential.js';
export type { SequenceArgs, SequenceLengths } from './training/sequence-lengths.js';
export type { OnnxExportOptions } from './interchange/onnx/export.js';
export type { BatchingOptions } from './serving/batcher.js';
export type { ModelFitArgs } from './training/fit.js';
export { gradientCheck } from './gradient-check.js';
export { LinearUnit, Perceptron } from './models/perceptron.js';
export { loadModel } from './io/load-model.js';
export type { LoadedModel } from './io/load-model.js';
export type { SaveArgs } from './io/source.js';
export type { LinearUnitTrainOptions, PerceptronEpoch, PerceptronInputs, PerceptronTrainOptions, UnitConfig } from './models/perceptron.js';
export * as callbacks from './training/callbacks.js';
export type { GradientCheckArgs, GradientCheckEntry, GradientCheckResult } from './gradient-check.js';
export type { BackendInfo } from './info.js';
