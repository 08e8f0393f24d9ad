//! Convolution vectorized along output positions, for layers with few filters (LeNet's first,
//! one channel to six filters): each tap of a filter adds its weight times a shifted run of the
//! input to a run of outputs, so the vectors run over positions and nothing is packed. One call
//! covers a run and every tap of one filter (the weight gradient is dot products:
//! `simd::dot`). The loops are plain Rust, compiled for
//! AVX-512 and AVX2+FMA by the target-feature wrappers below (the compiler vectorizes them), and
//! portable elsewhere.

use super::simd::{self, Level};

/// `out[o] += sum over taps (offset, w) of w * x[offset + o]`, for o < out.len().
///
/// # Panics
/// When a tap reads past `x` (a caller's bug).
pub fn row_taps(level: Level, x: &[f32], taps: &[(usize, f32)], out: &mut [f32]) {
    let reach = taps.iter().map(|&(off, _)| off).max().unwrap_or(0) + out.len();
    assert!(taps.is_empty() || reach <= x.len(), "row conv: a tap reads past the input ({reach} > {})", x.len());
    match level {
        // SAFETY: the features are those `level` detected.
        #[cfg(target_arch = "x86_64")]
        Level::Avx2Fma if simd::avx512() => unsafe { row_taps_avx512(x, taps, out) },
        #[cfg(target_arch = "x86_64")]
        Level::Avx2Fma => unsafe { row_taps_avx2(x, taps, out) },
        _ => row_taps_body(x, taps, out),
    }
}

#[inline(always)]
fn row_taps_body(x: &[f32], taps: &[(usize, f32)], out: &mut [f32]) {
    let n = out.len();
    for &(off, w) in taps {
        for (o, &v) in out.iter_mut().zip(&x[off..off + n]) {
            *o = v.mul_add(w, *o);
        }
    }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f,avx2,fma")]
unsafe fn row_taps_avx512(x: &[f32], taps: &[(usize, f32)], out: &mut [f32]) {
    row_taps_body(x, taps, out)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn row_taps_avx2(x: &[f32], taps: &[(usize, f32)], out: &mut [f32]) {
    row_taps_body(x, taps, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_form_sums_the_taps() {
        let x: Vec<f32> = (0..300).map(|i| ((i * 37 % 101) as f32 - 50.0) / 25.0).collect();
        let taps: Vec<(usize, f32)> = (0..25).map(|t| ((t * 11) % 200, (t as f32 - 12.0) / 7.0)).collect();
        let mut levels = vec![Level::Scalar];
        if simd::level() != Level::Scalar {
            levels.push(simd::level());
        }
        for level in levels {
            let mut out = vec![0.5f32; 28];
            row_taps(level, &x, &taps, &mut out);
            for (o, &got) in out.iter().enumerate() {
                let want = 0.5 + taps.iter().map(|&(off, w)| w * x[off + o]).sum::<f32>();
                assert!((got - want).abs() < 1e-3, "{level:?} {o}: {got} vs {want}");
            }
        }
    }
}
