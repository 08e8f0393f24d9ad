//! The JS-visible sequential model: built from its description (JSON, read strictly by the
//! core), compiled from a training configuration, trained one batch per async call (the data
//! stays native; only the batch's indices cross). Everything here converts; the model logic is
//! the core's `Sequential`.

use std::sync::{Arc, Mutex, MutexGuard};

use napi::bindgen_prelude::{ArrayBuffer, Object, Uint32Array};
use napi::Env;
use napi_derive::napi;
use zerodl_core::json;
use zerodl_core::nn::config::optimizer_from_json;
use zerodl_core::nn::gradcheck::{self, CheckOptions};
use zerodl_core::nn::{lengths_from, BatchStats, Dataset, Inputs, LayerConfig, Sequential, SequentialConfig, Training, TrainingConfig};
use zerodl_core::shape::shape_from_f64;
use zerodl_core::{memory, Tensor};

use crate::error::{CoreResultExt, Result};
use crate::ops::seed_or_fresh;
use crate::tasks;
use crate::tensor::array_buffer_of;
use crate::NativeTensor;

/// Loss and accuracy counts of one batch (or summed over a data set).
#[napi(object)]
pub struct BatchResult {
    /// Mean loss.
    pub loss: f64,
    /// Correct predictions (classification losses only).
    pub correct: Option<u32>,
    /// Predictions counted for accuracy.
    pub total: Option<u32>,
    pub samples: u32,
    /// Loss rows the mean is over (see BatchStats::rows): the batch's weight in a mean over batches.
    pub rows: f64,
}

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

#[napi(object)]
pub struct LayerInfo {
    pub name: String,
    pub kind: String,
    pub activation: String,
    pub output_shape: Vec<u32>,
    pub params: f64,
    /// The layer's module number in the equivalent PyTorch nn.Sequential: the prefix of its
    /// parameter names ("2." for "2.weight").
    pub torch_index: u32,
}

/// Options of a gradient check; the core's defaults fill what is not given.
#[napi(object)]
pub struct GradCheckArgs {
    pub epsilon: Option<f64>,
    pub max_per_param: Option<f64>,
    pub atol: Option<f64>,
    pub rtol: Option<f64>,
}

#[napi(object)]
pub struct GradCheckEntry {
    pub name: String,
    pub checked: u32,
    pub max_abs_error: f64,
    pub max_rel_error: f64,
    pub worst_index: u32,
    pub worst_analytic: f64,
    pub worst_numeric: f64,
    pub passed: bool,
}

pub type SharedModel = Arc<Mutex<Sequential>>;

/// Locks a model, recovering from a poisoned lock (a caught panic mid-step).
pub fn lock(model: &SharedModel) -> MutexGuard<'_, Sequential> {
    model.lock().unwrap_or_else(|e| e.into_inner())
}

/// A layer's options (JSON) read strictly, with every default filled in; `what` names the call.
#[napi(catch_unwind)]
pub fn normalize_layer_config(options: String, what: String) -> Result<String> {
    let config = LayerConfig::from_json(&json::from_str(&options, &what).js()?, &what).js()?;
    Ok(json::to_text(&config))
}

/// The options layer kind `kind` takes (besides "kind"), or null for an unknown kind.
#[napi]
pub fn layer_options(kind: String) -> Option<Vec<String>> {
    LayerConfig::options_of(&kind).map(|o| o.into_iter().map(str::to_string).collect())
}

/// A whole model description (JSON) read strictly, with every default filled in.
#[napi(catch_unwind)]
pub fn normalize_model_config(description: String, what: String) -> Result<String> {
    let config = SequentialConfig::from_json(&json::from_str(&description, &what).js()?, &what).js()?;
    Ok(config.to_json())
}

/// An optimizer's options (JSON) read strictly, with every default filled in.
#[napi(catch_unwind)]
pub fn normalize_optimizer_config(options: String, what: String) -> Result<String> {
    let config = optimizer_from_json(&json::from_str(&options, &what).js()?, &what).js()?;
    Ok(json::to_text(&config))
}

#[napi]
pub struct NativeModel {
    pub(crate) model: SharedModel,
}

/// Sequence lengths from an optional tensor, read now.
fn lengths_arg(lengths: Option<&NativeTensor>) -> Result<Option<Vec<usize>>> {
    lengths.map(|l| lengths_from(l.get()?).js()).transpose()
}

/// A tensor argument's own (Arc-shared) copy, for a job on the worker thread.
fn owned(t: Option<&NativeTensor>) -> Result<Option<Tensor>> {
    t.map(|t| t.get().cloned()).transpose()
}

#[napi]
impl NativeModel {
    /// The model a description (JSON) describes; `what` names the call in errors.
    #[napi(constructor, catch_unwind)]
    pub fn new(description: String, what: String, seed: Option<f64>) -> Result<NativeModel> {
        let config = SequentialConfig::from_json(&json::from_str(&description, &what).js()?, &what).js()?;
        let model = Sequential::from_config(&config, seed_or_fresh(seed)).js()?;
        Ok(NativeModel { model: Arc::new(Mutex::new(model)) })
    }

    /// The model's full description (JSON).
    #[napi]
    pub fn config(&self) -> String {
        lock(&self.model).config().to_json()
    }

    #[napi(catch_unwind)]
    pub fn compile(&self, training: String) -> Result<()> {
        let config = TrainingConfig::from_json(&json::from_str(&training, "compile()").js()?, "compile()").js()?;
        lock(&self.model).compile(Training::new(config).js()?).js()
    }

    /// Checks a whole data set before any work (shapes, counts, target format and values).
    #[napi(catch_unwind)]
    pub fn check_data(&self, x: &NativeTensor, y: &NativeTensor, lengths: Option<&NativeTensor>, what: String) -> Result<()> {
        let lengths = lengths.map(NativeTensor::get).transpose()?;
        lock(&self.model).check_dataset(&Dataset { x: x.get()?, y: y.get()?, lengths }, &what).js()
    }

    /// Outputs for a batch, computed on the calling thread. `lengths`: valid steps per sequence.
    #[napi(catch_unwind)]
    pub fn predict(&self, env: Env, x: &NativeTensor, lengths: Option<&NativeTensor>) -> Result<NativeTensor> {
        let lengths = lengths_arg(lengths)?;
        let out = lock(&self.model).forward(Inputs::with_lengths(x.get()?, lengths.as_deref()), false).js()?;
        NativeTensor::wrap(&env, out)
    }

    /// `predict` on plain values, for a service's hot path: the batch's values (row-major) and
    /// shape in, a copy of the output's values out; no tensor handle on either side.
    #[napi(catch_unwind)]
    pub fn predict_values<'env>(&self, env: &'env Env, data: &[f32], shape: Vec<f64>, lengths: Option<&NativeTensor>) -> Result<ArrayBuffer<'env>> {
        let lengths = lengths_arg(lengths)?;
        let x = Tensor::from_slice(&shape_from_f64(&shape).js()?, data).js()?;
        let out = lock(&self.model).forward(Inputs::with_lengths(&x, lengths.as_deref()), false).js()?;
        array_buffer_of(env, out.as_slice())
    }

    #[napi(catch_unwind, ts_return_type = "Promise<NativeTensor>")]
    pub fn predict_async<'env>(&self, env: &'env Env, x: &NativeTensor, lengths: Option<&NativeTensor>) -> Result<Object<'env>> {
        let lengths = lengths_arg(lengths)?;
        tasks::predict(env, self.model.clone(), x.get()?.clone(), lengths)
    }

    /// One training step on the rows `indices` of (x, y) (and of `lengths`), off the JS thread.
    #[napi(catch_unwind, ts_return_type = "Promise<BatchResult>")]
    pub fn train_batch<'env>(&self, env: &'env Env, x: &NativeTensor, y: &NativeTensor, indices: Uint32Array, lengths: Option<&NativeTensor>) -> Result<Object<'env>> {
        // Copied now: JS may reuse the index buffer while the step runs.
        let indices = indices.to_vec();
        tasks::train_batch(env, self.model.clone(), x.get()?.clone(), y.get()?.clone(), indices, owned(lengths)?)
    }

    /// Mean loss and accuracy counts over a whole data set, in batches, off the JS thread.
    #[napi(catch_unwind, ts_return_type = "Promise<BatchResult>")]
    pub fn evaluate<'env>(&self, env: &'env Env, x: &NativeTensor, y: &NativeTensor, batch_size: u32, lengths: Option<&NativeTensor>) -> Result<Object<'env>> {
        tasks::evaluate(env, self.model.clone(), x.get()?.clone(), y.get()?.clone(), batch_size as usize, owned(lengths)?)
    }

    /// The final state of recurrent layer `index` after the last call: [h] or [h, c] (LSTM),
    /// each [layers * directions, batch, units]; null before any call.
    #[napi(catch_unwind)]
    pub fn get_layer_state(&self, env: Env, index: u32) -> Result<Option<Vec<NativeTensor>>> {
        let mut model = lock(&self.model);
        let layer = model.recurrent_mut(index as usize).js()?;
        let Some(state) = layer.final_state().cloned() else { return Ok(None) };
        let shape = layer.state_shape(state.batch);
        let parts = if state.c.is_empty() { vec![state.h] } else { vec![state.h, state.c] };
        parts.into_iter().map(|v| NativeTensor::wrap(&env, Tensor::from_vec(&shape, v).js()?)).collect::<Result<Vec<_>>>().map(Some)
    }

    /// Sets the initial state of recurrent layer `index` for the next calls (none: zeros).
    #[napi(catch_unwind)]
    pub fn set_layer_state(&self, index: u32, h: Option<&NativeTensor>, c: Option<&NativeTensor>) -> Result<()> {
        let mut model = lock(&self.model);
        let layer = model.recurrent_mut(index as usize).js()?;
        let (h, c) = (h.map(NativeTensor::get).transpose()?, c.map(NativeTensor::get).transpose()?);
        layer.set_state_tensors(h, c).js()
    }

    #[napi]
    pub fn layers(&self) -> Vec<LayerInfo> {
        let model = lock(&self.model);
        model
            .layers()
            .iter()
            .zip(model.torch_indices())
            .map(|(l, torch_index)| LayerInfo {
                name: l.config().name().unwrap_or_default().to_string(),
                kind: l.kind().to_string(),
                activation: l.output_activation().name().to_string(),
                output_shape: l.output_shape().iter().map(|&d| d as u32).collect(),
                params: l.param_count() as f64,
                torch_index: torch_index as u32,
            })
            .collect()
    }

    /// The optimizer's learning rate (null before compile).
    #[napi]
    pub fn learning_rate(&self) -> Option<f64> {
        lock(&self.model).optimizer().map(|o| o.learning_rate())
    }

    /// Changes the learning rate and keeps the optimizer's state.
    #[napi]
    pub fn set_learning_rate(&self, learning_rate: f64) -> Result<()> {
        lock(&self.model).set_learning_rate(learning_rate).js()
    }

    /// Parameter names as the equivalent PyTorch nn.Sequential's state_dict has them ("2.weight").
    #[napi]
    pub fn weight_names(&self) -> Vec<String> {
        lock(&self.model).named_params().into_iter().map(|(n, _)| n).collect()
    }

    #[napi(catch_unwind)]
    pub fn get_weight(&self, env: Env, name: String) -> Result<NativeTensor> {
        let model = lock(&self.model);
        let p = model.param(&name).js()?;
        NativeTensor::wrap(&env, Tensor::from_vec(&p.shape, memory::copied(&p.value, &name).js()?).js()?)
    }

    /// A parameter as plain values: [shape, a copy of its values in a new ArrayBuffer that V8
    /// owns]. No tensor handle: each napi-rs class instance is freed by a finalizer that Node
    /// runs only when the event loop turns, so `get_weight` in a synchronous loop piles them up
    /// (~300 bytes each, even disposed); an ArrayBuffer is freed by the GC itself.
    #[napi(catch_unwind, ts_return_type = "[Array<number>, ArrayBuffer]")]
    pub fn get_weight_values<'env>(&self, env: &'env Env, name: String) -> Result<(Vec<f64>, ArrayBuffer<'env>)> {
        let model = lock(&self.model);
        let p = model.param(&name).js()?;
        Ok((p.shape.iter().map(|&d| d as f64).collect(), array_buffer_of(env, &p.value)?))
    }

    #[napi(catch_unwind)]
    pub fn set_weight(&self, name: String, value: &NativeTensor) -> Result<()> {
        lock(&self.model).set_param(&name, value.get()?).js()
    }

    /// Central differences against the analytic gradients for every parameter (compiled models),
    /// with a verdict per parameter.
    #[napi(catch_unwind)]
    pub fn gradient_check(&self, x: &NativeTensor, y: &NativeTensor, args: GradCheckArgs, lengths: Option<&NativeTensor>) -> Result<Vec<GradCheckEntry>> {
        let defaults = CheckOptions::default();
        let options = CheckOptions {
            epsilon: args.epsilon.unwrap_or(defaults.epsilon),
            max_per_param: args.max_per_param.map_or(defaults.max_per_param, |m| m as usize),
            atol: args.atol.unwrap_or(defaults.atol),
            rtol: args.rtol.unwrap_or(defaults.rtol),
        };
        let lengths = lengths_arg(lengths)?;
        let mut model = lock(&self.model);
        let report = gradcheck::check_model(&mut model, Inputs::with_lengths(x.get()?, lengths.as_deref()), y.get()?, &options).js()?;
        Ok(report
            .into_iter()
            .map(|c| GradCheckEntry {
                name: c.name,
                checked: c.checked as u32,
                max_abs_error: c.max_abs_error,
                max_rel_error: c.max_rel_error,
                worst_index: c.worst_index as u32,
                worst_analytic: c.worst_analytic,
                worst_numeric: c.worst_numeric,
                passed: c.passed,
            })
            .collect())
    }
}
