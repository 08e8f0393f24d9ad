//! Softmax and log-softmax along an axis, numerically stable (max subtracted first).

use crate::kernels::simd;
use crate::memory;
use crate::parallel::{for_each_chunk, ELEMENTWISE_GRAIN};
use crate::shape::{normalize_axis, split_at_axis};
use crate::{Result, Tensor};

pub fn softmax(x: &Tensor, axis: isize) -> Result<Tensor> {
    along_axis("softmax's result", x, axis, simd::softmax_row)
}

pub fn log_softmax(x: &Tensor, axis: isize) -> Result<Tensor> {
    along_axis("logSoftmax's result", x, axis, simd::log_softmax_row)
}

fn along_axis(what: &str, x: &Tensor, axis: isize, row_fn: fn(&[f32], &mut [f32])) -> Result<Tensor> {
    let axis = normalize_axis(axis, x.rank())?;
    let (_, len, inner) = split_at_axis(x.shape(), axis);
    let mut out = memory::zeroed_shape(x.shape(), what)?;
    if len == 0 || x.is_empty() {
        return Tensor::from_vec(x.shape(), out);
    }
    let data = x.as_slice();
    if inner == 1 {
        // Last axis: rows are contiguous, chunks are whole rows.
        let grain = (ELEMENTWISE_GRAIN / len).max(1) * len;
        for_each_chunk(&mut out, grain, |offset, chunk| {
            for (o, row) in chunk.chunks_mut(len).zip(data[offset..].chunks(len)) {
                row_fn(row, o);
            }
        });
    } else {
        // Other axes: gather each strided lane into a buffer, apply, scatter back.
        let (mut lane, mut res) = (memory::zeroed(len, "softmax's scratch row")?, memory::zeroed(len, "softmax's scratch row")?);
        for (block_in, block_out) in data.chunks(len * inner).zip(out.chunks_mut(len * inner)) {
            for j in 0..inner {
                for (l, v) in lane.iter_mut().enumerate() {
                    *v = block_in[l * inner + j];
                }
                row_fn(&lane, &mut res);
                for (l, v) in res.iter().enumerate() {
                    block_out[l * inner + j] = *v;
                }
            }
        }
    }
    Tensor::from_vec(x.shape(), out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_sum_to_one_on_any_axis() {
        let x = Tensor::from_vec(&[2, 3], vec![1.0, 2.0, 3.0, -1.0, 0.0, 1000.0]).unwrap();
        let p = softmax(&x, -1).unwrap();
        let s = p.as_slice();
        assert!((s[0] + s[1] + s[2] - 1.0).abs() < 1e-6 && (s[5] - 1.0).abs() < 1e-6);
        assert!((s[2] - (1.0 / (1.0 + (-1.0f32).exp() + (-2.0f32).exp()))).abs() < 1e-6);
        let q = softmax(&x, 0).unwrap();
        let q = q.as_slice();
        for j in 0..3 {
            assert!((q[j] + q[3 + j] - 1.0).abs() < 1e-6);
        }
        assert!((q[0] - 1.0 / (1.0 + (-2.0f32).exp())).abs() < 1e-6);
    }

    #[test]
    fn log_softmax_is_log_of_softmax() {
        let x = Tensor::from_vec(&[3, 4], (0..12).map(|v| (v as f32 * 0.7).sin() * 5.0).collect()).unwrap();
        let (p, lp) = (softmax(&x, 1).unwrap(), log_softmax(&x, 1).unwrap());
        for (a, b) in p.as_slice().iter().zip(lp.as_slice()) {
            assert!((a.ln() - b).abs() < 1e-5);
        }
    }
}
