//! The inner loop of a recurrent layer serving one sequence (nn/recurrent/serving.rs): a tile's
//! gate pre-activations, [`ROWS`] rows of [`GROUPS`] vectors of units, += each value of a run
//! (inputs or states) times its packed weights: one broadcast per value and one FMA per vector,
//! the weights read once, in order, from an aligned buffer, with no horizontal sums. For one
//! sequence a step is bound by streaming its weights from L2, and AVX-512's wider loads stream
//! them faster: a prototype of W5's sequence (the gate math stubbed, two threads, medians of 3000)
//! took 42 us with them against 52 us with AVX2's, the floor of only reading the weights being
//! 41 us.

#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::*;

use super::simd::{self, Level};

/// Pre-activation rows of a tile (the LSTM's four gates; the GRU's r, z and n's two sides).
pub const ROWS: usize = 4;

/// Vectors of units per row: two, so that eight accumulators hide the FMA latency.
pub const GROUPS: usize = 2;

/// A row a run does not update (`SKIP = ROWS`: it updates all).
pub const SKIP_NONE: usize = ROWS;

/// The vector width of a tile.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Width {
    Avx2,
    Avx512,
}

impl Width {
    pub fn lanes(self) -> usize {
        match self {
            Width::Avx2 => 8,
            Width::Avx512 => 16,
        }
    }

    /// Units of a tile.
    pub fn units(self) -> usize {
        GROUPS * self.lanes()
    }

    /// The widest this CPU runs; `None` without AVX2+FMA or with `ZERODL_SIMD=scalar`, and at
    /// most AVX2 with `ZERODL_SIMD=avx2` (simd::avx512).
    pub fn detect() -> Option<Width> {
        match simd::level() {
            Level::Scalar => None,
            _ if simd::avx512() => Some(Width::Avx512),
            _ => Some(Width::Avx2),
        }
    }

    /// Every width this CPU runs, narrowest first (tests run each).
    pub fn available() -> Vec<Width> {
        let mut widths = Vec::new();
        if simd::available_levels().iter().any(|&l| l != Level::Scalar) {
            widths.push(Width::Avx2);
        }
        if simd::avx512_available() {
            widths.push(Width::Avx512);
        }
        widths
    }
}

/// Weights one value of a run has: a vector of units per updated row and group.
pub fn weights_per_value(width: Width, skip: usize) -> usize {
    let rows = if skip < ROWS { ROWS - 1 } else { ROWS };
    rows * width.units()
}

/// `acc` (ROWS x units, row-major) += for each value z of `runs`, in order, z times its packed
/// weights: for every row but `SKIP`, then every group, one vector; `w` holds them in that
/// order. Returns the weights read.
///
/// # Safety
/// `width` is available on this CPU (see [`Width::available`]).
pub unsafe fn accumulate<const SKIP: usize>(width: Width, acc: &mut [f32], w: &[f32], runs: &[&[f32]]) -> usize {
    let used = runs.iter().map(|r| r.len()).sum::<usize>() * weights_per_value(width, SKIP);
    assert!(acc.len() >= ROWS * width.units() && w.len() >= used, "gate tiles: the accumulators or weights are too short");
    #[cfg(target_arch = "x86_64")]
    match width {
        Width::Avx2 => avx2::<SKIP>(acc.as_mut_ptr(), w.as_ptr(), runs),
        Width::Avx512 => avx512::<SKIP>(acc.as_mut_ptr(), w.as_ptr(), runs),
    }
    used
}

// One body for both widths: only the vector type and its intrinsics differ.
macro_rules! tile_kernel {
    ($name:ident, $feature:literal, $vec:ty, $lanes:literal, $load:ident, $store:ident, $set1:ident, $fmadd:ident) => {
        /// # Safety
        /// The feature is available; `acc` holds ROWS x GROUPS vectors and `w` every value's weights.
        #[cfg(target_arch = "x86_64")]
        #[target_feature(enable = $feature)]
        unsafe fn $name<const SKIP: usize>(acc: *mut f32, mut w: *const f32, runs: &[&[f32]]) {
            let at = |r: usize, q: usize| (r * GROUPS + q) * $lanes;
            let rows = if SKIP < ROWS { ROWS - 1 } else { ROWS };
            let mut a: [[$vec; GROUPS]; ROWS] = std::array::from_fn(|r| std::array::from_fn(|q| $load(acc.add(at(r, q)))));
            for run in runs {
                for &z in run.iter() {
                    let zv = $set1(z);
                    // Constant trip counts and indices, so the accumulators stay in registers
                    // (a loop that skipped a row with `continue` kept them on the stack: 2x slower).
                    for j in 0..rows {
                        let r = j + usize::from(j >= SKIP);
                        for q in 0..GROUPS {
                            a[r][q] = $fmadd(zv, $load(w.add(at(j, q))), a[r][q]);
                        }
                    }
                    w = w.add(rows * GROUPS * $lanes);
                }
            }
            for (r, row) in a.iter().enumerate() {
                for (q, v) in row.iter().enumerate() {
                    $store(acc.add(at(r, q)), *v);
                }
            }
        }
    };
}

tile_kernel!(avx2, "avx2,fma", __m256, 8, _mm256_loadu_ps, _mm256_storeu_ps, _mm256_set1_ps, _mm256_fmadd_ps);
tile_kernel!(avx512, "avx512f", __m512, 16, _mm512_loadu_ps, _mm512_storeu_ps, _mm512_set1_ps, _mm512_fmadd_ps);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::uniform_vec;

    #[test]
    fn every_row_but_the_skipped_one_gets_each_value_times_its_weights() {
        for width in Width::available() {
            let u = width.units();
            for skip in [0, 2, 3, SKIP_NONE] {
                let runs = [uniform_vec(5, -1.0, 1.0, 1), uniform_vec(0, -1.0, 1.0, 2), uniform_vec(3, -1.0, 1.0, 3)];
                let runs: Vec<&[f32]> = runs.iter().map(Vec::as_slice).collect();
                let per = weights_per_value(width, skip);
                let w = uniform_vec(8 * per + 7, -1.0, 1.0, 4);
                let acc0 = uniform_vec(ROWS * u, -1.0, 1.0, 5);
                let mut want: Vec<f64> = acc0.iter().map(|&v| v as f64).collect();
                let values: Vec<f32> = runs.iter().flat_map(|r| r.iter().copied()).collect();
                for (i, &z) in values.iter().enumerate() {
                    let rows = (0..ROWS).filter(|&r| r != skip);
                    for (j, r) in rows.enumerate() {
                        for unit in 0..u {
                            want[r * u + unit] += z as f64 * w[i * per + j * u + unit] as f64;
                        }
                    }
                }
                let mut acc = acc0.clone();
                // SAFETY: the width is available.
                let used = unsafe {
                    match skip {
                        0 => accumulate::<0>(width, &mut acc, &w, &runs),
                        2 => accumulate::<2>(width, &mut acc, &w, &runs),
                        3 => accumulate::<3>(width, &mut acc, &w, &runs),
                        _ => accumulate::<SKIP_NONE>(width, &mut acc, &w, &runs),
                    }
                };
                assert_eq!(used, 8 * per);
                for (i, (g, w)) in acc.iter().zip(&want).enumerate() {
                    assert!((*g as f64 - w).abs() < 1e-5, "{width:?} skip {skip} [{i}]: {g} vs {w}");
                }
            }
        }
    }
}
