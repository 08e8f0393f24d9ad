//! Whole-sequence forward and backward-through-time for one recurrent layer in one direction.

use super::cell::{step_backward, step_forward, CellKind, StepGrads, StepSaved};
use crate::kernels::gemm::{sgemm, Operand};
use crate::kernels::gemv;
use crate::kernels::packed_gemm::PackedB;
use crate::kernels::simd::{self, BinaryOp};

/// A layer's parameters in PyTorch's layout (G = gates of the cell kind, H hidden, D input).
#[derive(Clone, Copy, Debug)]
pub struct RecurrentWeights<'a> {
    /// (G*H, D)
    pub w_ih: &'a [f32],
    /// (G*H, H)
    pub w_hh: &'a [f32],
    /// (G*H)
    pub b_ih: &'a [f32],
    /// (G*H)
    pub b_hh: &'a [f32],
    /// LSTM peepholes (3, H) for the i, f and o gates; empty for none.
    pub peephole: &'a [f32],
}

/// Sizes of one run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SequenceShape {
    pub batch: usize,
    pub steps: usize,
    pub input: usize,
    pub hidden: usize,
}

/// What a run starts from.
#[derive(Clone, Copy, Debug, Default)]
pub struct SequenceInput<'a> {
    /// [B, T, D], batch-major.
    pub x: &'a [f32],
    /// Initial states [B, H]; empty for zeros.
    pub h0: &'a [f32],
    pub c0: &'a [f32],
    /// Valid steps of each sequence (1..=T); `None`: all T. Past its length a sequence's state
    /// is carried unchanged and its outputs are zero (PyTorch's packed sequences).
    pub lengths: Option<&'a [usize]>,
}

/// What backward needs from a training forward (time-major).
pub struct SequenceCache {
    pub kind: CellKind,
    pub shape: SequenceShape,
    /// Empty when every sequence is full length.
    lengths: Vec<usize>,
    /// Inputs, [T, B, D].
    x: Vec<f32>,
    /// States h_0..h_T, [T+1, B, H].
    h: Vec<f32>,
    /// Cell states c_0..c_T (LSTM), [T+1, B, H].
    c: Vec<f32>,
    /// Post-activation gates, [T, B, G*H].
    gates: Vec<f32>,
    /// Hidden projections with b_hh, [T, B, G*H] (the GRU's n gate needs them in backward).
    hp: Vec<f32>,
}

pub struct SequenceOutput {
    /// h_1..h_T, batch-major [B, T, H] (zero past each sequence's length).
    pub outputs: Vec<f32>,
    /// The final state (at each sequence's length), [B, H].
    pub h_last: Vec<f32>,
    /// c at the same step (LSTM; empty otherwise), [B, H].
    pub c_last: Vec<f32>,
    /// Present when the forward was asked to keep it.
    pub cache: Option<SequenceCache>,
}

/// Gradients of one layer over a sequence.
pub struct RecurrentGrads {
    pub w_ih: Vec<f32>,
    pub w_hh: Vec<f32>,
    pub b_ih: Vec<f32>,
    pub b_hh: Vec<f32>,
    /// LSTM peepholes (3, H), or empty.
    pub peephole: Vec<f32>,
    /// dE/dx, batch-major [B, T, D].
    pub x: Vec<f32>,
    /// dE/dh_0, [B, H].
    pub h0: Vec<f32>,
    /// dE/dc_0 (LSTM), [B, H].
    pub c0: Vec<f32>,
}

/// [B, T, W] <-> [T, B, W].
pub(super) fn swap_batch_time(src: &[f32], outer: usize, inner: usize, width: usize) -> Vec<f32> {
    let mut out = vec![0.0f32; src.len()];
    for a in 0..outer {
        for b in 0..inner {
            let from = (a * inner + b) * width;
            let to = (b * outer + a) * width;
            out[to..to + width].copy_from_slice(&src[from..from + width]);
        }
    }
    out
}

/// The recurrent weights as a step's product uses them: packed once for a batch over several
/// steps (kernels::packed_gemm); as matrix-vector products for one to three rows against
/// row-major weights (kernels::gemv: the serving case); otherwise the general GEMM.
enum Recurrence<'a> {
    Packed(PackedB),
    Rows(&'a [f32], usize, usize),
    Plain(Operand<'a>, usize, usize),
}

/// Smallest batch whose steps use packed weights.
const PACK_FROM_BATCH: usize = 4;

impl<'a> Recurrence<'a> {
    /// For products with op(B) (k x n) over `steps` steps of `batch` rows.
    fn new(b: Operand<'a>, k: usize, n: usize, steps: usize, batch: usize) -> Recurrence<'a> {
        if batch <= gemv::MAX_ROWS && b.transpose {
            Recurrence::Rows(b.data, k, n)
        } else if steps > 1 && batch >= PACK_FROM_BATCH {
            Recurrence::Packed(PackedB::new(b, k, n))
        } else {
            Recurrence::Plain(b, k, n)
        }
    }

    /// C (m x n) += A (m x k) op(B), both packed row-major.
    fn multiply_add(&self, m: usize, a: &[f32], c: &mut [f32]) {
        match self {
            Recurrence::Packed(b) => b.multiply_add(m, a, b.k(), c, b.n()),
            Recurrence::Rows(w, k, n) => gemv::rows_dot_add(m, *k, *n, a, *k, w, c, *n),
            Recurrence::Plain(b, k, n) => sgemm(m, *n, *k, 1.0, Operand::packed(a, m, *k, false), *b, 1.0, c, *n),
        }
    }
}

/// Values s..e of block `k` (of `bh` values) of a buffer: rows of one step of a [steps, B, H]
/// buffer, or one unit of a [units, B, H] state. Nothing if the buffer is empty.
pub(super) fn step_rows(v: &[f32], k: usize, bh: usize, s: usize, e: usize) -> &[f32] {
    if v.is_empty() { &[] } else { &v[k * bh + s..k * bh + e] }
}

/// Whether sample `b` is still running at step `t`.
fn active(lengths: &[usize], b: usize, t: usize) -> bool {
    lengths.is_empty() || t < lengths[b]
}

/// Runs the layer over a batch of sequences.
pub fn forward_sequence(kind: CellKind, w: RecurrentWeights<'_>, shape: SequenceShape, input: SequenceInput<'_>, keep: bool) -> SequenceOutput {
    let SequenceShape { batch, steps, input: width, hidden } = shape;
    let gh = kind.gates() * hidden;
    let (bh, rows) = (batch * hidden, batch * steps);
    let lengths: Vec<usize> = input.lengths.filter(|l| l.iter().any(|&n| n < steps)).map(<[usize]>::to_vec).unwrap_or_default();
    let x_tm = swap_batch_time(input.x, batch, steps, width);
    // Input projection of every step in one GEMM: XP = X W_ih^T + b_ih, [T*B, G*H].
    let mut xp = vec![0.0f32; rows * gh];
    xp.chunks_mut(gh).for_each(|r| r.copy_from_slice(w.b_ih));
    sgemm(rows, gh, width, 1.0, Operand::packed(&x_tm, rows, width, false), Operand::packed(w.w_ih, width, gh, true), 1.0, &mut xp, gh);

    let mut h = vec![0.0f32; (steps + 1) * bh];
    let mut c = if kind == CellKind::Lstm { vec![0.0f32; (steps + 1) * bh] } else { Vec::new() };
    if !input.h0.is_empty() {
        h[..bh].copy_from_slice(input.h0);
    }
    if !input.c0.is_empty() && !c.is_empty() {
        c[..bh].copy_from_slice(input.c0);
    }
    // Gates and hidden projections of every step are kept only for backward; inference reuses
    // one step's worth of memory.
    let slots = if keep { steps } else { 1 };
    let mut gates = vec![0.0f32; slots * batch * gh];
    let mut hp_all = vec![0.0f32; slots * batch * gh];
    let w_hh_t = Recurrence::new(Operand::packed(w.w_hh, hidden, gh, true), hidden, gh, steps, batch);
    for t in 0..steps {
        let slot = if keep { t } else { 0 };
        // The one sequential product: HP = h_{t-1} W_hh^T + b_hh.
        let hp = &mut hp_all[slot * batch * gh..(slot + 1) * batch * gh];
        hp.chunks_mut(gh).for_each(|r| r.copy_from_slice(w.b_hh));
        let (h_before, h_after) = h.split_at_mut((t + 1) * bh);
        let h_prev = &h_before[t * bh..];
        w_hh_t.multiply_add(batch, h_prev, hp);
        let h_next = &mut h_after[..bh];
        let (c_prev, c_next): (&[f32], &mut [f32]) = if c.is_empty() {
            (&[], &mut [])
        } else {
            let (before, after) = c.split_at_mut((t + 1) * bh);
            (&before[t * bh..], &mut after[..bh])
        };
        for b in 0..batch {
            let row = (slot * batch + b) * gh;
            let (hs, he) = (b * hidden, (b + 1) * hidden);
            let cp = if c_prev.is_empty() { &[][..] } else { &c_prev[hs..he] };
            let cn = if c_next.is_empty() { &mut [][..] } else { &mut c_next[hs..he] };
            if !active(&lengths, b, t) {
                // Padding: the state is carried through unchanged.
                h_next[hs..he].copy_from_slice(&h_prev[hs..he]);
                cn.copy_from_slice(cp);
                continue;
            }
            let xrow = (t * batch + b) * gh;
            step_forward(kind, &xp[xrow..xrow + gh], &hp[b * gh..(b + 1) * gh], w.peephole, &h_prev[hs..he], cp, &mut gates[row..row + gh], &mut h_next[hs..he], cn);
        }
    }
    let mut outputs = swap_batch_time(&h[bh..], steps, batch, hidden);
    for (b, &len) in lengths.iter().enumerate() {
        outputs[(b * steps + len) * hidden..(b + 1) * steps * hidden].fill(0.0);
    }
    let h_last = h[steps * bh..].to_vec();
    let c_last = if c.is_empty() { Vec::new() } else { c[steps * bh..].to_vec() };
    let cache = keep.then_some(SequenceCache { kind, shape, lengths, x: x_tm, h, c, gates, hp: hp_all });
    SequenceOutput { outputs, h_last, c_last, cache }
}

/// The gradients flowing into a backward pass.
#[derive(Clone, Copy, Debug, Default)]
pub struct SequenceGradsIn<'a> {
    /// dE/dh_t for every step ([B, T, H], batch-major); empty for none.
    pub outputs: &'a [f32],
    /// dE/d(final h) and dE/d(final c) ([B, H]); empty for none.
    pub h_last: &'a [f32],
    pub c_last: &'a [f32],
    /// Truncated BPTT: no gradient flows back across every k-th step boundary (chunks of k
    /// steps from t = 0, as when a long sequence is fed k steps at a time with its state kept).
    pub truncate: Option<usize>,
    /// Leave dE/dx empty (a first layer: its inputs are data), saving one GEMM.
    pub skip_input_grad: bool,
}

/// Backward through time.
pub fn backward_sequence(w: RecurrentWeights<'_>, cache: &SequenceCache, d: SequenceGradsIn<'_>) -> RecurrentGrads {
    let SequenceShape { batch, steps, input, hidden } = cache.shape;
    let kind = cache.kind;
    let gh = kind.gates() * hidden;
    let (bh, rows) = (batch * hidden, batch * steps);
    let dy = if d.outputs.is_empty() { vec![0.0f32; rows * hidden] } else { swap_batch_time(d.outputs, batch, steps, hidden) };
    let mut dh_next = if d.h_last.is_empty() { vec![0.0f32; bh] } else { d.h_last.to_vec() };
    let is_lstm = kind == CellKind::Lstm;
    let mut dc = if !is_lstm {
        Vec::new()
    } else if d.c_last.is_empty() {
        vec![0.0f32; bh]
    } else {
        d.c_last.to_vec()
    };
    let mut dgx = vec![0.0f32; rows * gh];
    // Separate hidden-side gradients only where they differ (the GRU's reset-after n gate).
    let mut dgh = if kind == CellKind::Gru { vec![0.0f32; rows * gh] } else { Vec::new() };
    let mut dpeephole = vec![0.0f32; w.peephole.len()];
    let mut dh = vec![0.0f32; bh];
    let mut tanh_c = vec![0.0f32; if is_lstm { bh } else { 0 }];
    let lengths = &cache.lengths;
    let w_hh = Recurrence::new(Operand::packed(w.w_hh, gh, hidden, false), gh, hidden, steps, batch);
    for t in (0..steps).rev() {
        if is_lstm {
            simd::unary(simd::UnaryOp::Tanh, &cache.c[(t + 1) * bh..(t + 2) * bh], &mut tanh_c);
        }
        // dE/dh_t = from the output at t (none on padding) + from step t+1.
        dh.copy_from_slice(&dy[t * bh..(t + 1) * bh]);
        for b in (0..batch).filter(|&b| !active(lengths, b, t)) {
            dh[b * hidden..(b + 1) * hidden].fill(0.0);
        }
        simd::binary_inplace(BinaryOp::Add, &mut dh, &dh_next);
        dh_next.fill(0.0);
        for b in 0..batch {
            let (hs, he) = (b * hidden, (b + 1) * hidden);
            if !active(lengths, b, t) {
                // Padding passed the state through: so does its gradient (dc stays as it is).
                dh_next[hs..he].copy_from_slice(&dh[hs..he]);
                continue;
            }
            let row = (t * batch + b) * gh;
            let saved = StepSaved {
                gates: &cache.gates[row..row + gh],
                hp: &cache.hp[row..row + gh],
                h_prev: step_rows(&cache.h, t, bh, hs, he),
                c_prev: step_rows(&cache.c, t, bh, hs, he),
                c: step_rows(&cache.c, t + 1, bh, hs, he),
                tanh_c: if is_lstm { &tanh_c[hs..he] } else { &[] },
                peephole: w.peephole,
            };
            let mut grads = StepGrads {
                dh: &dh[hs..he],
                dc: if is_lstm { &mut dc[hs..he] } else { &mut [] },
                dgx: &mut dgx[row..row + gh],
                dgh: if dgh.is_empty() { &mut [] } else { &mut dgh[row..row + gh] },
                dh_prev: &mut dh_next[hs..he],
                dpeephole: &mut dpeephole,
            };
            step_backward(kind, &saved, &mut grads);
        }
        // dE/dh_{t-1} += dG_h W_hh (padded rows of dG are zero).
        let dg_hidden = if dgh.is_empty() { &dgx } else { &dgh };
        let dgh_t = &dg_hidden[t * batch * gh..(t + 1) * batch * gh];
        w_hh.multiply_add(batch, dgh_t, &mut dh_next);
        if d.truncate.is_some_and(|k| t > 0 && t % k == 0) {
            dh_next.fill(0.0);
            dc.fill(0.0);
        }
    }
    // Weight gradients for all steps at once: dW_ih = dGx^T X, dW_hh = dGh^T H_prev, biases = sums.
    let mut g = RecurrentGrads {
        w_ih: vec![0.0; gh * input],
        w_hh: vec![0.0; gh * hidden],
        b_ih: vec![0.0; gh],
        b_hh: vec![0.0; gh],
        peephole: dpeephole,
        x: Vec::new(),
        h0: dh_next,
        c0: dc,
    };
    sgemm(gh, input, rows, 1.0, Operand::packed(&dgx, gh, rows, true), Operand::packed(&cache.x, rows, input, false), 0.0, &mut g.w_ih, input);
    let dg_hidden = if dgh.is_empty() { &dgx } else { &dgh };
    sgemm(gh, hidden, rows, 1.0, Operand::packed(dg_hidden, gh, rows, true), Operand::packed(&cache.h[..rows * hidden], rows, hidden, false), 0.0, &mut g.w_hh, hidden);
    for (rx, rh) in dgx.chunks(gh).zip(dg_hidden.chunks(gh)) {
        simd::binary_inplace(BinaryOp::Add, &mut g.b_ih, rx);
        simd::binary_inplace(BinaryOp::Add, &mut g.b_hh, rh);
    }
    if !d.skip_input_grad {
        let mut dx_tm = vec![0.0f32; rows * input];
        sgemm(rows, input, gh, 1.0, Operand::packed(&dgx, rows, gh, false), Operand::packed(w.w_ih, gh, input, false), 0.0, &mut dx_tm, input);
        g.x = swap_batch_time(&dx_tm, steps, batch, input);
    }
    g
}
