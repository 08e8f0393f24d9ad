//! One sequence at a time, for inference (batch 1: a Node service's request, W5): an LSTM or GRU
//! layer with its weights packed once, tile by tile, so that a step is one pass over them.
//!
//! For one sequence every step reads all of W_hh (256 KB for an LSTM of 128 units) for only
//! 2 flops per weight: a step is bound by streaming the weights from L2, never by arithmetic.
//! So the layer keeps a copy of W_ih, W_hh and the biases in the order a step reads them: per
//! tile of units (two vectors' worth, every gate row of them), the bias, then each input
//! value's weights, then each state value's, one vector per gate row and group (see
//! kernels/gate_tiles.rs). A tile's pre-activations then build up in registers and its gate math
//! follows at once, with no input projection before the recurrence, no horizontal sums and no
//! buffer of pre-activations in between.
//!
//! The threads each take a fixed share of the tiles (a part), whose weights then stay in their
//! core's L2, through every step, pipelined (parallel/pipeline.rs): a part first adds what it
//! has, the input and its own units' states of the step before, then waits for the other parts'
//! states and adds those last; hence each tile keeps its state values in that order.
//!
//! The sums run in a different order from the batch path's (sequence.rs), so results agree with
//! it to rounding, not bit for bit.

use std::ops::Range;

use super::cell::CellKind;
use super::sequence::{RecurrentWeights, SequenceOutput};
use super::step_product::Disjoint;
use crate::kernels::gate_tiles::{accumulate, weights_per_value, Width, ROWS, SKIP_NONE};
use crate::kernels::{gate_tile_math, gemv, simd};
use crate::parallel::{self, pipeline};

/// Most parts (threads) a layer is split into.
const MAX_PARTS: usize = 8;

/// The GRU's rows (kernels/gate_tiles.rs): r, z, then n's input and hidden sides apart, since
/// the reset multiplies only the hidden one. Its inputs skip the hidden side; its states, the
/// input side.
const GRU_N_INPUT: usize = 2;
const GRU_N_HIDDEN: usize = 3;

/// A 64-byte cache line of values.
#[derive(Clone, Copy)]
#[repr(C, align(64))]
struct Line([f32; 16]);

/// Values on whole cache lines: the packed weights start on a line (vector loads that split
/// lines made merely streaming them 1.6x slower), and in the buffers the threads write by parts,
/// each part's values are lines of their own (two threads writing one line pass it to and fro).
struct Lines {
    lines: Vec<Line>,
    len: usize,
}

impl Lines {
    fn zeroed(len: usize) -> Lines {
        Lines { lines: vec![Line([0.0; 16]); len.div_ceil(16)], len }
    }

    fn as_slice(&self) -> &[f32] {
        // SAFETY: a Line is 16 f32 and nothing else (repr(C)), and the lines are contiguous.
        unsafe { std::slice::from_raw_parts(self.lines.as_ptr().cast::<f32>(), self.len) }
    }

    fn as_mut_slice(&mut self) -> &mut [f32] {
        // SAFETY: as for `as_slice`.
        unsafe { std::slice::from_raw_parts_mut(self.lines.as_mut_ptr().cast::<f32>(), self.len) }
    }
}

/// A layer's weights packed for serving one sequence (one unit of a stack: one layer, one
/// direction).
pub struct ServingWeights {
    kind: CellKind,
    width: Width,
    input: usize,
    hidden: usize,
    /// Units per tile; the last tile's units past `hidden` have zero weights and are never
    /// written out.
    units: usize,
    /// The tiles of each part, consecutive.
    parts: Vec<Range<usize>>,
    packed: Lines,
    /// Values per tile in `packed`.
    tile_len: usize,
    /// LSTM peepholes (3, whole tiles' units: zero past H), or empty.
    peephole: Vec<f32>,
}

/// The rows a run of inputs and a run of states skip, per cell kind.
fn skips(kind: CellKind) -> (usize, usize) {
    match kind {
        CellKind::Gru => (GRU_N_HIDDEN, GRU_N_INPUT),
        _ => (SKIP_NONE, SKIP_NONE),
    }
}

impl ServingWeights {
    /// The packed weights for this CPU and thread count, or `None` where the batch path serves
    /// (simple RNNs; CPUs without AVX2+FMA, or `ZERODL_SIMD=scalar`).
    pub fn new(kind: CellKind, w: RecurrentWeights<'_>, input: usize, hidden: usize) -> Option<ServingWeights> {
        let width = Width::detect()?;
        let gh = kind.gates() * hidden;
        // Small layers run on one thread (as the batch path's matrix-vector products do).
        let parts = if gh * hidden < gemv::PARALLEL_FROM { 1 } else { parallel::num_threads() };
        Self::with(width, parts, kind, w, input, hidden)
    }

    /// The same for a given width and number of parts (tests run each).
    pub fn with(width: Width, parts: usize, kind: CellKind, w: RecurrentWeights<'_>, input: usize, hidden: usize) -> Option<ServingWeights> {
        if !matches!(kind, CellKind::Lstm | CellKind::Gru) || input == 0 || hidden == 0 {
            return None;
        }
        let gh = kind.gates() * hidden;
        assert!(w.w_ih.len() == gh * input && w.w_hh.len() == gh * hidden && w.b_ih.len() == gh && w.b_hh.len() == gh, "serving: weights of the wrong size");
        let units = width.units();
        let tiles = hidden.div_ceil(units);
        let count = parts.clamp(1, MAX_PARTS.min(tiles));
        let parts: Vec<Range<usize>> = (0..count).map(|p| p * tiles / count..(p + 1) * tiles / count).collect();
        let (skip_x, skip_h) = skips(kind);
        let tile_len = ROWS * units + input * weights_per_value(width, skip_x) + hidden * weights_per_value(width, skip_h);
        let mut lines = Lines::zeroed(tiles * tile_len);
        let packed = lines.as_mut_slice();
        // PyTorch's row of weight_ih/weight_hh (and the bias) behind row r of a tile's unit j,
        // and which of the two sides it takes (the GRU's n gate: one each).
        let source = |r: usize, j: usize| -> (usize, bool, bool) {
            match kind {
                CellKind::Gru if r >= GRU_N_INPUT => (2 * hidden + j, r == GRU_N_INPUT, r == GRU_N_HIDDEN),
                _ => (r * hidden + j, true, true),
            }
        };
        for (p, range) in parts.iter().enumerate() {
            for tile in range.clone() {
                let out = &mut packed[tile * tile_len..(tile + 1) * tile_len];
                let first = tile * units;
                let real = first..(first + units).min(hidden);
                for r in 0..ROWS {
                    for j in real.clone() {
                        let (row, x_side, h_side) = source(r, j);
                        out[r * units + j - first] = if x_side { w.b_ih[row] } else { 0.0 } + if h_side { w.b_hh[row] } else { 0.0 };
                    }
                }
                // Each value's weights: the rows it updates, each the tile's units.
                let mut at = ROWS * units;
                let mut value = |skip: usize, weight: &dyn Fn(usize) -> f32| {
                    for r in (0..ROWS).filter(|&r| r != skip) {
                        for j in real.clone() {
                            out[at + j - first] = weight(source(r, j).0);
                        }
                        at += units;
                    }
                };
                for k in 0..input {
                    value(skip_x, &|row| w.w_ih[row * input + k]);
                }
                for k in Self::state_order(&parts, units, hidden, p) {
                    value(skip_h, &|row| w.w_hh[row * hidden + k]);
                }
            }
        }
        let mut peephole = vec![0.0; if w.peephole.is_empty() { 0 } else { 3 * tiles * units }];
        for (padded, given) in peephole.chunks_exact_mut(tiles * units).zip(w.peephole.chunks_exact(hidden)) {
            padded[..hidden].copy_from_slice(given);
        }
        Some(ServingWeights { kind, width, input, hidden, units, parts, packed: lines, tile_len, peephole })
    }

    /// The units of part p.
    fn part_units(parts: &[Range<usize>], units: usize, hidden: usize, p: usize) -> Range<usize> {
        parts[p].start * units..(parts[p].end * units).min(hidden)
    }

    /// The order part p's tiles take the state values in: its own units first, then the other
    /// parts' in order.
    fn state_order(parts: &[Range<usize>], units: usize, hidden: usize, p: usize) -> Vec<usize> {
        let others = (0..parts.len()).filter(|&q| q != p).flat_map(|q| Self::part_units(parts, units, hidden, q));
        Self::part_units(parts, units, hidden, p).chain(others).collect()
    }

    /// The other parts' units of a row of h, in the order part p's weights take them.
    fn other_states<'h>(&self, h_row: &'h [f32], p: usize) -> [&'h [f32]; MAX_PARTS] {
        let mut runs: [&[f32]; MAX_PARTS] = [&[]; MAX_PARTS];
        for (slot, q) in runs.iter_mut().zip((0..self.parts.len()).filter(|&q| q != p)) {
            *slot = &h_row[Self::part_units(&self.parts, self.units, self.hidden, q)];
        }
        runs
    }

    /// Runs one sequence: x is [steps, D]; only the first `valid` steps run (outputs after them
    /// are zero, and the final state is that of step `valid`, as in sequence.rs). h0 and c0 ([H])
    /// empty for zeros. Without `outputs` only the final state is returned (outputs empty).
    pub fn forward(&self, x: &[f32], steps: usize, valid: usize, h0: &[f32], c0: &[f32], outputs: bool) -> SequenceOutput {
        let (d, hidden, units) = (self.input, self.hidden, self.units);
        assert!(x.len() == steps * d && valid <= steps, "serving: the input is not [steps, features]");
        let lstm = self.kind == CellKind::Lstm;
        // States of every step, in rows of whole tiles; each tile's accumulators.
        let tiles = self.parts.last().map_or(0, |p| p.end);
        let stride = tiles * units;
        // h keeps every step's row when they are the outputs; else, like c (which only the next
        // step reads), two rows used in turn: each part's states then stay in its core's L1, and
        // a call allocates, zeroes and copies out none of the other steps' (W5: 33 KB).
        let initial = |given: &[f32], rows: usize| -> Lines {
            let mut v = Lines::zeroed(rows * stride);
            if !given.is_empty() {
                v.as_mut_slice()[..hidden].copy_from_slice(given);
            }
            v
        };
        let (mut h, mut c) = (initial(h0, if outputs { valid + 1 } else { 2 }), initial(c0, if lstm { 2 } else { 0 }));
        let h_row = |t: usize| if outputs { t } else { t % 2 };
        let mut acc = Lines::zeroed(tiles * ROWS * units);
        let (h_all, c_all) = (Disjoint::new(h.as_mut_slice()), Disjoint::new(c.as_mut_slice()));
        let acc_all = Disjoint::new(acc.as_mut_slice());
        let (skip_x, skip_h) = skips(self.kind);
        let per_input = d * weights_per_value(self.width, skip_x);
        let own_len = |p: usize| Self::part_units(&self.parts, units, hidden, p).len();
        let packed = self.packed.as_slice();
        // SAFETY (both phases): step t's part p reads h's row for t (finished by every part's
        // step t-1, which the pipeline orders before) and its own units of c's row t % 2, and
        // writes only its own tiles' accumulators and units of h's row for t + 1 and of c's other
        // row (which only this part reads, last at its step t - 1). With two rows of h, the one
        // for t + 1 is that of t - 1, which the other parts last read in their step t - 1's
        // phase b, before this part's step t's phase b may start.
        // Phase a: the bias, the input and the part's own states.
        let own_first = |t: usize, p: usize| unsafe {
            let h_prev = h_all.view(h_row(t) * stride, stride);
            // The states phase b reads: the part that lags finds them written already, and
            // fetches them from the other core while it works here rather than when it needs
            // them (a ~130 ns transfer a step; W5 ~1.5 us faster, interleaved A/B medians).
            self.other_states(h_prev, p).iter().for_each(|s| simd::prefetch(s));
            let runs = [&x[t * d..(t + 1) * d], &h_prev[Self::part_units(&self.parts, units, hidden, p)]];
            for tile in self.parts[p].clone() {
                let a = acc_all.part(tile * ROWS * units, ROWS * units);
                let w = &packed[tile * self.tile_len..(tile + 1) * self.tile_len];
                a.copy_from_slice(&w[..ROWS * units]);
                let w = &w[ROWS * units..];
                if self.kind == CellKind::Gru {
                    accumulate::<GRU_N_HIDDEN>(self.width, a, w, &runs[..1]);
                    accumulate::<GRU_N_INPUT>(self.width, a, &w[per_input..], &runs[1..]);
                } else {
                    accumulate::<SKIP_NONE>(self.width, a, w, &runs);
                }
            }
        };
        // Phase b: the other parts' states, then the gate math.
        let others_then_gates = |t: usize, p: usize| unsafe {
            let runs = self.other_states(h_all.view(h_row(t) * stride, stride), p);
            let skip_own = ROWS * units + per_input + own_len(p) * weights_per_value(self.width, skip_h);
            for tile in self.parts[p].clone() {
                let a = acc_all.part(tile * ROWS * units, ROWS * units);
                let w = &packed[tile * self.tile_len + skip_own..(tile + 1) * self.tile_len];
                if self.kind == CellKind::Gru {
                    accumulate::<GRU_N_INPUT>(self.width, a, w, &runs);
                } else {
                    accumulate::<SKIP_NONE>(self.width, a, w, &runs);
                }
                // Whole tiles: the rows of h and c have room for them (`stride`).
                let (prev, next) = (h_row(t) * stride + tile * units, h_row(t + 1) * stride + tile * units);
                if lstm {
                    let peephole = (!self.peephole.is_empty()).then(|| [0, 1, 2].map(|g| &self.peephole[g * stride + tile * units..][..units]));
                    let (c_prev, c_next) = ((t % 2) * stride + tile * units, ((t + 1) % 2) * stride + tile * units);
                    gate_tile_math::lstm(self.width, a, c_all.view(c_prev, units), peephole, h_all.part(next, units), c_all.part(c_next, units));
                } else {
                    gate_tile_math::gru(self.width, a, h_all.view(prev, units), h_all.part(next, units));
                }
            }
        };
        pipeline::for_each_pipelined_step(self.parts.len(), valid, own_first, others_then_gates);
        let (h, c) = (h.as_slice(), c.as_slice());
        // Each valid step's row, then zeros for the rest (written once, not zeroed first).
        let mut out = Vec::with_capacity(if outputs { steps * hidden } else { 0 });
        if outputs {
            h.chunks_exact(stride).skip(1).for_each(|row| out.extend_from_slice(&row[..hidden]));
            out.resize(steps * hidden, 0.0);
        }
        let row = |s: &[f32], r: usize| if s.is_empty() { Vec::new() } else { s[r * stride..r * stride + hidden].to_vec() };
        SequenceOutput { outputs: out, h_last: row(h, h_row(valid)), c_last: row(c, valid % 2), cache: None }
    }
}
