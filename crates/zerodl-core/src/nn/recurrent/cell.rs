//! The pointwise math of one time step for each cell kind: forward from the pre-activations,
//! backward to the pre-activation gradients, over any range of units. The matrix products live in
//! step_product.rs and input_projection.rs.
//!
//! The LSTM and GRU run here element by element, in the portable math of the scalar SIMD level;
//! with AVX2 the same formulas run fused in cell_avx2.rs, one pass over a step's units.

#[cfg(target_arch = "x86_64")]
use super::cell_avx2;
use crate::kernels::simd::{self, apply_unary, BinaryOp, Level, UnaryOp};
use crate::nn::activation::Activation;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CellKind {
    /// h = act(W_ih x + b_ih + W_hh h + b_hh), act tanh or relu.
    Rnn(Activation),
    /// PyTorch's LSTM: gates i, f, g, o.
    Lstm,
    /// PyTorch's GRU: gates r, z, n; n = tanh(x_n + r * (W_hn h + b_hn)); h' = (1 - z) n + z h.
    Gru,
}

impl CellKind {
    /// Gate blocks stacked in the weights (G).
    pub fn gates(self) -> usize {
        match self {
            CellKind::Rnn(_) => 1,
            CellKind::Lstm => 4,
            CellKind::Gru => 3,
        }
    }

    /// The layer kind of the API: "simpleRNN", "lstm" or "gru".
    pub fn name(self) -> &'static str {
        match self {
            CellKind::Rnn(_) => "simpleRNN",
            CellKind::Lstm => "lstm",
            CellKind::Gru => "gru",
        }
    }
}

/// One sample's step over a range of units. Gate arrays hold one slice per gate of the cell kind
/// (the rest empty), each the same units of that gate's block of the G*H-wide rows; so threads
/// can each take a range of units of the same step.
pub struct StepIn<'a> {
    /// Input projections with b_ih.
    pub xp: [&'a [f32]; 4],
    /// Hidden projections with b_hh.
    pub hp: [&'a [f32]; 4],
    /// LSTM peepholes (Gers & Schmidhuber, the seed notes' peephole LSTM): the diagonal weights
    /// from c_{t-1} into the i and f gates and from c_t into the o gate; empty for none.
    pub peephole: [&'a [f32]; 3],
    pub h_prev: &'a [f32],
    /// LSTM: c_{t-1}.
    pub c_prev: &'a [f32],
}

/// What a forward step writes.
pub struct StepOut<'a> {
    /// Post-activation gates.
    pub gates: [&'a mut [f32]; 4],
    pub h: &'a mut [f32],
    /// LSTM: c_t.
    pub c: &'a mut [f32],
}

/// One step forward.
pub fn step_forward(kind: CellKind, s: &StepIn<'_>, out: &mut StepOut<'_>) {
    step_forward_with(simd::level(), kind, s, out)
}

/// The same with the given SIMD level (tests run both), 16 lanes at a time where AVX-512 is on.
pub fn step_forward_with(level: Level, kind: CellKind, s: &StepIn<'_>, out: &mut StepOut<'_>) {
    step_forward_lanes(level, simd::avx512(), kind, s, out)
}

/// The same, with AVX-512 if `wide` (at the AVX2 level only; tests run both).
pub(super) fn step_forward_lanes(level: Level, wide: bool, kind: CellKind, s: &StepIn<'_>, out: &mut StepOut<'_>) {
    let n = out.h.len();
    if let CellKind::Rnn(act) = kind {
        let g = &mut *out.gates[0];
        simd::binary_with(level, BinaryOp::Add, &s.xp[0][..n], &s.hp[0][..n], g);
        act.forward(g, n);
        out.h.copy_from_slice(g);
        return;
    }
    #[cfg(target_arch = "x86_64")]
    if level == Level::Avx2Fma {
        assert!(!wide || simd::avx512_available(), "recurrent step: 16 lanes without AVX-512F");
        // SAFETY: the level is only ever Avx2Fma on a CPU with both features; AVX-512F checked.
        return unsafe { cell_avx2::step_forward(wide, kind, s, out) };
    }
    let (xp, hp, peep) = (&s.xp, &s.hp, &s.peephole);
    let (h, h_prev, c_prev) = (&mut out.h[..n], &s.h_prev, &s.c_prev);
    if kind == CellKind::Lstm {
        let [gi, gf, gg, go] = &mut out.gates;
        let c = &mut out.c[..n];
        for j in 0..n {
            let (mut pi, mut pf) = (xp[0][j] + hp[0][j], xp[1][j] + hp[1][j]);
            if !peep[0].is_empty() {
                pi += peep[0][j] * c_prev[j];
                pf += peep[1][j] * c_prev[j];
            }
            let (i, f, g) = (sigmoid(pi), sigmoid(pf), tanh(xp[2][j] + hp[2][j]));
            c[j] = f * c_prev[j] + i * g;
            let po = xp[3][j] + hp[3][j] + if peep[2].is_empty() { 0.0 } else { peep[2][j] * c[j] };
            let o = sigmoid(po);
            (gi[j], gf[j], gg[j], go[j]) = (i, f, g, o);
            h[j] = o * tanh(c[j]);
        }
    } else {
        let [gr, gz, gn, _] = &mut out.gates;
        for j in 0..n {
            let (r, z) = (sigmoid(xp[0][j] + hp[0][j]), sigmoid(xp[1][j] + hp[1][j]));
            // Reset after the product: r scales the hidden side of n only.
            let nn = tanh(xp[2][j] + r * hp[2][j]);
            (gr[j], gz[j], gn[j]) = (r, z, nn);
            h[j] = (1.0 - z) * nn + z * h_prev[j];
        }
    }
}

/// The LSTM step of inference from summed pre-activations (`pre`: i, f, g, o, each with both
/// products and both biases added), over a range of units: writes c_t and h_t only (no gates
/// are kept). The forward step's formulas.
pub fn lstm_infer(pre: [&[f32]; 4], peephole: [&[f32]; 3], c_prev: &[f32], h: &mut [f32], c: &mut [f32]) {
    lstm_infer_with(simd::level(), simd::avx512(), pre, peephole, c_prev, h, c)
}

/// The same at the given level, with AVX-512 if `wide` (tests run each).
pub(super) fn lstm_infer_with(level: Level, wide: bool, pre: [&[f32]; 4], peephole: [&[f32]; 3], c_prev: &[f32], h: &mut [f32], c: &mut [f32]) {
    #[cfg(target_arch = "x86_64")]
    if level == Level::Avx2Fma {
        assert!(!wide || simd::avx512_available(), "recurrent step: 16 lanes without AVX-512F");
        // SAFETY: the level is only ever Avx2Fma on a CPU with both features; AVX-512F checked.
        return unsafe { cell_avx2::lstm_infer(wide, pre, peephole, c_prev, h, c) };
    }
    let _ = wide;
    let n = h.len();
    let p = &peephole;
    for j in 0..n {
        let (mut pi, mut pf) = (pre[0][j], pre[1][j]);
        if !p[0].is_empty() {
            pi += p[0][j] * c_prev[j];
            pf += p[1][j] * c_prev[j];
        }
        let (i, f, g) = (sigmoid(pi), sigmoid(pf), tanh(pre[2][j]));
        c[j] = f * c_prev[j] + i * g;
        let po = pre[3][j] + if p[2].is_empty() { 0.0 } else { p[2][j] * c[j] };
        h[j] = sigmoid(po) * tanh(c[j]);
    }
}

fn sigmoid(x: f32) -> f32 {
    apply_unary(UnaryOp::Sigmoid, x)
}

fn tanh(x: f32) -> f32 {
    apply_unary(UnaryOp::Tanh, x)
}

/// What the backward step of one sample reads from the forward pass (units as in [`StepIn`]).
pub struct StepSaved<'a> {
    /// Post-activation gates.
    pub gates: [&'a [f32]; 4],
    /// GRU: the n gate's hidden projection with b_hn.
    pub hp_n: &'a [f32],
    pub h_prev: &'a [f32],
    /// LSTM: c_{t-1} and c_t (tanh(c_t) is recomputed: cheaper than keeping it).
    pub c_prev: &'a [f32],
    pub c: &'a [f32],
    /// LSTM peephole weights (i, f, o), or empty.
    pub peephole: [&'a [f32]; 3],
}

/// The gradients one backward step reads and writes.
pub struct StepGrads<'a> {
    /// dE/dh_t from the output at t and from step t+1 (added here, in the same pass).
    pub dy: &'a [f32],
    pub dh_next: &'a [f32],
    /// LSTM: dE/dc_t from step t+1, replaced by dE/dc_{t-1}.
    pub dc: &'a mut [f32],
    /// Pre-activation gradients of the input projection (the GRU: only n's, the rest empty;
    /// its r and z ones are the same on both sides and kept once, in `dgh`).
    pub dgx: [&'a mut [f32]; 4],
    /// GRU: those of the hidden projection (for the other cells they are `dgx` itself, so these
    /// are empty).
    pub dgh: [&'a mut [f32]; 4],
    /// Receives the direct (non-matrix) part of dE/dh_{t-1}.
    pub dh_prev: &'a mut [f32],
    /// LSTM with peepholes: dE/d(peephole) is accumulated here.
    pub dpeephole: [&'a mut [f32]; 3],
}

/// One step backward.
pub fn step_backward(kind: CellKind, saved: &StepSaved<'_>, g: &mut StepGrads<'_>) {
    step_backward_with(simd::level(), kind, saved, g)
}

/// The same with the given SIMD level (tests run both).
pub fn step_backward_with(level: Level, kind: CellKind, saved: &StepSaved<'_>, g: &mut StepGrads<'_>) {
    step_backward_lanes(level, simd::avx512(), kind, saved, g)
}

/// The same, with AVX-512 if `wide` (at the AVX2 level only; tests run both).
pub(super) fn step_backward_lanes(level: Level, wide: bool, kind: CellKind, saved: &StepSaved<'_>, g: &mut StepGrads<'_>) {
    let n = g.dh_prev.len();
    if let CellKind::Rnn(act) = kind {
        let d = &mut *g.dgx[0];
        simd::binary_with(level, BinaryOp::Add, &g.dy[..n], &g.dh_next[..n], d);
        act.backward(&saved.gates[0][..n], d, n);
        g.dh_prev.fill(0.0);
        return;
    }
    #[cfg(target_arch = "x86_64")]
    if level == Level::Avx2Fma {
        assert!(!wide || simd::avx512_available(), "recurrent step: 16 lanes without AVX-512F");
        // SAFETY: as in step_forward_lanes.
        return unsafe { cell_avx2::step_backward(wide, kind, saved, g) };
    }
    let dh = |j: usize| g.dy[j] + g.dh_next[j];
    let (c_prev, c) = (saved.c_prev, saved.c);
    if kind == CellKind::Lstm {
        let [i, f, gg, o] = saved.gates;
        let [di, df, dg, d_o] = &mut g.dgx;
        let (p, dp) = (&saved.peephole, &mut g.dpeephole);
        for j in 0..n {
            let (dh, tanh_c) = (dh(j), tanh(c[j]));
            let do_pre = dh * tanh_c * o[j] * (1.0 - o[j]);
            // The cell-state gradient carries dc_{t+1} * f_{t+1} (the term the seed's code drops).
            let mut dct = g.dc[j] + dh * o[j] * (1.0 - tanh_c * tanh_c);
            if !p[0].is_empty() {
                dct += do_pre * p[2][j];
            }
            let di_pre = dct * gg[j] * i[j] * (1.0 - i[j]);
            let df_pre = dct * c_prev[j] * f[j] * (1.0 - f[j]);
            (di[j], df[j], dg[j], d_o[j]) = (di_pre, df_pre, dct * i[j] * (1.0 - gg[j] * gg[j]), do_pre);
            g.dc[j] = dct * f[j];
            if !p[0].is_empty() {
                g.dc[j] += di_pre * p[0][j] + df_pre * p[1][j];
                dp[0][j] += di_pre * c_prev[j];
                dp[1][j] += df_pre * c_prev[j];
                dp[2][j] += do_pre * c[j];
            }
        }
        g.dh_prev.fill(0.0);
    } else {
        let [r, z, nn, _] = saved.gates;
        let (hn, h_prev) = (saved.hp_n, saved.h_prev);
        let [dhr, dhz, dhn, _] = &mut g.dgh;
        for j in 0..n {
            let dh = dh(j);
            let dn_pre = dh * (1.0 - z[j]) * (1.0 - nn[j] * nn[j]);
            let dz_pre = dh * (h_prev[j] - nn[j]) * z[j] * (1.0 - z[j]);
            let dr_pre = dn_pre * hn[j] * r[j] * (1.0 - r[j]);
            g.dgx[2][j] = dn_pre;
            // Reset after the product: the hidden side of n is scaled by r.
            (dhr[j], dhz[j], dhn[j]) = (dr_pre, dz_pre, dn_pre * r[j]);
            g.dh_prev[j] = dh * z[j];
        }
    }
}
