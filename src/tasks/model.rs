//! Async model work: a training step, a prediction, an evaluation pass, run on the worker thread.
//! Each holds the model behind its mutex and immutable (Arc-shared) input tensors, so nothing JS
//! can touch is read.

use napi::bindgen_prelude::Object;
use napi::Env;
use zerodl_core::nn::{BatchStats, Inputs};
use zerodl_core::ops::gather_rows;
use zerodl_core::Tensor;

use super::worker;
use crate::error::{CoreResultExt, Result};
use crate::model::{lengths_of, lock, BatchResult, SharedModel};
use crate::NativeTensor;

impl From<BatchStats> for BatchResult {
    fn from(s: BatchStats) -> BatchResult {
        BatchResult {
            loss: s.loss,
            correct: s.correct.map(|c| c.correct as u32),
            total: s.correct.map(|c| c.total as u32),
            samples: s.samples as u32,
            rows: s.rows as f64,
        }
    }
}

/// The rows `idx` of x and y, and their lengths.
fn rows(x: &Tensor, y: &Tensor, lengths: Option<&Tensor>, idx: &[u32]) -> Result<(Tensor, Tensor, Option<Vec<usize>>)> {
    let lengths = lengths.map(|l| gather_rows(l, idx).js().and_then(|l| lengths_of(&l))).transpose()?;
    Ok((gather_rows(x, idx).js()?, gather_rows(y, idx).js()?, lengths))
}

fn batch_result(_: &Env, stats: BatchStats) -> Result<BatchResult> {
    Ok(BatchResult::from(stats))
}

/// One training step on the rows `indices` of (x, y) and of `lengths` (valid steps per row).
pub fn train_batch<'env>(env: &'env Env, model: SharedModel, x: Tensor, y: Tensor, indices: Vec<u32>, lengths: Option<Tensor>) -> Result<Object<'env>> {
    let work = move || {
        let (xb, yb, lengths) = rows(&x, &y, lengths.as_ref(), &indices)?;
        lock(&model).train_step(Inputs::with_lengths(&xb, lengths.as_deref()), &yb).js()
    };
    worker::spawn(env, work, batch_result)
}

/// The model's outputs for x; resolves to a new tensor.
pub fn predict<'env>(env: &'env Env, model: SharedModel, x: Tensor, lengths: Option<Vec<usize>>) -> Result<Object<'env>> {
    let work = move || lock(&model).forward(Inputs::with_lengths(&x, lengths.as_deref()), false).js();
    worker::spawn(env, work, NativeTensor::wrap)
}

/// Mean loss (and accuracy counts) over all of (x, y), `batch_size` rows at a time.
pub fn evaluate<'env>(env: &'env Env, model: SharedModel, x: Tensor, y: Tensor, batch_size: usize, lengths: Option<Tensor>) -> Result<Object<'env>> {
    let work = move || {
        let n = x.shape().first().copied().unwrap_or(0);
        let mut total = BatchStats::default();
        let (mut loss_sum, mut correct, mut counted) = (0.0f64, 0usize, 0usize);
        let mut model = lock(&model);
        for start in (0..n).step_by(batch_size) {
            let idx: Vec<u32> = (start..(start + batch_size).min(n)).map(|i| i as u32).collect();
            let (xb, yb, lengths) = rows(&x, &y, lengths.as_ref(), &idx)?;
            let stats = model.evaluate(Inputs::with_lengths(&xb, lengths.as_deref()), &yb).js()?;
            // Weighted by the rows each batch's mean is over, so padded steps weigh nothing.
            loss_sum += stats.loss * stats.rows as f64;
            if let Some(c) = stats.correct {
                correct += c.correct;
                counted += c.total;
                total.correct = Some(zerodl_core::nn::loss::Correct { correct, total: counted });
            }
            total.samples += stats.samples;
            total.rows += stats.rows;
        }
        total.loss = if total.rows > 0 { loss_sum / total.rows as f64 } else { f64::NAN };
        Ok(total)
    };
    worker::spawn(env, work, batch_result)
}
