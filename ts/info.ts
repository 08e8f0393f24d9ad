import { native } from './native.js';

/** What the native side runs on. */
export interface BackendInfo {
  /** Threads in zerodl's compute pool (ZERODL_NUM_THREADS, else the available cores). */
  threads: number;
  /** SIMD level chosen at run time: 'Avx2Fma' or 'Scalar'. */
  simd: string;
  /** The GEMM backend behind every matrix product. */
  gemm: string;
}

/** Describes the native backend: thread count, SIMD level and GEMM choice. */
export function backendInfo(): BackendInfo {
  return { ...native.backendInfo() };
}
