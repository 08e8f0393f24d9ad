//! Row gathering: builds a batch from a data set by sample indices (shuffled mini-batches).

use crate::memory;
use crate::{invalid_arg, Result, Tensor};

/// The rows `indices` of `x` along its first axis, in that order.
pub fn gather_rows(x: &Tensor, indices: &[u32]) -> Result<Tensor> {
    if x.rank() == 0 {
        invalid_arg!("gather_rows needs a tensor of rank >= 1, got a scalar");
    }
    let rows = x.shape()[0];
    // All rows in order (a whole-batch train step): the same tensor, no copy.
    if indices.len() == rows && indices.iter().enumerate().all(|(i, &r)| r as usize == i) {
        return Ok(x.clone());
    }
    let width: usize = x.shape()[1..].iter().product();
    let mut shape = x.shape().to_vec();
    shape[0] = indices.len();
    // Repeated indices can make the result far bigger than `x`: checked before copying.
    let mut out = memory::reserve(memory::check_shape(&shape, "gather_rows's result")?, "gather_rows's result")?;
    for (i, &r) in indices.iter().enumerate() {
        let r = r as usize;
        if r >= rows {
            invalid_arg!("index {r} (position {i}) is out of range for {rows} rows");
        }
        out.extend_from_slice(&x.as_slice()[r * width..(r + 1) * width]);
    }
    Tensor::from_vec(&shape, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gathers_rows_in_order_and_checks_range() {
        let x = Tensor::from_vec(&[3, 2], vec![0.0, 1.0, 2.0, 3.0, 4.0, 5.0]).unwrap();
        let g = gather_rows(&x, &[2, 0, 2]).unwrap();
        assert_eq!((g.shape(), g.as_slice()), (&[3usize, 2][..], &[4.0, 5.0, 0.0, 1.0, 4.0, 5.0][..]));
        let err = gather_rows(&x, &[3]).unwrap_err();
        assert!(err.message.contains("index 3") && err.message.contains("3 rows"), "{err}");
    }

    #[test]
    fn a_result_too_big_is_refused_before_copying() {
        // 2^20 copies of a row of 2^20 values: 4 TiB.
        let x = Tensor::zeros(&[1, 1 << 20]).unwrap();
        let err = gather_rows(&x, &vec![0; 1 << 20]).unwrap_err();
        assert_eq!(err.code(), "ERR_OUT_OF_MEMORY");
        assert!(err.message.contains("gather_rows's result of shape [1048576, 1048576] needs 4.0 TiB"), "{err}");
    }
}
