//! Direct convolution, vectorized over output channels (oneDNN's direct kernels work this way):
//! the weights are repacked so that one kernel tap of 16 consecutive filters is one vector,
//! and a register tile accumulates a run of output positions of one row for those 16 filters,
//! one input value broadcast per position and tap. Nothing is copied per patch: each input
//! value is read from the (padded) input itself, once per tap that covers it. Used where the
//! filters fill the vectors (16 or more per group); the packed GEMM serves the rest.
//!
//! Tiles: AVX-512, 14 positions x 16 filters (14 of the 32 registers accumulate); AVX2, 6
//! positions x 16 filters (two registers each, 12 of 16); a portable loop elsewhere.

use super::simd::{self, Level};

/// Filters per vector block.
pub const BLOCK: usize = 16;
/// Positions per AVX-512 tile.
const TILE_512: usize = 14;
/// Positions per AVX2 tile.
const TILE_AVX2: usize = 6;

/// The weights of `filters` filters of `taps` values each (PyTorch's rows: channel, kh, kw)
/// as blocks of 16 filters: block b, tap k at `[(b * taps + k) * 16..][..16]`, zero past the
/// last filter.
pub fn pack_weights(weight: &[f32], filters: usize, taps: usize) -> Vec<f32> {
    let blocks = filters.div_ceil(BLOCK);
    let mut packed = vec![0.0f32; blocks * taps * BLOCK];
    for f in 0..filters {
        let (b, lane) = (f / BLOCK, f % BLOCK);
        for k in 0..taps {
            packed[(b * taps + k) * BLOCK + lane] = weight[f * taps + k];
        }
    }
    packed
}

/// Positions per call of [`tile`] on this CPU.
pub fn tile_positions(level: Level) -> usize {
    match level {
        #[cfg(target_arch = "x86_64")]
        Level::Avx2Fma if simd::avx512() => TILE_512,
        #[cfg(target_arch = "x86_64")]
        Level::Avx2Fma => TILE_AVX2,
        _ => TILE_AVX2,
    }
}

/// `res[o * 16 + lane]` = the sum over taps k of `x[offsets[k] + bases[o]]` x
/// `weights[k * 16 + lane]`, for the [`tile_positions`] positions o (a caller with fewer
/// repeats its last base and ignores those results).
///
/// # Safety
/// Every `offsets[k] + bases[o]` is inside `x`; `bases` holds `tile_positions(level)` values;
/// `weights` holds `offsets.len()` vectors of 16; `res` holds `bases.len() * 16` values;
/// `level` is available.
pub unsafe fn tile(level: Level, x: &[f32], offsets: &[usize], bases: &[usize], weights: &[f32], res: &mut [f32]) {
    debug_assert!(bases.len() == tile_positions(level) && weights.len() >= offsets.len() * BLOCK && res.len() >= bases.len() * BLOCK);
    match level {
        #[cfg(target_arch = "x86_64")]
        Level::Avx2Fma if simd::avx512() => avx512::tile(x.as_ptr(), offsets, bases, weights.as_ptr(), res.as_mut_ptr()),
        #[cfg(target_arch = "x86_64")]
        Level::Avx2Fma => avx2::tile(x.as_ptr(), offsets, bases, weights.as_ptr(), res.as_mut_ptr()),
        _ => scalar_tile(x, offsets, bases, weights, res),
    }
}

/// Positions per call of [`tile_pair`], where this CPU has it (AVX-512: 7 positions x two
/// blocks of 16 filters, so each broadcast input value feeds two FMAs and the loads no longer
/// bound the loop as they do in the 14 x 16 tile).
pub fn pair_positions(level: Level) -> Option<usize> {
    match level {
        #[cfg(target_arch = "x86_64")]
        Level::Avx2Fma if simd::avx512() => Some(PAIR_512),
        _ => None,
    }
}

/// Positions per AVX-512 pair tile.
const PAIR_512: usize = 7;

/// [`tile`] for two blocks of weights at once: `res[(b * 7 + o) * 16 + lane]` for block b of
/// (`weights_a`, `weights_b`).
///
/// # Safety
/// As for [`tile`], with `bases` of `pair_positions(level)` values (which must be `Some`),
/// both weight blocks of `offsets.len()` vectors, and `res` of 2 * 7 * 16 values.
pub unsafe fn tile_pair(level: Level, x: &[f32], offsets: &[usize], bases: &[usize], weights_a: &[f32], weights_b: &[f32], res: &mut [f32]) {
    debug_assert!(pair_positions(level) == Some(bases.len()) && weights_a.len().min(weights_b.len()) >= offsets.len() * BLOCK && res.len() >= 2 * bases.len() * BLOCK);
    #[cfg(target_arch = "x86_64")]
    avx512::tile_pair(x.as_ptr(), offsets, bases, weights_a.as_ptr(), weights_b.as_ptr(), res.as_mut_ptr());
    #[cfg(not(target_arch = "x86_64"))]
    unreachable!("no pair tile on this architecture ({level:?}, {} {} {} {} {})", x.len(), offsets.len(), bases.len(), weights_a.len() + weights_b.len(), res.len());
}

fn scalar_tile(x: &[f32], offsets: &[usize], bases: &[usize], weights: &[f32], res: &mut [f32]) {
    res[..bases.len() * BLOCK].fill(0.0);
    for (k, &off) in offsets.iter().enumerate() {
        let w = &weights[k * BLOCK..][..BLOCK];
        for (o, &base) in bases.iter().enumerate() {
            let v = x[off + base];
            for (r, &wl) in res[o * BLOCK..][..BLOCK].iter_mut().zip(w) {
                *r = v.mul_add(wl, *r);
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx512 {
    use std::arch::x86_64::*;

    use super::{BLOCK, PAIR_512, TILE_512};

    /// # Safety
    /// As for [`super::tile`], with AVX-512F available.
    #[target_feature(enable = "avx512f")]
    pub unsafe fn tile(x: *const f32, offsets: &[usize], bases: &[usize], w: *const f32, res: *mut f32) {
        let bases: [usize; TILE_512] = bases[..TILE_512].try_into().expect("a full tile of bases");
        let mut acc = [_mm512_setzero_ps(); TILE_512];
        for (k, &off) in offsets.iter().enumerate() {
            let wv = _mm512_loadu_ps(w.add(k * BLOCK));
            let p = x.add(off);
            for (a, &base) in acc.iter_mut().zip(&bases) {
                *a = _mm512_fmadd_ps(_mm512_set1_ps(*p.add(base)), wv, *a);
            }
        }
        for (o, a) in acc.iter().enumerate() {
            _mm512_storeu_ps(res.add(o * BLOCK), *a);
        }
    }

    /// # Safety
    /// As for [`super::tile_pair`], with AVX-512F available.
    #[target_feature(enable = "avx512f")]
    pub unsafe fn tile_pair(x: *const f32, offsets: &[usize], bases: &[usize], wa: *const f32, wb: *const f32, res: *mut f32) {
        let bases: [usize; PAIR_512] = bases[..PAIR_512].try_into().expect("a full tile of bases");
        let mut acc_a = [_mm512_setzero_ps(); PAIR_512];
        let mut acc_b = [_mm512_setzero_ps(); PAIR_512];
        for (k, &off) in offsets.iter().enumerate() {
            let (va, vb) = (_mm512_loadu_ps(wa.add(k * BLOCK)), _mm512_loadu_ps(wb.add(k * BLOCK)));
            let p = x.add(off);
            for o in 0..PAIR_512 {
                let v = _mm512_set1_ps(*p.add(bases[o]));
                acc_a[o] = _mm512_fmadd_ps(v, va, acc_a[o]);
                acc_b[o] = _mm512_fmadd_ps(v, vb, acc_b[o]);
            }
        }
        for o in 0..PAIR_512 {
            _mm512_storeu_ps(res.add(o * BLOCK), acc_a[o]);
            _mm512_storeu_ps(res.add((PAIR_512 + o) * BLOCK), acc_b[o]);
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use std::arch::x86_64::*;

    use super::{BLOCK, TILE_AVX2};

    /// # Safety
    /// As for [`super::tile`], with AVX2 and FMA available.
    #[target_feature(enable = "avx2,fma")]
    pub unsafe fn tile(x: *const f32, offsets: &[usize], bases: &[usize], w: *const f32, res: *mut f32) {
        let bases: [usize; TILE_AVX2] = bases[..TILE_AVX2].try_into().expect("a full tile of bases");
        let mut lo = [_mm256_setzero_ps(); TILE_AVX2];
        let mut hi = [_mm256_setzero_ps(); TILE_AVX2];
        for (k, &off) in offsets.iter().enumerate() {
            let (w0, w1) = (_mm256_loadu_ps(w.add(k * BLOCK)), _mm256_loadu_ps(w.add(k * BLOCK + 8)));
            let p = x.add(off);
            for o in 0..TILE_AVX2 {
                let v = _mm256_set1_ps(*p.add(bases[o]));
                lo[o] = _mm256_fmadd_ps(v, w0, lo[o]);
                hi[o] = _mm256_fmadd_ps(v, w1, hi[o]);
            }
        }
        for o in 0..TILE_AVX2 {
            _mm256_storeu_ps(res.add(o * BLOCK), lo[o]);
            _mm256_storeu_ps(res.add(o * BLOCK + 8), hi[o]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every tile form (AVX-512, AVX2, portable; full tiles and remainders) against the sum.
    #[test]
    fn tiles_compute_the_tap_sums() {
        let x: Vec<f32> = (0..400).map(|i| ((i * 37 % 101) as f32 - 50.0) / 25.0).collect();
        let offsets: Vec<usize> = (0..23).map(|k| (k * 7) % 90).collect();
        let weights: Vec<f32> = (0..23 * BLOCK).map(|i| ((i * 13 % 29) as f32 - 14.0) / 7.0).collect();
        let mut levels = vec![Level::Scalar];
        if simd::level() != Level::Scalar {
            levels.push(simd::level());
        }
        for level in levels {
            let n = tile_positions(level);
            let bases: Vec<usize> = (0..n).map(|o| o * 3 + (o / 4) * 50).collect();
            let mut res = vec![f32::NAN; n * BLOCK];
            unsafe { tile(level, &x, &offsets, &bases, &weights, &mut res) };
            for (o, &base) in bases.iter().enumerate() {
                for lane in 0..BLOCK {
                    let want: f32 = offsets.iter().enumerate().map(|(k, &off)| x[off + base] * weights[k * BLOCK + lane]).sum();
                    assert!((res[o * BLOCK + lane] - want).abs() < 1e-3, "{level:?} o {o} lane {lane}");
                }
            }
            if let Some(n) = pair_positions(level) {
                let other: Vec<f32> = weights.iter().map(|w| 1.5 - w).collect();
                let bases = &bases[..n];
                let mut res = vec![f32::NAN; 2 * n * BLOCK];
                unsafe { tile_pair(level, &x, &offsets, bases, &weights, &other, &mut res) };
                for (b, w) in [&weights, &other].iter().enumerate() {
                    for (o, &base) in bases.iter().enumerate() {
                        for lane in 0..BLOCK {
                            let want: f32 = offsets.iter().enumerate().map(|(k, &off)| x[off + base] * w[k * BLOCK + lane]).sum();
                            assert!((res[(b * n + o) * BLOCK + lane] - want).abs() < 1e-3, "pair block {b} o {o} lane {lane}");
                        }
                    }
                }
            }
        }
    }
}
