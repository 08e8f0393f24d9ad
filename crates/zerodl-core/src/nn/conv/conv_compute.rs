//! A convolution over a batch, shared between the threads, and the choice of method for each
//! pass: the direct kernel (`conv_direct.rs`) where a layer's groups have 16+ filters and 64+
//! taps per output, patches packed into GEMM panels or tiles (`conv_packed.rs`) elsewhere, and
//! the stride-1 input gradient as a transposed convolution where that runs the direct kernel.
//! docs/conv.md has the measurements behind each choice.

use crate::kernels::conv::Patches;
use crate::kernels::direct_conv;
use crate::nn::activation::Activation;
use crate::parallel;

use super::geometry::{Axis, Window};

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
    pub(super) fn group_channels(&self) -> usize {
        self.channels / self.groups
    }

    pub(super) fn group_filters(&self) -> usize {
        self.filters / self.groups
    }

    pub(super) fn patches(&self, group: usize) -> Patches<'_> {
        let cg = self.group_channels();
        Patches { window: self.window, channels: self.channels, first_channel: group * cg, group_channels: cg }
    }

    /// Rows of a group's patch matrix (its weights' row length).
    pub(super) fn rows(&self) -> usize {
        self.group_channels() * self.window.taps()
    }

    /// Whether the direct kernel runs this layer: where its groups' filters fill the vectors
    /// and each output sums enough taps to pay for its scattered store (the CIFAR-style first
    /// layer, 27 taps, ran 2.6-4.3 ms packed against 5.7 ms direct; LeNet's second, 150 taps,
    /// 1.2-2.0 ms packed against 0.7 ms direct: docs/conv.md).
    pub(super) fn direct(&self) -> bool {
        self.group_filters() >= direct_conv::BLOCK && self.rows() >= DIRECT_MIN_TAPS && direct_allowed()
    }

    /// Blocks of whole samples for the passes that sum over the batch (weight gradients): one
    /// on a single thread, else up to four per thread; (blocks, samples per block).
    pub(super) fn sample_blocks(&self) -> (usize, usize) {
        let blocks = if self.helpers() == 0 { 1 } else { self.batch.min(4 * parallel::num_threads()) };
        let per_block = self.batch.div_ceil(blocks);
        (self.batch.div_ceil(per_block), per_block)
    }

    pub(super) fn multiply_adds(&self) -> usize {
        self.batch * self.window.output_plane() * self.rows() * self.filters
    }

    pub(super) fn helpers(&self) -> usize {
        if self.multiply_adds() >= PARALLEL_FROM { parallel::num_threads() - 1 } else { 0 }
    }

    /// out (batch, filters, oh, ow) = activation(conv(x) + bias), by the direct kernel where the
    /// layer's shape suits it (`conv_direct.rs`), else by patches packed into GEMM panels
    /// (`conv_packed.rs`).
    pub fn forward(&self, x: &[f32], bias: Option<&[f32]>, activation: Activation, out: &mut [f32]) {
        match self.method() {
            Method::Direct => self.forward_direct(x, bias, activation, out),
            Method::Rows => self.forward_rows(x, bias, activation, out),
            Method::Packed => self.forward_packed(x, bias, activation, out),
        }
    }

    /// Adds dE/dweight into `dweight` (and dE/dbias into `dbias`) and, when given, writes
    /// dE/dx into `dx` (batch, channels, h, w), from `dz` = dE/d(pre-activation output).
    ///
    /// The weight gradient goes the forward pass's way (direct, rows or GEMM tiles). At stride
    /// 1, with 16 or more input channels per group, the input gradient is the transposed
    /// convolution (dz padded, the kernels rotated and their channels swapped), run by
    /// `forward`'s direct kernel; else patch gradients from the GEMM, scattered back.
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
        if let (Some(window), true) = (transposed, dx.is_some()) {
            let weight = self.transposed_weight();
            let t = ConvProblem { window: &window, batch: self.batch, channels: self.filters, filters: self.channels, groups: self.groups, weight: &weight };
            t.forward(dz, None, Activation::Identity, dx.take().expect("checked"));
        }
        match self.method() {
            Method::Direct => self.weight_grad_direct(x, dz, dweight),
            Method::Rows => self.weight_grad_rows(x, dz, dweight),
            Method::Packed => return self.backward_gemm(x, dz, Some(dweight), dx),
        }
        if dx.is_some() {
            self.backward_gemm(x, dz, None, dx);
        }
    }

    /// Which kernel runs this layer (docs/conv.md): direct where the groups' filters fill the
    /// vectors, along rows for few filters at stride 1, packed patches and GEMMs otherwise.
    fn method(&self) -> Method {
        let Window { h, w } = *self.window;
        if !direct_allowed() {
            Method::Packed
        } else if self.direct() {
            Method::Direct
        } else if self.group_filters() < direct_conv::BLOCK && h.stride == 1 && w.stride == 1 {
            Method::Rows
        } else {
            Method::Packed
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

}

/// `source` (channels x h x w) copied into the middle of `xpad` (channels x hp x wp), whose
/// border stays zero (it is never written).
pub(super) fn pad_into<'b>(xpad: &'b mut [f32], source: &[f32], channels: usize, window: &Window) -> &'b [f32] {
    let Window { h, w } = *window;
    let (hp, wp) = window.padded_input();
    for c in 0..channels {
        for y in 0..h.input {
            let at = (c * hp + y + h.pad_before) * wp + w.pad_before;
            xpad[at..at + w.input].copy_from_slice(&source[(c * h.input + y) * w.input..][..w.input]);
        }
    }
    xpad
}

/// The kernel a layer's passes run (see `ConvProblem::method`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Method {
    Direct,
    Rows,
    Packed,
}

/// `ZERODL_CONV=packed` turns the direct and row kernels off (every layer through packed
/// patches and the GEMM), to measure one method against the other (docs/conv.md). Read once.
fn direct_allowed() -> bool {
    static ALLOWED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    *ALLOWED.get_or_init(|| !std::env::var("ZERODL_CONV").is_ok_and(|v| v.eq_ignore_ascii_case("packed")))
}
