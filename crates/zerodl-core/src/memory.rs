//! Buffers whose size comes from the caller's input (tensor shapes, layer sizes, batches) are
//! reserved here, fallibly and under a process-wide size limit, so that a request too big for
//! the machine is an `ERR_OUT_OF_MEMORY` error instead of an abort ("memory allocation failed")
//! or the kernel's OOM killer ending a Node service.
//!
//! The limit applies to each buffer (a tensor's data, a layer's weights, a pass's activations):
//! `ZERODL_MAX_TENSOR_BYTES` at start-up, or `set_max_buffer_bytes`; by default half of the
//! memory the process may use (the machine's RAM, or its cgroup's limit when lower).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::thread::ThreadId;

use crate::shape::fmt_shape;
use crate::{Error, ErrorKind, Result};

/// 0 until first read (then the default or the environment's value).
static LIMIT: AtomicUsize = AtomicUsize::new(0);

/// Used where the machine's memory cannot be read.
const FALLBACK_LIMIT: usize = 4 << 30;

/// The largest buffer, in bytes, that zerodl will reserve for one request.
pub fn max_buffer_bytes() -> usize {
    match LIMIT.load(Ordering::Relaxed) {
        0 => {
            let limit = limit_from_env().unwrap_or_else(default_limit);
            // A concurrent first read computes the same value.
            LIMIT.store(limit, Ordering::Relaxed);
            limit
        }
        limit => limit,
    }
}

/// Sets the limit (bytes > 0); `None` restores the default (or the environment's value).
pub fn set_max_buffer_bytes(bytes: Option<usize>) -> Result<()> {
    match bytes {
        Some(0) => Err(Error::invalid_argument("the memory limit must be at least 1 byte, got 0")),
        Some(b) => {
            LIMIT.store(b, Ordering::Relaxed);
            Ok(())
        }
        None => {
            LIMIT.store(0, Ordering::Relaxed);
            Ok(())
        }
    }
}

fn limit_from_env() -> Option<usize> {
    parse_limit(&std::env::var("ZERODL_MAX_TENSOR_BYTES").ok()?)
}

/// A positive whole number of bytes, written out or in exponent form ("8589934592", "8e9"); a
/// value that is not one is ignored (as `ZERODL_NUM_THREADS` is), leaving the default.
fn parse_limit(text: &str) -> Option<usize> {
    let text = text.trim();
    let bytes = text.parse::<usize>().ok().or_else(|| {
        let v = text.parse::<f64>().ok()?;
        (v.is_finite() && v.fract() == 0.0 && v >= 1.0 && v < usize::MAX as f64).then_some(v as usize)
    })?;
    (bytes > 0).then_some(bytes)
}

/// Half of the memory available to the process: a buffer bigger than that is a mistake (or
/// would leave nothing for the rest of a training step).
fn default_limit() -> usize {
    available_memory().map_or(FALLBACK_LIMIT, |bytes| bytes / 2)
}

/// Physical memory, lowered to the cgroup's limit where one is set (containers).
fn available_memory() -> Option<usize> {
    let total = std::fs::read_to_string("/proc/meminfo").ok().and_then(|text| {
        let line = text.lines().find(|l| l.starts_with("MemTotal:"))?;
        let kb: usize = line.split_whitespace().nth(1)?.parse().ok()?;
        kb.checked_mul(1024)
    })?;
    let cgroup = ["/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"]
        .iter()
        .find_map(|p| std::fs::read_to_string(p).ok()?.trim().parse::<usize>().ok());
    Some(cgroup.map_or(total, |c| c.min(total)))
}

/// The bytes of `count` f32 values, or an error if that overflows or is over the limit.
/// `what` names the buffer for the message ("the result of matmul", "dense_0's weights").
pub fn check_f32s(count: usize, what: &str) -> Result<usize> {
    match count.checked_mul(std::mem::size_of::<f32>()) {
        Some(bytes) => check_bytes(Some(bytes), what),
        None => Err(Error::new(
            ErrorKind::OutOfMemory,
            format!("{what} needs about {:.3e} bytes ({count} values), more than this machine can address", count as f64 * 4.0),
        )),
    }
}

/// The budget of the loads running now: (thread, bytes it may still reserve). Not a
/// thread-local: the addon's static TLS block is nearly full (a dlopen'ed library's TLS must fit
/// glibc's small surplus), so this is a short list behind a flag the hot path reads alone.
static BUDGETS: Mutex<Vec<(ThreadId, usize)>> = Mutex::new(Vec::new());
static ANY_BUDGET: AtomicBool = AtomicBool::new(false);

/// Runs `f` with everything this thread reserves through this module charged to `bytes` in all:
/// going over is an `ERR_OUT_OF_MEMORY` error. A model file's loader builds the model its
/// (untrusted) description describes under a budget sized by the file, so a description that
/// claims a huge layer fails before it allocates more than the file could fill.
pub fn within_budget<T>(bytes: usize, f: impl FnOnce() -> Result<T>) -> Result<T> {
    let me = std::thread::current().id();
    let outer = {
        let mut budgets = BUDGETS.lock().unwrap_or_else(|e| e.into_inner());
        let outer = budgets.iter().position(|(t, _)| *t == me).map(|i| budgets.swap_remove(i).1);
        budgets.push((me, bytes));
        ANY_BUDGET.store(true, Ordering::SeqCst);
        outer
    };
    let result = f();
    let mut budgets = BUDGETS.lock().unwrap_or_else(|e| e.into_inner());
    budgets.retain(|(t, _)| *t != me);
    if let Some(left) = outer {
        budgets.push((me, left));
    }
    ANY_BUDGET.store(!budgets.is_empty(), Ordering::SeqCst);
    result
}

/// Charges `bytes` to the calling thread's budget, if it has one.
fn charge(bytes: usize, what: &str) -> Result<()> {
    if !ANY_BUDGET.load(Ordering::Relaxed) {
        return Ok(());
    }
    let me = std::thread::current().id();
    let mut budgets = BUDGETS.lock().unwrap_or_else(|e| e.into_inner());
    match budgets.iter_mut().find(|(t, _)| *t == me) {
        Some((_, left)) if bytes > *left => Err(Error::new(ErrorKind::OutOfMemory, format!("{what} needs {}, more than the {} left in the budget of this load", exact(bytes), exact(*left)))),
        Some((_, left)) => {
            *left -= bytes;
            Ok(())
        }
        None => Ok(()),
    }
}

/// Checks a byte count (`None`: it overflowed) against the limit. (Only what is allocated here,
/// by `zeroed` and `reserve`, counts against a budget: a check of a size is not an allocation.)
pub fn check_bytes(bytes: Option<usize>, what: &str) -> Result<usize> {
    let limit = max_buffer_bytes();
    match bytes {
        Some(b) if b <= limit => Ok(b),
        Some(b) => Err(over_limit(b, limit, what)),
        None => Err(Error::new(ErrorKind::OutOfMemory, format!("{what} needs more bytes than this machine can address"))),
    }
}

/// The element count of a buffer of `shape` f32s, after checking its bytes against the limit
/// (before anything is allocated). Errors name the shape: "{what} of shape [100000, 100000]
/// needs 37.3 GiB (40000000000 bytes), over the limit of ...". The message is only formatted
/// on failure, so this costs one comparison on the hot path.
pub fn check_shape(shape: &[usize], what: &str) -> Result<usize> {
    let count = shape.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d));
    let limit = max_buffer_bytes();
    match count.map(|c| (c, c.checked_mul(std::mem::size_of::<f32>()))) {
        Some((c, Some(bytes))) if bytes <= limit => Ok(c),
        Some((_, Some(bytes))) => Err(over_limit(bytes, limit, &format!("{what} of shape {}", fmt_shape(shape)))),
        _ => Err(unaddressable(shape, what)),
    }
}

/// The error for a shape whose byte count does not fit in a `usize`: names the approximate size.
pub fn unaddressable(shape: &[usize], what: &str) -> Error {
    let values: f64 = shape.iter().map(|&d| d as f64).product();
    let bytes = values * std::mem::size_of::<f32>() as f64;
    Error::new(
        ErrorKind::OutOfMemory,
        format!(
            "{what} of shape {} needs about {bytes:.3e} bytes ({values:.3e} values), more than this machine can address",
            fmt_shape(shape)
        ),
    )
}

fn over_limit(bytes: usize, limit: usize, what: &str) -> Error {
    Error::new(
        ErrorKind::OutOfMemory,
        format!(
            "{what} needs {}, over the limit of {} per buffer; ZERODL_MAX_TENSOR_BYTES or setMaxTensorBytes() change it",
            exact(bytes),
            exact(limit)
        ),
    )
}

fn refused(bytes: usize, what: &str) -> Error {
    Error::new(ErrorKind::OutOfMemory, format!("{what} needs {}, which the system refused", exact(bytes)))
}

/// "37.3 GiB (40000000000 bytes)", or "400 bytes".
fn exact(bytes: usize) -> String {
    if bytes < 1024 { human(bytes) } else { format!("{} ({bytes} bytes)", human(bytes)) }
}

/// `count` zeros, reserved fallibly under the limit. Zeroed by the allocator (as `vec![0.0; n]`
/// is): a large fresh block comes from the OS already zero, so this is no slower than `vec!`.
pub fn zeroed(count: usize, what: &str) -> Result<Vec<f32>> {
    let bytes = check_f32s(count, what)?;
    charge(bytes, what)?;
    if count == 0 {
        return Ok(Vec::new());
    }
    let layout = std::alloc::Layout::array::<f32>(count).map_err(|_| refused(bytes, what))?;
    // SAFETY: the layout has a non-zero size (count > 0). A non-null result is `count` zeroed
    // f32s (all-zero bits are 0.0) allocated by the global allocator with exactly the layout a
    // `Vec<f32>` of capacity `count` uses, so `from_raw_parts` may own and free it.
    unsafe {
        let ptr = std::alloc::alloc_zeroed(layout).cast::<f32>();
        if ptr.is_null() {
            return Err(refused(bytes, what));
        }
        Ok(Vec::from_raw_parts(ptr, count, count))
    }
}

/// A zeroed buffer for a tensor of `shape`: [`check_shape`] (errors name the shape), then
/// [`zeroed`].
pub fn zeroed_shape(shape: &[usize], what: &str) -> Result<Vec<f32>> {
    zeroed(check_shape(shape, what)?, what)
}

/// `count` copies of `value`, reserved fallibly under the limit.
pub fn filled(count: usize, value: f32, what: &str) -> Result<Vec<f32>> {
    let mut v = reserve(count, what)?;
    v.resize(count, value);
    Ok(v)
}

/// A copy of `src`, reserved fallibly under the limit.
pub fn copied(src: &[f32], what: &str) -> Result<Vec<f32>> {
    let mut v = reserve(src.len(), what)?;
    v.extend_from_slice(src);
    Ok(v)
}

/// An empty vector with room for `count` f32s, reserved fallibly under the limit.
pub fn reserve(count: usize, what: &str) -> Result<Vec<f32>> {
    let bytes = check_f32s(count, what)?;
    charge(bytes, what)?;
    let mut v = Vec::new();
    v.try_reserve_exact(count).map_err(|_| refused(bytes, what))?;
    Ok(v)
}

/// Bytes in binary units for messages: "40.0 GiB".
pub fn human(bytes: usize) -> String {
    const UNITS: [&str; 7] = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 { format!("{bytes} bytes") } else { format!("{value:.1} {}", UNITS[unit]) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn over_the_limit_is_an_out_of_memory_error_naming_the_size() {
        // A size far beyond any machine: the limit (half the RAM at most) refuses it at once.
        let err = zeroed(1 << 40, "a test buffer").unwrap_err();
        assert_eq!(err.code(), "ERR_OUT_OF_MEMORY");
        assert!(err.message.contains("a test buffer") && err.message.contains("4.0 TiB"), "{err}");
        let err = check_f32s(usize::MAX, "x").unwrap_err();
        assert_eq!(err.code(), "ERR_OUT_OF_MEMORY");
    }

    #[test]
    fn small_buffers_are_filled() {
        assert_eq!(filled(3, 2.0, "t").unwrap(), vec![2.0; 3]);
        assert_eq!(copied(&[1.0, 2.0], "t").unwrap(), vec![1.0, 2.0]);
        assert!(max_buffer_bytes() >= 1 << 20);
        assert_eq!(human(3 << 30), "3.0 GiB");
        assert_eq!(human(1000), "1000 bytes");
        assert_eq!((exact(400), exact(1 << 20)), ("400 bytes".to_string(), "1.0 MiB (1048576 bytes)".to_string()));
        let z = zeroed(1000, "t").unwrap();
        assert_eq!((z.len(), z.capacity()), (1000, 1000));
        assert!(z.iter().all(|&v| v == 0.0));
        assert!(zeroed(0, "t").unwrap().is_empty());
        assert!(reserve(0, "t").unwrap().is_empty());
    }

    #[test]
    fn shapes_are_checked_before_allocating_and_named() {
        assert_eq!(check_shape(&[2, 3], "a tensor").unwrap(), 6);
        assert_eq!(check_shape(&[], "a tensor").unwrap(), 1);
        assert_eq!(check_shape(&[0, 1 << 62], "a tensor").unwrap(), 0);
        // 2^40 values = 4 TiB: over any machine's default limit (half its RAM).
        let err = check_shape(&[1 << 20, 1 << 20], "matmul's result").unwrap_err();
        assert_eq!(err.kind, ErrorKind::OutOfMemory);
        assert!(err.message.starts_with("matmul's result of shape [1048576, 1048576] needs 4.0 TiB (4398046511104 bytes), over the limit of"), "{err}");
        assert!(err.message.contains("ZERODL_MAX_TENSOR_BYTES"), "{err}");
        // Past usize: the message still gives the size asked for, approximately.
        let err = check_shape(&[1 << 40, 1 << 40], "a tensor").unwrap_err();
        assert_eq!(err.kind, ErrorKind::OutOfMemory);
        assert!(err.message.contains("[1099511627776, 1099511627776]") && err.message.contains("4.836e24 bytes"), "{err}");
        let err = check_f32s(1 << 62, "x").unwrap_err();
        assert!(err.message.contains("x needs about 1.845e19 bytes (4611686018427387904 values), more than this machine can address"), "{err}");
    }

    #[test]
    fn the_environment_limit_parses_whole_byte_counts() {
        assert_eq!(parse_limit("1048576"), Some(1 << 20));
        assert_eq!(parse_limit(" 8e9 "), Some(8_000_000_000));
        for bad in ["", "0", "-5", "1.5", "abc", "NaN", "inf", "1e30"] {
            assert_eq!(parse_limit(bad), None, "{bad}");
        }
    }
}
