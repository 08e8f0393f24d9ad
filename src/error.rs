//! The single place where core errors and panics become JS errors with a stable `code`.

use std::any::Any;

use napi::{Env, Error, JsError};
use zerodl_core::ErrorKind;

/// The error code carried to JS as `error.code` (e.g. "ERR_SHAPE_MISMATCH").
#[derive(Clone, Copy, Debug)]
pub struct Code(pub &'static str);

impl AsRef<str> for Code {
    fn as_ref(&self) -> &str {
        self.0
    }
}

/// Results of every #[napi] entry point.
pub type Result<T> = napi::Result<T, Code>;

pub fn js_error(kind: ErrorKind, message: impl Into<String>) -> Error<Code> {
    Error::new(Code(kind.code()), message.into())
}

pub fn from_core(err: zerodl_core::Error) -> Error<Code> {
    js_error(err.kind, err.message)
}

/// Converts napi's own errors (argument conversion and the like) into ours.
pub fn from_napi(err: napi::Error) -> Error<Code> {
    js_error(ErrorKind::Internal, err.reason.clone())
}

/// Turns a caught panic's payload into an internal error.
pub fn from_panic(payload: Box<dyn Any + Send>) -> Error<Code> {
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string());
    js_error(ErrorKind::Internal, format!("internal error (a bug in zerodl, please report it): {what}"))
}

/// Runs `f`, converting a panic into an `ERR_INTERNAL` error. Used around every async job on the
/// worker thread (tasks/worker.rs); sync entry points use `#[napi(catch_unwind)]` instead.
pub fn guard<T>(f: impl FnOnce() -> Result<T>) -> Result<T> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|p| Err(from_panic(p)))
}

/// `?`-friendly conversion for core results.
pub trait CoreResultExt<T> {
    fn js(self) -> Result<T>;
}

impl<T> CoreResultExt<T> for zerodl_core::Result<T> {
    fn js(self) -> Result<T> {
        self.map_err(from_core)
    }
}

impl<T> CoreResultExt<T> for napi::Result<T> {
    fn js(self) -> Result<T> {
        self.map_err(from_napi)
    }
}

/// For async jobs: builds the JS error object (with our code) on the JS thread, so the promise
/// rejects with exactly that object. The worker thread cannot create JS values, so a job carries
/// our `Result` back and converts here, when its promise settles.
pub fn into_rejection(env: &Env, err: Error<Code>) -> napi::Error {
    napi::Error::from(JsError::from(err).into_unknown(*env))
}
