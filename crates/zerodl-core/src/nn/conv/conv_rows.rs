//! Convolution along output rows (`kernels::row_conv`), for stride-1 layers with fewer than 16
//! filters per group (LeNet's first layer: one channel, six filters), where the direct kernel's
//! 16 filter lanes would sit mostly idle and packing patches costs more than their few products.
//!
//! At stride 1, output (oy, ox) reads the (padded) input at oy * wp + ox + tap offset, so a
//! whole plane is one run: computed `wide`, one row of wp values per output row (the last
//! kw - 1 of each are discarded), each tap adds its weight times one shifted run of the input.

use super::conv_compute::{pad_into, ConvProblem};
use super::geometry::Window;
use crate::kernels::row_conv::row_taps;
use crate::kernels::simd;
use crate::kernels::CPtr;
use crate::nn::activation::Activation;
use crate::parallel;

impl ConvProblem<'_> {
    /// (padded height, padded width, wide run length) of this stride-1 layer.
    fn wide_geometry(&self) -> (usize, usize, usize) {
        let (hp, wp) = self.window.padded_input();
        (hp, wp, (self.window.h.output - 1) * wp + self.window.w.output)
    }

    /// The forward pass along rows: blocks of (sample, group, filter), so one image keeps both
    /// threads busy too.
    pub(super) fn forward_rows(&self, x: &[f32], bias: Option<&[f32]>, activation: Activation, out: &mut [f32]) {
        let Window { h, w } = *self.window;
        let plane = self.window.output_plane();
        let (rows, fg, groups, cg) = (self.rows(), self.group_filters(), self.groups, self.group_channels());
        assert!(out.len() >= self.batch * self.filters * plane, "conv: output too small");
        let (hp, wp, run) = self.wide_geometry();
        let offsets = self.tap_offsets(hp, wp);
        let (padded, in_plane, level) = (self.window.pads(), self.window.input_plane(), simd::level());
        let out_ptr = CPtr(out.as_mut_ptr());
        let scratch = || (vec![0.0f32; if padded { cg * hp * wp } else { 0 }], vec![0.0f32; run], Vec::with_capacity(rows));
        parallel::team::for_each_block_with(self.helpers(), self.batch * groups * fg, scratch, |(xpad, wide, taps), block| {
            let (n, g, f) = (block / (groups * fg), block / fg % groups, block % fg);
            let source = &x[(n * self.channels + g * cg) * in_plane..][..cg * in_plane];
            let input: &[f32] = if padded { pad_into(xpad, source, cg, self.window) } else { source };
            let filter = g * fg + f;
            taps.clear();
            taps.extend(offsets.iter().copied().zip(self.weight[filter * rows..][..rows].iter().copied()));
            wide.fill(0.0);
            row_taps(level, input, taps, wide);
            // SAFETY: block (n, g, f) alone writes output plane (n, filter), inside `out`.
            let dst = unsafe { std::slice::from_raw_parts_mut(out_ptr.at((n * self.filters + filter) * plane), plane) };
            let b = bias.map_or(0.0, |b| b[filter]);
            for (oy, row) in dst.chunks_exact_mut(w.output).enumerate().take(h.output) {
                for (o, &v) in row.iter_mut().zip(&wide[oy * wp..][..w.output]) {
                    *o = v + b;
                }
            }
            activation.forward(dst, plane);
        });
    }

    /// The weight gradient along rows: per sample and filter, each tap's gradient is the dot
    /// product of dz (laid out wide, zero in the discarded columns) with the tap's shifted input
    /// run; per block of samples into its own buffer, the blocks' sums added once.
    pub(super) fn weight_grad_rows(&self, x: &[f32], dz: &[f32], dweight: &mut [f32]) {
        let Window { h, w } = *self.window;
        let plane = self.window.output_plane();
        let (rows, fg, groups, cg) = (self.rows(), self.group_filters(), self.groups, self.group_channels());
        let (hp, wp, run) = self.wide_geometry();
        let offsets = self.tap_offsets(hp, wp);
        let (padded, in_plane, level) = (self.window.pads(), self.window.input_plane(), simd::level());
        let (blocks, per_block) = self.sample_blocks();
        let plen = self.filters * rows;
        let mut partials = vec![0.0f32; blocks * plen];
        let partial_ptr = CPtr(partials.as_mut_ptr());
        let scratch = || (vec![0.0f32; if padded { cg * hp * wp } else { 0 }], vec![0.0f32; run]);
        parallel::team::for_each_block_with(self.helpers(), blocks, scratch, |(xpad, dz_wide), b| {
            // SAFETY: block b alone writes its partial buffer.
            let partial = unsafe { std::slice::from_raw_parts_mut(partial_ptr.at(b * plen), plen) };
            for n in b * per_block..((b + 1) * per_block).min(self.batch) {
                for g in 0..groups {
                    let source = &x[(n * self.channels + g * cg) * in_plane..][..cg * in_plane];
                    let input: &[f32] = if padded { pad_into(xpad, source, cg, self.window) } else { source };
                    for f in 0..fg {
                        let filter = g * fg + f;
                        let d = &dz[(n * self.filters + filter) * plane..][..plane];
                        for (oy, row) in d.chunks_exact(w.output).enumerate().take(h.output) {
                            dz_wide[oy * wp..][..w.output].copy_from_slice(row);
                        }
                        for (t, &off) in offsets.iter().enumerate() {
                            partial[filter * rows + t] += simd::dot_with(level, dz_wide, &input[off..off + run]);
                        }
                    }
                }
            }
        });
        for partial in partials.chunks(plen) {
            simd::binary_inplace(simd::BinaryOp::Add, dweight, partial);
        }
    }
}
