/**
 * The text of Moby Dick (1.2 million characters), for character-level language models. Ships
 * gzipped with zerodl (data/moby-dick/, public domain; see its README.md).
 */
import { join } from 'node:path';
import { readVerifiedGzip } from './verified.js';

export const MOBY_DICK_FILE = { name: 'moby-dick.txt.gz', sha256: '46659deca663f1b8bb6a8a9f1fc3926babfb251cfaefc4a46d45ece085e8a178' } as const;

/** The whole novel as one string. */
export function loadMobyDick(options: { dir?: string } = {}): string {
  const dir = options.dir ?? join(__dirname, '..', '..', 'data', 'moby-dick');
  return readVerifiedGzip(join(dir, MOBY_DICK_FILE.name), MOBY_DICK_FILE.sha256, 'Moby Dick text').toString('utf8');
}
