//! Async model work: a training step, a prediction, an evaluation pass. Each holds the model
//! behind its mutex and immutable (Arc-shared) input tensors, so nothing JS can touch is read.

use napi::bindgen_prelude::Task;
use napi::Env;
use napi_derive::napi;
use zerodl_core::nn::BatchStats;
use zerodl_core::ops::gather_rows;
use zerodl_core::Tensor;

use crate::error::{guard, into_rejection, CoreResultExt, Result};
use crate::model::{lock, BatchResult, SharedModel};
use crate::NativeTensor;

impl From<BatchStats> for BatchResult {
    fn from(s: BatchStats) -> BatchResult {
        BatchResult {
            loss: s.loss,
            correct: s.correct.map(|c| c.correct as u32),
            total: s.correct.map(|c| c.total as u32),
            samples: s.samples as u32,
        }
    }
}

pub struct TrainBatchTask {
    pub model: SharedModel,
    pub x: Tensor,
    pub y: Tensor,
    pub indices: Vec<u32>,
}

#[napi]
impl Task for TrainBatchTask {
    type Output = Result<BatchStats>;
    type JsValue = BatchResult;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        Ok(guard(|| {
            let xb = gather_rows(&self.x, &self.indices).js()?;
            let yb = gather_rows(&self.y, &self.indices).js()?;
            lock(&self.model).train_step(&xb, &yb).js()
        }))
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> napi::Result<BatchResult> {
        output.map(BatchResult::from).map_err(|e| into_rejection(&env, e))
    }
}

pub struct PredictTask {
    pub model: SharedModel,
    pub x: Tensor,
}

#[napi]
impl Task for PredictTask {
    type Output = Result<Tensor>;
    type JsValue = NativeTensor;

    fn compute(&mut self) -> napi::Result<Self::Output> {
        Ok(guard(|| lock(&self.model).forward(&self.x, false).js()))
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
                let stats = model.evaluate(&gather_rows(&self.x, &idx).js()?, &gather_rows(&self.y, &idx).js()?).js()?;
                loss_sum += stats.loss * stats.samples as f64;
                if let Some(c) = stats.correct {
                    correct += c.correct;
                    counted += c.total;
                    total.correct = Some(zerodl_core::nn::loss::Correct { correct, total: counted });
                }
                total.samples += stats.samples;
            }
            total.loss = if total.samples > 0 { loss_sum / total.samples as f64 } else { f64::NAN };
            Ok(total)
        }))
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> napi::Result<BatchResult> {
        output.map(BatchResult::from).map_err(|e| into_rejection(&env, e))
    }
}
