//! A convolution over a batch as tiled GEMMs, shared between the threads: the forward pass
//! multiplies each group's weights by the patches of a tile of output positions (packed by
//! `kernels::conv::im2col`, never for the whole batch at once) and writes the tile's outputs
//! with the bias added and the activation applied while they are in cache; the backward pass
//! forms the same tiles again, accumulates the weight gradient per block of samples (one
//! buffer per block, added once at the end) and scatters the patch gradients onto the input.

use crate::kernels::conv::{col2im_add, im2col, Packer, Patches};
use crate::kernels::direct_conv;
use crate::kernels::packed_gemm::{PackedB, PANEL};
use crate::kernels::gemm::{sgemm_serial, Operand};
use crate::kernels::simd::{self, BinaryOp, Level};
use crate::kernels::transpose::{transpose_into, transposed};
use crate::kernels::CPtr;
use crate::nn::activation::Activation;
use crate::parallel;

use super::geometry::{Axis, Window};

/// A tile's patch matrix is kept near this many floats (256 KB: it stays in L2 while the
/// product reads it).
const TILE_FLOATS: usize = 64 * 1024;

/// Fewest taps per output (group channels x kernel size) for the direct kernel.
const DIRECT_MIN_TAPS: usize = 64;

/// Below this many multiply-adds a pass stays on the calling thread (waking a helper costs
/// more than it saves).
const PARALLEL_FROM: usize = 150_000;

/// One convolution over a batch in channels-first layout.
pub struct ConvProblem<'a> {
    pub window: &'a Window,
    pub batch: usize,
    pub channels: usize,
    pub filters: usize,
    pub groups: usize,
    /// (filters, channels / groups, kh, kw), PyTorch's layout.
    pub weight: &'a [f32],
}

impl ConvProblem<'_> {
    fn group_channels(&self) -> usize {
        self.channels / self.groups
    }

    fn group_filters(&self) -> usize {
        self.filters / self.groups
    }

    fn patches(&self, group: usize) -> Patches<'_> {
        let cg = self.group_channels();
        Patches { window: self.window, channels: self.channels, first_channel: group * cg, group_channels: cg }
    }

    /// Rows of a group's patch matrix (its weights' row length).
    fn rows(&self) -> usize {
        self.group_channels() * self.window.taps()
    }

    /// Whether the direct kernel runs this layer: where its groups' filters fill the vectors
    /// and each output sums enough taps to pay for its scattered store (the CIFAR-style first
    /// layer, 27 taps, ran 2.6-4.3 ms packed against 5.7 ms direct; LeNet's second, 150 taps,
    /// 1.2-2.0 ms packed against 0.7 ms direct: docs/conv.md).
    fn direct(&self) -> bool {
        self.group_filters() >= direct_conv::BLOCK && self.rows() >= DIRECT_MIN_TAPS && direct_allowed()
    }

    fn multiply_adds(&self) -> usize {
        self.batch * self.window.output_plane() * self.rows() * self.filters
    }

    fn helpers(&self) -> usize {
        if self.multiply_adds() >= PARALLEL_FROM { parallel::num_threads() - 1 } else { 0 }
    }

    /// out (batch, filters, oh, ow) = activation(conv(x) + bias).
    ///
    /// Per sample and group, the patches are packed straight into the 16-column panels the
    /// register tiles of `PackedB` stream (the packing is the im2col: no patch matrix of its
    /// own), and the group's weights (filters x patch rows, PyTorch's layout as it is) multiply
    /// them into the output plane, which starts from the bias; the activation follows on the
    /// rows while they are in cache. A small batch splits each sample's panels between threads.
    pub fn forward(&self, x: &[f32], bias: Option<&[f32]>, activation: Activation, out: &mut [f32]) {
        if self.direct() {
            return self.forward_direct(x, bias, activation, out);
        }
        let plane = self.window.output_plane();
        let (rows, fg, groups) = (self.rows(), self.group_filters(), self.groups);
        assert!(out.len() >= self.batch * self.filters * plane, "conv: output too small");
        let panels = plane.div_ceil(PANEL);
        let threads = self.helpers() + 1;
        let chunks = if threads == 1 || self.batch * groups >= 2 * threads { 1 } else { (2 * threads).div_ceil(self.batch * groups).min(panels) };
        let per_chunk = panels.div_ceil(chunks);
        let chunks = panels.div_ceil(per_chunk);
        // A padded layer packs from a zero-padded copy of the sample's group: every patch row is
        // then one run of copies, with no zero-filling between (small images' rows are short).
        let Window { h, w } = *self.window;
        let padded = h.pad_before + h.pad_after + w.pad_before + w.pad_after > 0;
        let (hp, wp) = (h.input + h.pad_before + h.pad_after, w.input + w.pad_before + w.pad_after);
        let unpadded = Window {
            h: Axis { input: hp, pad_before: 0, pad_after: 0, ..h },
            w: Axis { input: wp, pad_before: 0, pad_after: 0, ..w },
        };
        let cg = self.group_channels();
        let in_plane = self.window.input_plane();
        let from_copy = Packer::new(Patches { window: &unpadded, channels: cg, first_channel: 0, group_channels: cg });
        let packers: Vec<Packer<'_>> = (0..groups).map(|g| Packer::new(self.patches(g))).collect();
        let (level, out_ptr) = (simd::level(), CPtr(out.as_mut_ptr()));
        let scratch = || (Vec::new(), vec![0.0f32; if padded { cg * hp * wp } else { 0 }]);
        parallel::team::for_each_block_with(self.helpers(), self.batch * groups * chunks, scratch, |(storage, xpad), block| {
            let (n, g, chunk) = (block / (groups * chunks), block / chunks % groups, block % chunks);
            let start = chunk * per_chunk * PANEL;
            let len = ((chunk + 1) * per_chunk * PANEL).min(plane) - start;
            let (packer, source, first_column) = if padded {
                let source = &x[(n * self.channels + g * cg) * in_plane..][..cg * in_plane];
                (&from_copy, pad_into(xpad, source, cg, self.window, hp, wp), start)
            } else {
                (&packers[g], x, n * plane + start)
            };
            let packed = PackedB::packed_by(rows, len, std::mem::take(storage), |q, panel| {
                let count = PANEL.min(len - q * PANEL);
                if count < PANEL {
                    panel.fill(0.0);
                }
                packer.pack(source, first_column + q * PANEL, count, panel, PANEL);
            });
            let first = (n * self.filters + g * fg) * plane + start;
            for f in 0..fg {
                // SAFETY: block (n, g, chunk) alone writes these positions of its filters' rows,
                // inside `out` (asserted above).
                let row = unsafe { std::slice::from_raw_parts_mut(out_ptr.at(first + f * plane), len) };
                row.fill(bias.map_or(0.0, |b| b[g * fg + f]));
            }
            // SAFETY: C is the fg rows (stride `plane`) of `len` values just filled; A is the
            // group's fg x rows weights; `level` is the detected one.
            unsafe { packed.panels_range(level, fg, &self.weight[g * fg * rows..][..fg * rows], rows, CPtr(out_ptr.at(first)), plane, 0, len.div_ceil(PANEL)) };
            for f in 0..fg {
                // SAFETY: as above.
                activation.forward(unsafe { std::slice::from_raw_parts_mut(out_ptr.at(first + f * plane), len) }, len);
            }
            *storage = packed.into_storage();
        });
    }

    /// The forward pass by direct convolution (`kernels::direct_conv`), for groups of 16
    /// filters or more: per block of one sample's positions, the group's input is read where it
    /// lies (or from a zero-padded copy when the layer pads), 16 filters per register tile.
    fn forward_direct(&self, x: &[f32], bias: Option<&[f32]>, activation: Activation, out: &mut [f32]) {
        let Window { h, w } = *self.window;
        let plane = self.window.output_plane();
        let (rows, fg, groups, cg) = (self.rows(), self.group_filters(), self.groups, self.group_channels());
        assert!(out.len() >= self.batch * self.filters * plane, "conv: output too small");
        let padded = h.pad_before + h.pad_after + w.pad_before + w.pad_after > 0;
        let (hp, wp) = (h.input + h.pad_before + h.pad_after, w.input + w.pad_before + w.pad_after);
        // Tap k = (channel, ki, kj) reads the (padded) group input at offsets[k] + base(position).
        let offsets = self.tap_offsets(hp, wp);
        let packed: Vec<Vec<f32>> = (0..groups).map(|g| direct_conv::pack_weights(&self.weight[g * fg * rows..][..fg * rows], fg, rows)).collect();
        let level = simd::level();
        let fblocks = fg.div_ceil(direct_conv::BLOCK);
        let tile = positions_per_tile(level, fblocks);
        let threads = self.helpers() + 1;
        let chunks = if threads == 1 || self.batch * groups >= 2 * threads { 1 } else { (2 * threads).div_ceil(self.batch * groups).min(plane.div_ceil(tile)) };
        let per_chunk = plane.div_ceil(chunks).next_multiple_of(tile);
        let chunks = plane.div_ceil(per_chunk);
        let in_plane = self.window.input_plane();
        let out_ptr = CPtr(out.as_mut_ptr());
        let scratch = || (vec![0.0f32; if padded { cg * hp * wp } else { 0 }], vec![0usize; tile], vec![0.0f32; 2 * tile * direct_conv::BLOCK]);
        parallel::team::for_each_block_with(self.helpers(), self.batch * groups * chunks, scratch, |(xpad, bases, res), block| {
            let (n, g, chunk) = (block / (groups * chunks), block / chunks % groups, block % chunks);
            let source = &x[(n * self.channels + g * cg) * in_plane..][..cg * in_plane];
            let input: &[f32] = if padded { pad_into(xpad, source, cg, self.window, hp, wp) } else { source };
            let (start, end) = (chunk * per_chunk, ((chunk + 1) * per_chunk).min(plane));
            let first_row = (n * self.filters + g * fg) * plane;
            for p0 in (start..end).step_by(tile) {
                let count = tile.min(end - p0);
                for (o, b) in bases.iter_mut().enumerate() {
                    let q = p0 + o.min(count - 1);
                    *b = (q / w.output) * h.stride * wp + (q % w.output) * w.stride;
                }
                direct_tiles(level, input, &offsets, bases, &packed[g], fblocks, res, |fb, res| {
                    for lane in 0..direct_conv::BLOCK.min(fg - fb * direct_conv::BLOCK) {
                        let f = fb * direct_conv::BLOCK + lane;
                        let b = bias.map_or(0.0, |b| b[g * fg + f]);
                        for o in 0..count {
                            // SAFETY: block (n, g, chunk) alone writes positions start..end of
                            // its filters' rows, inside `out` (asserted above).
                            unsafe { *out_ptr.at(first_row + f * plane + p0 + o) = res[o * direct_conv::BLOCK + lane] + b };
                        }
                    }
                });
            }
            for f in 0..fg {
                // SAFETY: as above.
                activation.forward(unsafe { std::slice::from_raw_parts_mut(out_ptr.at(first_row + f * plane + start), end - start) }, end - start);
            }
        });
    }

    /// Adds dE/dweight into `dweight` (and dE/dbias into `dbias`) and, when given, writes
    /// dE/dx into `dx` (batch, channels, h, w), from `dz` = dE/d(pre-activation output).
    ///
    /// At stride 1, with 16 or more input channels per group, the input gradient is the
    /// transposed convolution (dz padded, the kernels rotated and their channels swapped), run
    /// by `forward`'s direct kernel; 16 filters or more per group take the direct weight
    /// gradient. What is left goes through patch tiles and the GEMM.
    pub fn backward(&self, x: &[f32], dz: &[f32], dweight: &mut [f32], dbias: Option<&mut [f32]>, dx: Option<&mut [f32]>) {
        let plane = self.window.output_plane();
        if let Some(db) = dbias {
            for sample in dz.chunks(self.filters * plane).take(self.batch) {
                for (f, out) in sample.chunks(plane).enumerate() {
                    db[f] += out.iter().sum::<f32>();
                }
            }
        }
        let mut dx = dx;
        // The transposed convolution pays where it runs the direct kernel (16 or more input
        // channels per group become its filters); below that, packing its patches costs more
        // than the few products per patch value (LeNet's second layer: 6.1 ms against 2.1 ms
        // for the whole backward pass at batch 64 on one thread).
        let transposed = if self.group_channels() >= direct_conv::BLOCK && self.group_filters() * self.window.taps() >= DIRECT_MIN_TAPS && direct_allowed() { self.transposed_window() } else { None };
        if let (Some(dx), Some(window)) = (dx.as_deref_mut(), transposed) {
            let weight = self.transposed_weight();
            let t = ConvProblem { window: &window, batch: self.batch, channels: self.filters, filters: self.channels, groups: self.groups, weight: &weight };
            t.forward(dz, None, Activation::Identity, dx);
            return self.weight_grad(x, dz, dweight);
        }
        if self.direct() {
            self.weight_grad_direct(x, dz, dweight);
            if dx.is_some() {
                self.backward_gemm(x, dz, None, dx);
            }
        } else {
            self.backward_gemm(x, dz, Some(dweight), dx);
        }
    }

    fn weight_grad(&self, x: &[f32], dz: &[f32], dweight: &mut [f32]) {
        if self.direct() {
            self.weight_grad_direct(x, dz, dweight)
        } else {
            self.backward_gemm(x, dz, Some(dweight), None)
        }
    }

    /// The window of the transposed convolution that gives the input gradient at stride 1:
    /// over the output, padded by span - 1 - padding on each side, giving the input's size.
    fn transposed_window(&self) -> Option<Window> {
        let flip = |a: Axis| {
            let span = a.span();
            (a.stride == 1 && a.pad_before < span && a.pad_after < span).then(|| Axis {
                input: a.output,
                kernel: a.kernel,
                stride: 1,
                dilation: a.dilation,
                pad_before: span - 1 - a.pad_before,
                pad_after: span - 1 - a.pad_after,
                output: a.input,
            })
        };
        Some(Window { h: flip(self.window.h)?, w: flip(self.window.w)? })
    }

    /// The transposed convolution's weights: (channels, filters / groups, kh, kw), each kernel
    /// rotated by 180 degrees (seed chapter 4's "rotate the filter" in the input's delta).
    fn transposed_weight(&self) -> Vec<f32> {
        let (fg, cg, taps) = (self.group_filters(), self.group_channels(), self.window.taps());
        let mut t = vec![0.0f32; self.weight.len()];
        for g in 0..self.groups {
            for f in 0..fg {
                for c in 0..cg {
                    let src = &self.weight[((g * fg + f) * cg + c) * taps..][..taps];
                    let dst = &mut t[((g * cg + c) * fg + f) * taps..][..taps];
                    for (d, s) in dst.iter_mut().zip(src.iter().rev()) {
                        *d = *s;
                    }
                }
            }
        }
        t
    }

    /// dE/dW by the direct kernel: per 16 filters, a register tile of kernel taps accumulates
    /// input x dz over the output positions (the forward tile with taps and positions
    /// swapped), per block of samples, the blocks' sums added once.
    fn weight_grad_direct(&self, x: &[f32], dz: &[f32], dweight: &mut [f32]) {
        let Window { h, w } = *self.window;
        let plane = self.window.output_plane();
        let (rows, fg, groups, cg) = (self.rows(), self.group_filters(), self.groups, self.group_channels());
        let padded = h.pad_before + h.pad_after + w.pad_before + w.pad_after > 0;
        let (hp, wp) = (h.input + h.pad_before + h.pad_after, w.input + w.pad_before + w.pad_after);
        let taps = self.tap_offsets(hp, wp);
        let positions: Vec<usize> = (0..plane).map(|q| (q / w.output) * h.stride * wp + (q % w.output) * w.stride).collect();
        let fblocks = fg.div_ceil(direct_conv::BLOCK);
        let level = simd::level();
        let tile = positions_per_tile(level, fblocks);
        let blocks = if self.helpers() == 0 { 1 } else { self.batch.min(4 * parallel::num_threads()) };
        let per_block = self.batch.div_ceil(blocks);
        let blocks = self.batch.div_ceil(per_block);
        let plen = groups * fblocks * rows * direct_conv::BLOCK;
        let mut partials = vec![0.0f32; blocks * plen];
        let partial_ptr = CPtr(partials.as_mut_ptr());
        let in_plane = self.window.input_plane();
        let scratch = || (vec![0.0f32; if padded { cg * hp * wp } else { 0 }], vec![0.0f32; fblocks * plane * direct_conv::BLOCK], vec![0usize; tile], vec![0.0f32; 2 * tile * direct_conv::BLOCK]);
        parallel::team::for_each_block_with(self.helpers(), blocks, scratch, |(xpad, dzt, bases, res), b| {
            // SAFETY: block b alone writes its partial buffer.
            let partial = unsafe { std::slice::from_raw_parts_mut(partial_ptr.at(b * plen), plen) };
            for n in b * per_block..((b + 1) * per_block).min(self.batch) {
                for g in 0..groups {
                    let source = &x[(n * self.channels + g * cg) * in_plane..][..cg * in_plane];
                    let input: &[f32] = if padded { pad_into(xpad, source, cg, self.window, hp, wp) } else { source };
                    for fb in 0..fblocks {
                        let lanes = direct_conv::BLOCK.min(fg - fb * direct_conv::BLOCK);
                        // dz of these filters as positions x 16 (a transpose of 16 planes).
                        let rows_of = &dz[(n * self.filters + g * fg + fb * direct_conv::BLOCK) * plane..][..lanes * plane];
                        let dzt = &mut dzt[fb * plane * direct_conv::BLOCK..][..plane * direct_conv::BLOCK];
                        if lanes == direct_conv::BLOCK {
                            transpose_into(rows_of, lanes, plane, dzt);
                        } else {
                            dzt.fill(0.0);
                            for (lane, row) in rows_of.chunks_exact(plane).enumerate() {
                                for (q, &v) in row.iter().enumerate() {
                                    dzt[q * direct_conv::BLOCK + lane] = v;
                                }
                            }
                        }
                    }
                    for t0 in (0..rows).step_by(tile) {
                        let count = tile.min(rows - t0);
                        for (o, base) in bases.iter_mut().enumerate() {
                            *base = taps[t0 + o.min(count - 1)];
                        }
                        // The forward tile with taps and positions swapped: the sum runs over
                        // the positions, dz^T playing the weights.
                        direct_tiles(level, input, &positions, bases, dzt, fblocks, res, |fb, res| {
                            let dst = &mut partial[((g * fblocks + fb) * rows + t0) * direct_conv::BLOCK..][..count * direct_conv::BLOCK];
                            simd::binary_inplace(BinaryOp::Add, dst, &res[..count * direct_conv::BLOCK]);
                        });
                    }
                }
            }
        });
        let mut sum = partials[..plen].to_vec();
        for partial in partials.chunks(plen).skip(1) {
            simd::binary_inplace(BinaryOp::Add, &mut sum, partial);
        }
        for g in 0..groups {
            for f in 0..fg {
                let (fb, lane) = (f / direct_conv::BLOCK, f % direct_conv::BLOCK);
                for k in 0..rows {
                    dweight[(g * fg + f) * rows + k] += sum[((g * fblocks + fb) * rows + k) * direct_conv::BLOCK + lane];
                }
            }
        }
    }

    /// The offset of each kernel tap (channel, ki, kj) in a group's (padded) input.
    fn tap_offsets(&self, hp: usize, wp: usize) -> Vec<usize> {
        let Window { h, w } = *self.window;
        let mut offsets = Vec::with_capacity(self.rows());
        for c in 0..self.group_channels() {
            for ki in 0..h.kernel {
                for kj in 0..w.kernel {
                    offsets.push((c * hp + ki * h.dilation) * wp + kj * w.dilation);
                }
            }
        }
        offsets
    }

    /// The GEMM path of the backward pass: patch tiles, dW^T += patches x dz^T, and the patch
    /// gradients W^T dz scattered back (col2im).
    fn backward_gemm(&self, x: &[f32], dz: &[f32], dweight: Option<&mut [f32]>, mut dx: Option<&mut [f32]>) {
        let plane = self.window.output_plane();
        let (rows, fg) = (self.rows(), self.group_filters());
        if let Some(dx) = dx.as_deref_mut() {
            dx.fill(0.0);
        }
        let want_dw = dweight.is_some();
        // Blocks of whole samples: each writes only its samples' input gradient.
        let blocks = if self.helpers() == 0 { 1 } else { self.batch.min(4 * parallel::num_threads()) };
        let per_block = self.batch.div_ceil(blocks);
        let blocks = self.batch.div_ceil(per_block);
        let wlen = self.filters * rows;
        let mut partials = vec![0.0f32; blocks * wlen];
        let partial_ptr = CPtr(partials.as_mut_ptr());
        let input_size = self.channels * self.window.input_plane();
        let dx_ptr = dx.as_deref_mut().map(|d| CPtr(d.as_mut_ptr()));
        parallel::team::for_each_block(self.helpers(), blocks, |b| {
            let (n0, n1) = (b * per_block, ((b + 1) * per_block).min(self.batch));
            let xs = &x[n0 * input_size..n1 * input_size];
            // SAFETY: block b alone writes its partial buffer and samples n0..n1 of dx.
            let partial = unsafe { std::slice::from_raw_parts_mut(partial_ptr.at(b * wlen), wlen) };
            let mut dxs = dx_ptr.map(|p| unsafe { std::slice::from_raw_parts_mut(p.at(n0 * input_size), (n1 - n0) * input_size) });
            let columns = (n1 - n0) * plane;
            let tile = self.tile_for_block(columns);
            let mut cols = vec![0.0f32; rows * tile];
            let mut d = vec![0.0f32; fg * tile];
            let mut dcols = if dxs.is_some() { vec![0.0f32; rows * tile] } else { Vec::new() };
            for g in 0..self.groups {
                let patches = self.patches(g);
                let wg = &self.weight[g * fg * rows..][..fg * rows];
                for start in (0..columns).step_by(tile) {
                    let len = tile.min(columns - start);
                    im2col(&patches, xs, start, len, &mut cols[..rows * len]);
                    for_each_sample_run(start, len, plane, |n, p, count, off| {
                        for f in 0..fg {
                            let src = &dz[((n0 + n) * self.filters + g * fg + f) * plane + p..][..count];
                            d[f * len + off..][..count].copy_from_slice(src);
                        }
                    });
                    let dt = Operand::packed(&d[..fg * len], fg, len, false);
                    // dW^T (rows x filters) += patches x d^T: rows, not the few filters, along
                    // the micro-kernel's long side (as in forward).
                    if want_dw {
                        sgemm_serial(rows, fg, len, 1.0, Operand::packed(&cols[..rows * len], rows, len, false), Operand::packed(&d[..fg * len], len, fg, true), 1.0, &mut partial[g * fg * rows..][..fg * rows], fg);
                    }
                    if let Some(dxs) = dxs.as_deref_mut() {
                        sgemm_serial(rows, len, fg, 1.0, Operand::packed(wg, rows, fg, true), dt, 0.0, &mut dcols[..rows * len], len);
                        col2im_add(&patches, &dcols[..rows * len], start, len, dxs);
                    }
                }
            }
        });
        let Some(dweight) = dweight else { return };
        // Each group's partial is dW^T (rows x filters of the group): add the blocks', then
        // transpose into the weights' (filters x rows) layout.
        let mut sum = partials[..wlen].to_vec();
        for partial in partials.chunks(wlen).skip(1) {
            simd::binary_inplace(BinaryOp::Add, &mut sum, partial);
        }
        for g in 0..self.groups {
            let t = transposed(&sum[g * fg * rows..][..fg * rows], rows, fg);
            simd::binary_inplace(BinaryOp::Add, &mut dweight[g * fg * rows..][..fg * rows], &t);
        }
    }

    fn tile_for_block(&self, columns: usize) -> usize {
        (TILE_FLOATS / self.rows().max(1)).max(64).min(columns).max(1)
    }
}

/// Calls `f(sample, position, count, offset in the tile)` for each run of one sample's output
/// positions inside columns `start..start + len` (column = sample * plane + position).
fn for_each_sample_run(start: usize, len: usize, plane: usize, mut f: impl FnMut(usize, usize, usize, usize)) {
    let (mut j, end) = (start, start + len);
    while j < end {
        let (n, p) = (j / plane, j % plane);
        let count = (plane - p).min(end - j);
        f(n, p, count, j - start);
        j += count;
    }
}

/// `source` (channels x h x w) copied into the middle of `xpad` (channels x hp x wp), whose
/// border stays zero (it is never written).
fn pad_into<'b>(xpad: &'b mut [f32], source: &[f32], channels: usize, window: &Window, hp: usize, wp: usize) -> &'b [f32] {
    let Window { h, w } = *window;
    for c in 0..channels {
        for y in 0..h.input {
            let at = (c * hp + y + h.pad_before) * wp + w.pad_before;
            xpad[at..at + w.input].copy_from_slice(&source[(c * h.input + y) * w.input..][..w.input]);
        }
    }
    xpad
}

/// Positions per direct tile: the AVX-512 pair tile's where there are two blocks of filters.
fn positions_per_tile(level: Level, fblocks: usize) -> usize {
    direct_conv::pair_positions(level).filter(|_| fblocks >= 2).unwrap_or_else(|| direct_conv::tile_positions(level))
}

/// Runs the direct tiles of every block of 16 filters (`weights`: `fblocks` blocks of
/// `offsets.len()` vectors) at `bases`, two blocks at a time where the pair tile is used
/// (`bases.len()` says which), handing each block's results (`[position][16]`) to `emit`.
#[allow(clippy::too_many_arguments)]
fn direct_tiles(level: Level, input: &[f32], offsets: &[usize], bases: &[usize], weights: &[f32], fblocks: usize, res: &mut [f32], mut emit: impl FnMut(usize, &[f32])) {
    let per = offsets.len() * direct_conv::BLOCK;
    let n = bases.len();
    let block = |fb: usize| &weights[fb * per..][..per];
    // SAFETY (both arms): the callers' offsets + bases stay inside `input` (the window's
    // geometry), `weights` holds `fblocks` blocks and `res` two tiles of results.
    if direct_conv::pair_positions(level) == Some(n) {
        for fb in (0..fblocks).step_by(2) {
            let second = (fb + 1).min(fblocks - 1);
            unsafe { direct_conv::tile_pair(level, input, offsets, bases, block(fb), block(second), res) };
            emit(fb, &res[..n * direct_conv::BLOCK]);
            if second != fb {
                emit(second, &res[n * direct_conv::BLOCK..2 * n * direct_conv::BLOCK]);
            }
        }
    } else {
        for fb in 0..fblocks {
            unsafe { direct_conv::tile(level, input, offsets, bases, block(fb), res) };
            emit(fb, &res[..n * direct_conv::BLOCK]);
        }
    }
}

/// `ZERODL_CONV=packed` turns the direct kernel off (every layer through packed patches and the
/// GEMM), to measure one method against the other (docs/conv.md). Read once.
fn direct_allowed() -> bool {
    static ALLOWED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ALLOWED.get_or_init(|| !std::env::var("ZERODL_CONV").is_ok_and(|v| v.eq_ignore_ascii_case("packed")))
}
