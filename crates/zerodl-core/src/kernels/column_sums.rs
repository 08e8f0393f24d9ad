//! Column sums of a row-major matrix on the team (bias gradients: the sum over every sample,
//! and time step, of a layer's output gradients).

use std::ops::Range;

use super::{simd, CPtr};
use crate::parallel;

/// Below this many values column sums stay on the calling thread.
const PARALLEL_SUMS_FROM: usize = 64 * 1024;

/// The sums of columns `span` of a (rows x cols) matrix (bias gradients), the columns split
/// between the team's threads; each column is still added up in row order, so the split changes
/// no result.
pub fn column_sums(m: &[f32], cols: usize, span: Range<usize>) -> Vec<f32> {
    let mut sums = vec![0.0f32; span.len()];
    let out = CPtr(sums.as_mut_ptr());
    let parallel = m.len() / cols.max(1) * span.len() >= PARALLEL_SUMS_FROM;
    // Whole vectors of 8 per thread.
    parallel::team::for_each_range(span.len(), parallel, 8, |part| {
        // SAFETY: each range writes its own columns of `sums`.
        let acc = unsafe { std::slice::from_raw_parts_mut(out.at(part.start), part.len()) };
        let part = span.start + part.start..span.start + part.end;
        m.chunks(cols).for_each(|row| simd::binary_inplace(simd::BinaryOp::Add, acc, &row[part.clone()]));
    });
    sums
}
