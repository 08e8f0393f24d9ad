/**
 * Sequence lengths for padded batches: the option every model call takes, and its checked
 * conversion to the native tensor the Rust side reads.
 */
import { InvalidArgumentError, ShapeMismatchError } from '../errors.js';
import { Tensor, tensor } from '../tensor.js';
import { describe } from '../util/describe.js';

/** Valid steps of each sequence in a padded batch, one per sample. */
export type SequenceLengths = ArrayLike<number>;

export interface SequenceArgs {
  /**
   * Valid steps of each sequence when a batch is padded to one length (axis 1 of x): padded
   * steps neither change a recurrent layer's state nor count in the loss, and per-step outputs
   * there are zero. Default: every sequence is full length.
   */
  lengths?: SequenceLengths;
}

/** Lengths as a native-ready tensor, after checking there is one per sample. */
export function lengthsTensor(lengths: SequenceLengths | undefined, samples: number, what: string): Tensor | undefined {
  if (lengths === undefined) return undefined;
  if (lengths === null || typeof lengths !== 'object' || typeof lengths.length !== 'number' || lengths instanceof Tensor) {
    throw new InvalidArgumentError(`${what} expects lengths to be an array of numbers, one per sequence, got ${describe(lengths)}`);
  }
  if (lengths.length !== samples) throw new ShapeMismatchError(`${what}: lengths has ${lengths.length} entries but x has ${samples} sequences`);
  const values = new Float32Array(lengths.length);
  for (let i = 0; i < lengths.length; i++) {
    const v: unknown = lengths[i];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) throw new InvalidArgumentError(`${what} expects lengths to be whole numbers >= 1, got ${v === undefined && !(i in lengths) ? 'a hole' : describe(v)} at index ${i}`);
    values[i] = v;
  }
  return tensor(values, [lengths.length]);
}
