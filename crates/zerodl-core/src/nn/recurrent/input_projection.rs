//! The input side of a recurrent layer: XP = X W_ih^T + b_ih for the recurrence to read,
//! dW_ih = dG^T X, db_ih and dE/dX = dG W_ih after it. Mostly-zero inputs (one-hot characters, as a char LM
//! feeds them) take a sparse path that reads only W_ih's columns of the nonzero features: a
//! dense GEMM would spend nearly all of its multiplications on zeros.

use std::ops::Range;

use super::scratch::Scratch;
use super::step_product::{gate_parts, Disjoint};
use crate::kernels::gemm::{sgemm_on_team, sgemm_split_k, Operand};
use crate::kernels::simd::{self, BinaryOp};
use crate::kernels::transpose::transposed;
use crate::kernels::column_sums::column_sums;
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
    /// X, given row by row (`len` values in all), in sparse form, or `None` when too many of its
    /// values are nonzero for that to pay.
    pub fn of<'x>(rows: impl Iterator<Item = &'x [f32]>, len: usize) -> Option<SparseRows> {
        let budget = len / SPARSE_FROM;
        let mut sparse = SparseRows { starts: vec![0], cols: Vec::new(), vals: Vec::new() };
        for row in rows {
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

/// Each step's input projections XP = X W_ih^T + b_ih (X rows x width, W_ih gh x width), as the
/// recurrence reads them.
pub(super) enum Projection<'a> {
    /// Dense inputs: every row at once, one GEMM before the recurrence; rows x gh.
    Computed(Scratch),
    /// Sparse inputs (one-hot characters): a row's projections are formed where they are read,
    /// b_ih plus the rows of W_ih^T of its nonzero features, instead of written to a rows x gh
    /// buffer and read back (8 MB each way on the W4 shape, too big for any cache).
    Formed { w_t: Vec<f32>, x: &'a SparseRows, b_ih: &'a [f32] },
}

impl<'a> Projection<'a> {
    pub fn new(x: &[f32], sparse: Option<&'a SparseRows>, w_ih: &[f32], b_ih: &'a [f32], rows: usize, width: usize) -> Projection<'a> {
        let gh = b_ih.len();
        if let Some(x) = sparse {
            // Row j of W_ih^T is what feature j adds to every gate.
            return Projection::Formed { w_t: transposed(w_ih, gh, width), x, b_ih };
        }
        // Every row starts as the bias (written once, not zeroed first).
        let mut xp = Scratch::dirty(rows * gh);
        if gh > 0 {
            xp.chunks_mut(gh).for_each(|row| row.copy_from_slice(b_ih));
        }
        sgemm_on_team(rows, gh, width, 1.0, Operand::packed(x, rows, width, false), Operand::packed(w_ih, width, gh, true), 1.0, &mut xp, gh);
        Projection::Computed(xp)
    }

    /// Values a caller's buffer for [`Self::gate_parts`] needs.
    pub fn buffer_len(&self, count: usize, units: usize) -> usize {
        if matches!(self, Projection::Formed { .. }) { count * units } else { 0 }
    }

    /// Row r's projections of `units` of each of `count` gate blocks of `hidden` values (the rest
    /// empty). Formed ones are written to `buf` ([`Self::buffer_len`] values) and read from there.
    pub fn gate_parts<'s>(&'s self, r: usize, hidden: usize, count: usize, units: &Range<usize>, buf: &'s mut [f32]) -> [&'s [f32]; 4] {
        let gh = hidden * count;
        let (w_t, x, b_ih) = match self {
            Projection::Computed(xp) => return gate_parts(&xp[r * gh..(r + 1) * gh], hidden, count, units),
            Projection::Formed { w_t, x, b_ih } => (w_t, x, b_ih),
        };
        let n = units.len();
        for (g, out) in buf[..count * n].chunks_mut(n.max(1)).enumerate() {
            let cols = g * hidden + units.start..g * hidden + units.end;
            out.copy_from_slice(&b_ih[cols.clone()]);
            for (j, v) in x.row(r) {
                simd::axpy(v, &w_t[j * gh..(j + 1) * gh][cols.clone()], out);
            }
        }
        let buf: &'s [f32] = buf;
        let part = |g: usize| if g < count { &buf[g * n..(g + 1) * n] } else { &[][..] };
        [part(0), part(1), part(2), part(3)]
    }
}

/// Columns `first..first + cols` of the gate gradients dG (rows x gh), held as the first `cols`
/// columns of a matrix of row stride `ld`. dG can be held in several: the GRU keeps its r and z
/// gradients once, with the hidden side's, and only n's input side apart.
#[derive(Clone, Copy, Debug)]
pub(super) struct GradColumns<'a> {
    pub data: &'a [f32],
    pub ld: usize,
    pub first: usize,
    pub cols: usize,
}

impl<'a> GradColumns<'a> {
    /// All of a rows x gh matrix.
    pub fn whole(data: &'a [f32], gh: usize) -> GradColumns<'a> {
        GradColumns { data, ld: gh, first: 0, cols: gh }
    }

    /// Row r's columns `span` (of this part's own).
    fn row(&self, r: usize, span: Range<usize>) -> &'a [f32] {
        &self.data[r * self.ld + span.start..r * self.ld + span.end]
    }

    /// The part as a GEMM operand (rows x cols, or its transpose).
    fn operand(&self, transpose: bool) -> Operand<'a> {
        Operand { data: self.data, ld: self.ld, transpose }
    }
}

/// dW_ih = dG^T X (gh x width) and db_ih, the column sums of dG (gh): dG (rows x gh, in `parts`
/// that cover its columns in order), X (rows x width). For sparse X both come from one pass over
/// dG.
pub(super) fn input_grads(parts: &[GradColumns<'_>], x: &[f32], sparse: Option<&SparseRows>, rows: usize, width: usize, gh: usize) -> (Vec<f32>, Vec<f32>) {
    let covered = parts.iter().fold(0, |next, p| {
        assert_eq!(p.first, next, "input grads: dG's parts must cover its columns in order");
        next + p.cols
    });
    assert_eq!(covered, gh, "input grads: dG's parts must cover its {gh} columns");
    let Some(sparse) = sparse else {
        let (mut dw, mut db) = (vec![0.0f32; gh * width], Vec::with_capacity(gh));
        for p in parts {
            let dw_part = &mut dw[p.first * width..(p.first + p.cols) * width];
            sgemm_split_k(p.cols, width, rows, 1.0, p.operand(true), Operand::packed(x, rows, width, false), 0.0, dw_part, width);
            db.extend(column_sums(p.data, p.ld, 0..p.cols));
        }
        return (dw, db);
    };
    // Accumulate dW_ih^T (width x gh), row j += x_rj dG_r, and the sums of the dG_r, split by
    // columns (gates' units). Each column is added up in row order, as `column_sums` does.
    let (mut dw_t, mut db) = (vec![0.0f32; width * gh], vec![0.0f32; gh]);
    let (out, sums) = (Disjoint::new(&mut dw_t), Disjoint::new(&mut db));
    for p in parts {
        let (helpers, count, per) = blocks(p.cols.div_ceil(8), sparse.vals.len() * p.cols);
        parallel::team::for_each_block(helpers, count, |block| {
            let (c0, c1) = (block * per * 8, ((block + 1) * per * 8).min(p.cols));
            let (o0, n) = (p.first + c0, c1 - c0);
            // SAFETY (both parts): each block writes its own columns.
            let sum = unsafe { sums.part(o0, n) };
            for r in 0..rows {
                let g = p.row(r, c0..c1);
                simd::binary_inplace(BinaryOp::Add, sum, g);
                for (j, v) in sparse.row(r) {
                    simd::axpy(v, g, unsafe { out.part(j * gh + o0, n) });
                }
            }
        });
    }
    (transposed(&dw_t, width, gh), db)
}

/// dE/dX = dG W_ih (rows x width), dG in `parts` as for [`input_grads`], W_ih gh x width.
pub(super) fn input_gradient(parts: &[GradColumns<'_>], w_ih: &[f32], rows: usize, width: usize) -> Vec<f32> {
    let mut dx = vec![0.0f32; rows * width];
    for (i, p) in parts.iter().enumerate() {
        let w_part = Operand::packed(&w_ih[p.first * width..(p.first + p.cols) * width], p.cols, width, false);
        let beta = if i == 0 { 0.0 } else { 1.0 };
        sgemm_on_team(rows, width, p.cols, 1.0, p.operand(false), w_part, beta, &mut dx, width);
    }
    dx
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::uniform_vec;

    /// The sparse paths give the dense GEMMs' results (one-hot rows, rows with a few values,
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
        let sparse = SparseRows::of(x.chunks(width), x.len()).expect("1-2 values in 65 is sparse");
        let (w_ih, b_ih, dg) = (uniform_vec(gh * width, -1.0, 1.0, 1), uniform_vec(gh, -1.0, 1.0, 2), uniform_vec(rows * gh, -1.0, 1.0, 3));
        let close = |a: &[f32], b: &[f32]| a.iter().zip(b).all(|(a, b)| (a - b).abs() <= 1e-5 * (1.0 + b.abs()));
        // Three gates of 32 units; every row, all units and a ragged range of them.
        let (formed, computed) = (Projection::new(&x, Some(&sparse), &w_ih, &b_ih, rows, width), Projection::new(&x, None, &w_ih, &b_ih, rows, width));
        assert!(matches!(formed, Projection::Formed { .. }) && matches!(computed, Projection::Computed(_)));
        for units in [0..32, 5..17] {
            let mut buf = vec![f32::NAN; formed.buffer_len(3, units.len())];
            for r in 0..rows {
                let want = computed.gate_parts(r, 32, 3, &units, &mut []);
                let got = formed.gate_parts(r, 32, 3, &units, &mut buf);
                assert!(got.iter().zip(&want).all(|(g, w)| g.len() == w.len() && close(g, w)), "row {r}, units {units:?}");
            }
        }
        let whole = [GradColumns::whole(&dg, gh)];
        let (sparse_grads, dense_grads) = (input_grads(&whole, &x, Some(&sparse), rows, width, gh), input_grads(&whole, &x, None, rows, width, gh));
        assert!(close(&sparse_grads.0, &dense_grads.0), "dW_ih");
        // The bias sums add up each column in row order on both paths.
        assert_eq!(sparse_grads.1, dense_grads.1, "db_ih");
        // dG held as its first 64 columns (in the whole matrix) and the last 32 apart, as the
        // GRU keeps it: the same results on both paths, and the same dE/dX.
        let last: Vec<f32> = dg.chunks(gh).flat_map(|row| row[64..].iter().copied()).collect();
        let split = [GradColumns { data: &dg, ld: gh, first: 0, cols: 64 }, GradColumns { data: &last, ld: 32, first: 64, cols: 32 }];
        for sparse in [Some(&sparse), None] {
            let (want, got) = (input_grads(&whole, &x, sparse, rows, width, gh), input_grads(&split, &x, sparse, rows, width, gh));
            assert!(close(&got.0, &want.0) && got.1 == want.1, "split dG, sparse {}", sparse.is_some());
        }
        let (want, got) = (input_gradient(&whole, &w_ih, rows, width), input_gradient(&split, &w_ih, rows, width));
        assert!(close(&got, &want), "dE/dX from split dG");
        let dense = uniform_vec(rows * width, 0.5, 1.0, 4);
        assert!(SparseRows::of(dense.chunks(width), dense.len()).is_none());
    }
}
