/** Loss names for `model.compile({ loss })`; each is computed natively, mean over the batch. */

/**
 * - `meanSquaredError`: mean of (y - t)^2 over every output.
 * - `categoricalCrossentropy`: softmax cross-entropy against one-hot (or probability) targets.
 * - `sparseCategoricalCrossentropy`: the same against integer class labels.
 * - `binaryCrossentropy`: sigmoid cross-entropy against targets in [0, 1].
 *
 * Cross-entropies are fused with the last layer's softmax / sigmoid and computed from its logits,
 * so they stay finite; a last layer with `activation: 'linear'` is taken as producing logits.
 */
export type LossName = 'meanSquaredError' | 'categoricalCrossentropy' | 'sparseCategoricalCrossentropy' | 'binaryCrossentropy';
