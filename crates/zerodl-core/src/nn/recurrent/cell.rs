//! The pointwise math of one time step for each cell kind: forward from the pre-activations,
//! backward to the pre-activation gradients, over any range of units. The matrix products live in
//! step_product.rs and input_projection.rs.

use crate::kernels::simd::{self, BinaryOp, UnaryOp};
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
    let n = out.h.len();
    let (xp, hp) = (&s.xp, &s.hp);
    match kind {
        CellKind::Rnn(act) => {
            let g = &mut *out.gates[0];
            simd::binary(BinaryOp::Add, &xp[0][..n], &hp[0][..n], g);
            act.forward(g, n);
            out.h.copy_from_slice(g);
        }
        CellKind::Lstm => {
            let [gi, gf, gg, go] = &mut out.gates;
            let (gi, gf, gg, go) = (&mut gi[..n], &mut gf[..n], &mut gg[..n], &mut go[..n]);
            let (c_prev, c) = (&s.c_prev[..n], &mut out.c[..n]);
            // Pre-activations, then the gate nonlinearities as SIMD passes over whole slices.
            simd::binary(BinaryOp::Add, &xp[0][..n], &hp[0][..n], gi);
            simd::binary(BinaryOp::Add, &xp[1][..n], &hp[1][..n], gf);
            simd::binary(BinaryOp::Add, &xp[2][..n], &hp[2][..n], gg);
            simd::binary(BinaryOp::Add, &xp[3][..n], &hp[3][..n], go);
            let peep = &s.peephole;
            if !peep[0].is_empty() {
                for j in 0..n {
                    gi[j] += peep[0][j] * c_prev[j];
                    gf[j] += peep[1][j] * c_prev[j];
                }
            }
            simd::unary_inplace(UnaryOp::Sigmoid, gi);
            simd::unary_inplace(UnaryOp::Sigmoid, gf);
            simd::unary_inplace(UnaryOp::Tanh, gg);
            for j in 0..n {
                c[j] = gf[j] * c_prev[j] + gi[j] * gg[j];
            }
            if !peep[2].is_empty() {
                for j in 0..n {
                    go[j] += peep[2][j] * c[j];
                }
            }
            simd::unary_inplace(UnaryOp::Sigmoid, go);
            let h = &mut out.h[..n];
            simd::unary(UnaryOp::Tanh, c, h);
            simd::binary_inplace(BinaryOp::Mul, h, go);
        }
        CellKind::Gru => {
            let [gr, gz, gn, _] = &mut out.gates;
            let (gr, gz, gn) = (&mut gr[..n], &mut gz[..n], &mut gn[..n]);
            simd::binary(BinaryOp::Add, &xp[0][..n], &hp[0][..n], gr);
            simd::binary(BinaryOp::Add, &xp[1][..n], &hp[1][..n], gz);
            simd::unary_inplace(UnaryOp::Sigmoid, gr);
            simd::unary_inplace(UnaryOp::Sigmoid, gz);
            let (xn, hn) = (&xp[2][..n], &hp[2][..n]);
            for j in 0..n {
                gn[j] = xn[j] + gr[j] * hn[j];
            }
            simd::unary_inplace(UnaryOp::Tanh, gn);
            let (h, h_prev) = (&mut out.h[..n], &s.h_prev[..n]);
            for j in 0..n {
                h[j] = (1.0 - gz[j]) * gn[j] + gz[j] * h_prev[j];
            }
        }
    }
}

/// What the backward step of one sample reads from the forward pass (units as in [`StepIn`]).
pub struct StepSaved<'a> {
    /// Post-activation gates.
    pub gates: [&'a [f32]; 4],
    /// GRU: the n gate's hidden projection with b_hn.
    pub hp_n: &'a [f32],
    pub h_prev: &'a [f32],
    /// LSTM: c_{t-1}, c_t and tanh(c_t) (computed by the caller in one SIMD pass, so the gate
    /// loop has no transcendental calls and vectorises).
    pub c_prev: &'a [f32],
    pub c: &'a [f32],
    pub tanh_c: &'a [f32],
    /// LSTM peephole weights (i, f, o), or empty.
    pub peephole: [&'a [f32]; 3],
}

/// The gradients one backward step reads and writes.
pub struct StepGrads<'a> {
    /// dE/dh_t (from above and from step t+1).
    pub dh: &'a [f32],
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
    let n = g.dh.len();
    match kind {
        CellKind::Rnn(act) => {
            let d = &mut *g.dgx[0];
            d.copy_from_slice(g.dh);
            act.backward(&saved.gates[0][..n], d, n);
            g.dh_prev.fill(0.0);
        }
        CellKind::Lstm if saved.peephole[0].is_empty() => lstm_backward::<false>(saved, g),
        CellKind::Lstm => lstm_backward::<true>(saved, g),
        CellKind::Gru => {
            let [r, z, nn, _] = saved.gates;
            let (r, z, nn, hn, h_prev) = (&r[..n], &z[..n], &nn[..n], &saved.hp_n[..n], &saved.h_prev[..n]);
            let dxn = &mut g.dgx[2][..n];
            let [dhr, dhz, dhn, _] = &mut g.dgh;
            let (dhr, dhz, dhn) = (&mut dhr[..n], &mut dhz[..n], &mut dhn[..n]);
            let (dh, dh_prev) = (&g.dh[..n], &mut g.dh_prev[..n]);
            for j in 0..n {
                let dn_pre = dh[j] * (1.0 - z[j]) * (1.0 - nn[j] * nn[j]);
                let dz_pre = dh[j] * (h_prev[j] - nn[j]) * z[j] * (1.0 - z[j]);
                let dr_pre = dn_pre * hn[j] * r[j] * (1.0 - r[j]);
                dxn[j] = dn_pre;
                // Reset after the product: the hidden side of n is scaled by r.
                (dhr[j], dhz[j], dhn[j]) = (dr_pre, dz_pre, dn_pre * r[j]);
                dh_prev[j] = dh[j] * z[j];
            }
        }
    }
}

/// The LSTM step; a separate instance without peepholes keeps that loop branch-free.
#[inline(always)]
fn lstm_backward<const PEEPHOLE: bool>(saved: &StepSaved<'_>, g: &mut StepGrads<'_>) {
    let n = g.dh.len();
    let [i, f, gg, o] = saved.gates;
    let (i, f, gg, o) = (&i[..n], &f[..n], &gg[..n], &o[..n]);
    let (c_prev, tanh_c, dh) = (&saved.c_prev[..n], &saved.tanh_c[..n], &g.dh[..n]);
    let [di, df, dg, d_o] = &mut g.dgx;
    let (di, df, dg, d_o) = (&mut di[..n], &mut df[..n], &mut dg[..n], &mut d_o[..n]);
    let dc = &mut g.dc[..n];
    for j in 0..n {
        let do_pre = dh[j] * tanh_c[j] * o[j] * (1.0 - o[j]);
        // The cell-state gradient carries dc_{t+1} * f_{t+1} (the term the seed's code drops).
        let mut dct = dc[j] + dh[j] * o[j] * (1.0 - tanh_c[j] * tanh_c[j]);
        if PEEPHOLE {
            dct += do_pre * saved.peephole[2][j];
        }
        let di_pre = dct * gg[j] * i[j] * (1.0 - i[j]);
        let df_pre = dct * c_prev[j] * f[j] * (1.0 - f[j]);
        di[j] = di_pre;
        df[j] = df_pre;
        dg[j] = dct * i[j] * (1.0 - gg[j] * gg[j]);
        d_o[j] = do_pre;
        dc[j] = dct * f[j];
        if PEEPHOLE {
            let p = &saved.peephole;
            dc[j] += di_pre * p[0][j] + df_pre * p[1][j];
            g.dpeephole[0][j] += di_pre * c_prev[j];
            g.dpeephole[1][j] += df_pre * c_prev[j];
            g.dpeephole[2][j] += do_pre * saved.c[j];
        }
    }
    g.dh_prev[..n].fill(0.0);
}
