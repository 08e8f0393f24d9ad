//! AVX2 + FMA implementations, 8 lanes at a time with a scalar tail.
//!
//! exp follows Cephes' expf (range reduction to 2^n * e^r, |r| <= ln2/2, degree-6 polynomial);
//! tanh uses Eigen's rational approximation (accurate to a few ulp on [-9, 9], and relatively
//! accurate near 0 where `1 - 2/(e^2x + 1)` would cancel). Both are checked against f64 in tests.
//!
//! Every function here is `unsafe` and `#[target_feature(enable = "avx2,fma")]`: callers must have
//! detected both features (mod.rs does, once).

use std::arch::x86_64::*;

use super::coefficients::*;
use super::scalar::apply_binary;
use super::{BinaryOp, UnaryOp};

const LANES: usize = 8;

/// The sum of the 8 lanes of `v`, added in lane order.
#[target_feature(enable = "avx2,fma")]
#[inline]
pub(crate) unsafe fn hsum(v: __m256) -> f32 {
    let mut lanes = [0.0f32; LANES];
    _mm256_storeu_ps(lanes.as_mut_ptr(), v);
    lanes.iter().sum()
}

/// Puts NaN lanes of `x` back into `result` (min/max clamps would have replaced them).
#[target_feature(enable = "avx2,fma")]
#[inline]
unsafe fn keep_nan(x: __m256, result: __m256) -> __m256 {
    _mm256_blendv_ps(result, x, _mm256_cmp_ps(x, x, _CMP_UNORD_Q))
}

/// Horner's rule: the polynomial with coefficients `k` (highest degree first) at x.
#[target_feature(enable = "avx2,fma")]
#[inline]
unsafe fn horner(k: &[f32], x: __m256) -> __m256 {
    k[1..].iter().fold(_mm256_set1_ps(k[0]), |p, &c| _mm256_fmadd_ps(p, x, _mm256_set1_ps(c)))
}

#[target_feature(enable = "avx2,fma")]
#[inline]
unsafe fn exp8(x_in: __m256) -> __m256 {
    // Clamp so 2^n stays a normal float: below EXP_MIN the result underflows to ~0 anyway.
    let x = _mm256_min_ps(_mm256_max_ps(x_in, _mm256_set1_ps(EXP_MIN)), _mm256_set1_ps(EXP_MAX));
    let n = _mm256_round_ps(
        _mm256_mul_ps(x, _mm256_set1_ps(std::f32::consts::LOG2_E)),
        _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC,
    );
    // r = x - n ln2, with ln2 split in two so the product is exact in the high part.
    let r = _mm256_fnmadd_ps(n, _mm256_set1_ps(LN2_HI), x);
    let r = _mm256_fnmadd_ps(n, _mm256_set1_ps(LN2_LO), r);
    let y = _mm256_add_ps(_mm256_fmadd_ps(horner(&EXP_P, r), _mm256_mul_ps(r, r), r), _mm256_set1_ps(1.0));
    // 2^n built directly in the exponent bits.
    let pow2n = _mm256_castsi256_ps(_mm256_slli_epi32(
        _mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)),
        23,
    ));
    // Below the clamp the true value is under 1.2e-38: flush to 0 so exp(-inf) = 0 (masked logits).
    let in_range = _mm256_cmp_ps(x_in, _mm256_set1_ps(EXP_MIN), _CMP_GE_OQ);
    keep_nan(x_in, _mm256_and_ps(_mm256_mul_ps(y, pow2n), in_range))
}

#[target_feature(enable = "avx2,fma")]
#[inline]
pub(crate) unsafe fn sigmoid8(x: __m256) -> __m256 {
    let one = _mm256_set1_ps(1.0);
    let e = exp8(_mm256_sub_ps(_mm256_setzero_ps(), x));
    _mm256_div_ps(one, _mm256_add_ps(one, e))
}

#[target_feature(enable = "avx2,fma")]
#[inline]
pub(crate) unsafe fn tanh8(x: __m256) -> __m256 {
    let xc = _mm256_min_ps(_mm256_max_ps(x, _mm256_set1_ps(-TANH_CLAMP)), _mm256_set1_ps(TANH_CLAMP));
    let x2 = _mm256_mul_ps(xc, xc);
    keep_nan(x, _mm256_div_ps(_mm256_mul_ps(horner(&TANH_P, x2), xc), horner(&TANH_Q, x2)))
}

#[target_feature(enable = "avx2,fma")]
#[inline]
unsafe fn relu8(x: __m256) -> __m256 {
    // max(x, 0) with x first keeps NaN (maxps returns the second operand on NaN).
    let keep = _mm256_or_ps(
        _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_GT_OQ),
        _mm256_cmp_ps(x, x, _CMP_UNORD_Q),
    );
    _mm256_and_ps(x, keep)
}

/// # Safety
/// AVX2+FMA present; pointers valid for `n` elements (`out` may alias an input).
#[target_feature(enable = "avx2,fma")]
pub unsafe fn binary(op: BinaryOp, a: *const f32, b: *const f32, out: *mut f32, n: usize) {
    let body = n - n % LANES;
    let mut i = 0;
    while i < body {
        let (va, vb) = (_mm256_loadu_ps(a.add(i)), _mm256_loadu_ps(b.add(i)));
        let v = match op {
            BinaryOp::Add => _mm256_add_ps(va, vb),
            BinaryOp::Sub => _mm256_sub_ps(va, vb),
            BinaryOp::Mul => _mm256_mul_ps(va, vb),
        };
        _mm256_storeu_ps(out.add(i), v);
        i += LANES;
    }
    for j in body..n {
        *out.add(j) = apply_binary(op, *a.add(j), *b.add(j));
    }
}

/// # Safety
/// AVX2+FMA present; pointers valid for `n` elements (may alias).
#[target_feature(enable = "avx2,fma")]
pub unsafe fn unary(op: UnaryOp, x: *const f32, out: *mut f32, n: usize) {
    match op {
        UnaryOp::Exp => map8(x, out, n, |v| exp8(v)),
        UnaryOp::Sigmoid => map8(x, out, n, |v| sigmoid8(v)),
        UnaryOp::Tanh => map8(x, out, n, |v| tanh8(v)),
        UnaryOp::Relu => map8(x, out, n, |v| relu8(v)),
    }
    // The tail goes through the same vector code on a padded copy, so every element of a tensor
    // is computed by the same formula whatever its position.
    let body = n - n % LANES;
    if body < n {
        let mut tmp = [0.0f32; LANES];
        tmp[..n - body].copy_from_slice(std::slice::from_raw_parts(x.add(body), n - body));
        let v = _mm256_loadu_ps(tmp.as_ptr());
        let r = match op {
            UnaryOp::Exp => exp8(v),
            UnaryOp::Sigmoid => sigmoid8(v),
            UnaryOp::Tanh => tanh8(v),
            UnaryOp::Relu => relu8(v),
        };
        _mm256_storeu_ps(tmp.as_mut_ptr(), r);
        std::ptr::copy_nonoverlapping(tmp.as_ptr(), out.add(body), n - body);
    }
}

#[target_feature(enable = "avx2,fma")]
#[inline]
unsafe fn map8(x: *const f32, out: *mut f32, n: usize, f: impl Fn(__m256) -> __m256) {
    let body = n - n % LANES;
    let mut i = 0;
    while i < body {
        _mm256_storeu_ps(out.add(i), f(_mm256_loadu_ps(x.add(i))));
        i += LANES;
    }
}

/// # Safety
/// AVX2+FMA present; pointers valid for `n` elements (may alias).
#[target_feature(enable = "avx2,fma")]
pub unsafe fn add_scalar(x: *const f32, s: f32, out: *mut f32, n: usize) {
    let vs = _mm256_set1_ps(s);
    map8(x, out, n, |v| _mm256_add_ps(v, vs));
    for j in n - n % LANES..n {
        *out.add(j) = *x.add(j) + s;
    }
}

/// # Safety
/// AVX2+FMA present; pointers valid for `n` elements.
#[target_feature(enable = "avx2,fma")]
pub unsafe fn axpy(alpha: f32, x: *const f32, y: *mut f32, n: usize) {
    let va = _mm256_set1_ps(alpha);
    let body = n - n % LANES;
    let mut i = 0;
    while i < body {
        let r = _mm256_fmadd_ps(va, _mm256_loadu_ps(x.add(i)), _mm256_loadu_ps(y.add(i)));
        _mm256_storeu_ps(y.add(i), r);
        i += LANES;
    }
    for j in body..n {
        *y.add(j) += alpha * *x.add(j);
    }
}

/// # Safety
/// AVX2+FMA present; `x` valid for `n` elements.
#[target_feature(enable = "avx2,fma")]
pub unsafe fn scale(alpha: f32, x: *mut f32, n: usize) {
    let va = _mm256_set1_ps(alpha);
    map8(x, x, n, |v| _mm256_mul_ps(v, va));
    for j in n - n % LANES..n {
        *x.add(j) *= alpha;
    }
}

/// # Safety
/// AVX2+FMA present; `x` valid for `n` elements.
#[target_feature(enable = "avx2,fma")]
pub unsafe fn sum(x: *const f32, n: usize) -> f32 {
    // Four independent accumulators hide the add latency.
    let mut acc = [_mm256_setzero_ps(); 4];
    let body = n - n % (4 * LANES);
    let mut i = 0;
    while i < body {
        for (k, a) in acc.iter_mut().enumerate() {
            *a = _mm256_add_ps(*a, _mm256_loadu_ps(x.add(i + k * LANES)));
        }
        i += 4 * LANES;
    }
    let mut total = hsum(_mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3])));
    for j in body..n {
        total += *x.add(j);
    }
    total
}

/// # Safety
/// AVX2+FMA present; `a`, `b` valid for `n` elements.
#[target_feature(enable = "avx2,fma")]
pub unsafe fn dot(a: *const f32, b: *const f32, n: usize) -> f32 {
    let mut acc = [_mm256_setzero_ps(); 4];
    let body = n - n % (4 * LANES);
    let mut i = 0;
    while i < body {
        for (k, s) in acc.iter_mut().enumerate() {
            let off = i + k * LANES;
            *s = _mm256_fmadd_ps(_mm256_loadu_ps(a.add(off)), _mm256_loadu_ps(b.add(off)), *s);
        }
        i += 4 * LANES;
    }
    let mut total = hsum(_mm256_add_ps(_mm256_add_ps(acc[0], acc[1]), _mm256_add_ps(acc[2], acc[3])));
    for j in body..n {
        total += *a.add(j) * *b.add(j);
    }
    total
}

/// # Safety
/// AVX2+FMA present; `x` valid for `n` elements, none NaN (mod.rs checks).
#[target_feature(enable = "avx2,fma")]
pub unsafe fn max(x: *const f32, n: usize) -> f32 {
    let mut acc = _mm256_set1_ps(f32::NEG_INFINITY);
    let body = n - n % LANES;
    let mut i = 0;
    while i < body {
        acc = _mm256_max_ps(acc, _mm256_loadu_ps(x.add(i)));
        i += LANES;
    }
    let mut lanes = [0.0f32; LANES];
    _mm256_storeu_ps(lanes.as_mut_ptr(), acc);
    let mut m = lanes.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    for j in body..n {
        m = m.max(*x.add(j));
    }
    m
}
