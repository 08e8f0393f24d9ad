//! Whole-sequence forward and backward-through-time for one recurrent layer in one direction.

use std::borrow::Cow;
use std::ops::Range;

use super::cell::{lstm_infer, step_backward, step_forward, CellKind, StepGrads, StepIn, StepOut, StepSaved};
use super::input_projection::{self, GradColumns, Projection, SparseGradSums, SparseRows};
use super::scratch::Scratch;
use super::step_product::{gate_parts, Disjoint, FusedWeights, StepProduct};
use crate::kernels::gemm::{sgemm_split_k, Operand};
use crate::kernels::column_sums::column_sums;
use crate::kernels::CPtr;
use crate::parallel;

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
    /// Inputs, [T, B, D] (empty when `sparse` holds them).
    x: Scratch,
    /// The same, when sparse enough for the sparse input paths.
    sparse: Option<SparseRows>,
    /// States h_0..h_T, [T+1, B, H].
    h: Scratch,
    /// Cell states c_0..c_T (LSTM), [T+1, B, H].
    c: Scratch,
    /// Post-activation gates, [T, B, G*H] (never written, nor read, at padded steps).
    gates: Scratch,
    /// The GRU's n-gate hidden projections with b_hn, [T, B, H] (its backward needs them; the
    /// other gates' are not kept).
    hp_n: Scratch,
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

/// Row q of an [outer, inner, width] buffer read in [inner, outer] order: [B, T, W] <-> [T, B, W].
fn swapped_row(src: &[f32], outer: usize, inner: usize, width: usize, q: usize) -> &[f32] {
    // Row q = b * outer + a of the result is row a * inner + b of the source.
    let (b, a) = (q / outer, q % outer);
    &src[(a * inner + b) * width..(a * inner + b + 1) * width]
}

/// All of them, in order.
fn swapped_rows(src: &[f32], outer: usize, inner: usize, width: usize) -> impl Iterator<Item = &[f32]> {
    (0..outer * inner).map(move |q| swapped_row(src, outer, inner, width, q))
}

/// Below this many values a swap stays on the calling thread.
const PARALLEL_SWAP_FROM: usize = 256 * 1024;

/// Writes the rows of `src` ([outer, inner, width]) to `dst` in [inner, outer] order, the rows
/// split between the team's threads when there are many (2 MB each way per W4 step, which the
/// helper would otherwise wait out).
///
/// # Safety
/// `dst` is valid for `src.len()` writes and nothing else uses them meanwhile.
unsafe fn swap_rows_to(src: &[f32], outer: usize, inner: usize, width: usize, dst: CPtr) {
    parallel::team::for_each_range(outer * inner, src.len() >= PARALLEL_SWAP_FROM, 1, |qs| {
        for q in qs {
            let row = swapped_row(src, outer, inner, width, q);
            std::ptr::copy_nonoverlapping(row.as_ptr(), dst.at(q * width), width);
        }
    });
}

/// [B, T, W] <-> [T, B, W], as a new vector written once (not zeroed first).
pub(super) fn swap_batch_time(src: &[f32], outer: usize, inner: usize, width: usize) -> Vec<f32> {
    assert_eq!(src.len(), outer * inner * width, "swap: buffer and shape disagree");
    let mut out = Vec::with_capacity(src.len());
    // SAFETY: the swap writes every one of the len values (through a raw pointer, no reference
    // to the uninitialised memory), then the length covers them.
    unsafe {
        swap_rows_to(src, outer, inner, width, CPtr(out.as_mut_ptr()));
        out.set_len(src.len());
    }
    out
}

/// The same into a scratch buffer.
fn swap_to_scratch(src: &[f32], outer: usize, inner: usize, width: usize) -> Scratch {
    assert_eq!(src.len(), outer * inner * width, "swap: buffer and shape disagree");
    let mut out = Scratch::dirty(src.len());
    // SAFETY: the scratch buffer holds len values and is this call's alone.
    unsafe { swap_rows_to(src, outer, inner, width, CPtr(out.as_mut_ptr())) };
    out
}

/// Values s..e of block `k` (of `bh` values) of a buffer: rows of one step of a [steps, B, H]
/// buffer, or one unit of a [units, B, H] state. Nothing if the buffer is empty.
pub(super) fn step_rows(v: &[f32], k: usize, bh: usize, s: usize, e: usize) -> &[f32] {
    if v.is_empty() { &[] } else { &v[k * bh + s..k * bh + e] }
}

/// The LSTM peepholes ([3, H]: i, f, o) of `units`, or empties.
fn peephole_parts<'a>(peephole: &'a [f32], hidden: usize, units: &Range<usize>) -> [&'a [f32]; 3] {
    let [i, f, o, _] = gate_parts(peephole, hidden, 3, units);
    [i, f, o]
}

/// Whether sample `b` is still running at step `t`.
fn active(lengths: &[usize], b: usize, t: usize) -> bool {
    lengths.is_empty() || t < lengths[b]
}

/// Runs the layer over a batch of sequences.
pub fn forward_sequence(kind: CellKind, w: RecurrentWeights<'_>, shape: SequenceShape, input: SequenceInput<'_>, keep: bool) -> SequenceOutput {
    forward_sequence_with(kind, w, shape, input, keep, None, true)
}

/// The same, given the LSTM's weights packed for inference (`fused`, from the same weights),
/// made otherwise when needed. Without `outputs` an LSTM's inference over a batch returns only the
/// final states (outputs empty, as serving.rs's forward), keeping two rows of states in turn.
pub(super) fn forward_sequence_with(kind: CellKind, w: RecurrentWeights<'_>, shape: SequenceShape, input: SequenceInput<'_>, keep: bool, fused: Option<&FusedWeights>, outputs: bool) -> SequenceOutput {
    let SequenceShape { batch, steps, input: width, hidden } = shape;
    let gh = kind.gates() * hidden;
    let (bh, rows) = (batch * hidden, batch * steps);
    let lengths: Vec<usize> = input.lengths.filter(|l| l.iter().any(|&n| n < steps)).map(<[usize]>::to_vec).unwrap_or_default();
    // Time-major, the input rows of each step are contiguous. Sparse inputs are read only in
    // sparse form; dense ones by the projection GEMM (row by row where the steps read them, for
    // one to three sequences) and, in backward, the dW_ih GEMM.
    let sparse = SparseRows::of(swapped_rows(input.x, batch, steps, width), input.x.len());
    let x_tm = if sparse.is_some() { Scratch::empty() } else { swap_to_scratch(input.x, batch, steps, width) };
    // Inference of an LSTM over a batch of dense inputs: each step's product forms the whole
    // pre-activations, input side included (step_product.rs's fused kernel).
    if !keep && kind == CellKind::Lstm && sparse.is_none() && width > 0 && StepProduct::fuses(steps, batch) {
        let packed = match fused.filter(|f| f.fits(kind.gates(), hidden, width)) {
            Some(f) => Cow::Borrowed(f),
            None => Cow::Owned(FusedWeights::new(w.w_hh, w.w_ih, w.b_ih, w.b_hh, kind.gates(), hidden, width)),
        };
        let product = StepProduct::fused(packed, steps, batch).expect("fuses");
        return forward_fused(&product, w, shape, &x_tm, &lengths, input, outputs);
    }
    // Input projection of every step: XP = X W_ih^T + b_ih, [T*B, G*H].
    let xp = Projection::new(&x_tm, sparse.as_ref(), w.w_ih, w.b_ih, batch, rows, width);
    // Every step writes all of h_t and c_t (padding copies them through): only the initial
    // states need setting.
    let initial = |state: &mut Scratch, given: &[f32]| if given.is_empty() { state[..bh].fill(0.0) } else { state[..bh].copy_from_slice(given) };
    let mut h = Scratch::dirty((steps + 1) * bh);
    initial(&mut h, input.h0);
    let mut c = if kind == CellKind::Lstm { Scratch::dirty((steps + 1) * bh) } else { Scratch::empty() };
    if !c.is_empty() {
        initial(&mut c, input.c0);
    }
    // Gates (and the GRU's n-gate hidden projections) of every step are kept only for backward;
    // otherwise one step's worth of memory is reused. The hidden projections of a step are
    // written to one reused slot, which stays in cache (the kept gates go to memory: 6 MB per
    // W6 step, and 4 MB more if all three GRU projections were kept too).
    let slots = if keep { steps } else { 1 };
    let mut gates = Scratch::dirty(slots * batch * gh);
    let mut hp_all = Scratch::dirty(batch * gh);
    let keep_hp_n = keep && kind == CellKind::Gru;
    let mut hp_n = if keep_hp_n { Scratch::dirty(steps * bh) } else { Scratch::empty() };
    let gate_count = kind.gates();
    let product = StepProduct::forward(w.w_hh, gate_count, hidden, steps, batch);
    let bgh = batch * gh;
    let (h_all, c_all) = (Disjoint::new(&mut h), Disjoint::new(&mut c));
    let (gates_all, hp_buf, hp_n_all) = (Disjoint::new(&mut gates), Disjoint::new(&mut hp_all), Disjoint::new(&mut hp_n));
    // Where step t's gates go: their own rows when kept, else one slot.
    let gates_at = |t: usize| if keep { t * bgh } else { 0 };
    // SAFETY (both closures): step t reads the given samples' h_{t-1} and c_{t-1}, finished
    // before their step t starts, and writes only the given units' columns of the given samples'
    // HP, gates and kept n-gate projections and their values of h_t and c_t; the blocks running
    // at once are disjoint (samples x units).
    // A block's columns of the one sequential product HP = h_{t-1} W_hh^T + b_hh.
    let product_part = |t: usize, rows: &Range<usize>, units: &Range<usize>| unsafe {
        for b in rows.clone() {
            for (part, bias) in hp_buf.gate_parts(b * gh, hidden, gate_count, units).into_iter().zip(gate_parts(w.b_hh, hidden, gate_count, units)) {
                part.copy_from_slice(bias);
            }
        }
        let h_prev = h_all.view(t * bh + rows.start * hidden, rows.len() * hidden);
        product.block(h_prev, CPtr(hp_buf.ptr().0.add(rows.start * gh)), rows.len(), units.clone());
    };
    // A block's gate math.
    let gate_math = |t: usize, rows: &Range<usize>, units: &Range<usize>| unsafe {
        let n = units.len();
        // The block's samples' states at t-1, indexed from its first sample.
        let first = rows.start * hidden;
        let (h_prev, c_prev) = (h_all.view(t * bh + first, rows.len() * hidden), c_all.view(t * bh + first, rows.len() * hidden));
        let mut xp_buf = vec![0.0f32; xp.buffer_len(gate_count, n)];
        for b in rows.clone() {
            let (hs, row) = (b * hidden + units.start, b * gh);
            let (h_out, c_out) = (h_all.part((t + 1) * bh + hs, n), c_all.part((t + 1) * bh + hs, n));
            let local = hs - first;
            let cp = if c_prev.is_empty() { &[][..] } else { &c_prev[local..local + n] };
            if !active(&lengths, b, t) {
                // Padding: the state is carried through unchanged.
                h_out.copy_from_slice(&h_prev[local..local + n]);
                c_out.copy_from_slice(cp);
                continue;
            }
            let [hp0, hp1, hp2, hp3] = hp_buf.gate_parts(row, hidden, gate_count, units);
            if keep_hp_n {
                hp_n_all.part((t * batch + b) * hidden + units.start, n).copy_from_slice(hp2);
            }
            let step = StepIn {
                xp: xp.gate_parts(t * batch + b, hidden, gate_count, units, &mut xp_buf),
                hp: [hp0, hp1, hp2, hp3],
                peephole: peephole_parts(w.peephole, hidden, units),
                h_prev: &h_prev[local..local + n],
                c_prev: cp,
            };
            step_forward(kind, &step, &mut StepOut { gates: gates_all.gate_parts(gates_at(t) + row, hidden, gate_count, units), h: h_out, c: c_out });
        }
    };
    if product.by_blocks() {
        // Each block: its columns of the product, then straight on to its gate math.
        product.for_each_step_block(steps, |t, rows, units| {
            product_part(t, &rows, &units);
            gate_math(t, &rows, &units);
        });
    } else {
        for t in 0..steps {
            // SAFETY: one thread, and step t's HP rows are not in use by anything else.
            let hp = unsafe { hp_buf.part(0, bgh) };
            hp.chunks_mut(gh).for_each(|r| r.copy_from_slice(w.b_hh));
            product.whole(unsafe { h_all.view(t * bh, bh) }, hp);
            gate_math(t, &(0..batch), &(0..hidden));
        }
    }
    let mut outputs = swap_batch_time(&h[bh..], steps, batch, hidden);
    for (b, &len) in lengths.iter().enumerate() {
        outputs[(b * steps + len) * hidden..(b + 1) * steps * hidden].fill(0.0);
    }
    let h_last = h[steps * bh..].to_vec();
    let c_last = if c.is_empty() { Vec::new() } else { c[steps * bh..].to_vec() };
    let cache = keep.then_some(SequenceCache { kind, shape, lengths, x: x_tm, sparse, h, c, gates, hp_n });
    SequenceOutput { outputs, h_last, c_last, cache }
}

/// [`forward_sequence`] for an LSTM's inference over a batch with the fused step product: x_tm is
/// the input, time-major; `lengths` empty when every sequence is full length.
fn forward_fused(product: &StepProduct<'_>, w: RecurrentWeights<'_>, shape: SequenceShape, x_tm: &[f32], lengths: &[usize], input: SequenceInput<'_>, outputs: bool) -> SequenceOutput {
    let SequenceShape { batch, steps, input: width, hidden } = shape;
    let gh = 4 * hidden;
    let bh = batch * hidden;
    let initial = |state: &mut Scratch, given: &[f32]| if given.is_empty() { state[..bh].fill(0.0) } else { state[..bh].copy_from_slice(given) };
    // h keeps every step's row when they are the outputs; else, like c (which only the next
    // step reads), two rows used in turn, which stay in cache (as serving.rs does).
    let row = |t: usize| if outputs { t * bh } else { (t % 2) * bh };
    let c_row = |t: usize| (t % 2) * bh;
    let mut h = Scratch::dirty(if outputs { steps + 1 } else { 2 } * bh);
    initial(&mut h, input.h0);
    let mut c = Scratch::dirty(2 * bh);
    initial(&mut c, input.c0);
    // One step's pre-activations, [B, G*H], reused.
    let mut pre = if product.lstm_tiles() { Scratch::empty() } else { Scratch::dirty(batch * gh) };
    let (h_all, c_all, pre_all) = (Disjoint::new(&mut h), Disjoint::new(&mut c), Disjoint::new(&mut pre));
    // SAFETY: as in forward_sequence: step t of a block reads its samples' h_{t-1} and c_{t-1}
    // (finished before their step t starts) and writes only its units' columns of its samples'
    // pre-activations and their values of h_t and c_t; the blocks running at once are disjoint.
    let tiles = product.lstm_tiles();
    product.for_each_step_block(steps, |t, rows, units| unsafe {
        let (first, m, n) = (rows.start * hidden, rows.len(), units.len());
        let h_prev = h_all.view(row(t) + first, m * hidden);
        let c_prev = c_all.view(c_row(t) + first, m * hidden);
        let x = &x_tm[(t * batch + rows.start) * width..(t * batch + rows.end) * width];
        if tiles {
            // Product and gate math in registers (kernels/lstm_tiles.rs): h_t and c_t written
            // for every row, then padding rows carry their state through.
            let (h_next, c_next) = (row(t + 1) + first, c_row(t + 1) + first);
            product.block_lstm(h_prev, c_prev, x, w.peephole, CPtr(h_all.ptr().at(h_next)), CPtr(c_all.ptr().at(c_next)), m, units.clone());
            for b in rows.clone().filter(|&b| !active(lengths, b, t)) {
                let (hs, local) = (b * hidden + units.start, (b - rows.start) * hidden + units.start);
                h_all.part(row(t + 1) + hs, n).copy_from_slice(&h_prev[local..local + n]);
                c_all.part(c_row(t + 1) + hs, n).copy_from_slice(&c_prev[local..local + n]);
            }
            return;
        }
        product.block_fused(h_prev, x, CPtr(pre_all.ptr().0.add(rows.start * gh)), m, units.clone());
        for b in rows.clone() {
            let (hs, local) = (b * hidden + units.start, (b - rows.start) * hidden + units.start);
            let (h_out, c_out) = (h_all.part(row(t + 1) + hs, n), c_all.part(c_row(t + 1) + hs, n));
            if !active(lengths, b, t) {
                // Padding: the state is carried through unchanged.
                h_out.copy_from_slice(&h_prev[local..local + n]);
                c_out.copy_from_slice(&c_prev[local..local + n]);
                continue;
            }
            let [i, f, g, o] = pre_all.gate_parts(b * gh, hidden, 4, &units);
            lstm_infer([i, f, g, o], peephole_parts(w.peephole, hidden, &units), &c_prev[local..local + n], h_out, c_out);
        }
    });
    let mut out = Vec::new();
    if outputs {
        out = swap_batch_time(&h[bh..], steps, batch, hidden);
        for (b, &len) in lengths.iter().enumerate() {
            out[(b * steps + len) * hidden..(b + 1) * steps * hidden].fill(0.0);
        }
    }
    SequenceOutput { outputs: out, h_last: h[row(steps)..row(steps) + bh].to_vec(), c_last: c[c_row(steps)..c_row(steps) + bh].to_vec(), cache: None }
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
    let dy = if d.outputs.is_empty() { Scratch::zeroed(rows * hidden) } else { swap_to_scratch(d.outputs, batch, steps, hidden) };
    let is_lstm = kind == CellKind::Lstm;
    let mut dc = if !is_lstm {
        Vec::new()
    } else if d.c_last.is_empty() {
        vec![0.0f32; bh]
    } else {
        d.c_last.to_vec()
    };
    // dE/dh of the states in two alternating buffers: step t reads dE/dh_{t+1} from buffer
    // (t+1) % 2 and leaves dE/dh_t in buffer t % 2.
    let mut dh_bufs = vec![0.0f32; 2 * bh];
    if !d.h_last.is_empty() {
        dh_bufs[(steps % 2) * bh..(steps % 2 + 1) * bh].copy_from_slice(d.h_last);
    }
    // Gate gradients, written in full by the steps (zeros at padded steps). The GRU's hidden and
    // input sides differ in the n gate (reset after the product): it keeps all three hidden-side
    // ones and, apart, only n's input side ([T*B, H]; its r and z ones are the hidden side's).
    let is_gru = kind == CellKind::Gru;
    let mut dgx = Scratch::dirty(rows * if is_gru { hidden } else { gh });
    let mut dgh = if is_gru { Scratch::dirty(rows * gh) } else { Scratch::empty() };
    let mut dpeephole = vec![0.0f32; w.peephole.len()];
    let lengths = &cache.lengths;
    let gate_count = kind.gates();
    // Peephole gradients add up over all samples: with them, the threads split by units.
    let product = StepProduct::backward(w.w_hh, gate_count, hidden, steps, batch, w.peephole.is_empty());
    let (dgx_all, dgh_all, dh_all) = (Disjoint::new(&mut dgx), Disjoint::new(&mut dgh), Disjoint::new(&mut dh_bufs));
    let (dc_all, dpeep) = (Disjoint::new(&mut dc), Disjoint::new(&mut dpeephole));
    // The gate gradients that meet W_hh.
    let dg_hidden = if is_gru { dgh_all } else { dgx_all };
    let sparse_sums = cache.sparse.as_ref().map(|x| SparseGradSums::new(x, input, gh, batch));
    // Those of the input side, of sample b at step t (SAFETY: the callers below, whose comment
    // covers these parts of dG_t too).
    let dgx_parts = |t: usize, b: usize, units: &Range<usize>| unsafe {
        if is_gru {
            [&mut [][..], &mut [][..], dgx_all.part((t * batch + b) * hidden + units.start, units.len()), &mut [][..]]
        } else {
            dgx_all.gate_parts((t * batch + b) * gh, hidden, gate_count, units)
        }
    };
    // SAFETY (all three closures): step t's pointwise part writes only the given units of the
    // given samples' dG_t, dc and dE/dh_t (and the units' dpeephole, when all samples are one
    // block), and reads the same of dE/dh_{t+1} (the other buffer); its product part reads the
    // samples' dG_t, finished in an earlier phase, and writes their given units of dE/dh_t and
    // dc. The blocks running at once are disjoint (samples x units), and a block's pointwise part
    // of step t-1 follows its own product part of step t (the values it reads from it).
    // The pointwise backward of a block at step t.
    let pointwise = |t: usize, rows: &Range<usize>, units: &Range<usize>| unsafe {
        // The block's samples' dE/dh_{t+1}, indexed from its first sample.
        let first = rows.start * hidden;
        let (dh_in, dh_out) = (dh_all.view(((t + 1) % 2) * bh + first, rows.len() * hidden), (t % 2) * bh);
        let n = units.len();
        for b in rows.clone() {
            let (hs, row) = (b * hidden + units.start, (t * batch + b) * gh);
            let (local, dh_prev) = (hs - first, dh_all.part(dh_out + hs, n));
            if !active(lengths, b, t) {
                // Padding passed the state through: so does its gradient (dc stays as it is),
                // and it has no output nor gate gradients.
                dh_prev.copy_from_slice(&dh_in[local..local + n]);
                let gate_grads = dgx_parts(t, b, units).into_iter().chain(dgh_all.gate_parts(row, hidden, gate_count, units));
                gate_grads.for_each(|part| part.fill(0.0));
                continue;
            }
            let saved = StepSaved {
                gates: gate_parts(&cache.gates[row..row + gh], hidden, gate_count, units),
                hp_n: step_rows(&cache.hp_n, t, bh, hs, hs + n),
                h_prev: step_rows(&cache.h, t, bh, hs, hs + n),
                c_prev: step_rows(&cache.c, t, bh, hs, hs + n),
                c: step_rows(&cache.c, t + 1, bh, hs, hs + n),
                peephole: peephole_parts(w.peephole, hidden, units),
            };
            let [p0, p1, p2, _] = dpeep.gate_parts(0, hidden, 3, units);
            let mut grads = StepGrads {
                // dE/dh_t = from the output at t + from step t+1.
                dy: &dy[t * bh + hs..t * bh + hs + n],
                dh_next: &dh_in[local..local + n],
                dc: dc_all.part(hs, n),
                dgx: dgx_parts(t, b, units),
                dgh: dgh_all.gate_parts(row, hidden, gate_count, units),
                dh_prev,
                dpeephole: [p0, p1, p2],
            };
            step_backward(kind, &saved, &mut grads);
            if let Some(sums) = &sparse_sums {
                // The input side: the GRU's r and z gradients are its hidden side's.
                let input_side = |g: usize| if is_gru && g < 2 { &*grads.dgh[g] } else { &*grads.dgx[g] };
                sums.add(rows.start, t * batch + b, hidden, units, [input_side(0), input_side(1), input_side(2), input_side(3)]);
            }
        }
    };
    // Truncated BPTT: no gradient crosses every k-th step boundary.
    let cut = |t: usize, rows: &Range<usize>, units: &Range<usize>| unsafe {
        if d.truncate.is_some_and(|k| t > 0 && t.is_multiple_of(k)) {
            for b in rows.clone() {
                let hs = b * hidden + units.start;
                dh_all.part((t % 2) * bh + hs, units.len()).fill(0.0);
                dc_all.part(hs, units.len()).fill(0.0);
            }
        }
    };
    // dE/dh_t += dG_t W_hh for a block (padded rows of dG are zero).
    let product_part = |t: usize, rows: &Range<usize>, units: &Range<usize>| unsafe {
        let dg = dg_hidden.view((t * batch + rows.start) * gh, rows.len() * gh);
        product.block(dg, CPtr(dh_all.ptr().0.add((t % 2) * bh + rows.start * hidden)), rows.len(), units.clone());
        cut(t, rows, units);
    };
    if product.by_blocks() {
        // Last step first. The pointwise math of a block of units needs only its own units of
        // dE/dh_t, so one phase per step: step t's product for the block, then straight on to
        // the block's pointwise math of step t-1 (phase 0 has only step T-1's pointwise math).
        product.for_each_step_block(steps + 1, |phase, rows, units| {
            if phase == 0 {
                return pointwise(steps - 1, &rows, &units);
            }
            let t = steps - phase;
            product_part(t, &rows, &units);
            if t > 0 {
                pointwise(t - 1, &rows, &units);
            }
        });
    } else {
        for t in (0..steps).rev() {
            pointwise(t, &(0..batch), &(0..hidden));
            // SAFETY: one thread; dG_t is finished and dE/dh_t is this step's alone.
            unsafe { product.whole(dg_hidden.view(t * batch * gh, batch * gh), dh_all.part((t % 2) * bh, bh)) };
            cut(t, &(0..batch), &(0..hidden));
        }
    }
    let dh_next = dh_bufs[..bh].to_vec();
    // Weight gradients for all steps at once: dW_ih = dGx^T X, dW_hh = dGh^T H_prev, biases = sums.
    let dg_hidden = if is_gru { &dgh } else { &dgx };
    let mut w_hh = vec![0.0; gh * hidden];
    sgemm_split_k(gh, hidden, rows, 1.0, Operand::packed(dg_hidden, gh, rows, true), Operand::packed(&cache.h[..rows * hidden], rows, hidden, false), 0.0, &mut w_hh, hidden);
    let dg_input = if is_gru {
        vec![GradColumns { data: &dgh, ld: gh, first: 0, cols: 2 * hidden }, GradColumns { data: &dgx, ld: hidden, first: 2 * hidden, cols: hidden }]
    } else {
        vec![GradColumns::whole(&dgx, gh)]
    };
    let (w_ih, b_ih) = match sparse_sums {
        Some(sums) => sums.finish(),
        None => input_projection::input_grads(&dg_input, &cache.x, rows, input, gh),
    };
    let b_hh = if !is_gru {
        b_ih.clone()
    } else {
        // The GRU's r and z gradients are the same on both sides: only n's are summed again.
        let n_gate = 2 * hidden..gh;
        b_ih[..n_gate.start].iter().copied().chain(column_sums(&dgh, gh, n_gate)).collect()
    };
    let mut g = RecurrentGrads {
        w_ih,
        w_hh,
        b_hh,
        b_ih,
        peephole: dpeephole,
        x: Vec::new(),
        h0: dh_next,
        c0: dc,
    };
    if !d.skip_input_grad {
        let dx_tm = input_projection::input_gradient(&dg_input, w.w_ih, rows, input);
        g.x = swap_batch_time(&dx_tm, steps, batch, input);
    }
    g
}
