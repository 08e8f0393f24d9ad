//! Elementwise kernels with run-time CPU dispatch: AVX2+FMA when the CPU has it, portable scalar
//! code otherwise. One prebuilt x86-64 binary is then fast on new CPUs and correct on old ones;
//! we never compile with `target-cpu=native`.
//!
//! Every kernel has an `_with(level, ...)` form so tests can run each path explicitly, and a plain
//! form that uses the detected [`level`]. `ZERODL_SIMD=scalar` forces the fallback (for debugging).
//! The in-place forms exist because Rust will not let one buffer be both `&[f32]` and `&mut [f32]`.

#[cfg(target_arch = "x86_64")]
pub(crate) mod avx2;
#[cfg(target_arch = "x86_64")]
pub(crate) mod avx512;
#[cfg(target_arch = "x86_64")]
mod coefficients;
mod scalar;

pub use scalar::{apply_binary, apply_unary};

use std::sync::OnceLock;

/// Which implementation a kernel call uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    Scalar,
    #[cfg(target_arch = "x86_64")]
    Avx2Fma,
}

/// The best level this CPU supports (detected once).
pub fn level() -> Level {
    static LEVEL: OnceLock<Level> = OnceLock::new();
    *LEVEL.get_or_init(|| {
        if std::env::var("ZERODL_SIMD").is_ok_and(|v| v.eq_ignore_ascii_case("scalar")) {
            return Level::Scalar;
        }
        available_levels().into_iter().last().unwrap_or(Level::Scalar)
    })
}

/// Whether the kernels that have a 16-lane AVX-512F form (the recurrent weights' packed GEMM,
/// the serving gate tiles) run it: the CPU has AVX-512F and AVX2+FMA, and `ZERODL_SIMD` caps
/// neither (`scalar`, or `avx2` to measure or debug the AVX2 forms). Detected once.
pub fn avx512() -> bool {
    static AVX512: OnceLock<bool> = OnceLock::new();
    *AVX512.get_or_init(|| {
        let capped = std::env::var("ZERODL_SIMD").is_ok_and(|v| v.eq_ignore_ascii_case("avx2"));
        level() != Level::Scalar && !capped && avx512_available()
    })
}

/// Whether this CPU has AVX-512F (and AVX2+FMA), whatever `ZERODL_SIMD` says (tests run both
/// forms). Cheap enough for the recurrent steps' checks: the features are detected once.
pub fn avx512_available() -> bool {
    #[cfg(target_arch = "x86_64")]
    return has_avx2_fma() && is_x86_feature_detected!("avx512f");
    #[cfg(not(target_arch = "x86_64"))]
    false
}

#[cfg(target_arch = "x86_64")]
fn has_avx2_fma() -> bool {
    is_x86_feature_detected!("avx2") && is_x86_feature_detected!("fma")
}

/// Asks for the cache lines under `data` to be brought into this core's L1 ahead of use (a hint:
/// no effect where the CPU has no such instruction). For data another core writes, which the
/// hint fetches while this core goes on with other work.
#[inline]
pub fn prefetch(data: &[f32]) {
    #[cfg(target_arch = "x86_64")]
    for line in data.chunks(16) {
        // SAFETY: a prefetch never faults, and the address is inside `data`.
        unsafe { std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(line.as_ptr().cast()) };
    }
}

/// Every level this CPU can run, scalar first (tests iterate over these).
pub fn available_levels() -> Vec<Level> {
    #[allow(unused_mut)]
    let mut levels = vec![Level::Scalar];
    #[cfg(target_arch = "x86_64")]
    if has_avx2_fma() {
        levels.push(Level::Avx2Fma);
    }
    levels
}

/// Binary elementwise operations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryOp {
    Add,
    Sub,
    Mul,
}

/// Unary elementwise operations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryOp {
    Exp,
    Sigmoid,
    Tanh,
    Relu,
}

// Dispatches one call to the implementation for `level`. Pointers are used so the in-place and
// out-of-place public forms share one implementation per level.
macro_rules! dispatch {
    ($level:expr, $name:ident ( $($arg:expr),* )) => {
        match $level {
            Level::Scalar => scalar::$name($($arg),*),
            // Avx2Fma is only ever produced after detecting both features at run time; callers
            // wrap the whole dispatch in `unsafe` for the pointer contract.
            #[cfg(target_arch = "x86_64")]
            Level::Avx2Fma => avx2::$name($($arg),*),
        }
    };
}

/// `out[i] = a[i] op b[i]`.
pub fn binary_with(level: Level, op: BinaryOp, a: &[f32], b: &[f32], out: &mut [f32]) {
    assert!(a.len() == out.len() && b.len() == out.len(), "binary kernel length mismatch");
    // SAFETY: all three pointers cover out.len() elements.
    unsafe { dispatch!(level, binary(op, a.as_ptr(), b.as_ptr(), out.as_mut_ptr(), out.len())) }
}

pub fn binary(op: BinaryOp, a: &[f32], b: &[f32], out: &mut [f32]) {
    binary_with(level(), op, a, b, out)
}

/// `acc[i] = acc[i] op b[i]`.
pub fn binary_inplace(op: BinaryOp, acc: &mut [f32], b: &[f32]) {
    assert_eq!(acc.len(), b.len(), "binary kernel length mismatch");
    let p = acc.as_mut_ptr();
    // SAFETY: in-place use reads element i before writing it, which every implementation does.
    unsafe { dispatch!(level(), binary(op, p, b.as_ptr(), p, b.len())) }
}

/// `out[i] = f(x[i])`.
pub fn unary_with(level: Level, op: UnaryOp, x: &[f32], out: &mut [f32]) {
    assert_eq!(x.len(), out.len(), "unary kernel length mismatch");
    // SAFETY: both pointers cover out.len() elements.
    unsafe { dispatch!(level, unary(op, x.as_ptr(), out.as_mut_ptr(), out.len())) }
}

pub fn unary(op: UnaryOp, x: &[f32], out: &mut [f32]) {
    unary_with(level(), op, x, out)
}

/// `x[i] = f(x[i])`.
pub fn unary_inplace(op: UnaryOp, x: &mut [f32]) {
    let p = x.as_mut_ptr();
    // SAFETY: element-by-element, read before write.
    unsafe { dispatch!(level(), unary(op, p, p, x.len())) }
}

/// `y[i] += alpha * x[i]` (BLAS axpy).
pub fn axpy_with(level: Level, alpha: f32, x: &[f32], y: &mut [f32]) {
    assert_eq!(x.len(), y.len(), "axpy length mismatch");
    // SAFETY: both pointers cover y.len() elements.
    unsafe { dispatch!(level, axpy(alpha, x.as_ptr(), y.as_mut_ptr(), y.len())) }
}

pub fn axpy(alpha: f32, x: &[f32], y: &mut [f32]) {
    axpy_with(level(), alpha, x, y)
}

/// `x[i] *= alpha`.
pub fn scale_inplace(alpha: f32, x: &mut [f32]) {
    // SAFETY: element-by-element, read before write.
    unsafe { dispatch!(level(), scale(alpha, x.as_mut_ptr(), x.len())) }
}

/// Sum of all elements. Blocks are summed in f32 lanes and combined in f64, so long sums keep
/// their precision.
pub fn sum_with(level: Level, x: &[f32]) -> f32 {
    const BLOCK: usize = 4096;
    x.chunks(BLOCK)
        .map(|block| {
            // SAFETY: the pointer covers block.len() elements.
            f64::from(unsafe { dispatch!(level, sum(block.as_ptr(), block.len())) })
        })
        .sum::<f64>() as f32
}

pub fn sum(x: &[f32]) -> f32 {
    sum_with(level(), x)
}

/// Dot product `sum(a[i] * b[i])`, blocked like [`sum_with`] for precision. NaN or infinite inputs
/// give a non-finite result, which makes `dot(g, g)` a cheap finiteness check too.
pub fn dot_with(level: Level, a: &[f32], b: &[f32]) -> f32 {
    assert_eq!(a.len(), b.len(), "dot length mismatch");
    const BLOCK: usize = 4096;
    a.chunks(BLOCK)
        .zip(b.chunks(BLOCK))
        .map(|(x, y)| {
            // SAFETY: both pointers cover x.len() elements.
            f64::from(unsafe { dispatch!(level, dot(x.as_ptr(), y.as_ptr(), x.len())) })
        })
        .sum::<f64>() as f32
}

pub fn dot(a: &[f32], b: &[f32]) -> f32 {
    dot_with(level(), a, b)
}

/// Maximum element (`-inf` for an empty slice; NaN if any element is NaN).
pub fn max_with(level: Level, x: &[f32]) -> f32 {
    if x.iter().any(|v| v.is_nan()) {
        return f32::NAN;
    }
    // SAFETY: the pointer covers x.len() elements.
    unsafe { dispatch!(level, max(x.as_ptr(), x.len())) }
}

pub fn max(x: &[f32]) -> f32 {
    max_with(level(), x)
}

/// Numerically stable softmax of one row: `exp(x - max) / sum`.
pub fn softmax_row_with(level: Level, x: &[f32], out: &mut [f32]) {
    let m = max_with(level, x);
    shifted_exp(level, x, m, out);
    let total = sum_with(level, out);
    // SAFETY: the pointer covers out.len() elements.
    unsafe { dispatch!(level, scale(1.0 / total, out.as_mut_ptr(), out.len())) }
}

pub fn softmax_row(x: &[f32], out: &mut [f32]) {
    softmax_row_with(level(), x, out)
}

/// Numerically stable log-softmax of one row: `x - max - ln(sum(exp(x - max)))`.
pub fn log_softmax_row_with(level: Level, x: &[f32], out: &mut [f32]) {
    let m = max_with(level, x);
    shifted_exp(level, x, m, out);
    let log_total = sum_with(level, out).ln();
    // (x - m) first, then the small log-sum: subtracting one rounded `m + log_total` would lose
    // digits when the logits are large.
    // SAFETY: pointers cover out.len() elements; in place, read before write.
    unsafe {
        dispatch!(level, add_scalar(x.as_ptr(), -m, out.as_mut_ptr(), out.len()));
        let p = out.as_mut_ptr();
        dispatch!(level, add_scalar(p, -log_total, p, out.len()));
    }
}

pub fn log_softmax_row(x: &[f32], out: &mut [f32]) {
    log_softmax_row_with(level(), x, out)
}

fn shifted_exp(level: Level, x: &[f32], shift: f32, out: &mut [f32]) {
    assert_eq!(x.len(), out.len(), "softmax length mismatch");
    // SAFETY: pointers cover out.len() elements.
    unsafe {
        dispatch!(level, add_scalar(x.as_ptr(), -shift, out.as_mut_ptr(), out.len()));
        let p = out.as_mut_ptr();
        dispatch!(level, unary(UnaryOp::Exp, p, p, out.len()));
    }
}

#[cfg(test)]
mod tests;
