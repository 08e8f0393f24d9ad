/** Reading the data files that ship with zerodl: checksum first, then gunzip. */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';

/** The gunzipped bytes of `path`, after checking the stored (gzipped) file's SHA-256. */
export function readVerifiedGzip(path: string, sha256: string, what: string): Buffer {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new Error(`${what} file ${path} cannot be read (it ships in the zerodl package under data/)`, { cause: err });
  }
  const sum = createHash('sha256').update(bytes).digest('hex');
  if (sum !== sha256) {
    throw new Error(`${what} file ${path} is corrupt or was changed: its SHA-256 is ${sum}, expected ${sha256}`);
  }
  return gunzipSync(bytes);
}
