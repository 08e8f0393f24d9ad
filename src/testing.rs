//! Test-only entry points (not exported by the TS facade): they panic inside Rust so the test
//! suite can prove a panic becomes a JS error on both the sync and the async path.

use napi::bindgen_prelude::Object;
use napi::Env;
use napi_derive::napi;

use crate::error::Result;

#[napi(catch_unwind)]
pub fn test_only_panic(message: String) -> Result<u32> {
    panic!("{message}");
}

/// A job that panics on the worker thread: its promise must reject with ERR_INTERNAL.
#[napi(catch_unwind, ts_return_type = "Promise<number>")]
pub fn test_only_panic_async<'env>(env: &'env Env, message: String) -> Result<Object<'env>> {
    crate::tasks::worker::spawn(env, move || -> Result<u32> { panic!("{message}") }, |_, n| Ok(n))
}
