//! A stack of recurrent layers, each in one or two directions (PyTorch's nn.LSTM with
//! num_layers and bidirectional). Layer l > 0 reads the previous layer's outputs, both directions
//! concatenated, with dropout in between while training (between layers, never across time).
//! The reverse direction runs each sequence backwards from its own last valid step.

use std::borrow::Cow;

use super::cell::CellKind;
use super::serving::ServingWeights;
use super::step_product::FusedWeights;
use super::sequence::{backward_sequence, forward_sequence_with, step_rows, RecurrentGrads, RecurrentWeights, SequenceCache, SequenceGradsIn, SequenceInput, SequenceShape};
use crate::kernels::simd::{self, BinaryOp};
use crate::nn::dropout::{apply_mask, DropoutStream};

#[derive(Clone, Copy, Debug)]
pub struct StackConfig {
    pub kind: CellKind,
    pub hidden: usize,
    pub layers: usize,
    pub bidirectional: bool,
    /// Truncated BPTT every k steps (see `SequenceGradsIn::truncate`).
    pub truncate: Option<usize>,
    /// Whether the top layer's output at every step is wanted (returnSequences), not only its
    /// final state: without, a pass serving one sequence keeps none of the other steps'.
    pub sequences: bool,
}

impl StackConfig {
    pub fn directions(&self) -> usize {
        if self.bidirectional { 2 } else { 1 }
    }

    /// Layer-directions ("units"), indexed layer * directions + direction like PyTorch's h_n.
    pub fn units(&self) -> usize {
        self.layers * self.directions()
    }

    /// Features entering layer `l`.
    pub fn layer_input(&self, l: usize, input: usize) -> usize {
        if l == 0 { input } else { self.directions() * self.hidden }
    }
}

/// Recurrent state of every unit: h (and c for the LSTM), [units, batch, hidden].
#[derive(Clone, Debug, PartialEq)]
pub struct State {
    pub batch: usize,
    pub h: Vec<f32>,
    /// Empty for cells without a cell state.
    pub c: Vec<f32>,
}

pub struct StackCache {
    batch: usize,
    steps: usize,
    lengths: Option<Vec<usize>>,
    units: Vec<SequenceCache>,
    /// Dropout multipliers applied to the input of layer l (index l; empty for none).
    masks: Vec<Vec<f32>>,
}

pub struct StackOutput {
    /// The top layer's outputs, [B, T, directions * H].
    pub outputs: Vec<f32>,
    /// The top layer's final states, directions concatenated, [B, directions * H].
    pub last: Vec<f32>,
    pub state: State,
    pub cache: Option<StackCache>,
}

/// Gradients flowing into the stack.
#[derive(Clone, Copy, Debug, Default)]
pub struct StackGradsIn<'a> {
    /// dE/d(outputs), [B, T, directions * H]; empty for none.
    pub outputs: &'a [f32],
    /// dE/d(final states), [units, B, H]; empty for none.
    pub h_n: &'a [f32],
    pub c_n: &'a [f32],
    /// Leave dE/d(inputs) empty (the stack reads data, not another layer).
    pub skip_input_grad: bool,
}

pub struct StackGrads {
    /// Per unit, in unit order.
    pub units: Vec<RecurrentGrads>,
    /// dE/d(inputs), [B, T, D] (empty when skipped).
    pub x: Vec<f32>,
}

/// Reverses each sequence within its valid steps ([B, T, W]); padding stays where it is. Its
/// own inverse.
fn reverse_in_time(x: &[f32], batch: usize, steps: usize, width: usize, lengths: Option<&[usize]>) -> Vec<f32> {
    let mut out = x.to_vec();
    for b in 0..batch {
        let len = lengths.map_or(steps, |l| l[b]);
        for t in 0..len {
            let (to, from) = ((b * steps + t) * width, (b * steps + len - 1 - t) * width);
            out[to..to + width].copy_from_slice(&x[from..from + width]);
        }
    }
    out
}

/// Rows of `parts` side by side: [rows, width] x n -> [rows, n * width].
fn concat_features(parts: &[Vec<f32>], rows: usize, width: usize) -> Vec<f32> {
    let mut out = Vec::with_capacity(rows * width * parts.len());
    for r in 0..rows {
        for p in parts {
            out.extend_from_slice(&p[r * width..(r + 1) * width]);
        }
    }
    out
}

/// The inverse of `concat_features`.
fn split_features(src: &[f32], rows: usize, width: usize, n: usize) -> Vec<Vec<f32>> {
    (0..n).map(|k| (0..rows).flat_map(|r| &src[(r * n + k) * width..(r * n + k + 1) * width]).copied().collect()).collect()
}

/// Runs the stack over x ([B, T, D]) from `init` (zeros if `None`). `dropout` masks the inputs
/// of layers above the first (training passes only). `serving`: each unit's weights packed for
/// one sequence (empty for none), which then run an inference pass over a batch of one.
#[allow(clippy::too_many_arguments)]
pub fn stack_forward(
    cfg: &StackConfig,
    weights: &[RecurrentWeights<'_>],
    x: &[f32],
    shape: SequenceShape,
    lengths: Option<&[usize]>,
    init: Option<&State>,
    keep: bool,
    dropout: Option<&mut DropoutStream>,
    serving: &[ServingWeights],
) -> StackOutput {
    stack_forward_with(cfg, weights, x, shape, lengths, init, keep, dropout, serving, &[])
}

/// The same, with each unit's weights packed for inference over a batch (`fused`, one per unit,
/// or empty: made per call where needed).
#[allow(clippy::too_many_arguments)]
pub(super) fn stack_forward_with(
    cfg: &StackConfig,
    weights: &[RecurrentWeights<'_>],
    x: &[f32],
    shape: SequenceShape,
    lengths: Option<&[usize]>,
    init: Option<&State>,
    keep: bool,
    mut dropout: Option<&mut DropoutStream>,
    serving: &[ServingWeights],
    fused: &[FusedWeights],
) -> StackOutput {
    let SequenceShape { batch, steps, hidden, .. } = shape;
    let (dirs, bh) = (cfg.directions(), batch * hidden);
    let lstm = cfg.kind == CellKind::Lstm;
    let mut state = State { batch, h: vec![0.0; cfg.units() * bh], c: if lstm { vec![0.0; cfg.units() * bh] } else { Vec::new() } };
    let mut caches = Vec::new();
    let mut masks = Vec::new();
    let mut layer_in = x.to_vec();
    let mut lasts = Vec::new();
    for l in 0..cfg.layers {
        let mask = match dropout.as_deref_mut() {
            Some(stream) if l > 0 && keep && stream.rate() > 0.0 => stream.next_mask(layer_in.len()),
            _ => Vec::new(),
        };
        if !mask.is_empty() {
            apply_mask(&mut layer_in, &mask);
        }
        masks.push(mask);
        let shape = SequenceShape { input: cfg.layer_input(l, shape.input), ..shape };
        let mut outs = Vec::with_capacity(dirs);
        lasts.clear();
        for d in 0..dirs {
            let u = l * dirs + d;
            let reversed;
            let xd = if d == 1 {
                reversed = reverse_in_time(&layer_in, batch, steps, shape.input, lengths);
                &reversed
            } else {
                &layer_in
            };
            let (h0, c0) = init.map_or((&[][..], &[][..]), |s| (step_rows(&s.h, u, bh, 0, bh), step_rows(&s.c, u, bh, 0, bh)));
            let out = match serving.get(u) {
                Some(s) if batch == 1 && !keep => s.forward(xd, steps, lengths.map_or(steps, |l| l[0]), h0, c0, l + 1 < cfg.layers || cfg.sequences),
                _ => forward_sequence_with(cfg.kind, weights[u], shape, SequenceInput { x: xd, h0, c0, lengths }, keep, fused.get(u), keep || l + 1 < cfg.layers || cfg.sequences),
            };
            state.h[u * bh..(u + 1) * bh].copy_from_slice(&out.h_last);
            if lstm {
                state.c[u * bh..(u + 1) * bh].copy_from_slice(&out.c_last);
            }
            outs.push(if d == 1 && !out.outputs.is_empty() { reverse_in_time(&out.outputs, batch, steps, hidden, lengths) } else { out.outputs });
            lasts.push(out.h_last);
            caches.extend(out.cache);
        }
        layer_in = if dirs == 1 || outs[0].is_empty() { outs.swap_remove(0) } else { concat_features(&outs, batch * steps, hidden) };
    }
    let last = if dirs == 1 { lasts.pop().expect("one direction") } else { concat_features(&lasts, batch, hidden) };
    let cache = keep.then(|| StackCache { batch, steps, lengths: lengths.map(<[usize]>::to_vec), units: caches, masks });
    StackOutput { outputs: layer_in, last, state, cache }
}

/// Backward through the stack: every unit's parameter gradients (and those of its initial
/// state) and dE/d(inputs).
pub fn stack_backward(cfg: &StackConfig, weights: &[RecurrentWeights<'_>], cache: &StackCache, d: StackGradsIn<'_>) -> StackGrads {
    let (batch, steps, hidden, dirs) = (cache.batch, cache.steps, cfg.hidden, cfg.directions());
    let (rows, bh) = (batch * steps, batch * hidden);
    let lengths = cache.lengths.as_deref();
    // The top layer reads the caller's gradients in place.
    let mut d_layer_out: Cow<'_, [f32]> = if d.outputs.is_empty() { Cow::Owned(vec![0.0f32; rows * dirs * hidden]) } else { Cow::Borrowed(d.outputs) };
    let mut units: Vec<Option<RecurrentGrads>> = (0..cfg.units()).map(|_| None).collect();
    for l in (0..cfg.layers).rev() {
        let parts = if dirs == 1 { vec![d_layer_out] } else { split_features(&d_layer_out, rows, hidden, dirs).into_iter().map(Cow::Owned).collect() };
        let input = cache.units[l * dirs].shape.input;
        let mut dx_sum = if l == 0 && d.skip_input_grad { Vec::new() } else { vec![0.0f32; rows * input] };
        for (dir, part) in parts.into_iter().enumerate() {
            let u = l * dirs + dir;
            let dy = if dir == 1 { Cow::Owned(reverse_in_time(&part, batch, steps, hidden, lengths)) } else { part };
            let skip_input_grad = l == 0 && d.skip_input_grad;
            let grads_in = SequenceGradsIn { outputs: &dy, h_last: step_rows(d.h_n, u, bh, 0, bh), c_last: step_rows(d.c_n, u, bh, 0, bh), truncate: cfg.truncate, skip_input_grad };
            let mut g = backward_sequence(weights[u], &cache.units[u], grads_in);
            if !skip_input_grad {
                let dx = if dir == 1 { reverse_in_time(&g.x, batch, steps, input, lengths) } else { std::mem::take(&mut g.x) };
                simd::binary_inplace(BinaryOp::Add, &mut dx_sum, &dx);
            }
            units[u] = Some(g);
        }
        if l == 0 && d.skip_input_grad {
            dx_sum = Vec::new();
        } else if !cache.masks[l].is_empty() {
            apply_mask(&mut dx_sum, &cache.masks[l]);
        }
        d_layer_out = Cow::Owned(dx_sum);
    }
    StackGrads { units: units.into_iter().map(|g| g.expect("every unit ran backward")).collect(), x: d_layer_out.into_owned() }
}
