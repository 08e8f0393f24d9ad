//! zerodl's pure-Rust core: tensors, the GEMM entry, SIMD elementwise kernels and the ops built on
//! them. No Node-API here: the napi glue in the root crate converts, this crate computes.
//!
//! Layout: `kernels/` works on raw `f32` slices (GEMM, SIMD); `ops/` works on [`Tensor`]s, checks
//! shapes and calls the kernels; `parallel` owns the one rayon pool every kernel runs on.

pub mod error;
pub mod io;
pub mod json;
pub mod kernels;
pub mod memory;
pub mod nn;
pub mod ops;
pub mod parallel;
pub mod random;
pub mod shape;
pub mod tensor;

pub use error::{Error, ErrorKind, Result};
pub use tensor::Tensor;
