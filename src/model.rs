//! The JS-visible sequential model: built from layer specs, compiled with a loss and optimizer,
//! trained one batch per async call (the data stays native; only the batch's indices cross).

use std::sync::{Arc, Mutex, MutexGuard};

use napi::bindgen_prelude::{ArrayBuffer, Object, Uint32Array};
use napi::Env;
use napi_derive::napi;
use zerodl_core::nn::recurrent::{CellKind, Recurrent, RecurrentConfig};
use zerodl_core::nn::{gradcheck, Activation, Dense, DenseConfig, Dropout, Embedding, Init, Inputs, Layer, Loss, Optimizer, OptimizerConfig, Sequential, Training};
use zerodl_core::random;
use zerodl_core::shape::shape_from_f64;
use zerodl_core::{invalid_arg, Tensor};

use crate::error::{CoreResultExt, Result};
use crate::tasks;
use crate::tensor::array_buffer_of;
use crate::NativeTensor;

/// One layer as the TS facade describes it.
#[napi(object)]
pub struct LayerSpec {
    /// "dense", "simpleRNN", "lstm" or "gru".
    pub kind: String,
    pub name: String,
    pub units: u32,
    pub activation: String,
    pub use_bias: bool,
    pub kernel_initializer: String,
    pub bias_initializer: String,
    /// Recurrent layers: output every step instead of the last state.
    pub return_sequences: Option<bool>,
    /// LSTM: added to the forget gate's bias at initialisation.
    pub forget_bias: Option<f64>,
    /// Embedding: the vocabulary size (ids are in [0, input_dim)).
    pub input_dim: Option<u32>,
    /// Recurrent: stacked layers (PyTorch's num_layers).
    pub num_layers: Option<u32>,
    pub bidirectional: Option<bool>,
    /// Recurrent: dropout between stacked layers; "dropout" layers: the rate.
    pub dropout: Option<f64>,
    pub stateful: Option<bool>,
    /// Recurrent: truncated BPTT every k steps.
    pub truncate_bptt: Option<u32>,
    /// LSTM: peephole connections.
    pub peephole: Option<bool>,
}

#[napi(object)]
pub struct OptimizerSpec {
    /// "sgd" or "adam".
    pub kind: String,
    pub learning_rate: f64,
    pub momentum: Option<f64>,
    pub nesterov: Option<bool>,
    pub weight_decay: Option<f64>,
    pub beta1: Option<f64>,
    pub beta2: Option<f64>,
    pub epsilon: Option<f64>,
    pub decoupled_weight_decay: Option<bool>,
}

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

#[napi(object)]
pub struct LayerInfo {
    pub name: String,
    pub kind: String,
    pub activation: String,
    pub output_shape: Vec<u32>,
    pub params: f64,
}

#[napi(object)]
pub struct GradCheckEntry {
    pub name: String,
    pub checked: u32,
    pub max_abs_error: f64,
    pub max_rel_error: f64,
}

pub type SharedModel = Arc<Mutex<Sequential>>;

/// Locks a model, recovering from a poisoned lock (a caught panic mid-step).
pub fn lock(model: &SharedModel) -> MutexGuard<'_, Sequential> {
    model.lock().unwrap_or_else(|e| e.into_inner())
}

#[napi]
pub struct NativeModel {
    model: SharedModel,
    layer_names: Vec<String>,
}

fn build(input_shape: &[usize], specs: &[LayerSpec], seed: u64) -> zerodl_core::Result<Sequential> {
    let mut model = Sequential::new(input_shape.to_vec());
    let mut rng = random::rng(seed);
    for spec in specs {
        let input_shape = model.next_input_shape();
        if spec.kind == "embedding" {
            let vocab = spec.input_dim.unwrap_or(0) as usize;
            model.add(Box::new(Embedding::new(&spec.name, &input_shape, vocab, spec.units as usize, &mut rng)?));
            continue;
        }
        if spec.kind == "dropout" {
            model.add(Box::new(Dropout::new(&spec.name, &input_shape, spec.dropout.unwrap_or(0.0) as f32, &mut rng)?));
            continue;
        }
        let cell = match spec.kind.as_str() {
            "dense" => None,
            "simpleRNN" => Some(CellKind::Rnn(Activation::parse(&spec.activation)?)),
            "lstm" => Some(CellKind::Lstm),
            "gru" => Some(CellKind::Gru),
            other => invalid_arg!("{}: unknown layer kind {other:?}; expected \"dense\", \"dropout\", \"embedding\", \"simpleRNN\", \"lstm\" or \"gru\"", spec.name),
        };
        let layer: Box<dyn Layer> = match cell {
            None => {
                let config = DenseConfig {
                    units: spec.units as usize,
                    activation: Activation::parse(&spec.activation)?,
                    use_bias: spec.use_bias,
                    kernel_init: Init::parse(&spec.kernel_initializer)?,
                    bias_init: Init::parse(&spec.bias_initializer)?,
                };
                Box::new(Dense::new(&spec.name, &input_shape, &config, &mut rng)?)
            }
            Some(kind) => {
                if let CellKind::Rnn(act) = kind {
                    if !matches!(act, Activation::Tanh | Activation::Relu) {
                        invalid_arg!("{}: simpleRNN activation must be \"tanh\" or \"relu\", got {:?}", spec.name, spec.activation);
                    }
                }
                let config = RecurrentConfig {
                    forget_bias: spec.forget_bias.unwrap_or(1.0) as f32,
                    layers: spec.num_layers.unwrap_or(1) as usize,
                    bidirectional: spec.bidirectional.unwrap_or(false),
                    dropout: spec.dropout.unwrap_or(0.0) as f32,
                    stateful: spec.stateful.unwrap_or(false),
                    truncate: spec.truncate_bptt.map(|k| k as usize),
                    peephole: spec.peephole.unwrap_or(false),
                    ..RecurrentConfig::new(kind, spec.units as usize, spec.return_sequences.unwrap_or(false))
                };
                Box::new(Recurrent::new(&spec.name, &input_shape, config, &mut rng)?)
            }
        };
        model.add(layer);
    }
    Ok(model)
}

fn optimizer_config(spec: &OptimizerSpec) -> zerodl_core::Result<OptimizerConfig> {
    let f = |v: Option<f64>, default: f32| v.map_or(default, |v| v as f32);
    Ok(match spec.kind.as_str() {
        "sgd" => OptimizerConfig::Sgd {
            learning_rate: spec.learning_rate as f32,
            momentum: f(spec.momentum, 0.0),
            nesterov: spec.nesterov.unwrap_or(false),
            weight_decay: f(spec.weight_decay, 0.0),
        },
        "adam" => OptimizerConfig::Adam {
            learning_rate: spec.learning_rate as f32,
            beta1: f(spec.beta1, 0.9),
            beta2: f(spec.beta2, 0.999),
            epsilon: f(spec.epsilon, 1e-8),
            weight_decay: f(spec.weight_decay, 0.0),
            decoupled: spec.decoupled_weight_decay.unwrap_or(false),
        },
        other => invalid_arg!("unknown optimizer {other:?}; expected \"sgd\" or \"adam\""),
    })
}

#[napi]
impl NativeModel {
    #[napi(constructor, catch_unwind)]
    pub fn new(input_shape: Vec<f64>, layers: Vec<LayerSpec>, seed: Option<f64>) -> Result<NativeModel> {
        let input_shape = shape_from_f64(&input_shape).js()?;
        let seed = seed.filter(|s| s.is_finite()).map_or_else(random::fresh_seed, |s| s as i64 as u64);
        let model = build(&input_shape, &layers, seed).js()?;
        Ok(NativeModel { model: Arc::new(Mutex::new(model)), layer_names: layers.into_iter().map(|l| l.name).collect() })
    }

    #[napi(catch_unwind)]
    pub fn compile(&self, loss: String, optimizer: OptimizerSpec, clip_norm: Option<f64>) -> Result<()> {
        let loss = Loss::parse(&loss).js()?;
        let optimizer = Optimizer::new(optimizer_config(&optimizer).js()?).js()?;
        if let Some(c) = clip_norm {
            if !(c.is_finite() && c > 0.0) {
                return Err(crate::error::js_error(zerodl_core::ErrorKind::InvalidArgument, format!("clipNorm must be a finite number > 0, got {c}")));
            }
        }
        lock(&self.model).compile(Training { loss, optimizer, clip_norm: clip_norm.map(|c| c as f32) }).js()
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
        let x = Tensor::from_vec(&shape_from_f64(&shape).js()?, data.to_vec()).js()?;
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
        let lengths = lengths.map(|l| l.get().cloned()).transpose()?;
        tasks::train_batch(env, self.model.clone(), x.get()?.clone(), y.get()?.clone(), indices, lengths)
    }

    /// Mean loss and accuracy counts over a whole data set, in batches, off the JS thread.
    #[napi(catch_unwind, ts_return_type = "Promise<BatchResult>")]
    pub fn evaluate<'env>(&self, env: &'env Env, x: &NativeTensor, y: &NativeTensor, batch_size: u32, lengths: Option<&NativeTensor>) -> Result<Object<'env>> {
        let lengths = lengths.map(|l| l.get().cloned()).transpose()?;
        tasks::evaluate(env, self.model.clone(), x.get()?.clone(), y.get()?.clone(), batch_size.max(1) as usize, lengths)
    }

    /// The final state of recurrent layer `index` after the last call: [h] or [h, c] (LSTM),
    /// each [layers * directions, batch, units]; null before any call.
    #[napi(catch_unwind)]
    pub fn get_layer_state(&self, env: Env, index: u32) -> Result<Option<Vec<NativeTensor>>> {
        let mut model = lock(&self.model);
        let layer = recurrent_layer(&mut model, index, &self.layer_names)?;
        let Some(state) = layer.final_state().cloned() else { return Ok(None) };
        let shape = layer.state_shape(state.batch);
        let parts = if state.c.is_empty() { vec![state.h] } else { vec![state.h, state.c] };
        parts.into_iter().map(|v| NativeTensor::wrap(&env, Tensor::from_vec(&shape, v).js()?)).collect::<Result<Vec<_>>>().map(Some)
    }

    /// Sets the initial state of recurrent layer `index` for the next calls (none: zeros).
    #[napi(catch_unwind)]
    pub fn set_layer_state(&self, index: u32, h: Option<&NativeTensor>, c: Option<&NativeTensor>) -> Result<()> {
        let mut model = lock(&self.model);
        let layer = recurrent_layer(&mut model, index, &self.layer_names)?;
        let (h, c) = (h.map(NativeTensor::get).transpose()?, c.map(NativeTensor::get).transpose()?);
        layer.set_state_tensors(h, c).js()
    }

    #[napi]
    pub fn layers(&self) -> Vec<LayerInfo> {
        let model = lock(&self.model);
        model
            .layers()
            .iter()
            .zip(&self.layer_names)
            .map(|(l, name)| LayerInfo {
                name: name.clone(),
                kind: l.kind().to_string(),
                activation: l.output_activation().name().to_string(),
                output_shape: l.output_shape().iter().map(|&d| d as u32).collect(),
                params: l.param_count() as f64,
            })
            .collect()
    }

    /// Parameter names, `"<layer index>.<weight|bias>"` as in a PyTorch nn.Sequential state_dict.
    #[napi]
    pub fn weight_names(&self) -> Vec<String> {
        lock(&self.model).named_params().into_iter().map(|(n, _)| n).collect()
    }

    #[napi(catch_unwind)]
    pub fn get_weight(&self, env: Env, name: String) -> Result<NativeTensor> {
        let model = lock(&self.model);
        let (_, p) = model.named_params().into_iter().find(|(n, _)| *n == name).ok_or_else(|| unknown_weight(&name, &model))?;
        NativeTensor::wrap(&env, Tensor::from_vec(&p.shape, p.value.clone()).js()?)
    }

    #[napi(catch_unwind)]
    pub fn set_weight(&self, name: String, value: &NativeTensor) -> Result<()> {
        let value = value.get()?;
        let mut model = lock(&self.model);
        let known = model.named_params().iter().any(|(n, _)| *n == name);
        if !known {
            return Err(unknown_weight(&name, &model));
        }
        let mut params = model.named_params_mut();
        let (_, p) = params.iter_mut().find(|(n, _)| *n == name).expect("checked above");
        if value.shape() != p.shape.as_slice() {
            return Err(crate::error::js_error(
                zerodl_core::ErrorKind::ShapeMismatch,
                format!("weight {name:?} has shape {:?}, got a tensor of shape {:?}", p.shape, value.shape()),
            ));
        }
        if let Some(i) = value.first_non_finite() {
            return Err(crate::error::js_error(zerodl_core::ErrorKind::NonFinite, format!("weight {name:?} value has {} at flat index {i}", value.as_slice()[i])));
        }
        p.value.copy_from_slice(value.as_slice());
        Ok(())
    }

    /// Central differences against the analytic gradients for every parameter (compiled models).
    #[napi(catch_unwind)]
    pub fn gradient_check(&self, x: &NativeTensor, y: &NativeTensor, epsilon: f64, max_per_param: u32, lengths: Option<&NativeTensor>) -> Result<Vec<GradCheckEntry>> {
        let lengths = lengths_arg(lengths)?;
        let mut model = lock(&self.model);
        let report = gradcheck::check_model(&mut model, Inputs::with_lengths(x.get()?, lengths.as_deref()), y.get()?, epsilon as f32, max_per_param as usize).js()?;
        Ok(report
            .into_iter()
            .map(|c| GradCheckEntry { name: c.name, checked: c.checked as u32, max_abs_error: c.max_abs_error, max_rel_error: c.max_rel_error })
            .collect())
    }
}

fn unknown_weight(name: &str, model: &Sequential) -> napi::Error<crate::error::Code> {
    let names: Vec<String> = model.named_params().into_iter().map(|(n, _)| n).collect();
    crate::error::js_error(zerodl_core::ErrorKind::InvalidArgument, format!("unknown weight {name:?}; this model has {}", names.join(", ")))
}

/// Sequence lengths from a rank-1 tensor of whole numbers (their range is checked by the model).
pub fn lengths_of(t: &Tensor) -> Result<Vec<usize>> {
    if t.rank() != 1 {
        return Err(crate::error::js_error(zerodl_core::ErrorKind::ShapeMismatch, format!("lengths must be one number per sequence (rank 1), got shape {}", zerodl_core::shape::fmt_shape(t.shape()))));
    }
    t.as_slice()
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            if !(v.is_finite() && v.fract() == 0.0 && v >= 0.0) {
                return Err(crate::error::js_error(zerodl_core::ErrorKind::InvalidArgument, format!("lengths must be whole numbers, got {v} at index {i}")));
            }
            Ok(v as usize)
        })
        .collect()
}

/// An optional lengths argument from JS, read now.
fn lengths_arg(lengths: Option<&NativeTensor>) -> Result<Option<Vec<usize>>> {
    lengths.map(|l| lengths_of(l.get()?)).transpose()
}

fn recurrent_layer<'a>(model: &'a mut Sequential, index: u32, names: &[String]) -> Result<&'a mut Recurrent> {
    let count = model.layers().len();
    let layer = model.layers_mut().get_mut(index as usize).ok_or_else(|| crate::error::js_error(zerodl_core::ErrorKind::InvalidArgument, format!("layer index {index} is out of range for {count} layers")))?;
    let kind = layer.kind();
    layer
        .as_recurrent_mut()
        .ok_or_else(|| crate::error::js_error(zerodl_core::ErrorKind::InvalidArgument, format!("layer {index} ({:?}) is a {kind} layer and has no recurrent state", names.get(index as usize).map_or("", String::as_str))))
}
