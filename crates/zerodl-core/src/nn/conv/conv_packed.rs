//! Convolution through GEMMs: the forward pass with each sample's patches packed straight into
//! `PackedB` panels (the packing is the im2col), and the backward passes the direct kernel does
//! not cover, over cache-sized patch tiles with the gemm crate and col2im.

use super::conv_compute::{pad_into, ConvProblem};
use super::geometry::{Axis, Window};
use crate::kernels::conv::{col2im_add, im2col, Packer, Patches};
use crate::kernels::gemm::{sgemm_serial, Operand};
use crate::kernels::packed_gemm::{PackedB, PANEL};
use crate::kernels::simd::{self, BinaryOp};
use crate::kernels::transpose::transposed;
use crate::kernels::CPtr;
use crate::nn::activation::Activation;
use crate::parallel;

/// A tile's patch matrix is kept near this many floats (256 KB: it stays in L2 while the
/// product reads it).
const TILE_FLOATS: usize = 64 * 1024;

impl ConvProblem<'_> {
    /// The forward pass by packed patches.
    ///
    /// Per sample and group, the patches are packed straight into the 16-column panels the
    /// register tiles of `PackedB` stream (the packing is the im2col: no patch matrix of its
    /// own), and the group's weights (filters x patch rows, PyTorch's layout as it is) multiply
    /// them into the output plane, which starts from the bias; the activation follows on the
    /// rows while they are in cache. A small batch splits each sample's panels between threads.
    pub(super) fn forward_packed(&self, x: &[f32], bias: Option<&[f32]>, activation: Activation, out: &mut [f32]) {
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
        let (padded, (hp, wp)) = (self.window.pads(), self.window.padded_input());
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
                (&from_copy, pad_into(xpad, source, cg, self.window), start)
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

    /// The GEMM path of the backward pass: patch tiles, dW^T += patches x dz^T, and the patch
    /// gradients W^T dz scattered back (col2im).
    pub(super) fn backward_gemm(&self, x: &[f32], dz: &[f32], dweight: Option<&mut [f32]>, mut dx: Option<&mut [f32]>) {
        let plane = self.window.output_plane();
        let (rows, fg) = (self.rows(), self.group_filters());
        if let Some(dx) = dx.as_deref_mut() {
            dx.fill(0.0);
        }
        let want_dw = dweight.is_some();
        // Blocks of whole samples: each writes only its samples' input gradient.
        let (blocks, per_block) = self.sample_blocks();
        let wlen = self.filters * rows;
        let mut partials = vec![0.0f32; blocks * wlen];
        let partial_ptr = CPtr(partials.as_mut_ptr());
        let input_size = self.channels * self.window.input_plane();
        let dx_ptr = dx.map(|d| CPtr(d.as_mut_ptr()));
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
