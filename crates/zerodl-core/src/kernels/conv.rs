//! Patch packing for convolution as GEMM, one tile of output positions at a time: `im2col`
//! lays the patches under a tile's outputs out as the columns of a (channels x taps) x tile
//! matrix, so the layer's weights (out x channels*taps, PyTorch's OIHW rows) multiply it in one
//! product; `col2im_add` scatters such a matrix of patch gradients back onto the input. A tile
//! is a run of output positions (sample-major, row-major within a sample), so its buffer stays
//! in cache and no full-batch im2col matrix ever exists (docs/conv.md has the measurements).
//!
//! Rows walk the input a whole output row at a time: at stride 1 each patch row is one
//! contiguous copy, with the padding's zeros filled around it.

use crate::nn::conv::geometry::Window;

/// One group's view of an NCHW batch: where its channels are and the window over them.
#[derive(Clone, Copy, Debug)]
pub struct Patches<'a> {
    pub window: &'a Window,
    /// Channels of a whole input sample.
    pub channels: usize,
    /// The group's first channel and its channel count.
    pub first_channel: usize,
    pub group_channels: usize,
}

impl Patches<'_> {
    /// Rows of the patch matrix: group channels x kernel taps.
    pub fn rows(&self) -> usize {
        self.group_channels * self.window.taps()
    }

    /// Calls `f(sample, output row, first output column, end column, offset in the tile)` for
    /// every run of one output row inside columns `start..start + len` of the batch.
    fn runs(&self, start: usize, len: usize, mut f: impl FnMut(usize, usize, usize, usize, usize)) {
        let (oh, ow) = (self.window.h.output, self.window.w.output);
        let plane = oh * ow;
        let (mut j, end) = (start, start + len);
        while j < end {
            let (n, p) = (j / plane, j % plane);
            let (oy, ox0) = (p / ow, p % ow);
            let ox1 = ow.min(ox0 + (end - j));
            f(n, oy, ox0, ox1, j - start);
            j += ox1 - ox0;
        }
    }

    /// For each kernel column: the output columns whose tap reads inside the input.
    fn valid_columns(&self) -> Vec<(usize, usize)> {
        (0..self.window.w.kernel).map(|kj| self.window.w.valid_outputs(kj)).collect()
    }
}

/// Fills `cols` (rows() x len, row-major) with the patches of output columns `start..start+len`
/// of batch `x` (NCHW, samples counted from the first of `x`).
pub fn im2col(p: &Patches<'_>, x: &[f32], start: usize, len: usize, cols: &mut [f32]) {
    Packer::new(*p).pack(x, start, len, cols, len);
}

/// Adds the patch gradients `cols` (rows() x len) of output columns `start..start+len` onto
/// the input gradient `dx` (NCHW, samples counted from the first of `dx`).
pub fn col2im_add(p: &Patches<'_>, cols: &[f32], start: usize, len: usize, dx: &mut [f32]) {
    Packer::new(*p).scatter_add(cols, len, start, len, dx);
}

/// Patch packing for one group, with what it needs per kernel column worked out once.
pub struct Packer<'a> {
    p: Patches<'a>,
    /// For each kernel column: the output columns whose tap reads inside the input.
    valid: Vec<(usize, usize)>,
}

impl<'a> Packer<'a> {
    pub fn new(p: Patches<'a>) -> Packer<'a> {
        Packer { valid: p.valid_columns(), p }
    }

    pub fn rows(&self) -> usize {
        self.p.rows()
    }

    /// Writes the patches of output columns `start..start+len` as rows() rows of `len` values,
    /// row r at `out[r * ld..]` (ld = len for a tile, the panel width for a GEMM panel).
    pub fn pack(&self, x: &[f32], start: usize, len: usize, out: &mut [f32], ld: usize) {
        let p = &self.p;
        let Window { h, w } = *p.window;
        let (kh, kw) = (h.kernel, w.kernel);
        p.runs(start, len, |n, oy, ox0, ox1, off| {
            let count = ox1 - ox0;
            for c in 0..p.group_channels {
                let plane = &x[(n * p.channels + p.first_channel + c) * h.input * w.input..][..h.input * w.input];
                for ki in 0..kh {
                    let y = h.source(oy, ki);
                    let row_base = (c * kh + ki) * kw;
                    if y < 0 || y >= h.input as isize {
                        for kj in 0..kw {
                            out[(row_base + kj) * ld + off..][..count].fill(0.0);
                        }
                        continue;
                    }
                    let src = &plane[y as usize * w.input..][..w.input];
                    for (kj, &(lo, hi)) in self.valid.iter().enumerate() {
                        let dst = &mut out[(row_base + kj) * ld + off..][..count];
                        let (lo, hi) = (lo.clamp(ox0, ox1), hi.clamp(ox0, ox1));
                        if lo >= hi {
                            dst.fill(0.0);
                            continue;
                        }
                        dst[..lo - ox0].fill(0.0);
                        dst[hi - ox0..].fill(0.0);
                        let first = w.source(lo, kj) as usize;
                        if w.stride == 1 {
                            copy_run(&mut dst[lo - ox0..hi - ox0], &src[first..first + (hi - lo)]);
                        } else {
                            for (d, s) in dst[lo - ox0..hi - ox0].iter_mut().zip(src[first..].iter().step_by(w.stride)) {
                                *d = *s;
                            }
                        }
                    }
                }
            }
        });
    }

    /// Adds patch gradients laid out as [`Self::pack`] writes them (rows of `ld`) onto `dx`.
    pub fn scatter_add(&self, cols: &[f32], ld: usize, start: usize, len: usize, dx: &mut [f32]) {
        let p = &self.p;
        let Window { h, w } = *p.window;
        let (kh, kw) = (h.kernel, w.kernel);
        p.runs(start, len, |n, oy, ox0, ox1, off| {
            for c in 0..p.group_channels {
                let plane = &mut dx[(n * p.channels + p.first_channel + c) * h.input * w.input..][..h.input * w.input];
                for ki in 0..kh {
                    let y = h.source(oy, ki);
                    if y < 0 || y >= h.input as isize {
                        continue;
                    }
                    let dst = &mut plane[y as usize * w.input..][..w.input];
                    for (kj, &(lo, hi)) in self.valid.iter().enumerate() {
                        let (lo, hi) = (lo.clamp(ox0, ox1), hi.clamp(ox0, ox1));
                        if lo >= hi {
                            continue;
                        }
                        let src = &cols[((c * kh + ki) * kw + kj) * ld + off + (lo - ox0)..][..hi - lo];
                        let first = w.source(lo, kj) as usize;
                        if w.stride == 1 {
                            dst[first..first + (hi - lo)].iter_mut().zip(src).for_each(|(d, s)| *d += s);
                        } else {
                            for (d, s) in dst[first..].iter_mut().step_by(w.stride).zip(src) {
                                *d += s;
                            }
                        }
                    }
                }
            }
        });
    }
}

/// `dst.copy_from_slice(src)`, with the short runs of small images (a 10-wide output row
/// in a 16-wide panel) copied inline: a call to memmove per run cost more than the copy.
#[inline(always)]
fn copy_run(dst: &mut [f32], src: &[f32]) {
    macro_rules! fixed {
        ($($n:literal)*) => {
            match dst.len() {
                $($n => dst[..$n].copy_from_slice(&src[..$n]),)*
                _ => dst.copy_from_slice(src),
            }
        };
    }
    fixed!(1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nn::conv::geometry::{Axis, Padding};

    /// The patch matrix by its definition, one value at a time.
    fn naive(p: &Patches<'_>, x: &[f32], start: usize, len: usize) -> Vec<f32> {
        let Window { h, w } = *p.window;
        let mut cols = vec![0.0; p.rows() * len];
        for t in 0..len {
            let j = start + t;
            let (n, q) = (j / p.window.output_plane(), j % p.window.output_plane());
            let (oy, ox) = (q / w.output, q % w.output);
            for c in 0..p.group_channels {
                for ki in 0..h.kernel {
                    for kj in 0..w.kernel {
                        let (y, xx) = (h.source(oy, ki), w.source(ox, kj));
                        let inside = y >= 0 && y < h.input as isize && xx >= 0 && xx < w.input as isize;
                        let v = if inside { x[((n * p.channels + p.first_channel + c) * h.input + y as usize) * w.input + xx as usize] } else { 0.0 };
                        cols[((c * h.kernel + ki) * w.kernel + kj) * len + t] = v;
                    }
                }
            }
        }
        cols
    }

    #[test]
    fn tiles_match_the_definition_for_strides_padding_and_dilation() {
        for (stride, pad, dil, k) in [(1, 0, 1, 3), (2, 1, 1, 3), (1, 2, 2, 3), (3, 1, 1, 2), (1, 1, 1, 1)] {
            let hh = Axis::resolve("t", "h", 7, k, 1, dil, Padding::Explicit(pad));
            let ww = Axis::resolve("t", "w", 7, k, stride, dil, Padding::Explicit(pad));
            let (Ok(h), Ok(w)) = (hh, ww) else { continue };
            let window = Window { h, w };
            let (batch, channels) = (2, 3);
            let x: Vec<f32> = (0..batch * channels * 49).map(|i| (i as f32 * 0.37).sin()).collect();
            let p = Patches { window: &window, channels, first_channel: 1, group_channels: 2 };
            let total = batch * window.output_plane();
            for (start, len) in [(0, total), (3, 11), (total - 5, 5)] {
                let mut cols = vec![f32::NAN; p.rows() * len];
                im2col(&p, &x, start, len, &mut cols);
                assert_eq!(cols, naive(&p, &x, start, len), "stride {stride} pad {pad} dil {dil} tile {start}+{len}");
                // col2im_add is im2col's adjoint: <im2col(x), c> = <x, col2im(c)>.
                let c: Vec<f32> = (0..cols.len()).map(|i| (i as f32 * 0.11).cos()).collect();
                let mut dx = vec![0.0; x.len()];
                col2im_add(&p, &c, start, len, &mut dx);
                let lhs: f64 = cols.iter().zip(&c).map(|(a, b)| f64::from(a * b)).sum();
                let rhs: f64 = x.iter().zip(&dx).map(|(a, b)| f64::from(a * b)).sum();
                assert!((lhs - rhs).abs() < 1e-3, "{lhs} vs {rhs}");
            }
        }
    }
}
