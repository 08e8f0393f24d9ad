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
#[derive(Clone)]
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

    /// A k x n operand packed by the caller into `storage` (reused: its old values are
    /// overwritten): `fill(p, panel)` writes panel p, k rows of [`PANEL`] values (columns
    /// p * PANEL.., the ones past n zero). For operands formed while packing, such as a
    /// convolution's patches, which never exist as a matrix of their own.
    pub fn packed_by(k: usize, n: usize, mut storage: Vec<f32>, mut fill: impl FnMut(usize, &mut [f32])) -> PackedB {
        let count = n.div_ceil(NR);
        storage.resize(count * k * NR, 0.0);
        for (p, panel) in storage.chunks_mut(k * NR).enumerate() {
            fill(p, panel);
        }
        PackedB { k, n, panels: storage }
    }

    /// The panels' storage, for the next [`Self::packed_by`].
    pub fn into_storage(self) -> Vec<f32> {
        self.panels
    }

    /// op(B) = [M_1^T; M_2^T; ...] for row-major n x k_i matrices `(M_i, k_i)`: k = the sum of
    /// the k_i. A recurrent layer's [W_hh; W_ih]^T of one gate, so that one pass of a step's
    /// product adds both the state's and the input's part (see [`Self::panels_range_fused`]).
    /// Reads each M_i row by row (contiguous), writing one column of a panel at a time.
    pub fn stacked_transposed(parts: &[(&[f32], usize)], n: usize) -> PackedB {
        let k: usize = parts.iter().map(|&(_, ki)| ki).sum();
        assert!(parts.iter().all(|&(m, ki)| m.len() >= n * ki), "packed gemm: a stacked part is too small");
        let count = n.div_ceil(NR);
        let mut panels = vec![0.0f32; count * k * NR];
        for j in 0..n {
            let panel = &mut panels[(j / NR) * k * NR..(j / NR + 1) * k * NR];
            let mut row = 0;
            for &(m, ki) in parts {
                for (kk, &v) in m[j * ki..(j + 1) * ki].iter().enumerate() {
                    panel[(row + kk) * NR + j % NR] = v;
                }
                row += ki;
            }
        }
        PackedB { k, n, panels }
    }

    /// Rows of op(B).
    pub fn k(&self) -> usize {
        self.k
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

    /// Columns `first * PANEL..` up to `last * PANEL` (or n) of C = bias + [A1 A2] op(B),
    /// written (not added): A1 (m x k1, row stride `lda1`) times op(B)'s first k1 rows, A2
    /// (m x k - k1, row stride `lda2`) times the rest, each row of C starting from `bias` (n
    /// values, one per column) in the accumulators. A recurrent step's whole pre-activations:
    /// h_{t-1} W_hh^T + x_t W_ih^T + b, with no input projection before the recurrence and no
    /// C to read.
    ///
    /// # Safety
    /// As for [`Self::panels_range`], for both A's; `bias` holds n values.
    #[allow(clippy::too_many_arguments)]
    pub(crate) unsafe fn panels_range_fused(&self, level: Level, m: usize, a1: &[f32], lda1: usize, k1: usize, a2: &[f32], lda2: usize, bias: &[f32], c: CPtr, ldc: usize, first: usize, last: usize) {
        assert!(k1 <= self.k && bias.len() >= self.n, "packed gemm: split or bias out of range");
        let segs = Segments { a: [a1.as_ptr(), a2.as_ptr()], lda: [lda1, lda2], k: [k1, self.k - k1], bias: bias.as_ptr() };
        assert!(m == 0 || ((m - 1) * lda1 + k1 <= a1.len() && (k1 == self.k || (m - 1) * lda2 + self.k - k1 <= a2.len())), "packed gemm: A is too small");
        self.run_panels(Tile::for_level(level), m, segs, c, ldc, first, last)
    }

    /// # Safety
    /// As for [`Self::panels_range`], with the tile's instructions available.
    #[allow(clippy::too_many_arguments)]
    unsafe fn panels_range_tile(&self, tile: Tile, m: usize, a: &[f32], lda: usize, c: CPtr, ldc: usize, first: usize, last: usize) {
        if m > 0 {
            assert!(a.len() >= (m - 1) * lda + self.k, "packed gemm: A is too small");
        }
        let segs = Segments { a: [a.as_ptr(), a.as_ptr()], lda: [lda, lda], k: [self.k, 0], bias: std::ptr::null() };
        self.run_panels(tile, m, segs, c, ldc, first, last)
    }

    /// # Safety
    /// As for [`Self::panels_range_tile`]; `segs` as [`Self::panels_range_fused`] checks them.
    #[allow(clippy::too_many_arguments)]
    unsafe fn run_panels(&self, tile: Tile, m: usize, segs: Segments, c: CPtr, ldc: usize, first: usize, last: usize) {
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
                let (s, c) = (segs.at(i0, p * NR), c.0.add(i0 * ldc + p * NR));
                i0 += rows;
                match tile {
                    #[cfg(target_arch = "x86_64")]
                    Tile::Avx512 => avx512::tile(rows, &s, panel(p), if two { panel(p + 1) } else { &[] }, c, ldc, cols),
                    #[cfg(target_arch = "x86_64")]
                    Tile::Avx2 => avx2::tile(rows, &s, panel(p), c, ldc, cols),
                    _ => scalar_tile(rows, &s, panel(p), c, ldc, cols),
                }
            }
            p += if two { 2 } else { 1 };
        }
    }
}

/// A tile's A operand in two parts along k (the second may be empty) and how C starts: with
/// `bias` null the tile adds its product to C; else C = bias + the product (written).
#[derive(Clone, Copy)]
struct Segments {
    a: [*const f32; 2],
    lda: [usize; 2],
    k: [usize; 2],
    bias: *const f32,
}

impl Segments {
    /// The same from row `i` and column `j` on.
    fn at(&self, i: usize, j: usize) -> Segments {
        let a = [self.a[0].wrapping_add(i * self.lda[0]), self.a[1].wrapping_add(i * self.lda[1])];
        Segments { a, bias: if self.bias.is_null() { self.bias } else { self.bias.wrapping_add(j) }, ..*self }
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
/// `c` points at `rows` rows of `cols` writable values with stride `ldc`; `s` holds `rows` rows.
unsafe fn scalar_tile(rows: usize, s: &Segments, panel: &[f32], c: *mut f32, ldc: usize, cols: usize) {
    for r in 0..rows {
        let mut acc = [0.0f32; NR];
        if !s.bias.is_null() {
            acc[..cols].iter_mut().enumerate().for_each(|(j, v)| *v = *s.bias.add(j));
        }
        let mut kb = 0;
        for q in 0..2 {
            for kk in 0..s.k[q] {
                let av = *s.a[q].add(r * s.lda[q] + kk);
                for (v, &b) in acc.iter_mut().zip(&panel[(kb + kk) * NR..(kb + kk + 1) * NR]) {
                    *v += av * b;
                }
            }
            kb += s.k[q];
        }
        for (j, v) in acc[..cols].iter().enumerate() {
            if s.bias.is_null() {
                *c.add(r * ldc + j) += v;
            } else {
                *c.add(r * ldc + j) = *v;
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx2 {
    use super::{Segments, NR};
    use std::arch::x86_64::*;

    /// Dispatches to the tile with `rows` (1..=6) rows, so the accumulators stay in registers.
    ///
    /// # Safety
    /// AVX2 and FMA are available; `c` as in `scalar_tile`.
    pub unsafe fn tile(rows: usize, s: &Segments, panel: &[f32], c: *mut f32, ldc: usize, cols: usize) {
        debug_assert!(panel.len() >= (s.k[0] + s.k[1]) * NR);
        match rows {
            6 => tile_rows::<6>(s, panel, c, ldc, cols),
            5 => tile_rows::<5>(s, panel, c, ldc, cols),
            4 => tile_rows::<4>(s, panel, c, ldc, cols),
            3 => tile_rows::<3>(s, panel, c, ldc, cols),
            2 => tile_rows::<2>(s, panel, c, ldc, cols),
            _ => tile_rows::<1>(s, panel, c, ldc, cols),
        }
    }

    #[target_feature(enable = "avx2,fma")]
    unsafe fn tile_rows<const R: usize>(s: &Segments, panel: &[f32], c: *mut f32, ldc: usize, cols: usize) {
        let mut b = panel.as_ptr();
        let store = !s.bias.is_null();
        let mut acc = [[_mm256_setzero_ps(); 2]; R];
        if store {
            let mut tmp = [0.0f32; NR];
            std::ptr::copy_nonoverlapping(s.bias, tmp.as_mut_ptr(), cols);
            let init = [_mm256_loadu_ps(tmp.as_ptr()), _mm256_loadu_ps(tmp.as_ptr().add(8))];
            acc.iter_mut().for_each(|a| *a = init);
        }
        for q in 0..2 {
            let (a, lda) = (s.a[q], s.lda[q]);
            for kk in 0..s.k[q] {
                let b0 = _mm256_loadu_ps(b.add(kk * NR));
                let b1 = _mm256_loadu_ps(b.add(kk * NR + 8));
                for (r, acc) in acc.iter_mut().enumerate() {
                    let av = _mm256_broadcast_ss(&*a.add(r * lda + kk));
                    acc[0] = _mm256_fmadd_ps(av, b0, acc[0]);
                    acc[1] = _mm256_fmadd_ps(av, b1, acc[1]);
                }
            }
            b = b.add(s.k[q] * NR);
        }
        for (r, acc) in acc.iter().enumerate() {
            let row = c.add(r * ldc);
            if cols == NR && store {
                _mm256_storeu_ps(row, acc[0]);
                _mm256_storeu_ps(row.add(8), acc[1]);
            } else if cols == NR {
                _mm256_storeu_ps(row, _mm256_add_ps(_mm256_loadu_ps(row), acc[0]));
                _mm256_storeu_ps(row.add(8), _mm256_add_ps(_mm256_loadu_ps(row.add(8)), acc[1]));
            } else {
                let mut tmp = [0.0f32; NR];
                _mm256_storeu_ps(tmp.as_mut_ptr(), acc[0]);
                _mm256_storeu_ps(tmp.as_mut_ptr().add(8), acc[1]);
                for (j, v) in tmp[..cols].iter().enumerate() {
                    if store {
                        *row.add(j) = *v;
                    } else {
                        *row.add(j) += v;
                    }
                }
            }
        }
    }
}

#[cfg(target_arch = "x86_64")]
mod avx512 {
    use super::{Segments, NR};
    use std::arch::x86_64::*;

    /// Dispatches to the tile with `rows` (1..=8) rows over one panel, or two when `second` is
    /// not empty; `cols` counts the columns of both.
    ///
    /// # Safety
    /// AVX-512F is available; `c` points at `rows` rows of `cols` writable values, stride `ldc`.
    pub unsafe fn tile(rows: usize, s: &Segments, first: &[f32], second: &[f32], c: *mut f32, ldc: usize, cols: usize) {
        let k = s.k[0] + s.k[1];
        debug_assert!(first.len() >= k * NR && (second.is_empty() || second.len() >= k * NR));
        let b0 = first.as_ptr();
        macro_rules! rows {
            ($($r:literal)*) => {
                match (rows, second.is_empty()) {
                    $(($r, true) => tile_rows::<$r, 1>(s, [b0, b0], c, ldc, cols),
                      ($r, false) => tile_rows::<$r, 2>(s, [b0, second.as_ptr()], c, ldc, cols),)*
                    _ => unreachable!("AVX-512 tiles have 1 to 8 rows"),
                }
            };
        }
        rows!(1 2 3 4 5 6 7 8)
    }

    #[target_feature(enable = "avx512f")]
    unsafe fn tile_rows<const R: usize, const P: usize>(s: &Segments, mut b: [*const f32; 2], c: *mut f32, ldc: usize, cols: usize) {
        // Columns of each panel that exist in C (a last panel may be ragged).
        let masks: [__mmask16; P] = std::array::from_fn(|q| {
            let n = cols.saturating_sub(q * NR).min(NR);
            if n == NR { !0 } else { (1u16 << n) - 1 }
        });
        let store = !s.bias.is_null();
        let mut acc = [[_mm512_setzero_ps(); P]; R];
        if store {
            let init: [__m512; P] = std::array::from_fn(|q| _mm512_maskz_loadu_ps(masks[q], s.bias.add(q * NR)));
            acc.iter_mut().for_each(|a| *a = init);
        }
        for seg in 0..2 {
            let (a, lda) = (s.a[seg], s.lda[seg]);
            for kk in 0..s.k[seg] {
                let bv: [__m512; P] = std::array::from_fn(|q| _mm512_loadu_ps(b[q].add(kk * NR)));
                for (r, acc) in acc.iter_mut().enumerate() {
                    let av = _mm512_set1_ps(*a.add(r * lda + kk));
                    for q in 0..P {
                        acc[q] = _mm512_fmadd_ps(av, bv[q], acc[q]);
                    }
                }
            }
            b = b.map(|p| p.add(s.k[seg] * NR));
        }
        for (r, acc) in acc.iter().enumerate() {
            for (q, v) in acc.iter().enumerate() {
                let at = c.add(r * ldc + q * NR);
                if store {
                    _mm512_mask_storeu_ps(at, masks[q], *v);
                } else {
                    _mm512_mask_storeu_ps(at, masks[q], _mm512_add_ps(_mm512_maskz_loadu_ps(masks[q], at), *v));
                }
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

    /// The fused form, C = bias + [A1 A2] [M1^T; M2^T] written, against the general GEMM: every
    /// tile, ragged columns and rows, strided A's, a second part of several widths (0 included).
    #[test]
    fn fused_matches_the_general_gemm() {
        for &(m, k1, k2, n) in &[(1, 5, 3, 17), (7, 16, 0, 40), (13, 128, 16, 128), (19, 33, 7, 200), (32, 128, 16, 512)] {
            let (m1, m2) = (uniform_vec(n * k1, -1.0, 1.0, 1), uniform_vec(n * k2, -1.0, 1.0, 2));
            let (lda1, lda2) = (k1 + 3, k2 + 1);
            let (a1, a2) = (uniform_vec(m * lda1, -1.0, 1.0, 3), uniform_vec(m * lda2, -1.0, 1.0, 4));
            let bias = uniform_vec(n, -1.0, 1.0, 5);
            let ldc = n + 5;
            let mut want: Vec<f32> = (0..m * ldc).map(|i| if i % ldc < n { bias[i % ldc] } else { 7.0 }).collect();
            sgemm(m, n, k1, 1.0, Operand { data: &a1, ld: lda1, transpose: false }, Operand::packed(&m1, k1, n, true), 1.0, &mut want, ldc);
            if k2 > 0 {
                sgemm(m, n, k2, 1.0, Operand { data: &a2, ld: lda2, transpose: false }, Operand::packed(&m2, k2, n, true), 1.0, &mut want, ldc);
            }
            let packed = PackedB::stacked_transposed(&[(&m1, k1), (&m2, k2)], n);
            assert_eq!(packed.k(), k1 + k2);
            for tile in tiles() {
                let mut got = vec![7.0f32; m * ldc];
                let segs = Segments { a: [a1.as_ptr(), a2.as_ptr()], lda: [lda1, lda2], k: [k1, k2], bias: bias.as_ptr() };
                // SAFETY: the tile is available; A's, C and the bias are sized for the product.
                unsafe { packed.run_panels(tile, m, segs, CPtr(got.as_mut_ptr()), ldc, 0, n.div_ceil(NR)) };
                for (i, (g, w)) in got.iter().zip(&want).enumerate() {
                    assert!((g - w).abs() <= 1e-4 * (1.0 + w.abs()), "{m}x{k1}+{k2}x{n} {tile:?} [{i}]: {g} vs {w}");
                }
            }
            // Through the public entry, this CPU's tile.
            let mut got = vec![7.0f32; m * ldc];
            // SAFETY: as above.
            unsafe { packed.panels_range_fused(simd::level(), m, &a1, lda1, k1, &a2, lda2, &bias, CPtr(got.as_mut_ptr()), ldc, 0, n.div_ceil(NR)) };
            assert!(got.iter().zip(&want).all(|(g, w)| (g - w).abs() <= 1e-4 * (1.0 + w.abs())), "{m}x{k1}+{k2}x{n} panels_range_fused");
        }
    }
}
