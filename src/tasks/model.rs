//! Async model work: a training step, a prediction, an evaluation pass. Each holds the model
//! behind its mutex and immutable (Arc-shared) input tensors, so nothing JS can touch is read.

use napi::bindgen_prelude::Task;
use napi::Env;
use napi_derive::napi;
use zerodl_core::nn::{BatchStats, Inputs};
use zerodl_core::ops::gather_rows;
use zerodl_core::Tensor;

use crate::error::{guard, into_rejection, CoreResultExt, Result};
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

pub struct TrainBatchTask {
    pub model: SharedModel,
    pub x: Tensor,
    pub y: Tensor,
    pub indices: Vec<u32>,
    /// Valid steps of every sequence of x (one per row), if padded.
    pub lengths: Option<Tensor>,
}

/// The rows `idx` of x and y, and their lengths.
fn rows(x: &Tensor, y: &Tensor, lengths: Option<&Tensor>, idx: &[u32]) -> Result<(Tensor, Tensor, Option<Vec<usize>>)> {
    let lengths = lengths.map(|l| gather_rows(l, idx).js().and_then(|l| lengths_of(&l))).transpose()?;
    Ok((gather_rows(x, idx).js()?, gather_rows(y, idx).js()?, lengths))
}

#[napi]
impl Task for TrainBatchTask {
    type Output = Result<BatchStats>;
    type JsValue = BatchResult;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        Ok(guard(|| {
            let (xb, yb, lengths) = rows(&self.x, &self.y, self.lengths.as_ref(), &self.indices)?;
            lock(&self.model).train_step(Inputs::with_lengths(&xb, lengths.as_deref()), &yb).js()
        }))
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> napi::Result<BatchResult> {
        output.map(BatchResult::from).map_err(|e| into_rejection(&env, e))
    }
}

pub struct PredictTask {
    pub model: SharedModel,
    pub x: Tensor,
    pub lengths: Option<Vec<usize>>,
}

#[napi]
impl Task for PredictTask {
    type Output = Result<Tensor>;
    type JsValue = NativeTensor;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        Ok(guard(|| lock(&self.model).forward(Inputs::with_lengths(&self.x, self.lengths.as_deref()), false).js()))
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> napi::Result<NativeTensor> {
        output.and_then(|t| NativeTensor::wrap(&env, t)).map_err(|e| into_rejection(&env, e))
    }
}

pub struct EvaluateTask {
    pub model: SharedModel,
    pub x: Tensor,
    pub y: Tensor,
    pub batch_size: usize,
    pub lengths: Option<Tensor>,
}

#[napi]
impl Task for EvaluateTask {
    type Output = Result<BatchStats>;
    type JsValue = BatchResult;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        Ok(guard(|| {
            let n = self.x.shape().first().copied().unwrap_or(0);
            let mut total = BatchStats::default();
            let (mut loss_sum, mut correct, mut counted) = (0.0f64, 0usize, 0usize);
            let mut model = lock(&self.model);
            for start in (0..n).step_by(self.batch_size) {
                let idx: Vec<u32> = (start..(start + self.batch_size).min(n)).map(|i| i as u32).collect();
                let (xb, yb, lengths) = rows(&self.x, &self.y, self.lengths.as_ref(), &idx)?;
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
        }))
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> napi::Result<BatchResult> {
        output.map(BatchResult::from).map_err(|e| into_rejection(&env, e))
    }
}
