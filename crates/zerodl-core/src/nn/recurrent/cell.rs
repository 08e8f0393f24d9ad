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
/// (with b_hh), both G*H. Writes the post-activation gates to `gates` (G*H), the new state to `h`
/// (and `c` for the LSTM).
#[allow(clippy::too_many_arguments)]
pub fn step_forward(kind: CellKind, xp: &[f32], hp: &[f32], h_prev: &[f32], c_prev: &[f32], gates: &mut [f32], h: &mut [f32], c: &mut [f32]) {
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
            let (ifg, o) = gates.split_at_mut(3 * hidden);
            simd::unary_inplace(UnaryOp::Sigmoid, &mut ifg[..2 * hidden]);
            simd::unary_inplace(UnaryOp::Tanh, &mut ifg[2 * hidden..]);
            simd::unary_inplace(UnaryOp::Sigmoid, o);
            let (i, f, g) = (&ifg[..hidden], &ifg[hidden..2 * hidden], &ifg[2 * hidden..]);
            for j in 0..hidden {
                c[j] = f[j] * c_prev[j] + i[j] * g[j];
            }
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

/// One step backward for one sample. `tanh_c` is tanh(c_t) (LSTM; computed for the whole step
/// by the caller in one SIMD pass, so this loop has no transcendental calls and vectorises).
/// `dh` is dE/dh_t (from above and from step t+1), `dc` (LSTM)
/// dE/dc_t from step t+1 and is replaced by dE/dc_{t-1}. Writes the pre-activation gradients of
/// the input projection to `dgx`; for the GRU also those of the hidden projection to `dgh` (they
/// differ in the n gate; for the other cells they are `dgx` itself, so `dgh` is not written).
/// Adds the direct (non-matrix) part of dE/dh_{t-1} to `dh_prev`.
#[allow(clippy::too_many_arguments)]
pub fn step_backward(
    kind: CellKind,
    gates: &[f32],
    hp: &[f32],
    h_prev: &[f32],
    c_prev: &[f32],
    tanh_c: &[f32],
    dh: &[f32],
    dc: &mut [f32],
    dgx: &mut [f32],
    dgh: &mut [f32],
    dh_prev: &mut [f32],
) {
    let hidden = dh.len();
    match kind {
        CellKind::Rnn(act) => {
            dgx.copy_from_slice(dh);
            act.backward(gates, dgx, hidden);
        }
        CellKind::Lstm => {
            for j in 0..hidden {
                let (i, f, g, o) = (gates[j], gates[hidden + j], gates[2 * hidden + j], gates[3 * hidden + j]);
                let tc = tanh_c[j];
                // The cell-state gradient carries dc_{t+1} * f_{t+1} (the term the seed's code drops).
                let dct = dc[j] + dh[j] * o * (1.0 - tc * tc);
                dgx[j] = dct * g * i * (1.0 - i);
                dgx[hidden + j] = dct * c_prev[j] * f * (1.0 - f);
                dgx[2 * hidden + j] = dct * i * (1.0 - g * g);
                dgx[3 * hidden + j] = dh[j] * tc * o * (1.0 - o);
                dc[j] = dct * f;
            }
        }
        CellKind::Gru => {
            for j in 0..hidden {
                let (r, z, n) = (gates[j], gates[hidden + j], gates[2 * hidden + j]);
                let dn_pre = dh[j] * (1.0 - z) * (1.0 - n * n);
                let dz_pre = dh[j] * (h_prev[j] - n) * z * (1.0 - z);
                let dr_pre = dn_pre * hp[2 * hidden + j] * r * (1.0 - r);
                (dgx[j], dgx[hidden + j], dgx[2 * hidden + j]) = (dr_pre, dz_pre, dn_pre);
                // Reset after the product: the hidden side of n is scaled by r.
                (dgh[j], dgh[hidden + j], dgh[2 * hidden + j]) = (dr_pre, dz_pre, dn_pre * r);
                dh_prev[j] += dh[j] * z;
            }
        }
    }
}
