/** Reading the data files that ship with zerodl: checksum first, then gunzip. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { DatasetError } from '../errors.js';

/** The gunzipped bytes of `path`, after checking the stored (gzipped) file's SHA-256. */
export function readVerifiedGzip(path: string, sha256: string, what: string): Buffer {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new DatasetError(`${what} file ${path} cannot be read (it ships in the zerodl package under data/)`, { cause: err });
  }
  const sum = createHash('sha256').update(bytes).digest('hex');
  if (sum !== sha256) {
    throw new DatasetError(`${what} file ${path} is corrupt or was changed: its SHA-256 is ${sum}, expected ${sha256}`);
  }
  try {
    return gunzipSync(bytes);
  } catch (err) {
    // Only if the checksum constant itself is wrong: the verified bytes are not gzip.
    throw new DatasetError(`${what} file ${path} is corrupt: it is not gzip data (${err instanceof Error ? err.message : String(err)})`, { cause: err });
  }
}
