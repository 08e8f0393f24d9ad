/**
 * scikit-learn's diabetes regression set (Efron et al. 2004): 442 patients, 10 baseline
 * variables, and a measure of disease progression one year later. The two gzipped files in
 * data/diabetes/ are byte-identical to scikit-learn's; see data/diabetes/README.md.
 */
import { describe } from '../util/describe.js';
import { join } from 'node:path';
import { DatasetError, InvalidArgumentError } from '../errors.js';
import { checkOptions } from '../util/options.js';
import { readVerifiedGzip } from './verified.js';

export interface DiabetesOptions {
  /**
   * Centre each feature and divide it by its standard deviation times sqrt(442), so each
   * column's sum of squares is 1, as sklearn's `load_diabetes()` does by default; false gives the
   * raw values (age in years, sex 1/2, bmi, ...). Default true.
   */
  scaled?: boolean;
  /** Folder holding the two files. Default: `data/diabetes` in the zerodl package. */
  dir?: string;
}

export interface Diabetes {
  /** 442 rows of 10 features, row-major. */
  features: Float32Array;
  /** Disease progression one year after baseline (25 to 346). */
  target: Float32Array;
  featureNames: string[];
  count: number;
}

/** SHA-256 of the files as stored (gzipped), checked on every load. */
export const DIABETES_FILES = {
  features: { name: 'diabetes_data_raw.csv.gz', sha256: 'fc08fc59c1cbfe65550d9ebb36321d505de9e8f004bf92c1566d2908962f08ff' },
  target: { name: 'diabetes_target.csv.gz', sha256: 'bf1ddd1f9d377278450a5f02c24b5e77b1501f2ad673fe9fdf4c4090d27eb5cc' },
} as const;

const ROWS = 442;
const COLS = 10;
// sklearn's names: s1..s6 are blood serum measurements (tc, ldl, hdl, tch, ltg, glu).
const FEATURE_NAMES = ['age', 'sex', 'bmi', 'bp', 's1', 's2', 's3', 's4', 's5', 's6'];

// dist/datasets/diabetes.js (and ts/datasets/diabetes.ts) sit two levels below the package root.
const defaultDir = () => join(__dirname, '..', '..', 'data', 'diabetes');

/** Reads one file, checks its checksum, and parses its whitespace-separated numbers. */
function readTable(dir: string, file: { name: string; sha256: string }, columns: number): Float64Array {
  const path = join(dir, file.name);
  const rows = readVerifiedGzip(path, file.sha256, 'diabetes data').toString('utf8').trim().split('\n');
  const values = rows.flatMap((line) => line.trim().split(/\s+/).map(Number));
  // The checksum already vouches for the content; this guards a future edit of the constants.
  if (rows.length !== ROWS || values.length !== ROWS * columns || values.some((v) => !Number.isFinite(v))) {
    throw new DatasetError(`diabetes data file ${path} does not hold ${ROWS} rows of ${columns} numbers`);
  }
  return Float64Array.from(values);
}

/** sklearn's scaling: per column, (x - mean) / (std * sqrt(n)), population std, in float64. */
function scaleColumns(data: Float64Array): void {
  for (let c = 0; c < COLS; c++) {
    let mean = 0;
    for (let r = 0; r < ROWS; r++) mean += data[r * COLS + c] as number;
    mean /= ROWS;
    let ss = 0;
    for (let r = 0; r < ROWS; r++) ss += ((data[r * COLS + c] as number) - mean) ** 2;
    const norm = Math.sqrt(ss); // = std * sqrt(n)
    for (let r = 0; r < ROWS; r++) data[r * COLS + c] = ((data[r * COLS + c] as number) - mean) / norm;
  }
}

/** Loads the diabetes data set, verifying its checksums. */
export function loadDiabetes(options?: DiabetesOptions): Diabetes {
  const { scaled = true, dir } = checkOptions('loadDiabetes()', options, ['scaled', 'dir']);
  if (typeof scaled !== 'boolean') throw new InvalidArgumentError(`loadDiabetes() expects scaled to be a boolean, got ${describe(scaled)}`);
  if (dir !== undefined && typeof dir !== 'string') throw new InvalidArgumentError(`loadDiabetes() expects dir to be a folder path, got ${typeof dir}`);
  const folder = dir ?? defaultDir();
  const data = readTable(folder, DIABETES_FILES.features, COLS);
  const target = readTable(folder, DIABETES_FILES.target, 1);
  if (scaled) scaleColumns(data);
  return { features: Float32Array.from(data), target: Float32Array.from(target), featureNames: [...FEATURE_NAMES], count: ROWS };
}
