//! `C += A op(B)` for a thin A (a recurrent layer's batch at one time step: a few dozen rows)
//! against a B used again and again (the recurrent weights W_hh, at every step). The general GEMM
//! packs B anew on every call: for an LSTM of 256 units that is 1 MB of copying per step, as much
//! memory traffic as the product itself at batch 32. Here B is packed once per sequence into
//! 16-column panels, and each step only streams them through a register tile: 6 rows x 16
//! columns with AVX2, 8 rows x two panels with AVX-512 (which has 32 registers: W4's
//! forward and backward recurrences ran ~1.6x faster with it than with the AVX2 tile).

use super::gemm::{Operand, PARALLEL_THRESHOLD};
use super::simd::{self, Level};
use super::CPtr;
use crate::parallel;

/// Columns per panel: two AVX2 registers.
const NR: usize = 16;
/// Columns per panel, for callers that split C by panels.
pub const PANEL: usize = NR;
/// Rows per micro-tile: 6 x 2 accumulators keep both FMA units busy.
const MR: usize = 6;
/// Rows per AVX-512 micro-tile (8 x 2 accumulators, over two panels): a batch of 32 in 4.
const MR_512: usize = 8;

/// The micro-tile a call runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tile {
    Scalar,
    Avx2,
    Avx512,
}

impl Tile {
    fn for_level(level: Level) -> Tile {
        match level {
            Level::Scalar => Tile::Scalar,
            #[cfg(target_arch = "x86_64")]
            Level::Avx2Fma if simd::avx512() => Tile::Avx512,
            #[cfg(target_arch = "x86_64")]
            Level::Avx2Fma => Tile::Avx2,
        }
    }
}

/// Below this many values B is packed on the calling thread.
const PARALLEL_PACK_FROM: usize = 32 * 1024;

/// op(B) (k x n) in column panels: panel p holds columns p*16.. as k rows of 16 (zero-padded).
pub struct PackedB {
    k: usize,
    n: usize,
    panels: Vec<f32>,
}

impl PackedB {
    /// Packs op(B), a k x n operand.
    pub fn new(b: Operand<'_>, k: usize, n: usize) -> PackedB {
        b.check(k, n, "B");
        let (rs, cs) = b.strides();
        let (rs, cs) = (rs as usize, cs as usize);
        let count = n.div_ceil(NR);
        let mut panels = vec![0.0f32; count * k * NR];
        let pack = |p: usize, panel: &mut [f32]| {
            let cols = NR.min(n - p * NR);
            for (kk, row) in panel.chunks_mut(NR).enumerate() {
                for (j, v) in row[..cols].iter_mut().enumerate() {
                    *v = b.data[kk * rs + (p * NR + j) * cs];
                }
            }
        };
        // A recurrent layer packs W_hh at every call: big ones on the team, which would otherwise
        // wait.
        let base = CPtr(panels.as_mut_ptr());
        parallel::team::for_each_range(count, k * n >= PARALLEL_PACK_FROM && count >= 2, 1, |ps| {
            for p in ps {
                // SAFETY: panel p is its own k * NR values of `panels`, and each range packs its
                // own panels.
                pack(p, unsafe { std::slice::from_raw_parts_mut(base.at(p * k * NR), k * NR) });
            }
        });
        PackedB { k, n, panels }
    }

    /// C (m x n, row stride `ldc`) += A (m x k, row stride `lda`) op(B).
    pub fn multiply_add(&self, m: usize, a: &[f32], lda: usize, c: &mut [f32], ldc: usize) {
        self.multiply_add_with(simd::level(), m, a, lda, c, ldc);
    }

    pub fn multiply_add_with(&self, level: Level, m: usize, a: &[f32], lda: usize, c: &mut [f32], ldc: usize) {
        let (k, n) = (self.k, self.n);
        if m == 0 || n == 0 || k == 0 {
            return;
        }
        assert!(lda >= k && a.len() >= (m - 1) * lda + k, "packed gemm: A is too small");
        assert!(ldc >= n && c.len() >= (m - 1) * ldc + n, "packed gemm: C is too small");
        let panels = n.div_ceil(NR);
        let cptr = CPtr(c.as_mut_ptr());
        // SAFETY: the asserts above bound every row and column a tile touches; blocks of panels
        // are disjoint column ranges of C.
        let run = |first: usize, last: usize| unsafe { self.panels_range(level, m, a, lda, cptr, ldc, first, last) };
        let threads = parallel::num_threads();
        if m * n * k < PARALLEL_THRESHOLD || threads < 2 || panels < 2 {
            return run(0, panels);
        }
        // Two blocks of panels per thread: a thread that gets less CPU takes fewer blocks.
        let per = panels.div_ceil(threads * 2);
        parallel::team::for_each_block(threads - 1, panels.div_ceil(per), |block| run(block * per, ((block + 1) * per).min(panels)));
    }

    /// Columns `first * PANEL..` up to `last * PANEL` (or n) only: for callers that split C
    /// themselves, e.g. by blocks of units of a recurrent layer.
    ///
    /// # Safety
    /// Panels `first..last` and rows `0..m` of C (through `c`) are in bounds and this call's alone,
    /// A is at least m x k with row stride `lda`, and `level` is available.
    #[allow(clippy::too_many_arguments)]
    pub(crate) unsafe fn panels_range(&self, level: Level, m: usize, a: &[f32], lda: usize, c: CPtr, ldc: usize, first: usize, last: usize) {
        self.panels_range_tile(Tile::for_level(level), m, a, lda, c, ldc, first, last)
    }

    /// # Safety
    /// As for [`Self::panels_range`], with the tile's instructions available.
    #[allow(clippy::too_many_arguments)]
    unsafe fn panels_range_tile(&self, tile: Tile, m: usize, a: &[f32], lda: usize, c: CPtr, ldc: usize, first: usize, last: usize) {
        let k = self.k;
        let panel = |p: usize| &self.panels[p * k * NR..(p + 1) * k * NR];
        let mut p = first;
        while p < last {
            // AVX-512 takes two panels at a time where there are two.
            let two = tile == Tile::Avx512 && p + 1 < last;
            let cols = (self.n - p * NR).min(if two { 2 * NR } else { NR });
            let mut i0 = 0;
            while i0 < m {
                let rows = tile_rows(m - i0, if tile == Tile::Avx512 { MR_512 } else { MR });
                let (a, c) = (&a[i0 * lda..], c.0.add(i0 * ldc + p * NR));
                i0 += rows;
                match tile {
                    #[cfg(target_arch = "x86_64")]
                    Tile::Avx512 => avx512::tile(rows, k, a, lda, panel(p), if two { panel(p + 1) } else { &[] }, c, ldc, cols),
                    #[cfg(target_arch = "x86_64")]
                    Tile::Avx2 => avx2::tile(rows, k, a, lda, panel(p), c, ldc, cols),
                    _ => scalar_tile(rows, k, a, lda, panel(p), c, ldc, cols),
                }
            }
            p += if two { 2 } else { 1 };
        }
    }
}

/// Rows of the next micro-tile when `left` rows remain, for tiles of at most `mr` (6 or 8): full
/// tiles, except that with 6 a tail of 1 or 2 rows (a third of the FMA rate: the loads of B
/// dominate) is avoided by ending on 4 + 3 or 4 + 4 instead (32 rows: 6, 6, 6, 6, 4, 4).
fn tile_rows(left: usize, mr: usize) -> usize {
    match left {
        7 | 8 if mr == MR => 4,
        _ => mr.min(left),
    }
}

/// # Safety
/// `c` points at `rows` rows of `cols` writable values with stride `ldc`.
#[allow(clippy::too_many_arguments)]
unsafe fn scalar_tile(rows: usize, k: usize, a: &[f32], lda: usize, panel: &[f32], c: *mut f32, ldc: usize, cols: usize) {
    for r in 0..rows {
        let mut acc = [0.0f32; NR];
        for kk in 0..k {
            let av = a[r * lda + kk];
            for (s, &b) in acc.iter_mut().zip(&panel[kk * NR..(kk + 1) * NR]) {
                *s += av * b;
            }
        }
        for (j, s) in acc[..cols].iter().enumerate() {
            *c.add(r * ldc + j) += s;
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::NR;
    use std::arch::x86_64::*;

    /// Dispatches to the tile with `rows` (1..=6) rows, so the accumulators stay in registers.
    ///
    /// # Safety
    /// AVX2 and FMA are available; `c` as in `scalar_tile`.
    #[allow(clippy::too_many_arguments)]
    pub unsafe fn tile(rows: usize, k: usize, a: &[f32], lda: usize, panel: &[f32], c: *mut f32, ldc: usize, cols: usize) {
        match rows {
            6 => tile_rows::<6>(k, a, lda, panel, c, ldc, cols),
            5 => tile_rows::<5>(k, a, lda, panel, c, ldc, cols),
            4 => tile_rows::<4>(k, a, lda, panel, c, ldc, cols),
            3 => tile_rows::<3>(k, a, lda, panel, c, ldc, cols),
            2 => tile_rows::<2>(k, a, lda, panel, c, ldc, cols),
            _ => tile_rows::<1>(k, a, lda, panel, c, ldc, cols),
        }
    }

    #[target_feature(enable = "avx2,fma")]
    unsafe fn tile_rows<const R: usize>(k: usize, a: &[f32], lda: usize, panel: &[f32], c: *mut f32, ldc: usize, cols: usize) {
        debug_assert!(a.len() >= (R - 1) * lda + k && panel.len() >= k * NR);
        let (a, b) = (a.as_ptr(), panel.as_ptr());
        let mut acc = [[_mm256_setzero_ps(); 2]; R];
        for kk in 0..k {
            let b0 = _mm256_loadu_ps(b.add(kk * NR));
            let b1 = _mm256_loadu_ps(b.add(kk * NR + 8));
            for (r, acc) in acc.iter_mut().enumerate() {
                let av = _mm256_broadcast_ss(&*a.add(r * lda + kk));
                acc[0] = _mm256_fmadd_ps(av, b0, acc[0]);
                acc[1] = _mm256_fmadd_ps(av, b1, acc[1]);
            }
        }
        for (r, acc) in acc.iter().enumerate() {
            let row = c.add(r * ldc);
            if cols == NR {
                _mm256_storeu_ps(row, _mm256_add_ps(_mm256_loadu_ps(row), acc[0]));
                _mm256_storeu_ps(row.add(8), _mm256_add_ps(_mm256_loadu_ps(row.add(8)), acc[1]));
            } else {
                let mut tmp = [0.0f32; NR];
                _mm256_storeu_ps(tmp.as_mut_ptr(), acc[0]);
                _mm256_storeu_ps(tmp.as_mut_ptr().add(8), acc[1]);
                for (j, v) in tmp[..cols].iter().enumerate() {
                    *row.add(j) += v;
                }
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx512 {
    use super::NR;
    use std::arch::x86_64::*;

    /// Dispatches to the tile with `rows` (1..=8) rows over one panel, or two when `second` is
    /// not empty; `cols` counts the columns of both.
    ///
    /// # Safety
    /// AVX-512F is available; `c` points at `rows` rows of `cols` writable values, stride `ldc`.
    #[allow(clippy::too_many_arguments)]
    pub unsafe fn tile(rows: usize, k: usize, a: &[f32], lda: usize, first: &[f32], second: &[f32], c: *mut f32, ldc: usize, cols: usize) {
        debug_assert!(a.len() >= (rows - 1) * lda + k && first.len() >= k * NR && (second.is_empty() || second.len() >= k * NR));
        let (a, b0) = (a.as_ptr(), first.as_ptr());
        macro_rules! rows {
            ($($r:literal)*) => {
                match (rows, second.is_empty()) {
                    $(($r, true) => tile_rows::<$r, 1>(k, a, lda, [b0, b0], c, ldc, cols),
                      ($r, false) => tile_rows::<$r, 2>(k, a, lda, [b0, second.as_ptr()], c, ldc, cols),)*
                    _ => unreachable!("AVX-512 tiles have 1 to 8 rows"),
                }
            };
        }
        rows!(1 2 3 4 5 6 7 8)
    }

    #[target_feature(enable = "avx512f")]
    unsafe fn tile_rows<const R: usize, const P: usize>(k: usize, a: *const f32, lda: usize, b: [*const f32; 2], c: *mut f32, ldc: usize, cols: usize) {
        let mut acc = [[_mm512_setzero_ps(); P]; R];
        for kk in 0..k {
            let bv: [__m512; P] = std::array::from_fn(|q| _mm512_loadu_ps(b[q].add(kk * NR)));
            for (r, acc) in acc.iter_mut().enumerate() {
                let av = _mm512_set1_ps(*a.add(r * lda + kk));
                for q in 0..P {
                    acc[q] = _mm512_fmadd_ps(av, bv[q], acc[q]);
                }
            }
        }
        for (r, acc) in acc.iter().enumerate() {
            for (q, v) in acc.iter().enumerate() {
                // Columns of this panel that exist in C (a last panel may be ragged).
                let n = cols.saturating_sub(q * NR).min(NR);
                let mask: __mmask16 = if n == NR { !0 } else { (1u16 << n) - 1 };
                let at = c.add(r * ldc + q * NR);
                _mm512_mask_storeu_ps(at, mask, _mm512_add_ps(_mm512_maskz_loadu_ps(mask, at), *v));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernels::gemm::sgemm;
    use crate::random::uniform_vec;

    /// Every tile this CPU runs.
    fn tiles() -> Vec<Tile> {
        let mut tiles = vec![Tile::Scalar];
        if simd::available_levels().iter().any(|&l| l != Level::Scalar) {
            tiles.push(Tile::Avx2);
        }
        if simd::avx512_available() {
            tiles.push(Tile::Avx512);
        }
        tiles
    }

    /// Against the general GEMM, every tile, both layouts of B, ragged sizes (rows not a
    /// multiple of 6, columns not of 16), strided A and C, and sizes big enough to split and to
    /// pack in parallel (300 x 200: an odd number of panels, the last one ragged).
    #[test]
    fn matches_the_general_gemm() {
        for &(m, k, n) in &[(1, 1, 1), (7, 5, 17), (32, 256, 1024), (13, 33, 40), (32, 1024, 256), (2, 128, 512), (3, 300, 200)] {
            for transpose in [false, true] {
                let b = uniform_vec(k * n, -1.0, 1.0, 1);
                let (lda, ldc) = (k + 3, n + 5);
                let a = uniform_vec(m * lda, -1.0, 1.0, 2);
                let c0 = uniform_vec(m * ldc, -1.0, 1.0, 3);
                let op_b = Operand::packed(&b, k, n, transpose);
                let mut want = c0.clone();
                sgemm(m, n, k, 1.0, Operand { data: &a, ld: lda, transpose: false }, op_b, 1.0, &mut want, ldc);
                let packed = PackedB::new(op_b, k, n);
                let check = |got: &[f32], what: &str| {
                    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
                        assert!((g - w).abs() <= 1e-4 * (1.0 + w.abs()), "{m}x{k}x{n} transpose={transpose} {what} [{i}]: {g} vs {w}");
                    }
                    // The padding between C's rows is untouched.
                    for r in 0..m {
                        assert_eq!(got[r * ldc + n..(r * ldc + ldc).min(got.len())], c0[r * ldc + n..(r * ldc + ldc).min(c0.len())]);
                    }
                };
                for tile in tiles() {
                    let mut got = c0.clone();
                    // SAFETY: the tile is available, and C holds m rows of n columns.
                    unsafe { packed.panels_range_tile(tile, m, &a, lda, CPtr(got.as_mut_ptr()), ldc, 0, n.div_ceil(NR)) };
                    check(&got, &format!("{tile:?}"));
                }
                // Split over the threads, with this CPU's tile.
                let mut got = c0.clone();
                packed.multiply_add(m, &a, lda, &mut got, ldc);
                check(&got, "multiply_add");
            }
        }
    }
}
