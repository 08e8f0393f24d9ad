//! Portable reference implementations: the fallback on CPUs without AVX2/FMA and the baseline the
//! SIMD paths are tested against. Written with std's math functions, so they are accurate by
//! construction.

use super::{BinaryOp, UnaryOp};

pub fn apply_binary(op: BinaryOp, a: f32, b: f32) -> f32 {
    match op {
        BinaryOp::Add => a + b,
        BinaryOp::Sub => a - b,
        BinaryOp::Mul => a * b,
    }
}

pub fn apply_unary(op: UnaryOp, x: f32) -> f32 {
    match op {
        UnaryOp::Exp => x.exp(),
        // Written so neither branch overflows: exp of a non-positive number only.
        UnaryOp::Sigmoid => {
            if x >= 0.0 {
                1.0 / (1.0 + (-x).exp())
            } else {
                let e = x.exp();
                e / (1.0 + e)
            }
        }
        UnaryOp::Tanh => x.tanh(),
        // max() would turn NaN into 0 and hide it; keep NaN visible.
        UnaryOp::Relu => {
            if x > 0.0 || x.is_nan() {
                x
            } else {
                0.0
            }
        }
    }
}

/// # Safety
/// `a`, `b`, `out` must be valid for `n` elements; `out` may alias `a` or `b`.
pub unsafe fn binary(op: BinaryOp, a: *const f32, b: *const f32, out: *mut f32, n: usize) {
    for i in 0..n {
        *out.add(i) = apply_binary(op, *a.add(i), *b.add(i));
    }
}

/// # Safety
/// `x`, `out` valid for `n` elements; may alias.
pub unsafe fn unary(op: UnaryOp, x: *const f32, out: *mut f32, n: usize) {
    for i in 0..n {
        *out.add(i) = apply_unary(op, *x.add(i));
    }
}

/// # Safety
/// `x`, `out` valid for `n` elements; may alias.
pub unsafe fn add_scalar(x: *const f32, s: f32, out: *mut f32, n: usize) {
    for i in 0..n {
        *out.add(i) = *x.add(i) + s;
    }
}

/// # Safety
/// `x`, `y` valid for `n` elements.
pub unsafe fn axpy(alpha: f32, x: *const f32, y: *mut f32, n: usize) {
    for i in 0..n {
        *y.add(i) += alpha * *x.add(i);
    }
}

/// # Safety
/// `x` valid for `n` elements.
pub unsafe fn scale(alpha: f32, x: *mut f32, n: usize) {
    for i in 0..n {
        *x.add(i) *= alpha;
    }
}

/// # Safety
/// `x` valid for `n` elements.
pub unsafe fn sum(x: *const f32, n: usize) -> f32 {
    // f64 accumulation: the reference path favours accuracy over speed.
    (0..n).map(|i| f64::from(*x.add(i))).sum::<f64>() as f32
}

/// # Safety
/// `a`, `b` valid for `n` elements.
pub unsafe fn dot(a: *const f32, b: *const f32, n: usize) -> f32 {
    (0..n).map(|i| f64::from(*a.add(i)) * f64::from(*b.add(i))).sum::<f64>() as f32
}

/// # Safety
/// `x` valid for `n` elements.
pub unsafe fn max(x: *const f32, n: usize) -> f32 {
    (0..n).map(|i| *x.add(i)).fold(f32::NEG_INFINITY, f32::max)
}
