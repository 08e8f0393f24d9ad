//! Elementwise ops: binary ones with NumPy broadcasting, unary activations.
//!
//! Every result buffer is checked against the memory limit (`memory`) before any work, so an
//! op whose result is too big is an `ERR_OUT_OF_MEMORY` error naming the result's shape.

use ndarray::{ArrayViewMutD, IxDyn, Zip};

use crate::kernels::simd::{self, BinaryOp, UnaryOp};
use crate::memory;
use crate::parallel::{for_each_chunk, ELEMENTWISE_GRAIN};
use crate::shape::{broadcast_shapes, fmt_shape};
use crate::{Error, Result, Tensor};

pub fn add(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    binary("add", BinaryOp::Add, a, b)
}

pub fn sub(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    binary("sub", BinaryOp::Sub, a, b)
}

pub fn mul(a: &Tensor, b: &Tensor) -> Result<Tensor> {
    binary("mul", BinaryOp::Mul, a, b)
}

pub fn exp(x: &Tensor) -> Result<Tensor> {
    unary("exp's result", UnaryOp::Exp, x)
}

pub fn sigmoid(x: &Tensor) -> Result<Tensor> {
    unary("sigmoid's result", UnaryOp::Sigmoid, x)
}

pub fn tanh(x: &Tensor) -> Result<Tensor> {
    unary("tanh's result", UnaryOp::Tanh, x)
}

pub fn relu(x: &Tensor) -> Result<Tensor> {
    unary("relu's result", UnaryOp::Relu, x)
}

/// `alpha * x`.
pub fn scale(x: &Tensor, alpha: f32) -> Result<Tensor> {
    map("scale's result", x, |offset, out| {
        out.copy_from_slice(&x.as_slice()[offset..offset + out.len()]);
        simd::scale_inplace(alpha, out);
    })
}

fn unary(what: &str, op: UnaryOp, x: &Tensor) -> Result<Tensor> {
    map(what, x, |offset, out| simd::unary(op, &x.as_slice()[offset..offset + out.len()], out))
}

/// A new tensor of `x`'s shape, filled chunk by chunk (in parallel when large).
fn map(what: &str, x: &Tensor, fill: impl Fn(usize, &mut [f32]) + Sync + Send) -> Result<Tensor> {
    map_with_grain(what, x, ELEMENTWISE_GRAIN, fill)
}

fn map_with_grain(what: &str, x: &Tensor, grain: usize, fill: impl Fn(usize, &mut [f32]) + Sync + Send) -> Result<Tensor> {
    let mut out = memory::zeroed_shape(x.shape(), what)?;
    for_each_chunk(&mut out, grain, fill);
    Tensor::from_vec(x.shape(), out)
}

fn binary(name: &str, op: BinaryOp, a: &Tensor, b: &Tensor) -> Result<Tensor> {
    let what = match op {
        BinaryOp::Add => "add's result",
        BinaryOp::Sub => "sub's result",
        BinaryOp::Mul => "mul's result",
    };
    if a.shape() == b.shape() {
        return map(what, a, |offset, out| {
            let range = offset..offset + out.len();
            simd::binary(op, &a.as_slice()[range.clone()], &b.as_slice()[range], out)
        });
    }
    let shape = broadcast_shapes(a.shape(), b.shape()).ok_or_else(|| {
        Error::shape_mismatch(format!(
            "{name}: shapes {} and {} cannot be broadcast together",
            fmt_shape(a.shape()),
            fmt_shape(b.shape())
        ))
    })?;
    // The common case (a bias row added to every row) stays on the SIMD path. Chunks are whole
    // rows so every chunk starts at a row boundary.
    if a.shape() == shape.as_slice() && is_row_broadcast(b.shape(), &shape) {
        let row = b.as_slice();
        let grain = (ELEMENTWISE_GRAIN / row.len()).max(1) * row.len();
        return map_with_grain(what, a, grain, |offset, out| {
            let a_chunk = &a.as_slice()[offset..offset + out.len()];
            for (o, x) in out.chunks_mut(row.len()).zip(a_chunk.chunks(row.len())) {
                simd::binary(op, x, row, o);
            }
        });
    }
    let (av, bv) = (a.view(), b.view());
    let (av, bv) = (
        av.broadcast(IxDyn(&shape)).expect("checked by broadcast_shapes"),
        bv.broadcast(IxDyn(&shape)).expect("checked by broadcast_shapes"),
    );
    // The broadcast result can be far bigger than either input ([n, 1] + [1, n]): checked first.
    let mut out = memory::zeroed_shape(&shape, what)?;
    let out_view = ArrayViewMutD::from_shape(IxDyn(&shape), out.as_mut_slice()).expect("the buffer has the shape's element count");
    Zip::from(out_view).and(&av).and(&bv).for_each(|o, &x, &y| {
        *o = simd::apply_binary(op, x, y);
    });
    Tensor::from_vec(&shape, out)
}

/// True when `small`, once leading 1s are dropped, equals the trailing dims of `full`: then it is
/// one contiguous row repeated along `full`.
fn is_row_broadcast(small: &[usize], full: &[usize]) -> bool {
    let trimmed: &[usize] = {
        let first = small.iter().position(|&d| d != 1).unwrap_or(small.len());
        &small[first..]
    };
    !trimmed.is_empty() && full.ends_with(trimmed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(shape: &[usize], data: &[f32]) -> Tensor {
        Tensor::from_vec(shape, data.to_vec()).unwrap()
    }

    #[test]
    fn same_shape_ops() {
        let a = t(&[2, 2], &[1.0, 2.0, 3.0, 4.0]);
        let b = t(&[2, 2], &[10.0, 20.0, 30.0, 40.0]);
        assert_eq!(add(&a, &b).unwrap().as_slice(), &[11.0, 22.0, 33.0, 44.0]);
        assert_eq!(sub(&a, &b).unwrap().as_slice(), &[-9.0, -18.0, -27.0, -36.0]);
        assert_eq!(mul(&a, &b).unwrap().as_slice(), &[10.0, 40.0, 90.0, 160.0]);
    }

    #[test]
    fn bias_rows_and_general_broadcasts() {
        let a = t(&[2, 3], &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        let row = t(&[3], &[10.0, 20.0, 30.0]);
        assert_eq!(add(&a, &row).unwrap().as_slice(), &[11.0, 22.0, 33.0, 14.0, 25.0, 36.0]);
        // Row on the left: takes the general path, same answer.
        assert_eq!(sub(&row, &a).unwrap().as_slice(), &[9.0, 18.0, 27.0, 6.0, 15.0, 24.0]);
        let col = t(&[2, 1], &[1.0, 2.0]);
        assert_eq!(mul(&a, &col).unwrap().as_slice(), &[1.0, 2.0, 3.0, 8.0, 10.0, 12.0]);
        let outer = mul(&t(&[2, 1], &[1.0, 2.0]), &t(&[1, 3], &[1.0, 2.0, 3.0])).unwrap();
        assert_eq!((outer.shape(), outer.as_slice()), (&[2usize, 3][..], &[1.0, 2.0, 3.0, 2.0, 4.0, 6.0][..]));
    }

    #[test]
    fn big_bias_broadcast_crosses_chunk_boundaries_correctly() {
        // 70 columns do not divide the chunk size: every row must still get the whole bias row.
        let (rows, cols) = (3000, 70);
        let a = Tensor::zeros(&[rows, cols]).unwrap();
        let row = Tensor::from_vec(&[cols], (0..cols).map(|v| v as f32).collect()).unwrap();
        let out = add(&a, &row).unwrap();
        for (i, v) in out.as_slice().iter().enumerate() {
            assert_eq!(*v, (i % cols) as f32);
        }
    }

    #[test]
    fn incompatible_shapes_name_both() {
        let err = add(&Tensor::zeros(&[2, 3]).unwrap(), &Tensor::zeros(&[4]).unwrap()).unwrap_err();
        assert_eq!(err.code(), "ERR_SHAPE_MISMATCH");
        assert!(err.message.contains("[2, 3]") && err.message.contains("[4]"), "{err}");
    }

    #[test]
    fn activations() {
        let x = t(&[4], &[-2.0, 0.0, 0.5, 3.0]);
        assert_eq!(relu(&x).unwrap().as_slice(), &[0.0, 0.0, 0.5, 3.0]);
        let s = sigmoid(&x).unwrap();
        assert!((s.as_slice()[1] - 0.5).abs() < 1e-7);
        let th = tanh(&x).unwrap();
        assert!((th.as_slice()[3] - 3.0f32.tanh()).abs() < 1e-6);
        assert!((exp(&x).unwrap().as_slice()[2] - 0.5f32.exp()).abs() < 1e-6);
        assert_eq!(scale(&x, 2.0).unwrap().as_slice(), &[-4.0, 0.0, 1.0, 6.0]);
    }

    #[test]
    fn a_broadcast_result_too_big_is_refused_before_any_work() {
        // [2^20, 1] + [1, 2^20] = 2^40 values (4 TiB): over any machine's default limit.
        let (col, row) = (Tensor::zeros(&[1 << 20, 1]).unwrap(), Tensor::zeros(&[1, 1 << 20]).unwrap());
        for (err, name) in [(add(&col, &row).unwrap_err(), "add"), (sub(&row, &col).unwrap_err(), "sub"), (mul(&col, &row).unwrap_err(), "mul")] {
            assert_eq!(err.code(), "ERR_OUT_OF_MEMORY");
            assert!(err.message.starts_with(&format!("{name}'s result of shape [1048576, 1048576] needs 4.0 TiB (4398046511104 bytes)")), "{err}");
        }
    }

    #[test]
    fn large_tensors_take_the_parallel_path() {
        let n = 300_001;
        let x = Tensor::from_vec(&[n], (0..n).map(|i| (i % 13) as f32 - 6.0).collect()).unwrap();
        let y = relu(&x).unwrap();
        assert!(x.as_slice().iter().zip(y.as_slice()).all(|(&a, &b)| b == a.max(0.0)));
        let z = add(&x, &x).unwrap();
        assert!(x.as_slice().iter().zip(z.as_slice()).all(|(&a, &b)| b == 2.0 * a));
    }
}
