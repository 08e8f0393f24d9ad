//! `C += A W^T` for a very thin A (1 to 3 rows: a recurrent layer serving one request at a time)
//! and a row-major W (n x k): each output is a dot product of an A row with a contiguous W row.
//! Here a step is bound by streaming W from cache, not by arithmetic, so the kernel reads each W
//! row once for all rows of A, and two threads each take a fixed half of W, which then stays in
//! their own core's L2 from step to step (the serving latency case, W5).

use super::simd::{self, Level};
use super::CPtr;
use crate::parallel;

/// Most rows of A handled together (accumulators: rows x 4 W rows).
pub const MAX_ROWS: usize = 3;

/// Below this many W elements one thread is faster than waking a second.
pub const PARALLEL_FROM: usize = 16 * 1024;

/// C (m x n, row stride `ldc`) += A (m x k, row stride `lda`) W^T, W row-major n x k, m <= 3.
#[allow(clippy::too_many_arguments)]
pub fn rows_dot_add(m: usize, k: usize, n: usize, a: &[f32], lda: usize, w: &[f32], c: &mut [f32], ldc: usize) {
    rows_dot_add_with(simd::level(), m, k, n, a, lda, w, c, ldc);
}

#[allow(clippy::too_many_arguments)]
pub fn rows_dot_add_with(level: Level, m: usize, k: usize, n: usize, a: &[f32], lda: usize, w: &[f32], c: &mut [f32], ldc: usize) {
    assert!(m <= MAX_ROWS, "gemv: at most {MAX_ROWS} rows, got {m}");
    if m == 0 || n == 0 || k == 0 {
        return;
    }
    assert!(lda >= k && a.len() >= (m - 1) * lda + k, "gemv: A is too small");
    assert!(w.len() >= n * k, "gemv: W is too small");
    assert!(ldc >= n && c.len() >= (m - 1) * ldc + n, "gemv: C is too small");
    let cptr = CPtr(c.as_mut_ptr());
    // SAFETY: the asserts bound every access; the two halves are disjoint columns of C.
    let run = |first: usize, last: usize| unsafe { columns(level, m, k, first, last, a, lda, w, cptr, ldc) };
    if n * k < PARALLEL_FROM || parallel::num_threads() < 2 || n < 8 {
        return run(0, n);
    }
    // Two fixed halves (a multiple of 4 rows of W each): the caller, first in, almost always
    // takes the first, so each core keeps reading the same half.
    let half = (n / 2).div_ceil(4) * 4;
    parallel::team::for_each_block(1, 2, |block| if block == 0 { run(0, half) } else { run(half, n) });
}

/// C's columns `first..last` only (W's rows `first..last`), on the calling thread: for callers that
/// split C themselves, e.g. by blocks of units of a recurrent layer.
///
/// # Safety
/// Columns `first..last` of rows `0..m` (m <= MAX_ROWS) of C (through `c`) are in bounds and this
/// call's alone, A is at least m x k with row stride `lda`, W holds `last` rows of k, and `level`
/// is available.
#[allow(clippy::too_many_arguments)]
pub(crate) unsafe fn columns(level: Level, m: usize, k: usize, first: usize, last: usize, a: &[f32], lda: usize, w: &[f32], c: CPtr, ldc: usize) {
    match level {
        #[cfg(target_arch = "x86_64")]
        Level::Avx2Fma => avx2::columns(m, k, first, last, a, lda, w, c.0, ldc),
        Level::Scalar => {
            for j in first..last {
                let row = &w[j * k..(j + 1) * k];
                for i in 0..m {
                    let dot: f32 = a[i * lda..i * lda + k].iter().zip(row).map(|(x, y)| x * y).sum();
                    *c.0.add(i * ldc + j) += dot;
                }
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::MAX_ROWS;
    use crate::kernels::simd::avx2::hsum;
    use std::arch::x86_64::*;

    /// # Safety
    /// AVX2 and FMA are available; as for `super::columns`.
    #[allow(clippy::too_many_arguments)]
    pub unsafe fn columns(m: usize, k: usize, first: usize, last: usize, a: &[f32], lda: usize, w: &[f32], c: *mut f32, ldc: usize) {
        match m {
            3 => columns_rows::<3>(k, first, last, a, lda, w, c, ldc),
            2 => columns_rows::<2>(k, first, last, a, lda, w, c, ldc),
            _ => {
                let eights = first + (last - first) / 8 * 8;
                if k >= 8 {
                    columns_eight(k, first, eights, a, w, c);
                    columns_rows::<1>(k, eights, last, a, lda, w, c, ldc);
                } else {
                    columns_rows::<1>(k, first, last, a, lda, w, c, ldc);
                }
            }
        }
    }

    /// One row of A against eight W rows at a time: one A load per eight FMAs (each with its W
    /// load folded in), and the eight dot products reduced together into one vector added to C,
    /// where four rows took four scalar lane sums (W5's 32 products on one core: 108 -> 93 us).
    #[target_feature(enable = "avx2,fma")]
    unsafe fn columns_eight(k: usize, first: usize, last: usize, a: &[f32], w: &[f32], c: *mut f32) {
        let (a, w) = (a.as_ptr(), w.as_ptr());
        let body = k / 8 * 8;
        let mut j = first;
        while j < last {
            let wr = w.add(j * k);
            let mut acc = [_mm256_setzero_ps(); 8];
            let mut kk = 0;
            while kk < body {
                let av = _mm256_loadu_ps(a.add(kk));
                for (r, acc) in acc.iter_mut().enumerate() {
                    *acc = _mm256_fmadd_ps(av, _mm256_loadu_ps(wr.add(r * k + kk)), *acc);
                }
                kk += 8;
            }
            let mut sums = [0.0f32; 8];
            _mm256_storeu_ps(sums.as_mut_ptr(), reduce8(acc));
            for (r, sum) in sums.iter_mut().enumerate() {
                for t in body..k {
                    *sum += *a.add(t) * *wr.add(r * k + t);
                }
            }
            _mm256_storeu_ps(c.add(j), _mm256_add_ps(_mm256_loadu_ps(c.add(j)), _mm256_loadu_ps(sums.as_ptr())));
            j += 8;
        }
    }

    /// The lane sums of eight vectors, as one vector (lane r: the sum of `v[r]`).
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    unsafe fn reduce8(v: [__m256; 8]) -> __m256 {
        let (t0, t1, t2, t3) = (_mm256_hadd_ps(v[0], v[1]), _mm256_hadd_ps(v[2], v[3]), _mm256_hadd_ps(v[4], v[5]), _mm256_hadd_ps(v[6], v[7]));
        let (u0, u1) = (_mm256_hadd_ps(t0, t1), _mm256_hadd_ps(t2, t3));
        _mm256_add_ps(_mm256_permute2f128_ps::<0x20>(u0, u1), _mm256_permute2f128_ps::<0x31>(u0, u1))
    }

    /// Four W rows at a time against the R rows of A, 8 lanes per FMA, scalar tail.
    #[target_feature(enable = "avx2,fma")]
    #[allow(clippy::too_many_arguments)]
    unsafe fn columns_rows<const R: usize>(k: usize, first: usize, last: usize, a: &[f32], lda: usize, w: &[f32], c: *mut f32, ldc: usize) {
        const { assert!(R <= MAX_ROWS) };
        let (a, w) = (a.as_ptr(), w.as_ptr());
        let body = k / 8 * 8;
        let mut j = first;
        while j < last {
            let rows = (last - j).min(4);
            let mut acc = [[_mm256_setzero_ps(); 4]; R];
            let wr: [*const f32; 4] = std::array::from_fn(|r| w.add((j + r.min(rows - 1)) * k));
            let mut kk = 0;
            while kk < body {
                let wv: [__m256; 4] = std::array::from_fn(|r| _mm256_loadu_ps(wr[r].add(kk)));
                for (i, acc) in acc.iter_mut().enumerate() {
                    let av = _mm256_loadu_ps(a.add(i * lda + kk));
                    for r in 0..4 {
                        acc[r] = _mm256_fmadd_ps(av, wv[r], acc[r]);
                    }
                }
                kk += 8;
            }
            for (i, acc) in acc.iter().enumerate() {
                for (r, &v) in acc.iter().enumerate().take(rows) {
                    let mut dot = hsum(v);
                    for t in body..k {
                        dot += *a.add(i * lda + t) * *wr[r].add(t);
                    }
                    *c.add(i * ldc + j + r) += dot;
                }
            }
            j += rows;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::gemm::{sgemm, Operand};
    use crate::random::uniform_vec;

    #[test]
    fn matches_the_general_gemm() {
        for &(m, k, n) in &[(1, 1, 1), (1, 128, 512), (3, 13, 7), (2, 256, 1024), (1, 9, 130), (3, 64, 6)] {
            let (lda, ldc) = (k + 2, n + 3);
            let a = uniform_vec(m * lda, -1.0, 1.0, 1);
            let w = uniform_vec(n * k, -1.0, 1.0, 2);
            let c0 = uniform_vec(m * ldc, -1.0, 1.0, 3);
            let mut want = c0.clone();
            sgemm(m, n, k, 1.0, Operand { data: &a, ld: lda, transpose: false }, Operand::packed(&w, k, n, true), 1.0, &mut want, ldc);
            for level in simd::available_levels() {
                let mut got = c0.clone();
                rows_dot_add_with(level, m, k, n, &a, lda, &w, &mut got, ldc);
                for (i, (g, w)) in got.iter().zip(&want).enumerate() {
                    assert!((g - w).abs() <= 1e-4 * (1.0 + w.abs()), "{m}x{k}x{n} {level:?} [{i}]: {g} vs {w}");
                }
            }
        }
    }
}
