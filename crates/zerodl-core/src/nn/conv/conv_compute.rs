//! A convolution over a batch as tiled GEMMs, shared between the threads: the forward pass
//! multiplies each group's weights by the patches of a tile of output positions (packed by
//! `kernels::conv::im2col`, never for the whole batch at once) and writes the tile's outputs
//! with the bias added and the activation applied while they are in cache; the backward pass
//! forms the same tiles again, accumulates the weight gradient per block of samples (one
//! buffer per block, added once at the end) and scatters the patch gradients onto the input.

use crate::kernels::conv::{col2im_add, im2col, Patches};
use crate::kernels::gemm::{sgemm_serial, Operand};
use crate::kernels::simd::{self, BinaryOp};
use crate::kernels::transpose::transposed;
use crate::kernels::CPtr;
use crate::nn::activation::Activation;
use crate::parallel;

use super::geometry::Window;

/// A tile's patch matrix is kept near this many floats (256 KB: it stays in L2 while the
/// product reads it).
const TILE_FLOATS: usize = 64 * 1024;

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

    fn multiply_adds(&self) -> usize {
        self.batch * self.window.output_plane() * self.rows() * self.filters
    }

    fn helpers(&self) -> usize {
        if self.multiply_adds() >= PARALLEL_FROM { parallel::num_threads() - 1 } else { 0 }
    }

    /// Output positions per tile: near `TILE_FLOATS` of patches, and small enough that every
    /// thread gets a few tiles (batch 1 too).
    fn tile(&self, columns: usize) -> usize {
        let by_cache = (TILE_FLOATS / self.rows().max(1)).max(64);
        let by_threads = columns.div_ceil(2 * (self.helpers() + 1)).max(16);
        by_cache.min(by_threads).next_multiple_of(16).min(columns).max(1)
    }

    /// out (batch, filters, oh, ow) = activation(conv(x) + bias).
    pub fn forward(&self, x: &[f32], bias: Option<&[f32]>, activation: Activation, out: &mut [f32]) {
        let plane = self.window.output_plane();
        let columns = self.batch * plane;
        let (rows, fg) = (self.rows(), self.group_filters());
        let tile = self.tile(columns);
        let tiles = columns.div_ceil(tile);
        assert!(out.len() >= self.batch * self.filters * plane, "conv: output too small");
        let out_ptr = CPtr(out.as_mut_ptr());
        let scratch = || (vec![0.0f32; rows * tile], vec![0.0f32; tile * fg]);
        parallel::team::for_each_block_with(self.helpers(), self.groups * tiles, scratch, |(cols, product), block| {
            let (g, start) = (block / tiles, (block % tiles) * tile);
            let len = tile.min(columns - start);
            let (cols, product) = (&mut cols[..rows * len], &mut product[..len * fg]);
            im2col(&self.patches(g), x, start, len, cols);
            // positions x filters = patches^T x weights^T: the long side (positions) is the
            // one the micro-kernel's 16-row (AVX-512) or 8-row (AVX2) tiles run along, so a
            // layer of 6 filters does not waste most of each tile as filters x positions would.
            let w = Operand::packed(&self.weight[g * fg * rows..], rows, fg, true);
            sgemm_serial(len, fg, rows, 1.0, Operand::packed(cols, len, rows, true), w, 0.0, product, fg);
            for_each_sample_run(start, len, plane, |n, p, count, off| {
                for f in 0..fg {
                    let channel = g * fg + f;
                    // SAFETY: tiles cover disjoint output positions, so no two blocks write the
                    // same values; the assert above keeps every index inside `out`.
                    let dst = unsafe { std::slice::from_raw_parts_mut(out_ptr.at((n * self.filters + channel) * plane + p), count) };
                    let b = bias.map_or(0.0, |b| b[channel]);
                    for (i, d) in dst.iter_mut().enumerate() {
                        *d = product[(off + i) * fg + f] + b;
                    }
                    activation.forward(dst, count);
                }
            });
        });
    }

    /// Adds dE/dweight into `dweight` (and dE/dbias into `dbias`) and, when given, writes
    /// dE/dx into `dx` (batch, channels, h, w), from `dz` = dE/d(pre-activation output).
    pub fn backward(&self, x: &[f32], dz: &[f32], dweight: &mut [f32], dbias: Option<&mut [f32]>, mut dx: Option<&mut [f32]>) {
        let plane = self.window.output_plane();
        let (rows, fg) = (self.rows(), self.group_filters());
        if let Some(db) = dbias {
            for sample in dz.chunks(self.filters * plane).take(self.batch) {
                for (f, out) in sample.chunks(plane).enumerate() {
                    db[f] += out.iter().sum::<f32>();
                }
            }
        }
        if let Some(dx) = dx.as_deref_mut() {
            dx.fill(0.0);
        }
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
                    sgemm_serial(rows, fg, len, 1.0, Operand::packed(&cols[..rows * len], rows, len, false), Operand::packed(&d[..fg * len], len, fg, true), 1.0, &mut partial[g * fg * rows..][..fg * rows], fg);
                    if let Some(dxs) = dxs.as_deref_mut() {
                        sgemm_serial(rows, len, fg, 1.0, Operand::packed(wg, rows, fg, true), dt, 0.0, &mut dcols[..rows * len], len);
                        col2im_add(&patches, &dcols[..rows * len], start, len, dxs);
                    }
                }
            }
        });
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
