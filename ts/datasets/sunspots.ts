/**
 * Yearly sunspot numbers 1700-2008 (statsmodels' data set, public domain), for recurrent
 * forecasting. Ships gzipped with zerodl (data/sunspots/, see its README.md).
 */
import { join } from 'node:path';
import { DatasetError, InvalidArgumentError } from '../errors.js';
import { checkOptions } from '../util/options.js';
import { readVerifiedGzip } from './verified.js';

export const SUNSPOTS_FILE = { name: 'sunspots.csv.gz', sha256: '7dbce9d7cca978c1b7c4d45d113d7dd384845566599912447efc5dceb1d20532' } as const;

export interface Sunspots {
  years: Int32Array;
  /** Yearly mean sunspot number. */
  values: Float32Array;
}

export function loadSunspots(options?: { dir?: string }): Sunspots {
  const { dir } = checkOptions('loadSunspots()', options, ['dir']);
  if (dir !== undefined && typeof dir !== 'string') throw new InvalidArgumentError(`loadSunspots() expects dir to be a folder path, got ${typeof dir}`);
  const path = join(dir ?? join(__dirname, '..', '..', 'data', 'sunspots'), SUNSPOTS_FILE.name);
  const rows = readVerifiedGzip(path, SUNSPOTS_FILE.sha256, 'sunspots data').toString('utf8').trim().split('\n').slice(1);
  const pairs = rows.map((r) => r.split(',').map(Number));
  if (pairs.length !== 309 || pairs.some((p) => p.length !== 2 || !p.every(Number.isFinite))) {
    throw new DatasetError(`sunspots data file ${path} does not hold 309 rows of YEAR,SUNACTIVITY`);
  }
  return { years: Int32Array.from(pairs, (p) => p[0] as number), values: Float32Array.from(pairs, (p) => p[1] as number) };
}
