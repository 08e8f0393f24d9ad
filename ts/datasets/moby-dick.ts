/**
 * The text of Moby Dick (1.2 million characters), for character-level language models. Ships
 * gzipped with zerodl (data/moby-dick/, public domain; see its README.md).
 */
import { join } from 'node:path';
import { InvalidArgumentError } from '../errors.js';
import { checkOptions } from '../util/options.js';
import { readVerifiedGzip } from './verified.js';

export const MOBY_DICK_FILE = { name: 'moby-dick.txt.gz', sha256: '46659deca663f1b8bb6a8a9f1fc3926babfb251cfaefc4a46d45ece085e8a178' } as const;

/** The whole novel as one string. */
export function loadMobyDick(options?: { dir?: string }): string {
  const { dir } = checkOptions('loadMobyDick()', options, ['dir']);
  if (dir !== undefined && typeof dir !== 'string') throw new InvalidArgumentError(`loadMobyDick() expects dir to be a folder path, got ${typeof dir}`);
  return readVerifiedGzip(join(dir ?? join(__dirname, '..', '..', 'data', 'moby-dick'), MOBY_DICK_FILE.name), MOBY_DICK_FILE.sha256, 'Moby Dick text').toString('utf8');
}
