use napi::bindgen_prelude::Task;
use napi::Env;
use napi_derive::napi;
use zerodl_core::ops::{self, MatmulOptions};
use zerodl_core::Tensor;

use crate::error::{guard, into_rejection, CoreResultExt, Result};
use crate::NativeTensor;

pub struct MatmulTask {
    pub a: Tensor,
    pub b: Tensor,
    pub opts: MatmulOptions,
}

#[napi]
impl Task for MatmulTask {
    type Output = Result<Tensor>;
    type JsValue = NativeTensor;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        Ok(guard(|| ops::matmul(&self.a, &self.b, self.opts).js()))
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> napi::Result<NativeTensor> {
        output.and_then(|t| NativeTensor::wrap(&env, t)).map_err(|e| into_rejection(&env, e))
    }
}
