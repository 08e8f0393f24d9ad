//! Kernels on raw `f32` slices: the one GEMM entry, a GEMM against a pre-packed operand (the
//! recurrent weights), and the SIMD elementwise kernels. They assume valid arguments (ops/ checks
//! shapes first) and never allocate tensors.

pub mod gemm;
pub mod packed_gemm;
pub mod simd;
