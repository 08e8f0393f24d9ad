//! Tensor ops exposed to JS: factories, elementwise ops, matmul, reductions. Each is a thin
//! conversion around one core function.

use napi::bindgen_prelude::Object;
use napi::Env;
use napi_derive::napi;
use zerodl_core::ops::{self, MatmulOptions};
use zerodl_core::random;
use zerodl_core::shape::shape_from_f64;
use zerodl_core::Tensor;

use crate::error::{CoreResultExt, Result};
use crate::tasks;
use crate::NativeTensor;

pub(crate) fn seed_or_fresh(seed: Option<f64>) -> u64 {
    // JS numbers are exact integers up to 2^53; any finite value is a usable seed.
    seed.filter(|s| s.is_finite()).map_or_else(random::fresh_seed, |s| s as i64 as u64)
}

#[napi(catch_unwind)]
pub fn full(env: Env, shape: Vec<f64>, value: f64) -> Result<NativeTensor> {
    NativeTensor::wrap(&env, Tensor::full(&shape_from_f64(&shape).js()?, value as f32).js()?)
}

#[napi(catch_unwind)]
pub fn randn(env: Env, shape: Vec<f64>, mean: f64, std: f64, seed: Option<f64>) -> Result<NativeTensor> {
    let shape = shape_from_f64(&shape).js()?;
    NativeTensor::wrap(&env, random::randn(&shape, mean as f32, std as f32, seed_or_fresh(seed)).js()?)
}

#[napi(catch_unwind)]
pub fn uniform(env: Env, shape: Vec<f64>, low: f64, high: f64, seed: Option<f64>) -> Result<NativeTensor> {
    let shape = shape_from_f64(&shape).js()?;
    NativeTensor::wrap(&env, random::uniform(&shape, low as f32, high as f32, seed_or_fresh(seed)).js()?)
}

#[napi(catch_unwind)]
pub fn matmul(
    env: Env,
    a: &NativeTensor,
    b: &NativeTensor,
    transpose_a: bool,
    transpose_b: bool,
) -> Result<NativeTensor> {
    let opts = MatmulOptions { transpose_a, transpose_b };
    NativeTensor::wrap(&env, ops::matmul(a.get()?, b.get()?, opts).js()?)
}

/// The product computed on the worker thread; resolves to a new tensor.
#[napi(catch_unwind, ts_return_type = "Promise<NativeTensor>")]
pub fn matmul_async<'env>(
    env: &'env Env,
    a: &NativeTensor,
    b: &NativeTensor,
    transpose_a: bool,
    transpose_b: bool,
) -> Result<Object<'env>> {
    // Cloning the handles shares the immutable buffers (Arc): no copy, and JS cannot mutate them.
    let (a, b) = (a.get()?.clone(), b.get()?.clone());
    tasks::matmul(env, a, b, MatmulOptions { transpose_a, transpose_b })
}

#[napi(catch_unwind)]
pub fn add(env: Env, a: &NativeTensor, b: &NativeTensor) -> Result<NativeTensor> {
    NativeTensor::wrap(&env, ops::add(a.get()?, b.get()?).js()?)
}

#[napi(catch_unwind)]
pub fn sub(env: Env, a: &NativeTensor, b: &NativeTensor) -> Result<NativeTensor> {
    NativeTensor::wrap(&env, ops::sub(a.get()?, b.get()?).js()?)
}

#[napi(catch_unwind)]
pub fn mul(env: Env, a: &NativeTensor, b: &NativeTensor) -> Result<NativeTensor> {
    NativeTensor::wrap(&env, ops::mul(a.get()?, b.get()?).js()?)
}

#[napi(catch_unwind)]
pub fn scale(env: Env, x: &NativeTensor, alpha: f64) -> Result<NativeTensor> {
    NativeTensor::wrap(&env, ops::scale(x.get()?, alpha as f32).js()?)
}

/// Unary activations by name, so adding one does not add an entry point.
#[napi(string_enum)]
pub enum Unary {
    Exp,
    Sigmoid,
    Tanh,
    Relu,
}

#[napi(catch_unwind)]
pub fn unary(env: Env, op: Unary, x: &NativeTensor) -> Result<NativeTensor> {
    let x = x.get()?;
    let out = match op {
        Unary::Exp => ops::exp(x),
        Unary::Sigmoid => ops::sigmoid(x),
        Unary::Tanh => ops::tanh(x),
        Unary::Relu => ops::relu(x),
    };
    NativeTensor::wrap(&env, out.js()?)
}

#[napi(catch_unwind)]
pub fn softmax(env: Env, x: &NativeTensor, axis: i32) -> Result<NativeTensor> {
    NativeTensor::wrap(&env, ops::softmax(x.get()?, axis as isize).js()?)
}

#[napi(catch_unwind)]
pub fn log_softmax(env: Env, x: &NativeTensor, axis: i32) -> Result<NativeTensor> {
    NativeTensor::wrap(&env, ops::log_softmax(x.get()?, axis as isize).js()?)
}

/// Sum of all elements (`axis` absent) or along `axis`.
#[napi(catch_unwind)]
pub fn sum(env: Env, x: &NativeTensor, axis: Option<i32>, keep_dims: bool) -> Result<NativeTensor> {
    let x = x.get()?;
    let out = match axis {
        None => ops::sum_all(x).js()?,
        Some(axis) => ops::sum(x, axis as isize, keep_dims).js()?,
    };
    NativeTensor::wrap(&env, out)
}

/// Rows `indices` of `x` along its first axis (building batches and data splits natively).
#[napi(catch_unwind)]
pub fn gather_rows(env: Env, x: &NativeTensor, indices: &[u32]) -> Result<NativeTensor> {
    NativeTensor::wrap(&env, ops::gather_rows(x.get()?, indices).js()?)
}

/// Facts about the native side, for diagnostics and the benchmark header.
#[napi(object)]
pub struct BackendInfo {
    pub threads: u32,
    pub simd: String,
    /// Whether the kernels that have a 16-lane AVX-512 form run it.
    pub avx512: bool,
    pub gemm: String,
    /// The largest buffer, in bytes, one request may reserve (`ERR_OUT_OF_MEMORY` beyond it).
    pub max_tensor_bytes: f64,
}

#[napi]
pub fn backend_info() -> BackendInfo {
    BackendInfo {
        threads: zerodl_core::parallel::num_threads() as u32,
        simd: format!("{:?}", zerodl_core::kernels::simd::level()),
        avx512: zerodl_core::kernels::simd::avx512(),
        gemm: format!("{:?}", zerodl_core::kernels::gemm::backend()),
        max_tensor_bytes: zerodl_core::memory::max_buffer_bytes() as f64,
    }
}
