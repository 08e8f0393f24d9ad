//! The direct convolution (`kernels::direct_conv`) over a batch: forward, and the weight
//! gradient as the same register tile with taps and positions swapped. For groups of 16+
//! filters whose outputs sum 64+ taps (`ConvProblem::direct`); docs/conv.md has the measurements.

use super::conv_compute::{pad_into, ConvProblem};
use super::geometry::Window;
use crate::kernels::direct_conv;
use crate::kernels::simd::{self, BinaryOp, Level};
use crate::kernels::transpose::transpose_into;
use crate::kernels::CPtr;
use crate::nn::activation::Activation;
use crate::parallel;

impl ConvProblem<'_> {
    /// The forward pass by direct convolution (`kernels::direct_conv`), for groups of 16
    /// filters or more: per block of one sample's positions, the group's input is read where it
    /// lies (or from a zero-padded copy when the layer pads), 16 filters per register tile.
    pub(super) fn forward_direct(&self, x: &[f32], bias: Option<&[f32]>, activation: Activation, out: &mut [f32]) {
        let Window { h, w } = *self.window;
        let plane = self.window.output_plane();
        let (rows, fg, groups, cg) = (self.rows(), self.group_filters(), self.groups, self.group_channels());
        assert!(out.len() >= self.batch * self.filters * plane, "conv: output too small");
        let (padded, (hp, wp)) = (self.window.pads(), self.window.padded_input());
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
            let input: &[f32] = if padded { pad_into(xpad, source, cg, self.window) } else { source };
            let (start, end) = (chunk * per_chunk, ((chunk + 1) * per_chunk).min(plane));
            let first_row = (n * self.filters + g * fg) * plane;
            for p0 in (start..end).step_by(tile) {
                let count = tile.min(end - p0);
                for (o, b) in bases.iter_mut().enumerate() {
                    let q = p0 + o.min(count - 1);
                    *b = (q / w.output) * h.stride * wp + (q % w.output) * w.stride;
                }
                let store = |fb: usize, res: &[f32]| {
                    for lane in 0..direct_conv::BLOCK.min(fg - fb * direct_conv::BLOCK) {
                        let f = fb * direct_conv::BLOCK + lane;
                        let b = bias.map_or(0.0, |b| b[g * fg + f]);
                        for o in 0..count {
                            // SAFETY: block (n, g, chunk) alone writes positions start..end of
                            // its filters' rows, inside `out` (asserted above).
                            unsafe { *out_ptr.at(first_row + f * plane + p0 + o) = res[o * direct_conv::BLOCK + lane] + b };
                        }
                    }
                };
                // SAFETY: offsets and bases stay inside the (padded) group input by the window's
                // geometry; `packed[g]` holds fblocks blocks, `res` two tiles.
                unsafe { direct_tiles(level, input, &offsets, bases, &packed[g], fblocks, res, store) };
            }
            for f in 0..fg {
                // SAFETY: as above.
                activation.forward(unsafe { std::slice::from_raw_parts_mut(out_ptr.at(first_row + f * plane + start), end - start) }, end - start);
            }
        });
    }

    /// dE/dW by the direct kernel: per 16 filters, a register tile of kernel taps accumulates
    /// input x dz over the output positions (the forward tile with taps and positions
    /// swapped), per block of samples, the blocks' sums added once.
    pub(super) fn weight_grad_direct(&self, x: &[f32], dz: &[f32], dweight: &mut [f32]) {
        let Window { h, w } = *self.window;
        let plane = self.window.output_plane();
        let (rows, fg, groups, cg) = (self.rows(), self.group_filters(), self.groups, self.group_channels());
        let (padded, (hp, wp)) = (self.window.pads(), self.window.padded_input());
        let taps = self.tap_offsets(hp, wp);
        let positions: Vec<usize> = (0..plane).map(|q| (q / w.output) * h.stride * wp + (q % w.output) * w.stride).collect();
        let fblocks = fg.div_ceil(direct_conv::BLOCK);
        let level = simd::level();
        let tile = positions_per_tile(level, fblocks);
        let (blocks, per_block) = self.sample_blocks();
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
                    let input: &[f32] = if padded { pad_into(xpad, source, cg, self.window) } else { source };
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
                        let add = |fb: usize, res: &[f32]| {
                            let dst = &mut partial[((g * fblocks + fb) * rows + t0) * direct_conv::BLOCK..][..count * direct_conv::BLOCK];
                            simd::binary_inplace(BinaryOp::Add, dst, &res[..count * direct_conv::BLOCK]);
                        };
                        // SAFETY: position + tap offsets stay inside the (padded) input, as in
                        // forward; dzt holds fblocks blocks, `res` two tiles.
                        unsafe { direct_tiles(level, input, &positions, bases, dzt, fblocks, res, add) };
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
    pub(super) fn tap_offsets(&self, hp: usize, wp: usize) -> Vec<usize> {
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

}

/// Positions per direct tile: the AVX-512 pair tile's where there are two blocks of filters.
fn positions_per_tile(level: Level, fblocks: usize) -> usize {
    direct_conv::pair_positions(level).filter(|_| fblocks >= 2).unwrap_or_else(|| direct_conv::tile_positions(level))
}

/// Runs the direct tiles of every block of 16 filters (`weights`: `fblocks` blocks of
/// `offsets.len()` vectors) at `bases`, two blocks at a time where the pair tile is used
/// (`bases.len()` says which), handing each block's results (`[position][16]`) to `emit`.
///
/// # Safety
/// Every `offsets[k] + bases[o]` is inside `input`; `weights` holds `fblocks` blocks; `res`
/// holds two tiles of results; `level` is available.
#[allow(clippy::too_many_arguments)]
unsafe fn direct_tiles(level: Level, input: &[f32], offsets: &[usize], bases: &[usize], weights: &[f32], fblocks: usize, res: &mut [f32], mut emit: impl FnMut(usize, &[f32])) {
    let per = offsets.len() * direct_conv::BLOCK;
    let n = bases.len();
    let block = |fb: usize| &weights[fb * per..][..per];
    // SAFETY (both arms): this function's contract.
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
