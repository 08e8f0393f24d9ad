//! The per-buffer memory limit (`zerodl_core::memory`), read and set from JS.

use napi_derive::napi;
use zerodl_core::{memory, ErrorKind};

use crate::error::{js_error, CoreResultExt, Result};

/// Largest integer a JS number holds exactly.
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// Sets the largest buffer, in bytes, that one request may reserve; `null`/absent restores the
/// default (ZERODL_MAX_TENSOR_BYTES, else half of the memory the process may use).
#[napi(catch_unwind)]
pub fn set_max_tensor_bytes(bytes: Option<f64>) -> Result<()> {
    let bytes = match bytes {
        None => None,
        Some(b) if b.is_finite() && b.fract() == 0.0 && (1.0..=MAX_SAFE_INTEGER).contains(&b) => Some(b as usize),
        Some(b) => {
            return Err(js_error(
                ErrorKind::InvalidArgument,
                format!("the memory limit must be a positive whole number of bytes (or null for the default), got {b}"),
            ))
        }
    };
    memory::set_max_buffer_bytes(bytes).js()
}

/// The largest buffer, in bytes, that one request may reserve.
#[napi]
pub fn max_tensor_bytes() -> f64 {
    memory::max_buffer_bytes() as f64
}
