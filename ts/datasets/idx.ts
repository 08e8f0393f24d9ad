/**
 * Reads IDX files (LeCun's MNIST format): a big-endian header (magic `0x0000TTNN`: type TT, NN
 * dimensions, then NN uint32 sizes) followed by the raw values. Only unsigned bytes (TT = 0x08).
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { DatasetError } from '../errors.js';

export interface IdxUbyte {
  /** Sizes from the header; dims[0] is the item count in the file. */
  dims: number[];
  /** The first `items` items' bytes. */
  data: Uint8Array;
}

function readExactly(fd: number, length: number, position: number): Uint8Array {
  const out = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, out, done, length - done, position + done);
    if (n === 0) break;
    done += n;
  }
  return out.subarray(0, done);
}

/**
 * Reads the header of `path`, checks its magic number and that the file is exactly as long as
 * the header says, then reads the first `limit` items (all when undefined).
 */
export function readIdxUbyte(path: string, magic: number, what: string, limit?: number): IdxUbyte {
  const corrupt = (why: string) => new DatasetError(`${what} file ${path} is corrupt: ${why}`);
  // File system faults (missing file, a folder, no permission) name the file and keep the cause.
  const unreadable = (err: unknown) =>
    err instanceof DatasetError ? err : new DatasetError(`${what} file ${path} cannot be read: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (err) {
    throw unreadable(err);
  }
  try {
    const ndims = magic & 0xff;
    const headerBytes = 4 + 4 * ndims;
    const header = readExactly(fd, headerBytes, 0);
    if (header.length < headerBytes) throw corrupt(`${header.length} bytes, shorter than the ${headerBytes}-byte header`);
    const view = new DataView(header.buffer, header.byteOffset, header.byteLength);
    const found = view.getUint32(0);
    if (found !== magic) throw corrupt(`magic number ${found}, expected ${magic}`);
    const dims = Array.from({ length: ndims }, (_, i) => view.getUint32(4 + 4 * i));
    const itemBytes = dims.slice(1).reduce((a, b) => a * b, 1);
    const expected = headerBytes + (dims[0] ?? 0) * itemBytes;
    const size = fstatSync(fd).size;
    if (size !== expected) throw corrupt(`the header says [${dims.join(', ')}] (${expected} bytes), the file has ${size} bytes`);
    const items = Math.min(limit ?? Infinity, dims[0] ?? 0);
    return { dims, data: readExactly(fd, items * itemBytes, headerBytes) };
  } catch (err) {
    throw unreadable(err);
  } finally {
    closeSync(fd);
  }
}
