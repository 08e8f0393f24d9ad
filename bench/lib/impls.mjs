// The implementation entries every workload shares. Every multithreaded implementation gets
// every core, set explicitly through its own variables so a stray one in the caller's
// environment cannot skew the ratio.
import os from 'node:os';

export const CORES = os.availableParallelism();

export const zerodlImpl = (script) => ({
  name: 'zerodl', lang: 'node', script, needsZerodl: true,
  env: { ZERODL_NUM_THREADS: String(CORES) },
});

// Optional (node bench/setup.mjs --with-torch): PyPI's torch is a ~3 GB CUDA install.
export const torchImpl = (script) => ({
  name: 'torch', lang: 'python', script, optional: 'torch',
  env: { OMP_NUM_THREADS: String(CORES), MKL_NUM_THREADS: String(CORES) },
});

// NumPy's bundled OpenBLAS.
export const numpyImpl = (script) => ({
  name: 'numpy', lang: 'python', script,
  env: { OPENBLAS_NUM_THREADS: String(CORES) },
});
