//! Test-only entry points (not exported by the TS facade): they panic inside Rust so the test
//! suite can prove a panic becomes a JS error on both the sync and the async path.

use napi::bindgen_prelude::{AsyncTask, Task};
use napi::Env;
use napi_derive::napi;

use crate::error::{guard, into_rejection, Result};

#[napi(catch_unwind)]
pub fn test_only_panic(message: String) -> Result<u32> {
    panic!("{message}");
}

pub struct PanicTask {
    message: String,
}

#[napi]
impl Task for PanicTask {
    type Output = Result<u32>;
    type JsValue = u32;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        let message = self.message.clone();
        Ok(guard(move || -> Result<u32> { panic!("{message}") }))
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> napi::Result<u32> {
        output.map_err(|e| into_rejection(&env, e))
    }
}

#[napi]
pub fn test_only_panic_async(message: String) -> AsyncTask<PanicTask> {
    AsyncTask::new(PanicTask { message })
}
