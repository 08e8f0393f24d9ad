//! Pooling over one channel plane: max (with each window's first maximum, row-major, for the
//! backward pass) and average (padded zeros counted). The common 2x2, stride-2, unpadded
//! window has a loop of its own: two input rows at a time, no per-tap bounds to test.

use crate::nn::conv::geometry::Window;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reduce {
    Max,
    Average,
}

/// Pools `src` (one input plane) into `dst` (one output plane); for max pooling with `argmax`,
/// also writes each output's window maximum's index in the plane (u32::MAX for a window all
/// in padding, which the layers' geometry checks refuse).
pub fn pool_plane(window: &Window, reduce: Reduce, src: &[f32], dst: &mut [f32], argmax: Option<&mut [u32]>) {
    let Window { h, w } = *window;
    let unpadded = !window.pads();
    if unpadded && h.kernel == 2 && w.kernel == 2 && h.stride == 2 && w.stride == 2 {
        return two_by_two(w.input, h.output, w.output, reduce, src, dst, argmax);
    }
    let divisor = window.taps() as f32;
    let mut argmax = argmax;
    for oy in 0..h.output {
        for ox in 0..w.output {
            let (mut best, mut at, mut sum) = (f32::NEG_INFINITY, u32::MAX, 0.0f32);
            for i in taps(window, oy, ox) {
                let v = src[i];
                sum += v;
                if v > best {
                    (best, at) = (v, i as u32);
                }
            }
            let o = oy * w.output + ox;
            dst[o] = match reduce {
                Reduce::Max if at == u32::MAX => 0.0,
                Reduce::Max => best,
                Reduce::Average => sum / divisor,
            };
            if let Some(arg) = argmax.as_deref_mut() {
                arg[o] = at;
            }
        }
    }
}

/// Adds one plane's input gradient into `dst` from its output gradient `grad`: each max
/// window's gradient to the maximum `argmax` kept, each average window's evenly to its inputs
/// (the padding's share dropped).
pub fn pool_plane_backward(window: &Window, reduce: Reduce, grad: &[f32], argmax: &[u32], dst: &mut [f32]) {
    match reduce {
        Reduce::Max => {
            for (&g, &at) in grad.iter().zip(argmax) {
                if at != u32::MAX {
                    dst[at as usize] += g;
                }
            }
        }
        Reduce::Average => {
            let (ow, divisor) = (window.w.output, window.taps() as f32);
            for (o, &g) in grad.iter().enumerate() {
                for i in taps(window, o / ow, o % ow) {
                    dst[i] += g / divisor;
                }
            }
        }
    }
}

/// The plane indices of the inputs under output (oy, ox) that lie inside the input (not in the
/// padding), row-major: the order in which the first maximum wins.
fn taps(window: &Window, oy: usize, ox: usize) -> impl Iterator<Item = usize> + '_ {
    let Window { h, w } = window;
    let rows = (0..h.kernel).filter_map(move |ki| usize::try_from(h.source(oy, ki)).ok().filter(|&y| y < h.input));
    rows.flat_map(move |y| (0..w.kernel).filter_map(move |kj| usize::try_from(w.source(ox, kj)).ok().filter(|&x| x < w.input).map(|x| y * w.input + x)))
}

/// 2x2 windows, stride 2, no padding.
fn two_by_two(width: usize, oh: usize, ow: usize, reduce: Reduce, src: &[f32], dst: &mut [f32], argmax: Option<&mut [u32]>) {
    for oy in 0..oh {
        let top = &src[2 * oy * width..][..2 * ow];
        let bottom = &src[(2 * oy + 1) * width..][..2 * ow];
        let out = &mut dst[oy * ow..][..ow];
        match (reduce, argmax.is_some()) {
            (Reduce::Average, _) => {
                for ((o, t), b) in out.iter_mut().zip(top.chunks_exact(2)).zip(bottom.chunks_exact(2)) {
                    *o = (t[0] + t[1] + b[0] + b[1]) * 0.25;
                }
            }
            (Reduce::Max, false) => {
                // Finite inputs (checked by the model): max is the first maximum's value.
                for ((o, t), b) in out.iter_mut().zip(top.chunks_exact(2)).zip(bottom.chunks_exact(2)) {
                    *o = t[0].max(t[1]).max(b[0].max(b[1]));
                }
            }
            (Reduce::Max, true) => {}
        }
    }
    if let (Reduce::Max, Some(arg)) = (reduce, argmax) {
        for oy in 0..oh {
            let (r0, r1) = (2 * oy * width, (2 * oy + 1) * width);
            for ox in 0..ow {
                let c = 2 * ox;
                // Row-major order, strict >: the first maximum wins ties.
                let (mut best, mut at) = (src[r0 + c], r0 + c);
                for i in [r0 + c + 1, r1 + c, r1 + c + 1] {
                    if src[i] > best {
                        (best, at) = (src[i], i);
                    }
                }
                dst[oy * ow + ox] = best;
                arg[oy * ow + ox] = at as u32;
            }
        }
    }
}
