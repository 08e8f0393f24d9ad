//! The pointwise math of one time step for each cell kind: forward from the pre-activations,
//! backward to the pre-activation gradients. The matrix products live in sequence.rs.

use crate::kernels::simd::{self, UnaryOp};
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

/// One step forward for one sample. `xp`: input projection (with b_ih), `hp`: hidden projection
/// (with b_hh), both G*H. `peephole` (LSTM; empty for none): [3, H], the diagonal weights from
/// c_{t-1} into the i and f gates and from c_t into the o gate (Gers & Schmidhuber, the seed
/// notes' peephole LSTM). Writes the post-activation gates to `gates` (G*H), the new state to
/// `h` (and `c` for the LSTM).
#[allow(clippy::too_many_arguments)]
pub fn step_forward(kind: CellKind, xp: &[f32], hp: &[f32], peephole: &[f32], h_prev: &[f32], c_prev: &[f32], gates: &mut [f32], h: &mut [f32], c: &mut [f32]) {
    let hidden = h.len();
    match kind {
        CellKind::Rnn(act) => {
            for j in 0..hidden {
                gates[j] = xp[j] + hp[j];
            }
            act.forward(gates, hidden);
            h.copy_from_slice(gates);
        }
        CellKind::Lstm => {
            // Pre-activations, then the gate nonlinearities as SIMD passes over whole blocks.
            for ((g, &x), &p) in gates.iter_mut().zip(xp).zip(hp) {
                *g = x + p;
            }
            if !peephole.is_empty() {
                for j in 0..hidden {
                    gates[j] += peephole[j] * c_prev[j];
                    gates[hidden + j] += peephole[hidden + j] * c_prev[j];
                }
            }
            let (ifg, o) = gates.split_at_mut(3 * hidden);
            simd::unary_inplace(UnaryOp::Sigmoid, &mut ifg[..2 * hidden]);
            simd::unary_inplace(UnaryOp::Tanh, &mut ifg[2 * hidden..]);
            let (i, f, g) = (&ifg[..hidden], &ifg[hidden..2 * hidden], &ifg[2 * hidden..]);
            for j in 0..hidden {
                c[j] = f[j] * c_prev[j] + i[j] * g[j];
            }
            if !peephole.is_empty() {
                for j in 0..hidden {
                    o[j] += peephole[2 * hidden + j] * c[j];
                }
            }
            simd::unary_inplace(UnaryOp::Sigmoid, o);
            simd::unary(UnaryOp::Tanh, c, h);
            for (h, &o) in h.iter_mut().zip(o.iter()) {
                *h *= o;
            }
        }
        CellKind::Gru => {
            for j in 0..2 * hidden {
                gates[j] = xp[j] + hp[j];
            }
            simd::unary_inplace(UnaryOp::Sigmoid, &mut gates[..2 * hidden]);
            let (rz, n) = gates.split_at_mut(2 * hidden);
            for j in 0..hidden {
                n[j] = xp[2 * hidden + j] + rz[j] * hp[2 * hidden + j];
            }
            simd::unary_inplace(UnaryOp::Tanh, n);
            let z = &rz[hidden..];
            for j in 0..hidden {
                h[j] = (1.0 - z[j]) * n[j] + z[j] * h_prev[j];
            }
        }
    }
}

/// What the backward step of one sample reads from the forward pass.
pub struct StepSaved<'a> {
    /// Post-activation gates, G*H.
    pub gates: &'a [f32],
    /// Hidden projection with b_hh, G*H (the GRU's n gate).
    pub hp: &'a [f32],
    pub h_prev: &'a [f32],
    /// LSTM: c_{t-1}, c_t and tanh(c_t) (computed for the whole step by the caller in one SIMD
    /// pass, so the gate loop has no transcendental calls and vectorises).
    pub c_prev: &'a [f32],
    pub c: &'a [f32],
    pub tanh_c: &'a [f32],
    /// LSTM peephole weights [3, H] (i, f, o), or empty.
    pub peephole: &'a [f32],
}

/// The gradients one backward step reads and writes.
pub struct StepGrads<'a> {
    /// dE/dh_t (from above and from step t+1).
    pub dh: &'a [f32],
    /// LSTM: dE/dc_t from step t+1, replaced by dE/dc_{t-1}.
    pub dc: &'a mut [f32],
    /// Pre-activation gradients of the input projection (G*H).
    pub dgx: &'a mut [f32],
    /// GRU: those of the hidden projection (they differ in the n gate; for the other cells they
    /// are `dgx` itself, so this is not written).
    pub dgh: &'a mut [f32],
    /// The direct (non-matrix) part of dE/dh_{t-1} is added here.
    pub dh_prev: &'a mut [f32],
    /// LSTM with peepholes: dE/d(peephole) is accumulated here ([3, H]).
    pub dpeephole: &'a mut [f32],
}

/// One step backward for one sample.
pub fn step_backward(kind: CellKind, saved: &StepSaved<'_>, g: &mut StepGrads<'_>) {
    let hidden = g.dh.len();
    match kind {
        CellKind::Rnn(act) => {
            g.dgx.copy_from_slice(g.dh);
            act.backward(saved.gates, g.dgx, hidden);
        }
        CellKind::Lstm if saved.peephole.is_empty() => lstm_backward::<false>(saved, g),
        CellKind::Lstm => lstm_backward::<true>(saved, g),
        CellKind::Gru => {
            let (gates, hp, h_prev) = (saved.gates, saved.hp, saved.h_prev);
            for j in 0..hidden {
                let (r, z, n) = (gates[j], gates[hidden + j], gates[2 * hidden + j]);
                let dh = g.dh[j];
                let dn_pre = dh * (1.0 - z) * (1.0 - n * n);
                let dz_pre = dh * (h_prev[j] - n) * z * (1.0 - z);
                let dr_pre = dn_pre * hp[2 * hidden + j] * r * (1.0 - r);
                (g.dgx[j], g.dgx[hidden + j], g.dgx[2 * hidden + j]) = (dr_pre, dz_pre, dn_pre);
                // Reset after the product: the hidden side of n is scaled by r.
                (g.dgh[j], g.dgh[hidden + j], g.dgh[2 * hidden + j]) = (dr_pre, dz_pre, dn_pre * r);
                g.dh_prev[j] += dh * z;
            }
        }
    }
}

/// The LSTM step; a separate instance without peepholes keeps that loop branch-free.
#[inline(always)]
fn lstm_backward<const PEEPHOLE: bool>(saved: &StepSaved<'_>, g: &mut StepGrads<'_>) {
    let hidden = g.dh.len();
    let (gates, c_prev, tanh_c) = (saved.gates, saved.c_prev, saved.tanh_c);
    for j in 0..hidden {
        let (i, f, gg, o) = (gates[j], gates[hidden + j], gates[2 * hidden + j], gates[3 * hidden + j]);
        let (tc, dh) = (tanh_c[j], g.dh[j]);
        let do_pre = dh * tc * o * (1.0 - o);
        // The cell-state gradient carries dc_{t+1} * f_{t+1} (the term the seed's code drops).
        let mut dct = g.dc[j] + dh * o * (1.0 - tc * tc);
        if PEEPHOLE {
            dct += do_pre * saved.peephole[2 * hidden + j];
        }
        let di_pre = dct * gg * i * (1.0 - i);
        let df_pre = dct * c_prev[j] * f * (1.0 - f);
        g.dgx[j] = di_pre;
        g.dgx[hidden + j] = df_pre;
        g.dgx[2 * hidden + j] = dct * i * (1.0 - gg * gg);
        g.dgx[3 * hidden + j] = do_pre;
        g.dc[j] = dct * f;
        if PEEPHOLE {
            let p = saved.peephole;
            g.dc[j] += di_pre * p[j] + df_pre * p[hidden + j];
            g.dpeephole[j] += di_pre * c_prev[j];
            g.dpeephole[hidden + j] += df_pre * c_prev[j];
            g.dpeephole[2 * hidden + j] += do_pre * saved.c[j];
        }
    }
}
