//! The LSTM and GRU steps of cell.rs fused for AVX2+FMA: one pass over a step's units computes
//! every gate, the state and the output (forward) or every gate gradient (backward), eight units
//! at a time, instead of a separate pass over L1 data for each add, nonlinearity and product.
//! The formulas are cell.rs's portable ones, with the same sigmoid and tanh as the SIMD kernels.
//! A last group of fewer than eight units is read and written through a lane mask.
//!
//! Where the CPU has AVX-512F both steps run sixteen units at a time instead, from the same
//! bodies (`forward_kernels!`, `backward_kernels!`) with simd/avx512.rs's division-free sigmoid
//! and tanh: W4's forward gate math was ~7% of its train step at eight lanes.

use std::arch::x86_64::*;

use super::cell::{CellKind, StepGrads, StepIn, StepOut, StepSaved};
use crate::kernels::simd::avx2::{sigmoid8, tanh8};
use crate::kernels::simd::avx512::{sigmoid16, tanh16};

const LANES: usize = 8;

/// Units `at..at + 8` of a step, or the fewer left at its end.
#[derive(Clone, Copy)]
struct Lanes {
    at: usize,
    full: bool,
    mask: __m256i,
}

impl Lanes {
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    unsafe fn new(at: usize, n: usize) -> Lanes {
        let left = (n - at).min(LANES) as i32;
        let mask = _mm256_cmpgt_epi32(_mm256_set1_epi32(left), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
        Lanes { at, full: left == LANES as i32, mask }
    }

    /// # Safety
    /// `s` holds at least the step's n units (checked by [`fits`] on entry).
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    unsafe fn load(self, s: &[f32]) -> __m256 {
        let p = s.as_ptr().add(self.at);
        if self.full { _mm256_loadu_ps(p) } else { _mm256_maskload_ps(p, self.mask) }
    }

    /// # Safety
    /// As for [`Self::load`].
    #[target_feature(enable = "avx2,fma")]
    #[inline]
    unsafe fn store(self, s: &mut [f32], v: __m256) {
        let p = s.as_mut_ptr().add(self.at);
        if self.full { _mm256_storeu_ps(p, v) } else { _mm256_maskstore_ps(p, self.mask, v) }
    }
}

/// Units `at..at + 16` of a step, or the fewer left at its end (AVX-512F).
#[derive(Clone, Copy)]
struct Lanes16 {
    at: usize,
    mask: __mmask16,
}

impl Lanes16 {
    /// # Safety
    /// As for [`Lanes::load`].
    #[target_feature(enable = "avx512f")]
    #[inline]
    unsafe fn load(self, s: &[f32]) -> __m512 {
        _mm512_maskz_loadu_ps(self.mask, s.as_ptr().add(self.at))
    }

    /// # Safety
    /// As for [`Lanes::load`].
    #[target_feature(enable = "avx512f")]
    #[inline]
    unsafe fn store(self, s: &mut [f32], v: __m512) {
        _mm512_mask_storeu_ps(s.as_mut_ptr().add(self.at), self.mask, v)
    }
}

/// Runs `f` on each group of 16 lanes of n units.
#[target_feature(enable = "avx512f")]
#[inline]
unsafe fn for_lanes16(n: usize, mut f: impl FnMut(Lanes16)) {
    for at in (0..n).step_by(16) {
        let left = (n - at).min(16);
        f(Lanes16 { at, mask: if left == 16 { !0 } else { (1u16 << left) - 1 } });
    }
}

/// Every slice holds at least n values (what makes the unchecked loads and stores safe).
fn fits(n: usize, slices: &[&[f32]]) {
    assert!(slices.iter().all(|s| s.len() >= n), "recurrent step: a gate slice is shorter than the step's {n} units");
}

/// Runs `f` on each group of lanes of n units.
#[target_feature(enable = "avx2,fma")]
#[inline]
unsafe fn for_lanes(n: usize, mut f: impl FnMut(Lanes)) {
    let mut at = 0;
    while at < n {
        f(Lanes::new(at, n));
        at += LANES;
    }
}

#[target_feature(enable = "avx2,fma")]
#[inline]
unsafe fn one_minus(x: __m256) -> __m256 {
    _mm256_sub_ps(_mm256_set1_ps(1.0), x)
}

#[target_feature(enable = "avx512f")]
#[inline]
unsafe fn one_minus16(x: __m512) -> __m512 {
    _mm512_sub_ps(_mm512_set1_ps(1.0), x)
}

/// # Safety
/// AVX2 and FMA present, and AVX-512F if `wide`; an LSTM or GRU step.
#[target_feature(enable = "avx2,fma")]
pub unsafe fn step_forward(wide: bool, kind: CellKind, s: &StepIn<'_>, out: &mut StepOut<'_>) {
    let peephole = !s.peephole[0].is_empty();
    match (kind, wide) {
        (CellKind::Lstm, false) if peephole => lstm_forward::<true>(s, out),
        (CellKind::Lstm, false) => lstm_forward::<false>(s, out),
        (CellKind::Lstm, true) if peephole => lstm_forward16::<true>(s, out),
        (CellKind::Lstm, true) => lstm_forward16::<false>(s, out),
        (CellKind::Gru, false) => gru_forward(s, out),
        (CellKind::Gru, true) => gru_forward16(s, out),
        (CellKind::Rnn(_), _) => unreachable!("the simple RNN's step has no fused form"),
    }
}

/// # Safety
/// As for [`step_forward`].
#[target_feature(enable = "avx2,fma")]
pub unsafe fn step_backward(wide: bool, kind: CellKind, saved: &StepSaved<'_>, g: &mut StepGrads<'_>) {
    let peephole = !saved.peephole[0].is_empty();
    match (kind, wide) {
        (CellKind::Lstm, false) if peephole => lstm_backward::<true>(saved, g),
        (CellKind::Lstm, false) => lstm_backward::<false>(saved, g),
        (CellKind::Lstm, true) if peephole => lstm_backward16::<true>(saved, g),
        (CellKind::Lstm, true) => lstm_backward16::<false>(saved, g),
        (CellKind::Gru, false) => gru_backward(saved, g),
        (CellKind::Gru, true) => gru_backward16(saved, g),
        (CellKind::Rnn(_), _) => unreachable!("the simple RNN's step has no fused form"),
    }
}

// One forward body for both widths: only the lanes, the vector type's intrinsics and its
// sigmoid and tanh differ.
macro_rules! forward_kernels {
    ($lstm:ident, $gru:ident, $feature:literal, $for_lanes:ident, $add:ident, $sub:ident, $mul:ident, $fmadd:ident, $set1:ident, $sigmoid:ident, $tanh:ident) => {
        #[target_feature(enable = $feature)]
        unsafe fn $lstm<const PEEPHOLE: bool>(s: &StepIn<'_>, out: &mut StepOut<'_>) {
            let n = out.h.len();
            let ([xi, xf, xg, xo], [hi, hf, hg, ho], [pi_w, pf_w, po_w]) = (s.xp, s.hp, s.peephole);
            fits(n, &[xi, xf, xg, xo, hi, hf, hg, ho, s.c_prev, out.c]);
            fits(n, &out.gates.each_ref().map(|g| &**g));
            if PEEPHOLE {
                fits(n, &[pi_w, pf_w, po_w]);
            }
            let [gi, gf, gg, go] = &mut out.gates;
            $for_lanes(n, |l| {
                let c_prev = l.load(s.c_prev);
                let (mut pi, mut pf) = ($add(l.load(xi), l.load(hi)), $add(l.load(xf), l.load(hf)));
                if PEEPHOLE {
                    pi = $fmadd(l.load(pi_w), c_prev, pi);
                    pf = $fmadd(l.load(pf_w), c_prev, pf);
                }
                let (i, f, g) = ($sigmoid(pi), $sigmoid(pf), $tanh($add(l.load(xg), l.load(hg))));
                let c = $fmadd(f, c_prev, $mul(i, g));
                let mut po = $add(l.load(xo), l.load(ho));
                if PEEPHOLE {
                    po = $fmadd(l.load(po_w), c, po);
                }
                let o = $sigmoid(po);
                l.store(gi, i);
                l.store(gf, f);
                l.store(gg, g);
                l.store(go, o);
                l.store(out.c, c);
                l.store(out.h, $mul(o, $tanh(c)));
            });
        }

        #[target_feature(enable = $feature)]
        unsafe fn $gru(s: &StepIn<'_>, out: &mut StepOut<'_>) {
            let n = out.h.len();
            let ([xr, xz, xn, _], [hr, hz, hn, _]) = (s.xp, s.hp);
            fits(n, &[xr, xz, xn, hr, hz, hn, s.h_prev, out.gates[0], out.gates[1], out.gates[2]]);
            let [gr, gz, gn, _] = &mut out.gates;
            $for_lanes(n, |l| {
                let r = $sigmoid($add(l.load(xr), l.load(hr)));
                let z = $sigmoid($add(l.load(xz), l.load(hz)));
                // Reset after the product: r scales the hidden side of n only.
                let nn = $tanh($fmadd(r, l.load(hn), l.load(xn)));
                l.store(gr, r);
                l.store(gz, z);
                l.store(gn, nn);
                l.store(out.h, $fmadd(z, l.load(s.h_prev), $mul($sub($set1(1.0), z), nn)));
            });
        }
    };
}

forward_kernels!(lstm_forward, gru_forward, "avx2,fma", for_lanes, _mm256_add_ps, _mm256_sub_ps, _mm256_mul_ps, _mm256_fmadd_ps, _mm256_set1_ps, sigmoid8, tanh8);
forward_kernels!(lstm_forward16, gru_forward16, "avx512f", for_lanes16, _mm512_add_ps, _mm512_sub_ps, _mm512_mul_ps, _mm512_fmadd_ps, _mm512_set1_ps, sigmoid16, tanh16);

/// The LSTM step of inference from summed pre-activations (`pre`: i, f, g, o with both products
/// and both biases in), writing only c_t and h_t: no gates are kept.
///
/// # Safety
/// AVX2 and FMA present, and AVX-512F if `wide`.
#[target_feature(enable = "avx2,fma")]
pub unsafe fn lstm_infer(wide: bool, pre: [&[f32]; 4], peephole: [&[f32]; 3], c_prev: &[f32], h: &mut [f32], c: &mut [f32]) {
    match (wide, !peephole[0].is_empty()) {
        (false, true) => lstm_infer8::<true>(pre, peephole, c_prev, h, c),
        (false, false) => lstm_infer8::<false>(pre, peephole, c_prev, h, c),
        (true, true) => lstm_infer16::<true>(pre, peephole, c_prev, h, c),
        (true, false) => lstm_infer16::<false>(pre, peephole, c_prev, h, c),
    }
}

// One inference body for both widths, the forward's formulas.
macro_rules! infer_kernels {
    ($lstm:ident, $feature:literal, $for_lanes:ident, $mul:ident, $fmadd:ident, $sigmoid:ident, $tanh:ident) => {
        #[target_feature(enable = $feature)]
        unsafe fn $lstm<const PEEPHOLE: bool>(pre: [&[f32]; 4], [pi_w, pf_w, po_w]: [&[f32]; 3], c_prev_s: &[f32], h: &mut [f32], c: &mut [f32]) {
            let n = h.len();
            fits(n, &[pre[0], pre[1], pre[2], pre[3], c_prev_s, c]);
            if PEEPHOLE {
                fits(n, &[pi_w, pf_w, po_w]);
            }
            $for_lanes(n, |l| {
                let c_prev = l.load(c_prev_s);
                let (mut pi, mut pf) = (l.load(pre[0]), l.load(pre[1]));
                if PEEPHOLE {
                    pi = $fmadd(l.load(pi_w), c_prev, pi);
                    pf = $fmadd(l.load(pf_w), c_prev, pf);
                }
                let (i, f, g) = ($sigmoid(pi), $sigmoid(pf), $tanh(l.load(pre[2])));
                let ct = $fmadd(f, c_prev, $mul(i, g));
                let mut po = l.load(pre[3]);
                if PEEPHOLE {
                    po = $fmadd(l.load(po_w), ct, po);
                }
                l.store(c, ct);
                l.store(h, $mul($sigmoid(po), $tanh(ct)));
            });
        }
    };
}

infer_kernels!(lstm_infer8, "avx2,fma", for_lanes, _mm256_mul_ps, _mm256_fmadd_ps, sigmoid8, tanh8);
infer_kernels!(lstm_infer16, "avx512f", for_lanes16, _mm512_mul_ps, _mm512_fmadd_ps, sigmoid16, tanh16);

// One backward body for both widths, as for the forward.
macro_rules! backward_kernels {
    ($lstm:ident, $gru:ident, $feature:literal, $for_lanes:ident, $add:ident, $sub:ident, $mul:ident, $fmadd:ident, $zero:ident, $one_minus:ident, $tanh:ident) => {
        #[target_feature(enable = $feature)]
        unsafe fn $lstm<const PEEPHOLE: bool>(saved: &StepSaved<'_>, g: &mut StepGrads<'_>) {
            let n = g.dh_prev.len();
            let [i_s, f_s, g_s, o_s] = saved.gates;
            let (c_prev_s, c_s, [pi_w, pf_w, po_w]) = (saved.c_prev, saved.c, saved.peephole);
            fits(n, &[i_s, f_s, g_s, o_s, c_prev_s, c_s, g.dy, g.dh_next, g.dc]);
            fits(n, &g.dgx.each_ref().map(|d| &**d));
            if PEEPHOLE {
                fits(n, &[pi_w, pf_w, po_w]);
                fits(n, &g.dpeephole.each_ref().map(|d| &**d));
            }
            let [di, df, dg, d_o] = &mut g.dgx;
            let [dpi, dpf, dpo] = &mut g.dpeephole;
            let (dc, dh_prev) = (&mut *g.dc, &mut *g.dh_prev);
            $for_lanes(n, |l| {
                let (i, f, gg, o) = (l.load(i_s), l.load(f_s), l.load(g_s), l.load(o_s));
                let (c_prev, c) = (l.load(c_prev_s), l.load(c_s));
                let dh = $add(l.load(g.dy), l.load(g.dh_next));
                let tanh_c = $tanh(c);
                let do_pre = $mul($mul(dh, tanh_c), $mul(o, $one_minus(o)));
                // The cell-state gradient carries dc_{t+1} * f_{t+1} (the term the seed's code drops).
                let mut dct = $fmadd($mul(dh, o), $one_minus($mul(tanh_c, tanh_c)), l.load(dc));
                if PEEPHOLE {
                    dct = $fmadd(do_pre, l.load(po_w), dct);
                }
                let di_pre = $mul($mul(dct, gg), $mul(i, $one_minus(i)));
                let df_pre = $mul($mul(dct, c_prev), $mul(f, $one_minus(f)));
                l.store(di, di_pre);
                l.store(df, df_pre);
                l.store(dg, $mul($mul(dct, i), $one_minus($mul(gg, gg))));
                l.store(d_o, do_pre);
                let mut dc_prev = $mul(dct, f);
                if PEEPHOLE {
                    dc_prev = $fmadd(di_pre, l.load(pi_w), dc_prev);
                    dc_prev = $fmadd(df_pre, l.load(pf_w), dc_prev);
                    l.store(dpi, $fmadd(di_pre, c_prev, l.load(dpi)));
                    l.store(dpf, $fmadd(df_pre, c_prev, l.load(dpf)));
                    l.store(dpo, $fmadd(do_pre, c, l.load(dpo)));
                }
                l.store(dc, dc_prev);
                l.store(dh_prev, $zero());
            });
        }

        #[target_feature(enable = $feature)]
        unsafe fn $gru(saved: &StepSaved<'_>, g: &mut StepGrads<'_>) {
            let n = g.dh_prev.len();
            let ([r_s, z_s, n_s, _], hn_s, h_prev_s) = (saved.gates, saved.hp_n, saved.h_prev);
            fits(n, &[r_s, z_s, n_s, hn_s, h_prev_s, g.dy, g.dh_next, g.dgx[2], g.dgh[0], g.dgh[1], g.dgh[2]]);
            let [dhr, dhz, dhn, _] = &mut g.dgh;
            let (dxn, dh_prev) = (&mut *g.dgx[2], &mut *g.dh_prev);
            $for_lanes(n, |l| {
                let (r, z, nn) = (l.load(r_s), l.load(z_s), l.load(n_s));
                let dh = $add(l.load(g.dy), l.load(g.dh_next));
                let dn_pre = $mul($mul(dh, $one_minus(z)), $one_minus($mul(nn, nn)));
                let dz_pre = $mul($mul(dh, $sub(l.load(h_prev_s), nn)), $mul(z, $one_minus(z)));
                let dr_pre = $mul($mul(dn_pre, l.load(hn_s)), $mul(r, $one_minus(r)));
                l.store(dxn, dn_pre);
                // Reset after the product: the hidden side of n is scaled by r.
                l.store(dhr, dr_pre);
                l.store(dhz, dz_pre);
                l.store(dhn, $mul(dn_pre, r));
                l.store(dh_prev, $mul(dh, z));
            });
        }
    };
}

backward_kernels!(lstm_backward, gru_backward, "avx2,fma", for_lanes, _mm256_add_ps, _mm256_sub_ps, _mm256_mul_ps, _mm256_fmadd_ps, _mm256_setzero_ps, one_minus, tanh8);
backward_kernels!(lstm_backward16, gru_backward16, "avx512f", for_lanes16, _mm512_add_ps, _mm512_sub_ps, _mm512_mul_ps, _mm512_fmadd_ps, _mm512_setzero_ps, one_minus16, tanh16);
