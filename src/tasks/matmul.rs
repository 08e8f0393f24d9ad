use napi::bindgen_prelude::Object;
use napi::Env;
use zerodl_core::ops::{self, MatmulOptions};
use zerodl_core::Tensor;

use super::worker;
use crate::error::{CoreResultExt, Result};
use crate::NativeTensor;

/// a x b (per `opts`) on the worker thread; resolves to a new tensor.
pub fn matmul<'env>(env: &'env Env, a: Tensor, b: Tensor, opts: MatmulOptions) -> Result<Object<'env>> {
    worker::spawn(env, move || ops::matmul(&a, &b, opts).js(), NativeTensor::wrap)
}
