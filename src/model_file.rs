//! Models as bytes: the model file (safetensors, see zerodl_core::io) out of and into the
//! JS-visible models, and PyTorch state_dicts into a sequential model. Files are read and written
//! by the TS facade (atomically); only bytes cross here.

use std::sync::{Arc, Mutex};

use napi::bindgen_prelude::ArrayBuffer;
use napi::Env;
use napi_derive::napi;
use zerodl_core::io::safetensors_file::File;
use zerodl_core::io::{self, LoadReport, LoadedModel, StateTensor};
use zerodl_core::shape::shape_from_f64;

use crate::error::{js_error, CoreResultExt, Result};
use crate::model::{lock, NativeModel};
use crate::ops::seed_or_fresh;
use crate::perceptron::NativePerceptron;

/// What `loadStateDict` matched (PyTorch's terms). `applied` is false when `strict` refused a
/// load whose keys did not match; `message` then says why.
#[napi(object)]
pub struct StateDictReport {
    pub missing_keys: Vec<String>,
    pub unexpected_keys: Vec<String>,
    pub applied: bool,
    pub message: String,
}

impl From<LoadReport> for StateDictReport {
    fn from(r: LoadReport) -> StateDictReport {
        let message = if r.applied { String::new() } else { r.mismatch_message() };
        StateDictReport { missing_keys: r.missing_keys, unexpected_keys: r.unexpected_keys, applied: r.applied, message }
    }
}

/// The kind of model a model file holds ("zerodl.sequential", "zerodl.unit"), after checking the
/// file's structure, format and version; `source` names the file in errors.
#[napi(catch_unwind)]
pub fn model_file_format(bytes: &[u8], source: String) -> Result<String> {
    io::model_format(bytes, &source).js()
}

#[napi]
impl NativeModel {
    /// The model in a model file (checked whole: see zerodl_core::io::model_file).
    #[napi(factory, catch_unwind)]
    pub fn from_file_bytes(bytes: &[u8], source: String) -> Result<NativeModel> {
        match io::load(bytes, &source, seed_or_fresh(None)).js()? {
            LoadedModel::Sequential(m) => Ok(NativeModel { model: Arc::new(Mutex::new(*m)) }),
            LoadedModel::Unit(_) => Err(js_error(zerodl_core::ErrorKind::BadModelFile, format!("{source}: holds a perceptron or linear unit, not a sequential model"))),
        }
    }

    /// The model file's bytes; `include_optimizer` adds the training state (compiled models).
    #[napi(catch_unwind)]
    pub fn to_file_bytes<'env>(&self, env: &'env Env, include_optimizer: bool) -> Result<ArrayBuffer<'env>> {
        bytes_to_js(env, io::save_sequential(&mut lock(&self.model), include_optimizer).js()?)
    }

    /// Loads a safetensors state_dict (PyTorch's `save_file(model.state_dict())`).
    #[napi(catch_unwind)]
    pub fn load_state_dict_file(&self, bytes: &[u8], source: String, strict: bool) -> Result<StateDictReport> {
        let file = File::read(bytes, &source).js()?;
        let tensors = file
            .names()
            .into_iter()
            .map(|key| Ok(StateTensor { shape: file.shape(&key).unwrap_or_default(), values: file.f32s(&key, None)?, key }))
            .collect::<zerodl_core::Result<Vec<_>>>()
            .js()?;
        Ok(io::load_state_dict(&mut lock(&self.model), tensors, strict).js()?.into())
    }

    /// Loads a state_dict given as keys, shapes and all values one after another (a record of
    /// tensors from JS).
    #[napi(catch_unwind)]
    pub fn load_state_dict_values(&self, keys: Vec<String>, shapes: Vec<Vec<f64>>, values: &[f32], strict: bool) -> Result<StateDictReport> {
        let mut rest = values;
        let mut tensors = Vec::with_capacity(keys.len());
        for (key, shape) in keys.into_iter().zip(shapes) {
            let shape = shape_from_f64(&shape).js()?;
            let n: usize = shape.iter().product();
            if n > rest.len() {
                return Err(js_error(zerodl_core::ErrorKind::Internal, format!("state_dict values end before tensor {key:?}")));
            }
            let (head, tail) = rest.split_at(n);
            rest = tail;
            tensors.push(StateTensor { key, shape, values: head.to_vec() });
        }
        Ok(io::load_state_dict(&mut lock(&self.model), tensors, strict).js()?.into())
    }
}

#[napi]
impl NativePerceptron {
    /// The unit in a model file.
    #[napi(factory, catch_unwind)]
    pub fn from_file_bytes(bytes: &[u8], source: String) -> Result<NativePerceptron> {
        match io::load(bytes, &source, 0).js()? {
            LoadedModel::Unit(inner) => Ok(NativePerceptron { inner }),
            LoadedModel::Sequential(_) => Err(js_error(zerodl_core::ErrorKind::BadModelFile, format!("{source}: holds a sequential model, not a perceptron or linear unit"))),
        }
    }

    /// The model file's bytes.
    #[napi(catch_unwind)]
    pub fn to_file_bytes<'env>(&self, env: &'env Env) -> Result<ArrayBuffer<'env>> {
        bytes_to_js(env, io::save_unit(&self.inner).js()?)
    }
}

/// A copy in an ArrayBuffer V8 owns (no napi Buffer type: it brings thread-locals, see
/// zerodl_core::memory's note on the addon's static TLS).
fn bytes_to_js(env: &Env, bytes: Vec<u8>) -> Result<ArrayBuffer<'_>> {
    ArrayBuffer::copy_from(env, bytes).map_err(crate::error::from_napi)
}
