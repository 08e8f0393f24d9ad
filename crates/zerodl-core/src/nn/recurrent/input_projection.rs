//! The input side of a recurrent layer, for every step at once: XP = X W_ih^T + b_ih before the
//! recurrence, dW_ih = dG^T X after it. Mostly-zero inputs (one-hot characters, as a char LM
//! feeds them) take a sparse path that reads only W_ih's columns of the nonzero features: a
//! dense GEMM would spend nearly all of its multiplications on zeros.

use super::scratch::Scratch;
use super::step_product::Disjoint;
use crate::kernels::gemm::{sgemm, Operand};
use crate::kernels::simd;
use crate::kernels::transpose::transposed;
use crate::parallel;

/// The sparse path is taken when at most one value in this many is nonzero (measured on the
/// W4 shape, the sparse path is several times faster than the GEMM at 1 in 65 and breaks even
/// near 1 in 4).
const SPARSE_FROM: usize = 8;

/// X's nonzeros, row by row (compressed sparse rows).
pub(super) struct SparseRows {
    /// Row r's nonzeros are `starts[r]..starts[r + 1]` of `cols` and `vals`.
    starts: Vec<usize>,
    cols: Vec<usize>,
    vals: Vec<f32>,
}

impl SparseRows {
    /// X (rows x width) in sparse form, or `None` when too many of its values are nonzero for
    /// that to pay.
    pub fn of(x: &[f32], rows: usize, width: usize) -> Option<SparseRows> {
        let budget = x.len() / SPARSE_FROM;
        let mut sparse = SparseRows { starts: Vec::with_capacity(rows + 1), cols: Vec::new(), vals: Vec::new() };
        sparse.starts.push(0);
        for row in x.chunks(width).take(rows) {
            for (j, &v) in row.iter().enumerate().filter(|(_, &v)| v != 0.0) {
                if sparse.cols.len() == budget {
                    return None;
                }
                sparse.cols.push(j);
                sparse.vals.push(v);
            }
            sparse.starts.push(sparse.cols.len());
        }
        Some(sparse)
    }

    fn row(&self, r: usize) -> impl Iterator<Item = (usize, f32)> + '_ {
        let span = self.starts[r]..self.starts[r + 1];
        self.cols[span.clone()].iter().copied().zip(self.vals[span].iter().copied())
    }
}

/// Below this many multiply-adds the sparse paths stay on the calling thread.
const PARALLEL_FROM: usize = 64 * 1024;

/// Helpers and blocks of `len` for `work` multiply-adds: two blocks per thread, so a thread that
/// gets less CPU takes fewer.
fn blocks(len: usize, work: usize) -> (usize, usize, usize) {
    let threads = if work < PARALLEL_FROM { 1 } else { parallel::num_threads() };
    let per = len.div_ceil(2 * threads).max(1);
    (threads - 1, len.div_ceil(per), per)
}

/// XP = X W_ih^T + b_ih: X (rows x width), W_ih (gh x width); XP is rows x gh.
pub(super) fn project(x: &[f32], sparse: Option<&SparseRows>, w_ih: &[f32], b_ih: &[f32], rows: usize, width: usize) -> Scratch {
    let gh = b_ih.len();
    // Every row starts as the bias (written once, not zeroed first: 8 MB on the W4 shape).
    let mut xp = Scratch::dirty(rows * gh);
    let Some(sparse) = sparse else {
        if gh > 0 {
            xp.chunks_mut(gh).for_each(|row| row.copy_from_slice(b_ih));
        }
        sgemm(rows, gh, width, 1.0, Operand::packed(x, rows, width, false), Operand::packed(w_ih, width, gh, true), 1.0, &mut xp, gh);
        return xp;
    };
    // Row j of W_ih^T is what feature j adds to every gate.
    let w_t = transposed(w_ih, gh, width);
    let out = Disjoint::new(&mut xp);
    let (helpers, count, per) = blocks(rows, sparse.vals.len() * gh);
    parallel::team::for_each_block(helpers, count, |block| {
        for r in block * per..((block + 1) * per).min(rows) {
            // SAFETY: each block writes its own rows.
            let row = unsafe { out.part(r * gh, gh) };
            // The bias here rather than in a pass of its own: the row is still in cache for
            // the additions, and the threads share the writing.
            row.copy_from_slice(b_ih);
            for (j, v) in sparse.row(r) {
                simd::axpy(v, &w_t[j * gh..(j + 1) * gh], row);
            }
        }
    });
    xp
}

/// dW_ih = dG^T X: dG (rows x gh), X (rows x width); the result is gh x width.
pub(super) fn weight_grad(dg: &[f32], x: &[f32], sparse: Option<&SparseRows>, rows: usize, width: usize, gh: usize) -> Vec<f32> {
    let Some(sparse) = sparse else {
        let mut dw = vec![0.0f32; gh * width];
        sgemm(gh, width, rows, 1.0, Operand::packed(dg, gh, rows, true), Operand::packed(x, rows, width, false), 0.0, &mut dw, width);
        return dw;
    };
    // Accumulate dW_ih^T (width x gh), row j += x_rj dG_r, split by columns (gates' units).
    let mut dw_t = vec![0.0f32; width * gh];
    let out = Disjoint::new(&mut dw_t);
    let (helpers, count, per) = blocks(gh.div_ceil(8), sparse.vals.len() * gh);
    parallel::team::for_each_block(helpers, count, |block| {
        let (c0, c1) = (block * per * 8, ((block + 1) * per * 8).min(gh));
        for r in 0..rows {
            for (j, v) in sparse.row(r) {
                // SAFETY: each block writes its own columns.
                let acc = unsafe { out.part(j * gh + c0, c1 - c0) };
                simd::axpy(v, &dg[r * gh + c0..r * gh + c1], acc);
            }
        }
    });
    transposed(&dw_t, width, gh)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::uniform_vec;

    /// The sparse path gives the dense GEMMs' results (one-hot rows, rows with a few values,
    /// all-zero rows), and dense inputs are left to the GEMMs.
    #[test]
    fn sparse_path_matches_the_dense_one() {
        let (rows, width, gh) = (37, 65, 96);
        let mut x = vec![0.0f32; rows * width];
        for r in 0..rows {
            if r % 5 != 4 {
                x[r * width + (r * 7) % width] = 1.0;
            }
            if r % 3 == 0 {
                x[r * width + (r * 11 + 3) % width] = -0.5 - r as f32 / 10.0;
            }
        }
        let sparse = SparseRows::of(&x, rows, width).expect("1-2 values in 65 is sparse");
        let (w_ih, b_ih, dg) = (uniform_vec(gh * width, -1.0, 1.0, 1), uniform_vec(gh, -1.0, 1.0, 2), uniform_vec(rows * gh, -1.0, 1.0, 3));
        let close = |a: &[f32], b: &[f32]| a.iter().zip(b).all(|(a, b)| (a - b).abs() <= 1e-5 * (1.0 + b.abs()));
        assert!(close(&project(&x, Some(&sparse), &w_ih, &b_ih, rows, width), &project(&x, None, &w_ih, &b_ih, rows, width)));
        assert!(close(&weight_grad(&dg, &x, Some(&sparse), rows, width, gh), &weight_grad(&dg, &x, None, rows, width, gh)));
        assert!(SparseRows::of(&uniform_vec(rows * width, 0.5, 1.0, 4), rows, width).is_none());
    }
}
