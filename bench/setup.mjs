#!/usr/bin/env node
// Creates bench/.venv with the pinned Python peers from bench/requirements.txt.
// Idempotent: a copy of the requirements inside the venv marks a finished install,
// so a second run (or run.mjs calling ensureVenv) costs one file read.
// Installs only wheels from PyPI (--only-binary) so nothing is compiled or fetched elsewhere.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BENCH_DIR, VENV_DIR, VENV_PYTHON } from './lib/paths.mjs';

const REQUIREMENTS = join(BENCH_DIR, 'requirements.txt');
const STAMP = join(VENV_DIR, '.zerodl-bench-requirements.txt');
const MIN_PYTHON = [3, 11]; // numpy 2.4 needs CPython >= 3.11

function run(cmd, args) {
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'inherit', 'inherit'] });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}`);
}

function pythonVersion(cmd) {
  const r = spawnSync(cmd, ['-c', 'import sys; print(*sys.version_info[:2])'], { encoding: 'utf8' });
  if (r.status !== 0 || !r.stdout) return null;
  return r.stdout.trim().split(' ').map(Number);
}

// First interpreter new enough for the pinned numpy; BENCH_PYTHON overrides the search.
function findPython() {
  const candidates = [process.env.BENCH_PYTHON, 'python3.11', 'python3', 'python'].filter(Boolean);
  for (const cmd of candidates) {
    const v = pythonVersion(cmd);
    if (v && (v[0] > MIN_PYTHON[0] || (v[0] === MIN_PYTHON[0] && v[1] >= MIN_PYTHON[1]))) return cmd;
  }
  throw new Error(`no Python >= ${MIN_PYTHON.join('.')} found (tried ${candidates.join(', ')}); set BENCH_PYTHON`);
}

export function venvReady() {
  return existsSync(VENV_PYTHON) && existsSync(STAMP) &&
    readFileSync(STAMP, 'utf8') === readFileSync(REQUIREMENTS, 'utf8');
}

/** Makes the venv if needed; throws with a readable message on failure. */
export function ensureVenv({ log = (m) => console.error(m) } = {}) {
  if (venvReady()) return VENV_PYTHON;
  if (!existsSync(VENV_PYTHON)) {
    const python = findPython();
    log(`bench setup: creating ${VENV_DIR} with ${python}`);
    run(python, ['-m', 'venv', VENV_DIR]);
  }
  log('bench setup: installing pinned peers from bench/requirements.txt');
  run(VENV_PYTHON, ['-m', 'pip', 'install', '--disable-pip-version-check', '--quiet',
    '--only-binary=:all:', '-r', REQUIREMENTS]);
  writeFileSync(STAMP, readFileSync(REQUIREMENTS, 'utf8'));
  return VENV_PYTHON;
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    const already = venvReady();
    ensureVenv();
    console.error(already ? 'bench setup: venv already up to date' : 'bench setup: done');
  } catch (e) {
    console.error(`bench setup failed: ${e.message}`);
    process.exit(1);
  }
}
