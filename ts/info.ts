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
  /**
   * The largest buffer, in bytes, one request may reserve (a tensor, a product's result, a
   * layer's weights); beyond it zerodl throws `ERR_OUT_OF_MEMORY`. See `setMaxTensorBytes()`.
   */
  maxTensorBytes: number;
}

/** Describes the native backend: thread count, SIMD level, GEMM choice and memory limit. */
export function backendInfo(): BackendInfo {
  return { ...native.backendInfo() };
}
