//! AVX-512F exp, sigmoid and tanh, 16 lanes at a time, for the gate math of recurrent layers
//! (kernels/gate_tile_math.rs when serving one sequence, nn/recurrent/cell_avx2.rs's 16-lane
//! steps when training), where it shares the FMA ports with the products of every step.
//!
//! The polynomials are avx2.rs's (coefficients.rs: Cephes' expf, Eigen's rational tanh). What
//! differs: 2^n is one `vscalefps`; the divisions are a 14-bit reciprocal refined by one Newton
//! step (relative error ~2^-23, like the division's rounding) because a 16-lane division
//! occupies the divider ~10 cycles, five times per unit group; and NaN survives the clamps by
//! operand order instead of a compare and blend. Checked against f64 in the tests below.
//!
//! Every function is `unsafe` and `#[target_feature(enable = "avx512f")]`: callers must have
//! detected the feature (kernels/gate_tiles.rs's `Width::detect`).

use std::arch::x86_64::*;

use super::coefficients::*;

#[target_feature(enable = "avx512f")]
#[inline]
unsafe fn splat(v: f32) -> __m512 {
    _mm512_set1_ps(v)
}

/// x clamped to [lo, hi], NaN kept: `vmaxps`/`vminps` return their second operand when either is
/// NaN, so x goes second (no compare and blend to restore NaN lanes, as avx2.rs needs).
#[target_feature(enable = "avx512f")]
#[inline]
unsafe fn clamp(x: __m512, lo: f32, hi: f32) -> __m512 {
    _mm512_min_ps(splat(hi), _mm512_max_ps(splat(lo), x))
}

/// 1 / d, to ~1 ulp: the 14-bit estimate and one Newton step.
#[target_feature(enable = "avx512f")]
#[inline]
unsafe fn recip(d: __m512) -> __m512 {
    let r = _mm512_rcp14_ps(d);
    _mm512_fmadd_ps(r, _mm512_fnmadd_ps(d, r, splat(1.0)), r)
}

/// Horner's rule: the polynomial with coefficients `k` (highest degree first) at x.
#[target_feature(enable = "avx512f")]
#[inline]
unsafe fn horner(k: &[f32], x: __m512) -> __m512 {
    k[1..].iter().fold(splat(k[0]), |p, &c| _mm512_fmadd_ps(p, x, splat(c)))
}

#[target_feature(enable = "avx512f")]
#[inline]
pub(crate) unsafe fn exp16(x_in: __m512) -> __m512 {
    let x = clamp(x_in, EXP_MIN, EXP_MAX);
    // Round to nearest (imm 0), exceptions suppressed (8).
    let n = _mm512_roundscale_ps::<8>(_mm512_mul_ps(x, splat(std::f32::consts::LOG2_E)));
    let r = _mm512_fnmadd_ps(n, splat(LN2_HI), x);
    let r = _mm512_fnmadd_ps(n, splat(LN2_LO), r);
    let y = _mm512_add_ps(_mm512_fmadd_ps(horner(&EXP_P, r), _mm512_mul_ps(r, r), r), splat(1.0));
    // Below the clamp the true value is under 1.2e-38: flush to 0 so exp(-inf) = 0.
    let below = _mm512_cmp_ps_mask::<_CMP_LT_OQ>(x_in, splat(EXP_MIN));
    _mm512_mask_mov_ps(_mm512_scalef_ps(y, n), below, _mm512_setzero_ps())
}

#[target_feature(enable = "avx512f")]
#[inline]
pub(crate) unsafe fn sigmoid16(x: __m512) -> __m512 {
    recip(_mm512_add_ps(splat(1.0), exp16(_mm512_sub_ps(_mm512_setzero_ps(), x))))
}

#[target_feature(enable = "avx512f")]
#[inline]
pub(crate) unsafe fn tanh16(x: __m512) -> __m512 {
    let xc = clamp(x, -TANH_CLAMP, TANH_CLAMP);
    let x2 = _mm512_mul_ps(xc, xc);
    _mm512_mul_ps(_mm512_mul_ps(horner(&TANH_P, x2), xc), recip(horner(&TANH_Q, x2)))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// f(x) for each x, through the 16-lane function.
    fn lanes(f: unsafe fn(__m512) -> __m512, xs: &[f32]) -> Vec<f32> {
        xs.chunks(16)
            .flat_map(|c| {
                let mut v = [0.0f32; 16];
                v[..c.len()].copy_from_slice(c);
                let mut out = [0.0f32; 16];
                // SAFETY: only called when the CPU has AVX-512F (checked by the tests).
                unsafe { _mm512_storeu_ps(out.as_mut_ptr(), f(_mm512_loadu_ps(v.as_ptr()))) };
                out[..c.len()].to_vec()
            })
            .collect()
    }

    #[test]
    fn exp_sigmoid_and_tanh_match_f64() {
        if !is_x86_feature_detected!("avx512f") {
            return;
        }
        let xs: Vec<f32> = (-20_000..=20_000).map(|i| i as f32 * 1e-3).chain([-100.0, -88.0, 88.0, 100.0, 1e-30, -1e-30, 0.0]).collect();
        let sig = |x: f64| 1.0 / (1.0 + (-x).exp());
        for (name, f, want) in [("sigmoid", sigmoid16 as unsafe fn(__m512) -> __m512, &sig as &dyn Fn(f64) -> f64), ("tanh", tanh16, &f64::tanh)] {
            for (&x, y) in xs.iter().zip(lanes(f, &xs)) {
                let w = want(f64::from(x));
                assert!((f64::from(y) - w).abs() <= 1e-6 * w.abs().max(1e-30) + 1e-7, "{name}({x}) = {y}, want {w}");
            }
        }
        for (&x, y) in xs.iter().zip(lanes(exp16, &xs)) {
            let w = f64::from(x).exp();
            let w = if w > f64::from(f32::MAX) { f64::from(88.376_26f32).exp() } else { w };
            assert!((f64::from(y) - w).abs() <= 1e-6 * w + 1e-37, "exp({x}) = {y}, want {w}");
        }
    }

    #[test]
    fn nan_stays_nan_and_extremes_saturate() {
        if !is_x86_feature_detected!("avx512f") {
            return;
        }
        let xs = [f32::NAN, f32::INFINITY, f32::NEG_INFINITY];
        assert!(lanes(sigmoid16, &xs)[0].is_nan() && lanes(tanh16, &xs)[0].is_nan() && lanes(exp16, &xs)[0].is_nan());
        // sigmoid(-inf) is 1 / (1 + e^88.4), as with avx2.rs's division: a denormal, not 0.
        let s = lanes(sigmoid16, &xs);
        assert!(s[1] == 1.0 && (0.0..1e-38).contains(&s[2]), "sigmoid(+-inf) = {:?}", &s[1..]);
        assert_eq!(&lanes(tanh16, &xs)[1..], &[1.0, -1.0]);
        assert_eq!(lanes(exp16, &xs)[2], 0.0);
    }
}
