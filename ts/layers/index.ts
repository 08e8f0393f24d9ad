/**
 * Layer factories (`layers.dense(...)`, `layers.lstm(...)`...), in the Keras / tfjs style, one
 * file per layer family. A layer is a description until a model is built from it; after that,
 * `getWeights()` / `setWeights()` read and write the model's native parameters under PyTorch's
 * names and layouts (`weight` (out, in) and `bias` for dense; see recurrent.ts for the recurrent
 * ones).
 *
 * Shapes: `inputShape` leaves the batch out; `null` marks a free size, e.g. `[null, 65]` for
 * sequences of any length.
 */
export { Layer } from './base.js';
export type { BaseLayerArgs, InputShape, LayerConfig } from './base.js';
export { Dense, Dropout, dense, dropout } from './core.js';
export type { ActivationName, DenseLayerArgs, DropoutLayerArgs, InitializerName } from './core.js';
export { BatchNormalization, Conv1d, Conv2d, Flatten, GlobalAveragePool2d, Pool2d, Reshape, avgPool2d, batchNormalization, conv1d, conv2d, flatten, globalAveragePool2d, maxPool2d, reshape } from './conv.js';
export type { BatchNormalizationLayerArgs, Conv1dLayerArgs, Conv2dLayerArgs, ConvActivationName, DataFormat, GlobalPoolLayerArgs, Padding2d, Pool2dLayerArgs, ReshapeLayerArgs, Size2d } from './conv.js';
export { Embedding, embedding } from './embedding.js';
export type { EmbeddingLayerArgs } from './embedding.js';
export { Recurrent, bidirectional, gru, lstm, simpleRNN } from './recurrent.js';
export type { LstmLayerArgs, RecurrentKind, RecurrentLayerArgs, RecurrentState, SimpleRnnLayerArgs } from './recurrent.js';
