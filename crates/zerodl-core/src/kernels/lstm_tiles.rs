//! An LSTM step over a batch for inference with AVX-512, product and gate math in one register
//! tile (nn/recurrent/step_product.rs's fused kernel, nn/recurrent/sequence.rs's forward_fused):
//! up to 6 rows (samples) x the 4 gates x 16 units accumulate h_{t-1} W_hh^T + x_t W_ih^T + b
//! in 24 registers, then the gate math runs on them and only h_t and c_t are written: no buffer
//! of pre-activations in between, as serving.rs does for one sequence.
//!
//! The weights are packed per tile of 16 units as one contiguous stream, the order the tile reads
//! them: the 4 gates' biases, then for each value of [h; x] its 4 gates' 16 weights (one 256-byte
//! row). A tile (36 KB at hidden 128, input 16) then stays in L1 for each next group of rows, and
//! the first group streams it from L2 with software prefetches ahead of the loads (which also
//! reach into the next tile). Per value the tile loads 4 vectors and broadcasts 6 for 24 FMAs,
//! against 2 and 8 for 16 in packed_gemm.rs's 8 x 32 tile.

#[cfg(target_arch = "x86_64")]
use std::arch::x86_64::*;

/// Units per tile: one AVX-512 vector.
pub const UNITS: usize = 16;
/// Most rows per register tile.
const MAX_ROWS: usize = 6;
/// Floats per value (row of the packed stream): 4 gates x 16 units.
const ROW: usize = 4 * UNITS;
/// How many rows of the stream ahead the prefetches reach (4 KB). In interleaved runs on a busy
/// machine, W5's batches of 32 and 64 ran ~10% slower without them; 6 rows ahead was no faster.
const PREFETCH_ROWS: usize = 16;

/// An LSTM layer's weights in the tiles' order (see the module's doc).
#[derive(Clone)]
pub struct LstmTiles {
    hidden: usize,
    input: usize,
    /// Floats per tile: (1 + hidden + input) rows.
    tile_len: usize,
    packed: Vec<Line>,
}

/// A cache line of floats, so that the stream starts on one.
#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct Line([f32; 16]);

impl LstmTiles {
    /// From PyTorch's layout: W_hh (4H x H), W_ih (4H x D), b_ih and b_hh (4H), gates i, f, g, o.
    pub fn new(w_hh: &[f32], w_ih: &[f32], b_ih: &[f32], b_hh: &[f32], hidden: usize, input: usize) -> LstmTiles {
        let gh = 4 * hidden;
        assert!(w_hh.len() == gh * hidden && w_ih.len() == gh * input && b_ih.len() == gh && b_hh.len() == gh, "lstm tiles: weights of the wrong size");
        let tiles = hidden.div_ceil(UNITS);
        let tile_len = (1 + hidden + input) * ROW;
        let mut packed = vec![Line([0.0; 16]); tiles * tile_len / 16];
        // SAFETY: Lines are 16 contiguous f32 (repr(C)).
        let out = unsafe { std::slice::from_raw_parts_mut(packed.as_mut_ptr().cast::<f32>(), tiles * tile_len) };
        for j in 0..hidden {
            let (tile, lane) = (j / UNITS, j % UNITS);
            let t = &mut out[tile * tile_len..(tile + 1) * tile_len];
            for g in 0..4 {
                let row = g * hidden + j;
                t[g * UNITS + lane] = b_ih[row] + b_hh[row];
                for k in 0..hidden {
                    t[(1 + k) * ROW + g * UNITS + lane] = w_hh[row * hidden + k];
                }
                for k in 0..input {
                    t[(1 + hidden + k) * ROW + g * UNITS + lane] = w_ih[row * input + k];
                }
            }
        }
        LstmTiles { hidden, input, tile_len, packed }
    }

    pub fn hidden(&self) -> usize {
        self.hidden
    }

    pub fn input(&self) -> usize {
        self.input
    }

    fn tile(&self, t: usize) -> *const f32 {
        self.packed.as_ptr().cast::<f32>().wrapping_add(t * self.tile_len)
    }

    /// One step of `m` rows over the units `units` (multiples of [`UNITS`], the last may end at
    /// H): from h_prev and c_prev (rows of H values, the batch's rows from this block's first) and
    /// x (rows of D), writes those units of h and c (rows of H). `peephole`: the LSTM's (3 x H:
    /// into i, f from c_{t-1}, into o from c_t) or empty.
    ///
    /// # Safety
    /// AVX-512F is available; every pointer covers m rows of its stride; nothing else reads or
    /// writes the written units of those rows meanwhile.
    #[cfg(target_arch = "x86_64")]
    #[allow(clippy::too_many_arguments)]
    pub unsafe fn step(&self, m: usize, units: std::ops::Range<usize>, h_prev: *const f32, c_prev: *const f32, x: *const f32, peephole: &[f32], h: *mut f32, c: *mut f32) {
        let (hd, d) = (self.hidden, self.input);
        assert!(units.start.is_multiple_of(UNITS) && units.end <= hd && (peephole.is_empty() || peephole.len() == 3 * hd), "lstm tiles: units or peepholes out of range");
        for t in units.start / UNITS..units.end.div_ceil(UNITS) {
            let u0 = t * UNITS;
            let cols = (hd - u0).min(UNITS);
            let io = Io { w: self.tile(t), hd, d, c_prev: c_prev.add(u0), peephole: if peephole.is_empty() { std::ptr::null() } else { peephole.as_ptr().add(u0) }, h: h.add(u0), c: c.add(u0), mask: if cols == UNITS { !0 } else { (1u16 << cols) - 1 } };
            let mut r0 = 0;
            while r0 < m {
                let left = m - r0;
                // 6-row tiles; a tail of 7 to 11 rows in two about equal ones.
                let rows = if left > MAX_ROWS && left < 2 * MAX_ROWS { left.div_ceil(2) } else { left.min(MAX_ROWS) };
                let a = (h_prev.add(r0 * hd), x.add(r0 * d));
                match (rows, io.peephole.is_null()) {
                    (6, true) => tile::<6, false>(&io, a, r0),
                    (5, true) => tile::<5, false>(&io, a, r0),
                    (4, true) => tile::<4, false>(&io, a, r0),
                    (3, true) => tile::<3, false>(&io, a, r0),
                    (2, true) => tile::<2, false>(&io, a, r0),
                    (1, true) => tile::<1, false>(&io, a, r0),
                    (6, false) => tile::<6, true>(&io, a, r0),
                    (5, false) => tile::<5, true>(&io, a, r0),
                    (4, false) => tile::<4, true>(&io, a, r0),
                    (3, false) => tile::<3, true>(&io, a, r0),
                    (2, false) => tile::<2, true>(&io, a, r0),
                    _ => tile::<1, true>(&io, a, r0),
                }
                r0 += rows;
            }
        }
    }
}

/// What a tile reads and writes besides its rows of h_prev and x: pointers at its first unit.
#[cfg(target_arch = "x86_64")]
struct Io {
    w: *const f32,
    hd: usize,
    d: usize,
    c_prev: *const f32,
    peephole: *const f32,
    h: *mut f32,
    c: *mut f32,
    mask: __mmask16,
}

/// R rows from row `r0`; `a`: those rows' h_prev (at unit 0) and x.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx512f")]
unsafe fn tile<const R: usize, const PEEPHOLE: bool>(io: &Io, a: (*const f32, *const f32), r0: usize) {
    use crate::kernels::simd::avx512::{sigmoid16, tanh16};
    let (hd, d) = (io.hd, io.d);
    let mut w = io.w;
    let bias: [__m512; 4] = std::array::from_fn(|g| _mm512_load_ps(w.add(g * UNITS)));
    let mut acc = [bias; R];
    w = w.add(ROW);
    for (src, lda, k) in [(a.0, hd, hd), (a.1, d, d)] {
        for kk in 0..k {
            let ahead = w.wrapping_add(PREFETCH_ROWS * ROW).cast::<i8>();
            for l in 0..4 {
                _mm_prefetch::<_MM_HINT_T0>(ahead.wrapping_add(l * 64));
            }
            let b: [__m512; 4] = std::array::from_fn(|g| _mm512_load_ps(w.add(g * UNITS)));
            for (r, acc) in acc.iter_mut().enumerate() {
                let av = _mm512_set1_ps(*src.add(r * lda + kk));
                for g in 0..4 {
                    acc[g] = _mm512_fmadd_ps(av, b[g], acc[g]);
                }
            }
            w = w.add(ROW);
        }
    }
    let mask = io.mask;
    for (r, [pi, pf, pg, po]) in acc.into_iter().enumerate() {
        let row = (r0 + r) * hd;
        let cp = _mm512_maskz_loadu_ps(mask, io.c_prev.add(row));
        let (mut pi, mut pf, mut po) = (pi, pf, po);
        if PEEPHOLE {
            pi = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mask, io.peephole), cp, pi);
            pf = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mask, io.peephole.add(hd)), cp, pf);
        }
        let ct = _mm512_fmadd_ps(sigmoid16(pf), cp, _mm512_mul_ps(sigmoid16(pi), tanh16(pg)));
        if PEEPHOLE {
            po = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(mask, io.peephole.add(2 * hd)), ct, po);
        }
        _mm512_mask_storeu_ps(io.c.add(row), mask, ct);
        _mm512_mask_storeu_ps(io.h.add(row), mask, _mm512_mul_ps(sigmoid16(po), tanh16(ct)));
    }
}

#[cfg(all(test, target_arch = "x86_64"))]
mod tests {
    use super::*;
    use crate::kernels::simd;
    use crate::random::uniform_vec;

    fn sigmoid(x: f64) -> f64 {
        1.0 / (1.0 + (-x).exp())
    }

    /// Against the formulas in f64: every row count of a tile (m up to 13), ragged units (hidden
    /// 40: a last tile of 8), a block of units not starting at 0, with and without peepholes.
    #[test]
    fn a_step_matches_the_formulas() {
        if !simd::avx512_available() {
            return;
        }
        for &(m, hidden, input, peep) in &[(1usize, 16usize, 3usize, false), (13, 40, 5, true), (7, 48, 16, false), (12, 128, 16, true), (16, 40, 1, false)] {
            let gh = 4 * hidden;
            let (w_hh, w_ih) = (uniform_vec(gh * hidden, -0.3, 0.3, 1), uniform_vec(gh * input, -0.3, 0.3, 2));
            let (b_ih, b_hh) = (uniform_vec(gh, -0.3, 0.3, 3), uniform_vec(gh, -0.3, 0.3, 4));
            let p = if peep { uniform_vec(3 * hidden, -0.5, 0.5, 5) } else { Vec::new() };
            let (h_prev, c_prev, x) = (uniform_vec(m * hidden, -1.0, 1.0, 6), uniform_vec(m * hidden, -1.0, 1.0, 7), uniform_vec(m * input, -1.0, 1.0, 8));
            let tiles = LstmTiles::new(&w_hh, &w_ih, &b_ih, &b_hh, hidden, input);
            let (mut h, mut c) = (vec![9.0f32; m * hidden], vec![9.0f32; m * hidden]);
            let units = UNITS..hidden;
            // SAFETY: AVX-512F checked; the buffers hold m rows.
            unsafe { tiles.step(m, units.clone(), h_prev.as_ptr(), c_prev.as_ptr(), x.as_ptr(), &p, h.as_mut_ptr(), c.as_mut_ptr()) };
            for r in 0..m {
                for j in 0..hidden {
                    let at = r * hidden + j;
                    if !units.contains(&j) {
                        assert!(h[at] == 9.0 && c[at] == 9.0, "m {m} hidden {hidden}: unit {j} outside the block written");
                        continue;
                    }
                    let pre = |g: usize| {
                        let row = g * hidden + j;
                        let mut s = b_ih[row] as f64 + b_hh[row] as f64;
                        s += (0..hidden).map(|k| w_hh[row * hidden + k] as f64 * h_prev[r * hidden + k] as f64).sum::<f64>();
                        s + (0..input).map(|k| w_ih[row * input + k] as f64 * x[r * input + k] as f64).sum::<f64>()
                    };
                    let cp = c_prev[at] as f64;
                    let pw = |g: usize| if peep { p[g * hidden + j] as f64 } else { 0.0 };
                    let ct = sigmoid(pre(1) + pw(1) * cp) * cp + sigmoid(pre(0) + pw(0) * cp) * pre(2).tanh();
                    let ht = sigmoid(pre(3) + pw(2) * ct) * ct.tanh();
                    assert!((c[at] as f64 - ct).abs() < 2e-5 && (h[at] as f64 - ht).abs() < 2e-5, "m {m} hidden {hidden} peep {peep} [{r}, {j}]: {} {} vs {ct} {ht}", c[at], h[at]);
                }
            }
        }
    }
}

