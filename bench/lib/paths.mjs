// Where things live, resolved from this file so the bench runs from any cwd.
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BENCH_DIR = dirname(dirname(fileURLToPath(import.meta.url)));
export const ROOT = dirname(BENCH_DIR);
export const VENV_DIR = join(BENCH_DIR, '.venv');
export const VENV_PYTHON = join(VENV_DIR, 'bin', 'python');
export const RESULTS_DIR = join(BENCH_DIR, 'results');
// ZERODL_ENTRY lets you bench another build (or a stub) without touching dist/.
export const ZERODL_ENTRY = process.env.ZERODL_ENTRY ?? join(ROOT, 'dist', 'index.js');
