// Tests exercise the built package (dist/ + the generated loader), exactly what users load. All of
// it goes through Node's own require so every file shares one module instance (and one set of
// error classes), as in a user's process.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
export const zd = require('../dist/index.js') as typeof import('../dist/index.js');
export const { native } = require('../dist/native.js') as typeof import('../dist/native.js');
export const { callNative, awaitNative } = require('../dist/errors.js') as typeof import('../dist/errors.js');

export const root = fileURLToPath(new URL('..', import.meta.url));

/** Runs a Node script in a child process (crash- and GC-sensitive tests). */
export function runNode(script: string, args: string[] = [], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [...args, '-e', script], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 120_000,
  });
  return { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** Catches what `f` throws (fails the test if nothing is thrown). */
export function thrown(f: () => unknown): Error & { code?: string } {
  try {
    f();
  } catch (err) {
    return err as Error & { code?: string };
  }
  throw new Error('expected the call to throw');
}

/** Max |a - b| over two equally long arrays. */
export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs((a[i] as number) - (b[i] as number)));
  return m;
}
