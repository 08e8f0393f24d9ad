// Small grayscale figures for the examples: 2-D float arrays (filters, feature maps, images)
// normalized to 0-255, enlarged by nearest neighbour, tiled in rows with gaps, and written as
// 8-bit grayscale PNGs with pngjs (a dev dependency, like the MNIST data: zerodl itself needs no
// image library).
//
//   import { planes, tileGray, stackGray, writePng } from './lib/png-grid.mjs';
//   const { shape, values } = model.getWeightValues()['0.weight']; // [6, 1, 5, 5]
//   writePng('filters.png', tileGray(planes(values, shape), { scale: 8 }));
//
// A 2-D array is either nested rows (`number[][]`, what `tensor.toArray()` gives for a matrix)
// or `{ shape: [height, width], values }` with the values row-major (`planes()` makes those).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import pngjs from 'pngjs';

const { PNG } = pngjs;

/** A grayscale image: `pixels[y * width + x]`, 0 (black) to 255 (white). */
function grayImage(width, height, background = 0) {
  return { width, height, pixels: new Uint8Array(width * height).fill(background) };
}

/** `{ height, width, at(y, x) }` for either form of 2-D array; throws on anything else. */
function view2d(a, where) {
  if (Array.isArray(a)) {
    const height = a.length;
    const width = Array.isArray(a[0]) ? a[0].length : 0;
    if (height === 0 || width === 0 || !a.every((row) => Array.isArray(row) && row.length === width)) {
      throw new TypeError(`${where}: expected a non-empty rectangular number[][]`);
    }
    return { height, width, at: (y, x) => a[y][x] };
  }
  if (a && Array.isArray(a.shape) && a.shape.length === 2 && a.values && a.values.length === a.shape[0] * a.shape[1] && a.values.length > 0) {
    const [height, width] = a.shape;
    return { height, width, at: (y, x) => a.values[y * width + x] };
  }
  throw new TypeError(`${where}: expected number[][] or { shape: [height, width], values }`);
}

/**
 * The last two axes of a row-major array of shape `[..., height, width]` as a list of 2-D
 * arrays (`{ shape: [height, width], values }`, views, not copies): a conv weight
 * [filters, channels, kh, kw] gives filters * channels planes, a batch of feature maps
 * [1, channels, h, w] gives one plane per channel.
 */
export function planes(values, shape) {
  if (!Array.isArray(shape) || shape.length < 2) throw new TypeError(`planes(): expected a shape of rank >= 2, got ${JSON.stringify(shape)}`);
  const [height, width] = shape.slice(-2);
  const size = height * width;
  const count = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  if (values.length !== count * size) throw new TypeError(`planes(): ${values.length} values do not fill shape [${shape.join(', ')}]`);
  return Array.from({ length: count }, (_, i) => ({ shape: [height, width], values: values.subarray(i * size, (i + 1) * size) }));
}

/**
 * Lays 2-D float arrays out in a grid: each normalized to 0-255 on its own (its min black, its
 * max white; a constant array is black), enlarged `scale` times by nearest neighbour, `gap`
 * background pixels between tiles and around the grid. Arrays may differ in size: each grid cell
 * is as large as the largest tile, and tiles sit in their cell's top-left corner.
 *
 * Options: `scale` (default 1), `gap` (default 2), `columns` (default: all in one row),
 * `background` (0-255, default 64: dark gray, so black tiles stand out), `range` ([min, max]
 * shared by every tile instead of each its own, e.g. [0, 1] for images; values beyond it clip).
 * Returns `{ width, height, pixels }` for {@link stackGray}, {@link encodePng} and {@link writePng}.
 */
export function tileGray(arrays, { scale = 1, gap = 2, columns = arrays.length, background = 64, range } = {}) {
  if (!Array.isArray(arrays) || arrays.length === 0) throw new TypeError('tileGray(): expected a non-empty list of 2-D arrays');
  for (const [name, v, min] of [['scale', scale, 1], ['gap', gap, 0], ['columns', columns, 1]]) {
    if (!Number.isInteger(v) || v < min) throw new TypeError(`tileGray(): ${name} must be an integer >= ${min}, got ${v}`);
  }
  const views = arrays.map((a, i) => view2d(a, `tileGray(): arrays[${i}]`));
  const cellW = Math.max(...views.map((v) => v.width)) * scale;
  const cellH = Math.max(...views.map((v) => v.height)) * scale;
  const cols = Math.min(columns, views.length);
  const rows = Math.ceil(views.length / cols);
  const out = grayImage(cols * cellW + (cols + 1) * gap, rows * cellH + (rows + 1) * gap, background);
  views.forEach((v, i) => {
    let [lo, hi] = range ?? [Infinity, -Infinity];
    if (!range) {
      for (let y = 0; y < v.height; y++) {
        for (let x = 0; x < v.width; x++) {
          const value = v.at(y, x);
          if (value < lo) lo = value;
          if (value > hi) hi = value;
        }
      }
    }
    const span = hi - lo;
    const left = gap + (i % cols) * (cellW + gap);
    const top = gap + Math.floor(i / cols) * (cellH + gap);
    for (let y = 0; y < v.height; y++) {
      for (let x = 0; x < v.width; x++) {
        const t = span > 0 ? (v.at(y, x) - lo) / span : 0;
        const level = Math.round(255 * Math.min(1, Math.max(0, Number.isFinite(t) ? t : 0)));
        for (let dy = 0; dy < scale; dy++) {
          out.pixels.fill(level, (top + y * scale + dy) * out.width + left + x * scale, (top + y * scale + dy) * out.width + left + (x + 1) * scale);
        }
      }
    }
  });
  return out;
}

/** Gray images one above the other (left-aligned), `gap` background rows between them. */
export function stackGray(images, { gap = 0, background = 64 } = {}) {
  if (!Array.isArray(images) || images.length === 0) throw new TypeError('stackGray(): expected a non-empty list of images');
  const out = grayImage(
    Math.max(...images.map((im) => im.width)),
    images.reduce((h, im) => h + im.height, 0) + gap * (images.length - 1),
    background,
  );
  let top = 0;
  for (const im of images) {
    for (let y = 0; y < im.height; y++) out.pixels.set(im.pixels.subarray(y * im.width, (y + 1) * im.width), (top + y) * out.width);
    top += im.height + gap;
  }
  return out;
}

/** A gray image as the bytes of an 8-bit grayscale PNG. */
export function encodePng({ width, height, pixels }) {
  return PNG.sync.write({ width, height, data: Buffer.from(pixels.buffer, pixels.byteOffset, pixels.byteLength) }, { colorType: 0, inputColorType: 0, inputHasAlpha: false });
}

/** Writes a gray image as a PNG file (creating its folder); returns the path. */
export function writePng(path, image) {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, encodePng(image));
  return path;
}

/** The whole job in one call: tiles 2-D float arrays (options of {@link tileGray}) into a PNG file. */
export function writeTiledPng(path, arrays, options = {}) {
  return writePng(path, tileGray(arrays, options));
}
