/** Held-out splits for evaluation: shuffled, and the same for the same seed on every machine. */
import { InvalidArgumentError } from '../errors.js';
import { describe } from '../util/describe.js';
import { mulberry32, range, shuffleInPlace } from '../util/shuffle.js';

export interface TrainTestIndices {
  /** Row indices for training, in shuffled order. */
  train: Uint32Array;
  /** Row indices held out for testing, in shuffled order. */
  test: Uint32Array;
}

/**
 * Shuffles the row indices 0..n-1 with a seeded PRNG (mulberry32) and holds out
 * `ceil(n * testFraction)` of them for testing, as sklearn's `train_test_split` counts.
 */
export function trainTestSplit(n: number, testFraction: number, seed: number): TrainTestIndices {
  if (!Number.isInteger(n) || n < 2) throw new InvalidArgumentError(`trainTestSplit() expects n to be an integer >= 2, got ${describe(n)}`);
  if (typeof testFraction !== 'number' || !(testFraction > 0 && testFraction < 1)) {
    throw new InvalidArgumentError(`trainTestSplit() expects testFraction in (0, 1), got ${describe(testFraction)}`);
  }
  if (!Number.isSafeInteger(seed)) throw new InvalidArgumentError(`trainTestSplit() expects an integer seed, got ${describe(seed)}`);
  const nTest = Math.ceil(n * testFraction);
  if (nTest >= n) throw new InvalidArgumentError(`trainTestSplit(): testFraction ${testFraction} of ${n} rows leaves none for training`);
  const order = shuffleInPlace(range(0, n), mulberry32(seed));
  return { test: order.slice(0, nTest), train: order.slice(nTest) };
}

/** Copies the rows `indices` of a row-major array whose rows hold `rowLength` values. */
export function takeRows<T extends Float32Array | Int32Array>(data: T, rowLength: number, indices: ArrayLike<number>): T {
  if (!(data instanceof Float32Array || data instanceof Int32Array)) throw new InvalidArgumentError(`takeRows() expects data to be a Float32Array or Int32Array (as the loaders return), got ${describe(data)}`);
  if (indices === null || typeof indices !== 'object' || typeof indices.length !== 'number') throw new InvalidArgumentError(`takeRows() expects indices to be an array of row numbers, got ${describe(indices)}`);
  if (!Number.isInteger(rowLength) || rowLength < 1 || data.length % rowLength !== 0) {
    throw new InvalidArgumentError(`takeRows() expects rowLength to be a positive integer dividing the data length ${data.length}, got ${describe(rowLength)}`);
  }
  const rows = data.length / rowLength;
  const out = new (data.constructor as new (length: number) => T)(indices.length * rowLength);
  for (let i = 0; i < indices.length; i++) {
    const r = indices[i] as number;
    if (!Number.isInteger(r) || r < 0 || r >= rows) throw new InvalidArgumentError(`takeRows(): index ${describe(r)} at position ${i} is not a row number in 0..${rows - 1}`);
    out.set(data.subarray(r * rowLength, (r + 1) * rowLength), i * rowLength);
  }
  return out;
}
