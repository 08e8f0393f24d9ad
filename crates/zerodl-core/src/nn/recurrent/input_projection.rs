//! The input side of a recurrent layer: XP = X W_ih^T + b_ih for the recurrence to read,
//! dW_ih = dG^T X, db_ih and dE/dX = dG W_ih after it. Mostly-zero inputs (one-hot characters, as a char LM
//! feeds them) take a sparse path that reads only W_ih's columns of the nonzero features: a
//! dense GEMM would spend nearly all of its multiplications on zeros.

use std::ops::Range;
use std::sync::Mutex;

use super::scratch::Scratch;
use super::step_product::gate_parts;
use crate::kernels::gemm::{sgemm_on_team, sgemm_split_k, Operand};
use crate::kernels::simd::{self, BinaryOp};
use crate::kernels::transpose::transposed;
use crate::kernels::column_sums::column_sums;
use crate::kernels::{gemv, CPtr};

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

/// Each step's input projections XP = X W_ih^T + b_ih (X rows x width, W_ih gh x width), as the
/// recurrence reads them.
pub(super) enum Projection<'a> {
    /// Dense inputs: every row at once, one GEMM before the recurrence; rows x gh.
    Computed(Scratch),
    /// Sparse inputs (one-hot characters): a row's projections are formed where they are read,
    /// b_ih plus the rows of W_ih^T of its nonzero features, instead of written to a rows x gh
    /// buffer and read back (8 MB each way on the W4 shape, too big for any cache).
    Formed { w_t: Vec<f32>, x: &'a SparseRows, b_ih: &'a [f32] },
    /// Dense inputs of one to three sequences (a service's requests): likewise formed where
    /// they are read, by the thread that reads them (each its own units), with the
    /// matrix-vector kernel on W_ih: one small GEMM on one thread before the recurrence made a W5
    /// sequence about 5% slower (medians of 20,000 calls, the two interleaved).
    Rowwise { x: &'a [f32], w_ih: &'a [f32], b_ih: &'a [f32], width: usize },
}

impl<'a> Projection<'a> {
    /// `x`: rows x width, `batch` rows per step.
    pub fn new(x: &'a [f32], sparse: Option<&'a SparseRows>, w_ih: &'a [f32], b_ih: &'a [f32], batch: usize, rows: usize, width: usize) -> Projection<'a> {
        let gh = b_ih.len();
        if let Some(x) = sparse {
            // Row j of W_ih^T is what feature j adds to every gate.
            return Projection::Formed { w_t: transposed(w_ih, gh, width), x, b_ih };
        }
        if batch <= gemv::MAX_ROWS {
            assert!(w_ih.len() >= gh * width && x.len() >= rows * width, "input projection: W_ih or X is too small");
            return Projection::Rowwise { x, w_ih, b_ih, width };
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
        match self {
            Projection::Computed(_) => 0,
            Projection::Formed { .. } => count * units,
            // A whole row of gates, of which only the given units are formed.
            Projection::Rowwise { b_ih, .. } => b_ih.len(),
        }
    }

    /// Row r's projections of `units` of each of `count` gate blocks of `hidden` values (the rest
    /// empty). Formed ones are written to `buf` ([`Self::buffer_len`] values) and read from there.
    pub fn gate_parts<'s>(&'s self, r: usize, hidden: usize, count: usize, units: &Range<usize>, buf: &'s mut [f32]) -> [&'s [f32]; 4] {
        let gh = hidden * count;
        let (w_t, x, b_ih) = match self {
            Projection::Computed(xp) => return gate_parts(&xp[r * gh..(r + 1) * gh], hidden, count, units),
            Projection::Formed { w_t, x, b_ih } => (w_t, x, b_ih),
            Projection::Rowwise { x, w_ih, b_ih, width } => {
                let row = &mut buf[..gh];
                for g in 0..count {
                    let cols = g * hidden + units.start..g * hidden + units.end;
                    row[cols.clone()].copy_from_slice(&b_ih[cols.clone()]);
                    // SAFETY: W_ih holds gh rows of `width` (asserted in `new`), x's row r is
                    // `width` values, and the columns are in bounds of the row, this call's alone.
                    unsafe { gemv::columns(simd::level(), 1, *width, cols.start, cols.end, &x[r * width..(r + 1) * width], *width, w_ih, CPtr(row.as_mut_ptr()), gh) };
                }
                return gate_parts(row, hidden, count, units);
            }
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

    /// The part as a GEMM operand (rows x cols, or its transpose).
    fn operand(&self, transpose: bool) -> Operand<'a> {
        Operand { data: self.data, ld: self.ld, transpose }
    }
}

/// dW_ih = dG^T X (gh x width) and db_ih, the column sums of dG (gh): dG (rows x gh, in `parts`
/// that cover its columns in order), X (rows x width), dense (sparse inputs' are summed by the
/// steps: [`SparseGradSums`]).
pub(super) fn input_grads(parts: &[GradColumns<'_>], x: &[f32], rows: usize, width: usize, gh: usize) -> (Vec<f32>, Vec<f32>) {
    let covered = parts.iter().fold(0, |next, p| {
        assert_eq!(p.first, next, "input grads: dG's parts must cover its columns in order");
        next + p.cols
    });
    assert_eq!(covered, gh, "input grads: dG's parts must cover its {gh} columns");
    let (mut dw, mut db) = (vec![0.0f32; gh * width], Vec::with_capacity(gh));
    for p in parts {
        let dw_part = &mut dw[p.first * width..(p.first + p.cols) * width];
        sgemm_split_k(p.cols, width, rows, 1.0, p.operand(true), Operand::packed(x, rows, width, false), 0.0, dw_part, width);
        db.extend(column_sums(p.data, p.ld, 0..p.cols));
    }
    (dw, db)
}

/// dW_ih and db_ih of sparse inputs, summed by the backward steps themselves while each step's
/// gate gradients are in cache, instead of by [`input_grads`] in one more pass over all of dG
/// (8 MB on the W4 shape). One sum per block of samples the steps run in (a thread's share of the
/// batch, or the whole batch when threads split the units), added up in block order at the end.
pub(super) struct SparseGradSums<'a> {
    x: &'a SparseRows,
    width: usize,
    gh: usize,
    /// Indexed by a block's first sample: dW_ih^T then db_ih, [width + 1, gh], or empty.
    blocks: Vec<Mutex<Vec<f32>>>,
}

impl<'a> SparseGradSums<'a> {
    pub fn new(x: &'a SparseRows, width: usize, gh: usize, batch: usize) -> SparseGradSums<'a> {
        SparseGradSums { x, width, gh, blocks: (0..batch).map(|_| Mutex::new(Vec::new())).collect() }
    }

    /// Adds X row r's share: `grads[g]` holds the input-side gradients of gate g's `units`
    /// (blocks of `hidden`). `first`: the first sample of the block the caller runs.
    pub fn add(&self, first: usize, r: usize, hidden: usize, units: &Range<usize>, grads: [&[f32]; 4]) {
        let mut sums = self.blocks[first].lock().unwrap_or_else(|e| e.into_inner());
        if sums.is_empty() {
            sums.resize((self.width + 1) * self.gh, 0.0);
        }
        for (g, d) in grads.iter().enumerate().filter(|(_, d)| !d.is_empty()) {
            let cols = g * hidden + units.start..g * hidden + units.end;
            let bias = self.width * self.gh;
            simd::binary_inplace(BinaryOp::Add, &mut sums[bias + cols.start..bias + cols.end], d);
            for (j, v) in self.x.row(r) {
                simd::axpy(v, d, &mut sums[j * self.gh + cols.start..j * self.gh + cols.end]);
            }
        }
    }

    /// (dW_ih (gh x width), db_ih).
    pub fn finish(self) -> (Vec<f32>, Vec<f32>) {
        let mut blocks = self.blocks.into_iter().map(|m| m.into_inner().unwrap_or_else(|e| e.into_inner())).filter(|b| !b.is_empty());
        let mut total = blocks.next().unwrap_or_else(|| vec![0.0; (self.width + 1) * self.gh]);
        blocks.for_each(|b| simd::binary_inplace(BinaryOp::Add, &mut total, &b));
        let bias = self.width * self.gh;
        (transposed(&total[..bias], self.width, self.gh), total[bias..].to_vec())
    }
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

    /// The sparse and row-wise paths give the dense GEMMs' results (one-hot rows, rows with a few
    /// values, all-zero rows; dense rows of one sequence), and dense inputs of larger batches are
    /// left to the GEMMs.
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
        let (formed, computed) = (Projection::new(&x, Some(&sparse), &w_ih, &b_ih, rows, rows, width), Projection::new(&x, None, &w_ih, &b_ih, rows, rows, width));
        assert!(matches!(formed, Projection::Formed { .. }) && matches!(computed, Projection::Computed(_)));
        // Dense rows, one per step (batch 1).
        let dense_x = uniform_vec(rows * width, -1.0, 1.0, 5);
        let (rowwise, dense_computed) = (Projection::new(&dense_x, None, &w_ih, &b_ih, 1, rows, width), Projection::new(&dense_x, None, &w_ih, &b_ih, rows, rows, width));
        assert!(matches!(rowwise, Projection::Rowwise { .. }));
        for units in [0..32, 5..17] {
            for (got_from, want_from) in [(&formed, &computed), (&rowwise, &dense_computed)] {
                let mut buf = vec![f32::NAN; got_from.buffer_len(3, units.len())];
                for r in 0..rows {
                    let want = want_from.gate_parts(r, 32, 3, &units, &mut []);
                    let got = got_from.gate_parts(r, 32, 3, &units, &mut buf);
                    assert!(got.iter().zip(&want).all(|(g, w)| g.len() == w.len() && close(g, w)), "row {r}, units {units:?}");
                }
            }
        }
        // The steps' sums of sparse rows (in two blocks of rows, as two threads would add them,
        // and two blocks of units) give the dense GEMM's dW_ih and the column sums.
        let whole = [GradColumns::whole(&dg, gh)];
        let dense_grads = input_grads(&whole, &x, rows, width, gh);
        let sums = SparseGradSums::new(&sparse, width, gh, rows);
        for (first, units) in [(0, 0..12), (0, 12..32), (20, 0..12), (20, 12..32)] {
            let r_end = if first == 0 { 20 } else { rows };
            for r in first..r_end {
                let parts = gate_parts(&dg[r * gh..(r + 1) * gh], 32, 3, &units);
                sums.add(first, r, 32, &units, parts);
            }
        }
        let sparse_grads = sums.finish();
        assert!(close(&sparse_grads.0, &dense_grads.0), "dW_ih");
        assert!(close(&sparse_grads.1, &dense_grads.1), "db_ih");
        // dG held as its first 64 columns (in the whole matrix) and the last 32 apart, as the
        // GRU keeps it: the same results, and the same dE/dX.
        let last: Vec<f32> = dg.chunks(gh).flat_map(|row| row[64..].iter().copied()).collect();
        let split = [GradColumns { data: &dg, ld: gh, first: 0, cols: 64 }, GradColumns { data: &last, ld: 32, first: 64, cols: 32 }];
        let got = input_grads(&split, &x, rows, width, gh);
        assert!(close(&got.0, &dense_grads.0) && got.1 == dense_grads.1, "split dG");
        let (want, got) = (input_gradient(&whole, &w_ih, rows, width), input_gradient(&split, &w_ih, rows, width));
        assert!(close(&got, &want), "dE/dX from split dG");
        let dense = uniform_vec(rows * width, 0.5, 1.0, 4);
        assert!(SparseRows::of(dense.chunks(width), dense.len()).is_none());
    }
}
