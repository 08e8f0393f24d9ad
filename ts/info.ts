import { native } from './native.js';

/** What the native side runs on. */
export interface BackendInfo {
  /** Threads in zerodl's compute pool (ZERODL_NUM_THREADS, else the available cores). */
  threads: number;
  /** SIMD level chosen at run time: 'Avx2Fma' or 'Scalar'. */
  simd: string;
  /**
   * Whether the kernels that have an AVX-512 form (recurrent steps and weights, GEMM) run it:
   * the CPU has AVX-512F and ZERODL_SIMD is not 'avx2' or 'scalar'.
   */
  avx512: boolean;
  /** The GEMM backend behind every matrix product. */
  gemm: string;
}

/** Describes the native backend: thread count, SIMD level and GEMM choice. */
export function backendInfo(): BackendInfo {
  return { ...native.backendInfo() };
}
