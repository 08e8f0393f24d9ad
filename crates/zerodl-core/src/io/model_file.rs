//! The model file: one safetensors file holding a whole model.
//!
//! - Tensors: the parameters under their PyTorch state_dict names, float32 (the perceptron and
//!   linear unit, which compute in f64, keep theirs as F64 so a loaded unit predicts exactly
//!   as the saved one). With the training state: the optimizer's buffers as
//!   `optimizer.<parameter>.<buffer>` (torch.optim's names: exp_avg, exp_avg_sq, momentum_buffer).
//! - `__metadata__`: `format` ("zerodl.model"), `version` (of this file format), `description`
//!   (the model description, JSON), and with the training state `training` (JSON: optimizer
//!   steps, dropout stream positions).
//!
//! The loader trusts nothing: the crate checks the file's structure; here the description is
//! read strictly, the model it describes is built under a memory budget sized by the file (a
//! description claiming huge layers fails before allocating more than the file holds), and
//! every tensor must be there, float, finite and of the description's shape, with nothing else
//! in the file. Any failure is `ERR_BAD_MODEL_FILE` naming what is wrong and where.

use std::collections::{BTreeSet, HashMap};

use serde::{Deserialize, Serialize};

use super::safetensors_file::{bad_file, write, Entry, File, Values};
use crate::nn::config::SEQUENTIAL_FORMAT;
use crate::nn::perceptron::{Perceptron, UnitConfig, UNIT_FORMAT};
use crate::nn::{Param, Sequential, SequentialConfig};
use crate::{json, memory, Error, ErrorKind, Result};

pub const FILE_FORMAT: &str = "zerodl.model";
/// The file format's version (the description inside has its own).
pub const FILE_VERSION: u32 = 1;
const OPTIMIZER_PREFIX: &str = "optimizer.";

/// A model read from a file.
pub enum LoadedModel {
    Sequential(Box<Sequential>),
    Unit(Perceptron),
}

/// What a file keeps of training besides the weights (present with `includeOptimizer`).
#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct TrainingState {
    /// Optimizer steps taken (Adam's bias correction counts them).
    steps: u64,
    /// Each layer's dropout stream (seed, masks drawn), in layer order; null for layers without.
    dropout: Vec<Option<(u64, u64)>>,
}

fn metadata(description: String, training: Option<String>) -> HashMap<String, String> {
    let mut m = HashMap::from([
        ("format".to_string(), FILE_FORMAT.to_string()),
        ("version".to_string(), FILE_VERSION.to_string()),
        ("description".to_string(), description),
        ("producer".to_string(), format!("zerodl {}", env!("CARGO_PKG_VERSION"))),
    ]);
    if let Some(t) = training {
        m.insert("training".to_string(), t);
    }
    m
}

/// The file's bytes for a sequential model; with `include_training`, also the optimizer's state
/// and the dropout streams' positions (a model that is not compiled has none to include).
pub fn save_sequential(model: &mut Sequential, include_training: bool) -> Result<Vec<u8>> {
    let description = model.config().to_json();
    let dropout: Vec<Option<(u64, u64)>> = model.layers_mut().iter_mut().map(|l| l.dropout_stream_mut().map(|s| s.position())).collect();
    let params = model.named_params();
    let mut entries: Vec<Entry<'_>> = params.iter().map(|(name, p)| Entry { name: name.clone(), shape: p.shape.clone(), values: Values::F32(&p.value) }).collect();
    let mut training = None;
    if include_training {
        let optimizer = model.optimizer().ok_or_else(|| Error::invalid_argument("includeOptimizer needs a compiled model (there is no optimizer state to save): call compile() first, or save without it"))?;
        // The optimizer's state follows the trainable parameters only.
        let trainable: Vec<&(String, &Param)> = params.iter().filter(|(_, p)| p.trainable).collect();
        for buffer in optimizer.state() {
            let (name, p) = trainable[buffer.param];
            entries.push(Entry { name: format!("{OPTIMIZER_PREFIX}{name}.{}", buffer.name), shape: p.shape.clone(), values: Values::F32(buffer.values) });
        }
        training = Some(serde_json::to_string(&TrainingState { steps: optimizer.steps(), dropout }).unwrap_or_default());
    }
    write(&entries, metadata(description, training))
}

/// The file's bytes for a perceptron or linear unit (an `nn.Linear(inputs, 1)` state_dict).
pub fn save_unit(unit: &Perceptron) -> Result<Vec<u8>> {
    let bias = [unit.bias()];
    let entries = [
        Entry { name: "weight".into(), shape: vec![1, unit.inputs()], values: Values::F64(unit.weights()) },
        Entry { name: "bias".into(), shape: vec![1], values: Values::F64(&bias) },
    ];
    write(&entries, metadata(unit.config().to_json(), None))
}

/// The kind of model a file holds: its description's format ("zerodl.sequential", "zerodl.unit"),
/// after checking the file's structure, format and version (not yet the description itself).
pub fn model_format(bytes: &[u8], source: &str) -> Result<String> {
    Ok(format_of(&description_of(&File::read(bytes, source)?)?).to_string())
}

/// A description's format; a description without one is read as a sequential model's (whose
/// reader then says what is missing).
fn format_of(description: &serde_json::Value) -> &str {
    description.get("format").and_then(|f| f.as_str()).unwrap_or(SEQUENTIAL_FORMAT)
}

fn description_of(file: &File<'_>) -> Result<serde_json::Value> {
    let (meta, source) = (file.metadata(), file.source());
    let format = meta.get("format").ok_or_else(|| {
        bad_file(source, "is a safetensors file without zerodl's metadata (no \"format\" in __metadata__); for a PyTorch state_dict, build the model and call model.loadStateDict()")
    })?;
    if format != FILE_FORMAT {
        return Err(bad_file(source, format!("has format {format:?} in its metadata; expected {FILE_FORMAT:?}")));
    }
    let version = meta.get("version").map(String::as_str).unwrap_or("(none)");
    match version.parse::<u32>() {
        Ok(v) if (1..=FILE_VERSION).contains(&v) => {}
        Ok(v) if v > FILE_VERSION => return Err(bad_file(source, format!("is format version {v}, from a later zerodl; this one reads versions up to {FILE_VERSION}: upgrade zerodl"))),
        _ => return Err(bad_file(source, format!("has format version {version:?}; expected a whole number from 1 to {FILE_VERSION}"))),
    }
    let text = meta.get("description").ok_or_else(|| bad_file(source, "has no model description (\"description\" in __metadata__)"))?;
    json::from_str(text, "the description").map_err(|e| bad_file(source, format!("has a description that is not JSON: {}", e.message)))
}

/// Reads a model file (`source` names it in errors), whatever model kind it holds; weights the
/// file does not hold (none, in a valid file) would come from `seed`.
pub fn load(bytes: &[u8], source: &str, seed: u64) -> Result<LoadedModel> {
    let file = File::read(bytes, source)?;
    let description = description_of(&file)?;
    // The model is built under a budget the file's own size sets: values and gradients (twice
    // the tensor bytes) and a little for the rest. Optimizer state comes on top when present.
    let budget = bytes.len().saturating_mul(3).saturating_add(1 << 16);
    let built = memory::within_budget(budget, || match format_of(&description) {
        UNIT_FORMAT => {
            let config = UnitConfig::from_json(&description, "the description")?;
            Ok(LoadedModel::Unit(Perceptron::from_config(&config)?))
        }
        _ => {
            let config = SequentialConfig::from_json(&description, "the description")?;
            Ok(LoadedModel::Sequential(Box::new(Sequential::from_config(&config, seed)?)))
        }
    });
    let mut model = built.map_err(|e| match e.kind {
        ErrorKind::OutOfMemory => bad_file(source, format!("describes a model bigger than the file could hold ({} bytes): {}", bytes.len(), e.message)),
        _ => bad_file(source, format!("has a model description zerodl cannot build: {}", e.message)),
    })?;
    match &mut model {
        LoadedModel::Sequential(m) => fill_sequential(m, &file)?,
        LoadedModel::Unit(u) => fill_unit(u, &file)?,
    }
    Ok(model)
}

fn fill_unit(unit: &mut Perceptron, file: &File<'_>) -> Result<()> {
    check_names(file, &["weight".to_string(), "bias".to_string()])?;
    let weights = file.f64s("weight", Some(&[1, unit.inputs()]))?;
    let bias = file.f64s("bias", Some(&[1]))?;
    unit.set_weights(&weights, bias[0]).map_err(|e| bad_file(file.source(), e.message))
}

fn fill_sequential(model: &mut Sequential, file: &File<'_>) -> Result<()> {
    let training = file.metadata().get("training").map(|t| serde_json::from_str::<TrainingState>(t).map_err(|e| bad_file(file.source(), format!("has a training state that zerodl cannot read: {e}")))).transpose()?;
    let shapes: Vec<(String, Vec<usize>)> = model.named_params().into_iter().map(|(n, p)| (n, p.shape.clone())).collect();
    let mut expected: Vec<String> = shapes.iter().map(|(n, _)| n.clone()).collect();
    let buffer_names = match (&training, model.optimizer()) {
        (Some(t), Some(o)) if t.steps > 0 => o.buffer_names(),
        (Some(_), None) => return Err(bad_file(file.source(), "has a training state but its description has no training configuration")),
        _ => &[],
    };
    // The optimizer's state follows the trainable parameters only.
    let trainable: Vec<(String, Vec<usize>)> = model.named_params().into_iter().filter(|(_, p)| p.trainable).map(|(n, p)| (n, p.shape.clone())).collect();
    for (name, _) in &trainable {
        expected.extend(buffer_names.iter().map(|b| format!("{OPTIMIZER_PREFIX}{name}.{b}")));
    }
    check_names(file, &expected)?;
    let values: Vec<Vec<f32>> = shapes.iter().map(|(name, shape)| file.f32s(name, Some(shape))).collect::<Result<_>>()?;
    for ((_, p), v) in model.named_params_mut().into_iter().zip(values) {
        p.value = v;
    }
    if let Some(state) = training {
        let layers = model.layers().len();
        if state.dropout.len() != layers {
            return Err(bad_file(file.source(), format!("has a training state for {} layers; its description has {layers}", state.dropout.len())));
        }
        for (l, position) in model.layers_mut().iter_mut().zip(&state.dropout) {
            match (l.dropout_stream_mut(), position) {
                (Some(stream), Some(p)) => stream.set_position(*p),
                (None, None) => {}
                _ => return Err(bad_file(file.source(), format!("has a training state whose dropout streams do not match the layers of its description ({:?} for layer {})", position, l.config().name().unwrap_or_default()))),
            }
        }
        let sizes: Vec<usize> = trainable.iter().map(|(_, s)| s.iter().product()).collect();
        let optimizer = model.optimizer_mut().ok_or_else(|| bad_file(file.source(), "has a training state but no training configuration"))?;
        optimizer.restore(state.steps, &sizes, |param, buffer| file.f32s(&format!("{OPTIMIZER_PREFIX}{}.{buffer}", trainable[param].0), Some(&trainable[param].1)))?;
    }
    Ok(())
}

/// The file must hold exactly the tensors `expected`: names the missing and the unexpected.
fn check_names(file: &File<'_>, expected: &[String]) -> Result<()> {
    let have: BTreeSet<String> = file.names().into_iter().collect();
    let want: BTreeSet<String> = expected.iter().cloned().collect();
    let missing: Vec<&String> = want.difference(&have).collect();
    let extra: Vec<&String> = have.difference(&want).collect();
    if missing.is_empty() && extra.is_empty() {
        return Ok(());
    }
    let list = |v: &[&String]| v.iter().take(8).map(|s| format!("{s:?}")).collect::<Vec<_>>().join(", ") + if v.len() > 8 { ", ..." } else { "" };
    let mut parts = Vec::new();
    if !missing.is_empty() {
        parts.push(format!("is missing {} tensor(s) its description needs: {}", missing.len(), list(&missing)));
    }
    if !extra.is_empty() {
        parts.push(format!("has {} tensor(s) its description does not have: {}", extra.len(), list(&extra)));
    }
    Err(bad_file(file.source(), parts.join("; and ")))
}
