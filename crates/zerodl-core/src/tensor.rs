//! The n-d float32 tensor: an immutable, reference-counted ndarray in standard (row-major) layout.
//!
//! Immutability plus `Arc` sharing is what lets an async task read a tensor on a worker thread
//! while JS still holds it, with no copy and no data race; `reshape` shares the buffer too.

use ndarray::{ArcArray, ArrayD, ArrayViewD, IxDyn};

use crate::memory;
use crate::shape::{fmt_shape, numel};
use crate::{invalid_arg, Result};

#[derive(Clone, Debug)]
pub struct Tensor {
    // Invariant: standard layout, so `as_slice` always succeeds.
    array: ArcArray<f32, IxDyn>,
}

impl Tensor {
    /// Wraps row-major `data` as a tensor of `shape`; the length must match exactly.
    pub fn from_vec(shape: &[usize], data: Vec<f32>) -> Result<Tensor> {
        let expected = numel(shape)?;
        if data.len() != expected {
            invalid_arg!(
                "data has {} values but shape {} needs {}",
                data.len(),
                fmt_shape(shape),
                expected
            );
        }
        let array = ArcArray::from_shape_vec(IxDyn(shape), data)
            .expect("length was checked against the shape");
        Ok(Tensor { array })
    }

    /// A copy of row-major `data` as a tensor of `shape` (data from JS, or borrowed): the length
    /// is checked first, then the copy is reserved under the memory limit.
    pub fn from_slice(shape: &[usize], data: &[f32]) -> Result<Tensor> {
        let expected = numel(shape)?;
        if data.len() != expected {
            invalid_arg!("data has {} values but shape {} needs {}", data.len(), fmt_shape(shape), expected);
        }
        memory::check_shape(shape, "a tensor")?;
        Tensor::from_vec(shape, memory::copied(data, "a tensor")?)
    }

    /// A tensor of `shape` filled with `value`. The size is checked against the memory limit
    /// before anything is allocated (`ERR_OUT_OF_MEMORY` names the shape and the bytes).
    pub fn full(shape: &[usize], value: f32) -> Result<Tensor> {
        let n = memory::check_shape(shape, "a tensor")?;
        // +0.0 is all-zero bits: the allocator's zeroed memory, as `vec![0.0; n]` gets.
        let data = if value.to_bits() == 0 { memory::zeroed(n, "a tensor")? } else { memory::filled(n, value, "a tensor")? };
        Tensor::from_vec(shape, data)
    }

    pub fn zeros(shape: &[usize]) -> Result<Tensor> {
        Tensor::full(shape, 0.0)
    }

    pub fn ones(shape: &[usize]) -> Result<Tensor> {
        Tensor::full(shape, 1.0)
    }

    /// Wraps an ndarray result, copying (under the memory limit) only if it is not already in
    /// standard layout.
    pub fn from_array(array: ArrayD<f32>) -> Result<Tensor> {
        if array.is_standard_layout() {
            return Ok(Tensor { array: array.into_shared() });
        }
        let mut data = memory::reserve(array.len(), "a copy of the tensor in row-major order")?;
        data.extend(array.iter().copied());
        Tensor::from_vec(array.shape(), data)
    }

    pub fn shape(&self) -> &[usize] {
        self.array.shape()
    }

    pub fn rank(&self) -> usize {
        self.array.ndim()
    }

    pub fn len(&self) -> usize {
        self.array.len()
    }

    pub fn is_empty(&self) -> bool {
        self.array.is_empty()
    }

    /// Bytes of element storage (what the JS side reports to V8's GC).
    pub fn byte_size(&self) -> usize {
        self.len() * std::mem::size_of::<f32>()
    }

    pub fn as_slice(&self) -> &[f32] {
        self.array.as_slice().expect("tensors are kept in standard layout")
    }

    pub fn view(&self) -> ArrayViewD<'_, f32> {
        self.array.view()
    }

    pub fn to_vec(&self) -> Vec<f32> {
        self.as_slice().to_vec()
    }

    /// Takes the data out, without a copy when this is the only handle to it.
    pub fn into_vec(self) -> Vec<f32> {
        let (vec, offset) = self.array.into_owned().into_raw_vec_and_offset();
        debug_assert_eq!(offset, Some(0).filter(|_| !vec.is_empty()).or(offset));
        vec
    }

    /// Same data, new shape (no copy). The element count must stay the same.
    pub fn reshape(&self, shape: &[usize]) -> Result<Tensor> {
        // No buffer is made, so a huge shape is a count mismatch, not an out-of-memory error.
        let n = shape.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d));
        if n != Some(self.len()) {
            invalid_arg!(
                "cannot reshape {} ({} values) into {} ({} values)",
                fmt_shape(self.shape()),
                self.len(),
                fmt_shape(shape),
                n.map_or_else(|| format!("{:.3e}", shape.iter().map(|&d| d as f64).product::<f64>()), |n| n.to_string())
            );
        }
        let array = self
            .array
            .clone()
            .into_shape_with_order(IxDyn(shape))
            .expect("standard layout reshapes without a copy");
        Ok(Tensor { array })
    }

    /// The index of the first NaN or infinite element, if any.
    pub fn first_non_finite(&self) -> Option<usize> {
        // A SIMD sum is finite when every element is (barring overflow of huge values, when the
        // exact scan below decides): the common all-finite case costs one fast pass.
        if crate::kernels::simd::sum(self.as_slice()).is_finite() {
            return None;
        }
        self.as_slice().iter().position(|v| !v.is_finite())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_vec_checks_length() {
        let t = Tensor::from_vec(&[2, 3], (0..6).map(|v| v as f32).collect()).unwrap();
        assert_eq!(t.shape(), &[2, 3]);
        assert_eq!(t.as_slice()[4], 4.0);
        let err = Tensor::from_vec(&[2, 3], vec![0.0; 5]).unwrap_err();
        assert_eq!(err.code(), "ERR_INVALID_ARGUMENT");
        assert!(err.message.contains("5 values") && err.message.contains("[2, 3]"), "{err}");
    }

    #[test]
    fn reshape_shares_data_and_checks_count() {
        let t = Tensor::from_vec(&[2, 3], (0..6).map(|v| v as f32).collect()).unwrap();
        let r = t.reshape(&[3, 2]).unwrap();
        assert_eq!(r.shape(), &[3, 2]);
        assert_eq!(r.as_slice().as_ptr(), t.as_slice().as_ptr());
        assert!(t.reshape(&[4, 2]).is_err());
        let err = t.reshape(&[1 << 40, 1 << 40]).unwrap_err();
        assert_eq!(err.code(), "ERR_INVALID_ARGUMENT");
        assert!(err.message.contains("(6 values) into [1099511627776, 1099511627776] (1.209e24 values)"), "{err}");
    }

    #[test]
    fn huge_shapes_are_out_of_memory_errors_before_any_allocation() {
        // 2^40 values (4 TiB): over any machine's default limit, refused without allocating.
        for err in [Tensor::zeros(&[1 << 20, 1 << 20]).unwrap_err(), Tensor::full(&[1 << 20, 1 << 20], 2.0).unwrap_err()] {
            assert_eq!(err.code(), "ERR_OUT_OF_MEMORY");
            assert!(err.message.contains("a tensor of shape [1048576, 1048576] needs 4.0 TiB (4398046511104 bytes)"), "{err}");
        }
        let err = Tensor::ones(&[usize::MAX, 3]).unwrap_err();
        assert_eq!(err.code(), "ERR_OUT_OF_MEMORY");
        assert!(err.message.contains("more than this machine can address"), "{err}");
        assert_eq!(Tensor::full(&[2], -0.0).unwrap().as_slice()[0].to_bits(), (-0.0f32).to_bits());
    }

    #[test]
    fn from_slice_checks_length_then_copies() {
        let t = Tensor::from_slice(&[2], &[1.0, 2.0]).unwrap();
        assert_eq!(t.as_slice(), &[1.0, 2.0]);
        assert_eq!(Tensor::from_slice(&[3], &[1.0]).unwrap_err().code(), "ERR_INVALID_ARGUMENT");
    }

    #[test]
    fn from_array_makes_standard_layout() {
        let a = ndarray::Array2::from_shape_vec((2, 3), (0..6).map(|v| v as f32).collect()).unwrap();
        let t = Tensor::from_array(a.reversed_axes().into_dyn()).unwrap();
        assert_eq!((t.shape(), t.as_slice()), (&[3usize, 2][..], &[0.0, 3.0, 1.0, 4.0, 2.0, 5.0][..]));
    }

    #[test]
    fn scalars_and_empty_tensors_are_fine() {
        let s = Tensor::full(&[], 2.5).unwrap();
        assert_eq!((s.rank(), s.len(), s.as_slice()[0]), (0, 1, 2.5));
        let e = Tensor::zeros(&[0, 4]).unwrap();
        assert!(e.is_empty());
        assert_eq!(e.into_vec().len(), 0);
    }

    #[test]
    fn into_vec_round_trips() {
        let t = Tensor::from_vec(&[3], vec![1.0, 2.0, 3.0]).unwrap();
        assert_eq!(t.into_vec(), vec![1.0, 2.0, 3.0]);
    }
}
