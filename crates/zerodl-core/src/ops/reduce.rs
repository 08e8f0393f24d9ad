//! Sums: of everything, or along one axis (row sums, column sums and their n-d generalisation).

use crate::kernels::simd;
use crate::memory;
use crate::shape::{normalize_axis, split_at_axis};
use crate::{Result, Tensor};

/// Sum of every element, as a rank-0 tensor.
pub fn sum_all(x: &Tensor) -> Result<Tensor> {
    Tensor::full(&[], simd::sum(x.as_slice()))
}

/// Sum along `axis` (negative counts from the end); the axis is removed from the shape, or kept
/// with size 1 when `keep_dims`.
pub fn sum(x: &Tensor, axis: isize, keep_dims: bool) -> Result<Tensor> {
    let axis = normalize_axis(axis, x.rank())?;
    let (_, len, inner) = split_at_axis(x.shape(), axis);
    let data = x.as_slice();
    let mut shape = x.shape().to_vec();
    if keep_dims {
        shape[axis] = 1;
    } else {
        shape.remove(axis);
    }
    // At most the input's size, but the limit may have been lowered since the input was made.
    let mut out = memory::zeroed_shape(&shape, "sum's result")?;
    if len == 0 {
        // Summing over an empty axis: NumPy's sum of nothing, 0 (already in `out`).
    } else if inner == 1 {
        // Reducing the last axis: one contiguous row per output.
        for (o, row) in out.iter_mut().zip(data.chunks(len)) {
            *o = simd::sum(row);
        }
    } else {
        // Reducing an inner axis: accumulate whole rows of `inner` values (column sums).
        for (o, block) in out.chunks_mut(inner).zip(data.chunks(len * inner)) {
            for row in block.chunks(inner) {
                simd::binary_inplace(simd::BinaryOp::Add, o, row);
            }
        }
    }
    Tensor::from_vec(&shape, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_along_each_axis() {
        let x = Tensor::from_vec(&[2, 3], vec![1.0, 2.0, 3.0, 4.0, 5.0, 6.0]).unwrap();
        assert_eq!(sum_all(&x).unwrap().as_slice(), &[21.0]);
        assert_eq!(sum_all(&x).unwrap().rank(), 0);
        let rows = sum(&x, -1, false).unwrap();
        assert_eq!((rows.shape(), rows.as_slice()), (&[2usize][..], &[6.0, 15.0][..]));
        let cols = sum(&x, 0, true).unwrap();
        assert_eq!((cols.shape(), cols.as_slice()), (&[1usize, 3][..], &[5.0, 7.0, 9.0][..]));
    }

    #[test]
    fn middle_axis_of_a_3d_tensor() {
        let x = Tensor::from_vec(&[2, 2, 2], (1..=8).map(|v| v as f32).collect()).unwrap();
        let s = sum(&x, 1, false).unwrap();
        assert_eq!((s.shape(), s.as_slice()), (&[2usize, 2][..], &[4.0, 6.0, 12.0, 14.0][..]));
    }

    #[test]
    fn bad_axis_is_an_invalid_argument() {
        let x = Tensor::zeros(&[2, 3]).unwrap();
        assert_eq!(sum(&x, 2, false).unwrap_err().code(), "ERR_INVALID_ARGUMENT");
    }

    #[test]
    fn empty_axes_sum_to_zero() {
        let x = Tensor::zeros(&[3, 0]).unwrap();
        assert_eq!(sum(&x, 1, false).unwrap().as_slice(), &[0.0; 3]);
        // An empty leading or middle axis, as NumPy: zeros of the other axes' shape.
        let x = Tensor::zeros(&[0, 3]).unwrap();
        let s = sum(&x, 0, true).unwrap();
        assert_eq!((s.shape(), s.as_slice()), (&[1usize, 3][..], &[0.0; 3][..]));
        let x = Tensor::zeros(&[2, 0, 3]).unwrap();
        assert_eq!(sum(&x, 1, false).unwrap().as_slice(), &[0.0; 6]);
        assert_eq!(sum(&x, 2, false).unwrap().shape(), &[2, 0]);
        assert_eq!(sum_all(&x).unwrap().as_slice(), &[0.0]);
    }
}
