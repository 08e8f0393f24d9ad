/**
 * Atomic file writes: the data goes to a temporary file in the target's folder, is flushed to
 * disk (fsync), and is renamed over the target. A crash, a full disk or a kill at any point
 * leaves either the old file or the new one under the target name, never a partial file; a
 * failed write removes its temporary file. Every file zerodl writes (models, ONNX exports,
 * checkpoints) goes through here.
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { InvalidArgumentError, IoError } from '../errors.js';
import { describe } from '../util/describe.js';

/** A path argument: a non-empty string. */
export function checkPath(where: string, file: unknown): string {
  if (typeof file !== 'string' || file.length === 0) throw new InvalidArgumentError(`${where} expects a file path (a non-empty string), got ${describe(file)}`);
  return file;
}

/** Writes `data` to `file` atomically (see above). `where` names the call in errors. */
export async function writeFileAtomic(where: string, file: string, data: Uint8Array): Promise<void> {
  const target = path.resolve(checkPath(where, file));
  const temp = path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  let handle: fs.FileHandle | undefined;
  try {
    handle = await fs.open(temp, 'wx', 0o644);
    await handle.writeFile(data);
    await handle.sync();
    await handle.close();
    handle = undefined;
    await fs.rename(temp, target);
  } catch (err) {
    await handle?.close().catch(() => {});
    await fs.rm(temp, { force: true }).catch(() => {});
    throw ioError(where, `could not write ${target}`, err);
  }
  await syncFolder(path.dirname(target));
}

/** Makes the rename itself durable (a crash right after it keeps the new file). Best effort. */
async function syncFolder(folder: string): Promise<void> {
  try {
    const dir = await fs.open(folder, 'r');
    await dir.sync().finally(() => dir.close());
  } catch {
    // Some file systems refuse fsync on a folder; the file itself is already on disk.
  }
}

/** A file-system failure as a typed error with a stable code, the system's reason kept as `cause`. */
export function ioError(where: string, what: string, err: unknown): IoError {
  const sys = err as { code?: string; message?: string };
  return new IoError(`${where}: ${what}: ${sys.message ?? String(err)}`, { cause: err });
}
