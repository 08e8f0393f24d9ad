// Small helpers shared by the project scripts (setup, test, install test).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));

/** Runs a command with inherited stdio; exits the script with its status if it fails. */
export function run(cmd, args, options = {}) {
  const label = [cmd, ...args].join(' ');
  console.log(`\n> ${label}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', cwd: root, ...options });
  if (r.error) throw r.error;
  if (r.status !== 0) {
    console.error(`\n✗ failed (${r.status ?? r.signal}): ${label}`);
    process.exit(r.status ?? 1);
  }
}

/** Runs a command and returns its stdout (throws on failure). */
export function output(cmd, args, options = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', cwd: root, ...options });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed:\n${r.stderr}`);
  return r.stdout;
}

export const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
