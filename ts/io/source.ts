/**
 * Where a model file comes from: a path (read asynchronously) or bytes already in memory (a
 * database row, an object-store download). Errors name the source.
 */
import { promises as fs } from 'node:fs';
import { InvalidArgumentError } from '../errors.js';
import { describe } from '../util/describe.js';
import { ioError } from './atomic-write.js';

/** Options of `save()` and `toBuffer()`. */
export interface SaveArgs {
  /**
   * Also store the training state: the optimizer's (Adam's moments and step count, SGD's
   * momentum) and the dropout streams' positions, so `fit` resumes exactly. Needs a compiled
   * model. Default false.
   */
  includeOptimizer?: boolean;
}

/** A model file's bytes and a name for messages (the path, or "buffer"). */
export async function readSource(where: string, source: unknown): Promise<{ bytes: Uint8Array; name: string }> {
  if (source instanceof Uint8Array) return { bytes: source, name: 'buffer' };
  if (source instanceof ArrayBuffer) return { bytes: new Uint8Array(source), name: 'buffer' }; // e.g. from fetch()
  if (typeof source !== 'string' || source.length === 0) {
    throw new InvalidArgumentError(`${where} expects a file path (a non-empty string) or the file's bytes (a Buffer, Uint8Array or ArrayBuffer), got ${describe(source)}`);
  }
  try {
    return { bytes: await fs.readFile(source), name: source };
  } catch (err) {
    throw ioError(where, `could not read ${source}`, err);
  }
}
