//! Kernels on raw `f32` slices: the one GEMM entry, a GEMM against a pre-packed operand and a
//! few-row GEMV (the recurrent weights at every step, for batches and for single requests), and the SIMD elementwise kernels. They assume valid arguments (ops/ checks
//! shapes first) and never allocate tensors.

pub mod gemm;
pub mod gemv;
pub mod packed_gemm;
pub mod simd;
