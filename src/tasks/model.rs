//! Async model work: a training step, a prediction, an evaluation pass, run on the worker thread.
//! Each holds the model behind its mutex and immutable (Arc-shared) input tensors, so nothing JS
//! can touch is read.

use napi::bindgen_prelude::Object;
use napi::Env;
use zerodl_core::nn::{Dataset, Inputs};
use zerodl_core::Tensor;

use super::worker;
use crate::error::{CoreResultExt, Result};
use crate::model::{lock, BatchResult, SharedModel};
use crate::NativeTensor;

fn batch_result(_: &Env, stats: zerodl_core::nn::BatchStats) -> Result<BatchResult> {
    Ok(BatchResult::from(stats))
}

/// One training step on the rows `indices` of (x, y) and of `lengths` (valid steps per row).
pub fn train_batch<'env>(env: &'env Env, model: SharedModel, x: Tensor, y: Tensor, indices: Vec<u32>, lengths: Option<Tensor>) -> Result<Object<'env>> {
    let work = move || lock(&model).train_rows(&Dataset { x: &x, y: &y, lengths: lengths.as_ref() }, &indices).js();
    worker::spawn(env, work, batch_result)
}

/// The model's outputs for x; resolves to a new tensor.
pub fn predict<'env>(env: &'env Env, model: SharedModel, x: Tensor, lengths: Option<Vec<usize>>) -> Result<Object<'env>> {
    let work = move || lock(&model).forward(Inputs::with_lengths(&x, lengths.as_deref()), false).js();
    worker::spawn(env, work, NativeTensor::wrap)
}

/// Mean loss (and accuracy counts) over all of (x, y), `batch_size` rows at a time.
pub fn evaluate<'env>(env: &'env Env, model: SharedModel, x: Tensor, y: Tensor, batch_size: usize, lengths: Option<Tensor>) -> Result<Object<'env>> {
    let work = move || lock(&model).evaluate_dataset(&Dataset { x: &x, y: &y, lengths: lengths.as_ref() }, batch_size).js();
    worker::spawn(env, work, batch_result)
}
