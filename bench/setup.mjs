#!/usr/bin/env node
// Creates bench/.venv with the pinned Python peers from bench/requirements.txt, and on
// request the optional ones: `node bench/setup.mjs --with-torch` (requirements-torch.txt).
// Idempotent: a copy of each requirements file inside the venv marks a finished install,
// so a second run (or run.mjs calling ensureVenv) costs one file read per file.
// Installs only wheels from PyPI (--only-binary) so nothing is compiled or fetched elsewhere.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { BENCH_DIR, VENV_DIR, VENV_PYTHON } from './lib/paths.mjs';

const MIN_PYTHON = [3, 11]; // numpy 2.4 needs CPython >= 3.11

// Requirement sets: the base one every run needs, and optional peers too big to impose.
// PyTorch: PyPI's Linux x86_64 torch wheel is the CUDA build; torch 2.15.0 pulls ~3.0 GB
// of wheels (torch 539 MB, nvidia-* CUDA libraries and triton ~2.45 GB), so only on request.
const SETS = {
  base: { file: 'requirements.txt', stamp: '.zerodl-bench-requirements.txt' },
  torch: { file: 'requirements-torch.txt', stamp: '.zerodl-bench-requirements-torch.txt' },
};
export const OPTIONAL = Object.keys(SETS).filter((s) => s !== 'base');

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

const requirementsPath = (set) => join(BENCH_DIR, SETS[set].file);
const stampPath = (set) => join(VENV_DIR, SETS[set].stamp);

/** Is requirement set `set` ('base', 'torch') installed, as its file now reads? */
export function venvReady(set = 'base') {
  return existsSync(VENV_PYTHON) && existsSync(stampPath(set)) &&
    readFileSync(stampPath(set), 'utf8') === readFileSync(requirementsPath(set), 'utf8');
}

/** Why an optional peer cannot run, e.g. "torch not installed: run node bench/setup.mjs --with-torch";
 *  null when it is installed. */
export function missingOptional(set) {
  return venvReady(set) ? null : `${set} not installed: run node bench/setup.mjs --with-${set}`;
}

/** Makes the venv with the base set (plus `extras`) if needed; throws with a readable message on failure. */
export function ensureVenv({ extras = [], log = (m) => console.error(m) } = {}) {
  for (const set of ['base', ...extras]) {
    if (venvReady(set)) continue;
    if (!existsSync(VENV_PYTHON)) {
      const python = findPython();
      log(`bench setup: creating ${VENV_DIR} with ${python}`);
      run(python, ['-m', 'venv', VENV_DIR]);
    }
    log(`bench setup: installing pinned peers from bench/${SETS[set].file}`);
    run(VENV_PYTHON, ['-m', 'pip', 'install', '--disable-pip-version-check', '--quiet',
      '--only-binary=:all:', '-r', requirementsPath(set)]);
    writeFileSync(stampPath(set), readFileSync(requirementsPath(set), 'utf8'));
  }
  return VENV_PYTHON;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const options = Object.fromEntries(OPTIONAL.map((s) => [`with-${s}`, { type: 'boolean', default: false }]));
  let values;
  try {
    ({ values } = parseArgs({ options }));
  } catch (e) {
    console.error(`${e.message}\nusage: node bench/setup.mjs ${OPTIONAL.map((s) => `[--with-${s}]`).join(' ')}`);
    process.exit(2);
  }
  const extras = OPTIONAL.filter((s) => values[`with-${s}`]);
  try {
    const already = ['base', ...extras].every((s) => venvReady(s));
    ensureVenv({ extras });
    console.error(already ? 'bench setup: venv already up to date' : 'bench setup: done');
  } catch (e) {
    console.error(`bench setup failed: ${e.message}`);
    process.exit(1);
  }
}
