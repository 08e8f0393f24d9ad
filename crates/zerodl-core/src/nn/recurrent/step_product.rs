//! The one sequential product of each time step, and how the threads share a sequence's steps.
//! Either each thread runs its own samples (a share of the batch's rows) through every step, with
//! no barrier between steps; or the threads split each step by blocks of hidden units, and one
//! thread computes a block's product and goes straight on to that block's gate math: forward
//! h_{t-1} W_hh^T (the block's columns of every gate), backward dG_t W_hh (the block's columns of
//! dE/dh_{t-1}), with a barrier between steps. Either way a whole sequence is one job for the
//! helper team.

use std::marker::PhantomData;
use std::ops::Range;

use crate::kernels::gemm::{sgemm, Operand, PARALLEL_THRESHOLD};
use crate::kernels::lstm_tiles::LstmTiles;
use crate::kernels::packed_gemm::{PackedB, PANEL};
use crate::kernels::simd::{self, Level};
use crate::kernels::{gemv, CPtr};
use crate::parallel;

/// How a step's product is computed.
enum Kernel<'a> {
    /// Forward, a batch over several steps: W_hh^T packed once per sequence, one per gate.
    PackedGates(Vec<PackedB>),
    /// Backward, likewise: W_hh packed once.
    Packed(PackedB),
    /// Inference forward of a batch over several steps: per gate [W_hh; W_ih]^T packed once, and
    /// b_ih + b_hh (G*H): a step's product is its whole pre-activations (see [`StepProduct::fused`]).
    Fused(std::borrow::Cow<'a, FusedWeights>),
    /// Forward for one to three rows: matrix-vector products on the row-major W_hh (serving).
    Rows(&'a [f32]),
    /// The general GEMM over the whole step, outside the blocks (a single step, or a backward
    /// batch too small to pack for).
    Whole(Operand<'a>),
}

/// Smallest batch whose steps use packed weights.
const PACK_FROM_BATCH: usize = 4;

/// Fewest samples per thread for the threads to split a batch by samples rather than by units.
const SPLIT_ROWS_FROM: usize = 8;

/// Samples per block of an LSTM inference forward with AVX-512 split by samples: each tile of
/// weights a step streams from L2 then serves this many rows from L1 (kernels/lstm_tiles.rs:
/// 6 + 5 + 5), and a batch of 64 makes four blocks for two threads.
const FUSED_ROWS: usize = 16;

pub(super) struct StepProduct<'a> {
    kernel: Kernel<'a>,
    level: Level,
    batch: usize,
    hidden: usize,
    gates: usize,
    /// Units per block.
    block: usize,
    /// Each thread takes a share of the samples through every step (else blocks of units).
    by_samples: bool,
    /// Team threads besides the caller that take blocks (0: the caller runs them all).
    helpers: usize,
}

impl<'a> StepProduct<'a> {
    /// Forward: C (batch x G*H) += h_{t-1} (batch x H) W_hh^T, W_hh (G*H x H) row-major.
    pub fn forward(w_hh: &'a [f32], gates: usize, hidden: usize, steps: usize, batch: usize) -> StepProduct<'a> {
        let kernel = if batch <= gemv::MAX_ROWS {
            Kernel::Rows(w_hh)
        } else if steps > 1 && batch >= PACK_FROM_BATCH {
            let per_gate = |g: usize| PackedB::new(Operand::packed(&w_hh[g * hidden * hidden..(g + 1) * hidden * hidden], hidden, hidden, true), hidden, hidden);
            Kernel::PackedGates((0..gates).map(per_gate).collect())
        } else {
            Kernel::Whole(Operand::packed(w_hh, hidden, gates * hidden, true))
        };
        Self::plan(kernel, gates, hidden, batch, true)
    }

    /// Inference forward that folds the input projection into each step's product: C (batch x
    /// G*H) = h_{t-1} W_hh^T + x_t W_ih^T + b_ih + b_hh, written by [`Self::block_fused`], with no
    /// projection GEMM before the recurrence (whose [T*B, G*H] result, 4 MB for W5 at batch 64,
    /// the steps then read back from memory) and no bias copied into C first. `None` where the
    /// batch is too small for packed weights (as [`Self::forward`] decides).
    /// Whether [`Self::fused`] runs a batch of this size.
    pub fn fuses(steps: usize, batch: usize) -> bool {
        batch > gemv::MAX_ROWS && steps > 1 && batch >= PACK_FROM_BATCH
    }

    pub fn fused(packed: std::borrow::Cow<'a, FusedWeights>, steps: usize, batch: usize) -> Option<StepProduct<'a>> {
        if !Self::fuses(steps, batch) {
            return None;
        }
        let (gates, hidden) = (packed.gates, packed.hidden);
        Some(Self::plan(Kernel::Fused(packed), gates, hidden, batch, true))
    }

    /// Backward: C (batch x H) += dG_t (batch x G*H) W_hh. `split_rows`: whether the threads may
    /// split the batch (not when they would add into a shared gradient, e.g. the peepholes').
    pub fn backward(w_hh: &'a [f32], gates: usize, hidden: usize, steps: usize, batch: usize, split_rows: bool) -> StepProduct<'a> {
        let b = Operand::packed(w_hh, gates * hidden, hidden, false);
        let kernel = if steps > 1 && batch >= PACK_FROM_BATCH { Kernel::Packed(PackedB::new(b, gates * hidden, hidden)) } else { Kernel::Whole(b) };
        Self::plan(kernel, gates, hidden, batch, split_rows)
    }

    fn plan(kernel: Kernel<'a>, gates: usize, hidden: usize, batch: usize, split_rows: bool) -> StepProduct<'a> {
        let threads = parallel::num_threads();
        let weights = gates * hidden * hidden;
        let (parallel, blocks_per_thread) = match kernel {
            // Two blocks per thread: a thread that gets less CPU takes fewer.
            Kernel::PackedGates(_) | Kernel::Packed(_) | Kernel::Fused(_) => (batch * weights >= PARALLEL_THRESHOLD, 2),
            // One fixed half of W_hh per thread, which then stays in that core's L2.
            Kernel::Rows(_) => (weights >= gemv::PARALLEL_FROM, 1),
            Kernel::Whole(_) => (false, 1),
        };
        let packed = matches!(kernel, Kernel::PackedGates(_) | Kernel::Packed(_) | Kernel::Fused(_));
        let (block, by_samples, helpers) = if !parallel || threads < 2 {
            (hidden, false, 0)
        } else if packed && split_rows && batch >= SPLIT_ROWS_FROM * threads {
            // Each thread its own samples: no barrier at every step, where a stall of either
            // thread (a busy neighbour on a shared machine) holds up both.
            (hidden, true, threads - 1)
        } else if hidden > PANEL {
            (hidden.div_ceil(threads * blocks_per_thread).div_ceil(PANEL) * PANEL, false, threads - 1)
        } else {
            (hidden, false, 0)
        };
        StepProduct { kernel, level: simd::level(), batch, hidden, gates, block, by_samples, helpers }
    }

    /// Runs `f(t, rows, units)` on every block of every step t in `0..steps`, as one job for the
    /// caller and the helper team: either each thread takes its range of rows (samples) through
    /// all the steps, or each step's blocks of units all finish before any of step t+1's start.
    pub fn for_each_step_block(&self, steps: usize, f: impl Fn(usize, Range<usize>, Range<usize>) + Sync) {
        let blocks = self.hidden.div_ceil(self.block);
        let units = |i: usize| i * self.block..((i + 1) * self.block).min(self.hidden);
        if self.helpers == 0 {
            (0..steps).for_each(|t| (0..blocks).for_each(|i| f(t, 0..self.batch, units(i))));
        } else if self.by_samples {
            if self.lstm_tiles() {
                // AVX-512 inference: blocks of about FUSED_ROWS samples, taken in turn by
                // whichever thread is free, so that a thread slowed by a busy neighbour takes
                // fewer (with one block per thread the other waited for it at the end). Not for
                // the packed GEMM's tiles, which stream the weights from L2 once per 6 rows.
                let blocks = (self.batch / FUSED_ROWS).max(self.helpers + 1).min(self.batch);
                let rows = |i: usize| i * self.batch / blocks..(i + 1) * self.batch / blocks;
                parallel::team::for_each_block(self.helpers, blocks, |i| (0..steps).for_each(|t| f(t, rows(i), 0..self.hidden)));
            } else {
                parallel::team::for_each_range(self.batch, true, 1, |rows| (0..steps).for_each(|t| f(t, rows.clone(), 0..self.hidden)));
            }
        } else {
            parallel::team::for_each_phase_block(self.helpers, steps, blocks, |t, i| f(t, 0..self.batch, units(i)));
        }
    }

    /// Whether [`Self::block`] computes the product (else [`Self::whole`] does).
    pub fn by_blocks(&self) -> bool {
        !matches!(self.kernel, Kernel::Whole(_))
    }

    /// The whole step's product when it is not done by blocks (see [`Self::block`]): forward
    /// C (batch x G*H), backward C (batch x H), both packed.
    pub fn whole(&self, a: &[f32], c: &mut [f32]) {
        if let Kernel::Whole(b) = self.kernel {
            let (gh, h) = (self.gates * self.hidden, self.hidden);
            let (k, n) = if b.transpose { (h, gh) } else { (gh, h) };
            sgemm(self.batch, n, k, 1.0, Operand::packed(a, self.batch, k, false), b, 1.0, c, n);
        }
    }

    /// One block's part of the product for `m` rows (a block of samples, or the batch; nothing
    /// for a whole-step kernel: see [`Self::whole`]). Forward: C's columns `g*H + units` for
    /// every gate g, C of row stride G*H; backward: C's columns `units`, row stride H.
    ///
    /// # Safety
    /// A holds m rows of the product's inner size; C covers m rows of its row stride; no other
    /// thread touches this block's columns of those rows meanwhile.
    pub unsafe fn block(&self, a: &[f32], c: CPtr, m: usize, units: Range<usize>) {
        let (gh, h) = (self.gates * self.hidden, self.hidden);
        // Blocks start at multiples of the panel width (see `plan`).
        let panels = units.start / PANEL..units.end.div_ceil(PANEL);
        match &self.kernel {
            Kernel::PackedGates(per_gate) => {
                for (g, b) in per_gate.iter().enumerate() {
                    b.panels_range(self.level, m, a, h, CPtr(c.0.add(g * h)), gh, panels.start, panels.end);
                }
            }
            Kernel::Packed(b) => b.panels_range(self.level, m, a, gh, c, h, panels.start, panels.end),
            Kernel::Rows(w) => {
                for g in 0..self.gates {
                    gemv::columns(self.level, m, h, g * h + units.start, g * h + units.end, a, h, w, c, gh);
                }
            }
            Kernel::Whole(_) | Kernel::Fused(_) => {}
        }
    }

    /// Whether [`Self::block_lstm`] runs the whole step (product and gate math) of a block (else
    /// [`Self::block_fused`] forms its pre-activations).
    pub fn lstm_tiles(&self) -> bool {
        matches!(&self.kernel, Kernel::Fused(f) if f.tiles.is_some())
    }

    /// A whole LSTM step of a block with [`Self::lstm_tiles`]: from m rows of h_{t-1}, c_{t-1}
    /// (row stride H) and x (rows of the input width) writes the block's units of m rows of h_t
    /// and c_t (row stride H). `peephole`: 3 x H, or empty.
    ///
    /// # Safety
    /// As for [`Self::block`]: the pointers cover m rows; no other thread touches the written
    /// units of those rows meanwhile.
    #[allow(clippy::too_many_arguments)]
    pub unsafe fn block_lstm(&self, h_prev: &[f32], c_prev: &[f32], x: &[f32], peephole: &[f32], h: CPtr, c: CPtr, m: usize, units: Range<usize>) {
        if let Kernel::Fused(f) = &self.kernel {
            let tiles = f.tiles.as_ref().expect("lstm tiles");
            let (hd, d) = (tiles.hidden(), tiles.input());
            assert!(h_prev.len() >= m * hd && c_prev.len() >= m * hd && x.len() >= m * d, "lstm step: a buffer is too short");
            #[cfg(target_arch = "x86_64")]
            tiles.step(m, units, h_prev.as_ptr(), c_prev.as_ptr(), x.as_ptr(), peephole, h.0, c.0);
            #[cfg(not(target_arch = "x86_64"))]
            let _ = (peephole, h, c, units);
        }
    }

    /// A fused kernel's block ([`Self::fused`]): C's columns `g*H + units` for every gate g of m
    /// rows (row stride G*H) = the pre-activations from h (m rows of H) and x (m rows of the
    /// input width). Nothing for other kernels.
    ///
    /// # Safety
    /// As for [`Self::block`], and x holds m rows of the input width.
    pub unsafe fn block_fused(&self, h: &[f32], x: &[f32], c: CPtr, m: usize, units: Range<usize>) {
        let (gh, hd) = (self.gates * self.hidden, self.hidden);
        let panels = units.start / PANEL..units.end.div_ceil(PANEL);
        if let Kernel::Fused(f) = &self.kernel {
            for (g, b) in f.per_gate.iter().enumerate() {
                b.panels_range_fused(self.level, m, h, hd, hd, x, f.input, &f.bias[g * hd..(g + 1) * hd], CPtr(c.0.add(g * hd)), gh, panels.start, panels.end);
            }
        }
    }
}

/// A layer's weights for [`StepProduct::fused`]: per gate [W_hh; W_ih]^T packed, and
/// b_ih + b_hh. Made per call, or once and kept by the layer for its inference calls
/// (layer.rs), like serving.rs's packing.
#[derive(Clone)]
pub struct FusedWeights {
    /// Per gate [W_hh; W_ih]^T (empty where `tiles` serve).
    per_gate: Vec<PackedB>,
    /// With AVX-512, an LSTM's product and gate math in one tile (kernels/lstm_tiles.rs).
    tiles: Option<LstmTiles>,
    gates: usize,
    bias: Vec<f32>,
    input: usize,
    hidden: usize,
}

impl FusedWeights {
    pub fn new(w_hh: &[f32], w_ih: &[f32], b_ih: &[f32], b_hh: &[f32], gates: usize, hidden: usize, input: usize) -> FusedWeights {
        let (hh, hd) = (hidden * hidden, hidden * input);
        assert!(w_hh.len() == gates * hh && w_ih.len() == gates * hd && b_ih.len() == gates * hidden && b_hh.len() == gates * hidden, "fused weights: sizes disagree");
        if gates == 4 && input > 0 && simd::level() != Level::Scalar && simd::avx512() {
            let tiles = LstmTiles::new(w_hh, w_ih, b_ih, b_hh, hidden, input);
            return FusedWeights { per_gate: Vec::new(), tiles: Some(tiles), gates, bias: Vec::new(), input, hidden };
        }
        let per_gate = (0..gates).map(|g| PackedB::stacked_transposed(&[(&w_hh[g * hh..(g + 1) * hh], hidden), (&w_ih[g * hd..(g + 1) * hd], input)], hidden)).collect();
        let bias = b_ih.iter().zip(b_hh).map(|(a, b)| a + b).collect();
        FusedWeights { per_gate, tiles: None, gates, bias, input, hidden }
    }

    /// Whether these are for a layer of this input width and size.
    pub fn fits(&self, gates: usize, hidden: usize, input: usize) -> bool {
        (self.gates, self.hidden, self.input) == (gates, hidden, input)
    }
}

/// A buffer the threads of one step write in disjoint parts (blocks of units).
#[derive(Clone, Copy)]
pub(super) struct Disjoint<'a> {
    ptr: *mut f32,
    len: usize,
    _buffer: PhantomData<&'a mut [f32]>,
}

// SAFETY: every user hands each thread a disjoint set of the buffer's elements.
unsafe impl Send for Disjoint<'_> {}
unsafe impl Sync for Disjoint<'_> {}

impl<'a> Disjoint<'a> {
    pub fn new(buffer: &'a mut [f32]) -> Disjoint<'a> {
        Disjoint { ptr: buffer.as_mut_ptr(), len: buffer.len(), _buffer: PhantomData }
    }

    pub fn ptr(&self) -> CPtr {
        CPtr(self.ptr)
    }

    /// Values `start..start + len` to read; nothing if the buffer is empty.
    ///
    /// # Safety
    /// No thread writes them while the result lives.
    pub unsafe fn view(&self, start: usize, len: usize) -> &'a [f32] {
        self.part(start, len)
    }

    /// Values `start..start + len`; nothing if the buffer is empty (a cell without that state).
    ///
    /// # Safety
    /// No other live reference overlaps them while the result lives.
    pub unsafe fn part(&self, start: usize, len: usize) -> &'a mut [f32] {
        if self.len == 0 {
            return &mut [];
        }
        assert!(start + len <= self.len, "recurrent step: part {start}+{len} outside a buffer of {}", self.len);
        std::slice::from_raw_parts_mut(self.ptr.add(start), len)
    }

    /// `units` of each of `count` gate blocks of `hidden` values from `row` on (the rest empty).
    ///
    /// # Safety
    /// As for [`Self::part`].
    pub unsafe fn gate_parts(&self, row: usize, hidden: usize, count: usize, units: &Range<usize>) -> [&'a mut [f32]; 4] {
        let n = units.len();
        let part = |g: usize| if g < count { self.part(row + g * hidden + units.start, n) } else { &mut [] };
        [part(0), part(1), part(2), part(3)]
    }
}

/// `units` of each of `count` gate blocks of `hidden` values of `row` (the rest empty; all empty
/// for an empty row).
pub(super) fn gate_parts<'a>(row: &'a [f32], hidden: usize, count: usize, units: &Range<usize>) -> [&'a [f32]; 4] {
    let part = |g: usize| if g < count && !row.is_empty() { &row[g * hidden + units.start..g * hidden + units.end] } else { &[][..] };
    [part(0), part(1), part(2), part(3)]
}
