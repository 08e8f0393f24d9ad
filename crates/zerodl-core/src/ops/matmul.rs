//! Matrix product of 2-D tensors, or batched over equal leading dims: `[..., m, k] x [..., k, n]`.

use crate::kernels::gemm::{sgemm, Operand};
use crate::memory;
use crate::shape::fmt_shape;
use crate::{invalid_arg, Error, Result, Tensor};

#[derive(Clone, Copy, Debug, Default)]
pub struct MatmulOptions {
    /// Use A^T (A's last two dims swapped).
    pub transpose_a: bool,
    /// Use B^T.
    pub transpose_b: bool,
}

pub fn matmul(a: &Tensor, b: &Tensor, opts: MatmulOptions) -> Result<Tensor> {
    if a.rank() < 2 || b.rank() < 2 {
        invalid_arg!(
            "matmul needs tensors of rank >= 2, got shapes {} and {}",
            fmt_shape(a.shape()),
            fmt_shape(b.shape())
        );
    }
    let (batch_a, mat_a) = a.shape().split_at(a.rank() - 2);
    let (batch_b, mat_b) = b.shape().split_at(b.rank() - 2);
    let (m, ka) = if opts.transpose_a { (mat_a[1], mat_a[0]) } else { (mat_a[0], mat_a[1]) };
    let (kb, n) = if opts.transpose_b { (mat_b[1], mat_b[0]) } else { (mat_b[0], mat_b[1]) };
    if ka != kb || batch_a != batch_b {
        let t = |flag: bool| if flag { "^T" } else { "" };
        return Err(Error::shape_mismatch(format!(
            "matmul: cannot multiply {}{} by {}{}: {}",
            fmt_shape(a.shape()),
            t(opts.transpose_a),
            fmt_shape(b.shape()),
            t(opts.transpose_b),
            if ka != kb {
                format!("inner dimensions {ka} and {kb} differ")
            } else {
                "batch dimensions differ".to_string()
            }
        )));
    }
    let mut shape = batch_a.to_vec();
    shape.extend([m, n]);
    // The result can be far bigger than both operands ([n, 1] x [1, n]): its size is checked
    // (with overflow-checked arithmetic) against the memory limit before anything is computed.
    let mut out = memory::zeroed_shape(&shape, "matmul's result")?;
    let (a_size, b_size, c_size) = (m * ka, kb * n, m * n);
    if c_size > 0 {
        for (i, c) in out.chunks_mut(c_size).enumerate() {
            let a_mat = &a.as_slice()[i * a_size..(i + 1) * a_size];
            let b_mat = &b.as_slice()[i * b_size..(i + 1) * b_size];
            sgemm(
                m,
                n,
                ka,
                1.0,
                Operand::packed(a_mat, m, ka, opts.transpose_a),
                Operand::packed(b_mat, kb, n, opts.transpose_b),
                0.0,
                c,
                n,
            );
        }
    }
    Tensor::from_vec(&shape, out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(shape: &[usize], data: &[f32]) -> Tensor {
        Tensor::from_vec(shape, data.to_vec()).unwrap()
    }

    #[test]
    fn products_with_and_without_transposes() {
        let a = t(&[2, 3], &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        let b = t(&[3, 2], &[7.0, 8.0, 9.0, 10.0, 11.0, 12.0]);
        let c = matmul(&a, &b, MatmulOptions::default()).unwrap();
        assert_eq!((c.shape(), c.as_slice()), (&[2usize, 2][..], &[58.0, 64.0, 139.0, 154.0][..]));
        // A^T A is 3x3 and symmetric.
        let ata = matmul(&a, &a, MatmulOptions { transpose_a: true, transpose_b: false }).unwrap();
        assert_eq!(ata.as_slice(), &[17.0, 22.0, 27.0, 22.0, 29.0, 36.0, 27.0, 36.0, 45.0]);
        let aat = matmul(&a, &a, MatmulOptions { transpose_a: false, transpose_b: true }).unwrap();
        assert_eq!(aat.as_slice(), &[14.0, 32.0, 32.0, 77.0]);
    }

    #[test]
    fn batched_products() {
        let a = t(&[2, 1, 2], &[1.0, 2.0, 3.0, 4.0]);
        let b = t(&[2, 2, 1], &[1.0, 1.0, 2.0, 0.5]);
        let c = matmul(&a, &b, MatmulOptions::default()).unwrap();
        assert_eq!((c.shape(), c.as_slice()), (&[2usize, 1, 1][..], &[3.0, 8.0][..]));
    }

    #[test]
    fn mismatches_name_both_shapes() {
        let err = matmul(&Tensor::zeros(&[2, 3]).unwrap(), &Tensor::zeros(&[4, 5]).unwrap(), MatmulOptions::default())
            .unwrap_err();
        assert_eq!(err.code(), "ERR_SHAPE_MISMATCH");
        assert!(err.message.contains("[2, 3]") && err.message.contains("[4, 5]"), "{err}");
        let err = matmul(&Tensor::zeros(&[3]).unwrap(), &Tensor::zeros(&[3, 1]).unwrap(), MatmulOptions::default())
            .unwrap_err();
        assert_eq!(err.code(), "ERR_INVALID_ARGUMENT");
    }

    #[test]
    fn a_result_too_big_is_refused_before_any_work() {
        // [2^20, 1] x [1, 2^20] = 2^40 values (4 TiB): over any machine's default limit.
        let (col, row) = (Tensor::zeros(&[1 << 20, 1]).unwrap(), Tensor::zeros(&[1, 1 << 20]).unwrap());
        let err = matmul(&col, &row, MatmulOptions::default()).unwrap_err();
        assert_eq!(err.code(), "ERR_OUT_OF_MEMORY");
        assert!(err.message.starts_with("matmul's result of shape [1048576, 1048576] needs 4.0 TiB (4398046511104 bytes)"), "{err}");
        // Batched: the batch multiplies in (here 4 x 2^19 x 2^19 = 2^40 values).
        let (a, b) = (Tensor::zeros(&[4, 1 << 19, 1]).unwrap(), Tensor::zeros(&[4, 1, 1 << 19]).unwrap());
        let err = matmul(&a, &b, MatmulOptions::default()).unwrap_err();
        assert!(err.message.contains("[4, 524288, 524288] needs 4.0 TiB"), "{err}");
    }

    #[test]
    fn empty_dimensions_give_empty_or_zero_results() {
        let c = matmul(&Tensor::zeros(&[0, 3]).unwrap(), &Tensor::zeros(&[3, 2]).unwrap(), MatmulOptions::default()).unwrap();
        assert_eq!(c.shape(), &[0, 2]);
        let z = matmul(&Tensor::zeros(&[2, 0]).unwrap(), &Tensor::zeros(&[0, 2]).unwrap(), MatmulOptions::default()).unwrap();
        assert_eq!(z.as_slice(), &[0.0; 4]);
    }
}
