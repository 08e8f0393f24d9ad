/**
 * Embeddings: integer ids to learned vectors (the first layer of a character or word model).
 */
import { Layer, readLayerArgs, registerLayerKind, type BaseLayerArgs } from './base.js';

export interface EmbeddingLayerArgs extends BaseLayerArgs {
  /** Vocabulary size: ids are integers in [0, inputDim). Required. */
  inputDim: number;
  /** Size of each id's vector. Required. */
  outputDim: number;
}

/**
 * Maps integer ids ([batch, T], given as numbers) to learned vectors ([batch, T, outputDim]);
 * PyTorch's nn.Embedding (`weight` (inputDim, outputDim), initialised N(0, 1)). Its `inputShape`
 * is one sample's ids, e.g. `[timesteps]` or `[null]`.
 */
export class Embedding extends Layer {
  constructor(args: EmbeddingLayerArgs) {
    super(readLayerArgs('embedding', args));
  }

  get inputDim(): number {
    return this.option('inputDim');
  }

  get outputDim(): number {
    return this.option('outputDim');
  }
}

/** An embedding table (integer ids to vectors). */
export function embedding(args: EmbeddingLayerArgs): Embedding {
  return new Embedding(args);
}

registerLayerKind('embedding', embedding);
