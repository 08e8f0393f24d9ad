//! Kernels on raw `f32` slices: the one GEMM entry and the SIMD elementwise kernels.
//! They assume valid arguments (ops/ checks shapes first) and never allocate tensors.

pub mod gemm;
pub mod simd;
