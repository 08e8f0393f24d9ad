//! The JS-visible single unit of the seed's chapters 1-2: the perceptron ("step") and the linear
//! unit ("identity"). Training is synchronous: these models are a handful of f64s and even
//! thousands of samples train in microseconds, less than an async hop would cost.

use napi_derive::napi;
use zerodl_core::json;
use zerodl_core::nn::perceptron::{Perceptron, PerceptronTraining, UnitConfig};
use zerodl_core::ErrorKind;

use crate::error::{js_error, CoreResultExt, Result};

/// The unit after one epoch of `train`.
#[napi(object)]
pub struct PerceptronEpoch {
    /// 1-based.
    pub epoch: u32,
    pub weights: Vec<f64>,
    pub bias: f64,
    /// Samples whose error was non-zero when used this epoch (the step unit's mistakes).
    pub mistakes: u32,
    /// Mean of 1/2 (t - y)^2 over the epoch, each sample's error as it was used.
    pub loss: f64,
}

#[napi]
pub struct NativePerceptron {
    pub(crate) inner: Perceptron,
}

/// A JS number that must be a whole count >= 1 (napi's u32 conversion would silently wrap -1 and
/// truncate 1.5, so counts arrive as f64 and are checked here).
fn count(name: &str, value: f64) -> Result<usize> {
    if value.fract() == 0.0 && (1.0..=u32::MAX as f64).contains(&value) {
        Ok(value as usize)
    } else {
        Err(js_error(ErrorKind::InvalidArgument, format!("{name} must be an integer >= 1, got {value}")))
    }
}

#[napi]
impl NativePerceptron {
    /// The unit a description (JSON: kind "perceptron" or "linearUnit", inputSize) describes;
    /// `what` names the call in errors.
    #[napi(constructor, catch_unwind)]
    pub fn new(description: String, what: String) -> Result<NativePerceptron> {
        let config = UnitConfig::from_json(&json::from_str(&description, &what).js()?, &what).js()?;
        Ok(NativePerceptron { inner: Perceptron::from_config(&config).js()? })
    }

    /// The unit's description (JSON).
    #[napi]
    pub fn config(&self) -> String {
        self.inner.config().to_json()
    }

    /// Trains on `inputs` (n x inputs, row-major) and returns the state after every epoch.
    /// A shuffle seed reshuffles the samples every epoch (seeded); without one they are used in order.
    #[napi(catch_unwind)]
    pub fn train(&mut self, inputs: &[f64], labels: &[f64], epochs: f64, learning_rate: f64, batch_size: f64, shuffle_seed: Option<f64>) -> Result<Vec<PerceptronEpoch>> {
        let shuffle_seed = match shuffle_seed {
            // JS numbers are exact integers up to 2^53; any finite value is a usable seed.
            Some(s) if s.is_finite() => Some(s as i64 as u64),
            Some(s) => return Err(js_error(ErrorKind::InvalidArgument, format!("seed must be a finite number, got {s}"))),
            None => None,
        };
        let config = PerceptronTraining { epochs: count("epochs", epochs)?, learning_rate, batch_size: count("batch size", batch_size)?, shuffle_seed };
        let mut history = Vec::with_capacity(config.epochs.min(1 << 16));
        self.inner
            .train(inputs, labels, &config, |s| {
                history.push(PerceptronEpoch { epoch: s.epoch as u32, weights: s.weights.to_vec(), bias: s.bias, mistakes: s.mistakes as u32, loss: s.loss });
            })
            .js()?;
        Ok(history)
    }

    /// One output per row of `inputs` (n x inputs, row-major).
    #[napi(catch_unwind)]
    pub fn predict(&self, inputs: &[f64]) -> Result<Vec<f64>> {
        self.inner.predict_batch(inputs).js()
    }

    /// The output for one sample (its errors name `input[i]`, not `inputs[0][i]`).
    #[napi(catch_unwind)]
    pub fn predict_one(&self, input: &[f64]) -> Result<f64> {
        self.inner.predict(input).js()
    }

    #[napi(getter)]
    pub fn weights(&self) -> Vec<f64> {
        self.inner.weights().to_vec()
    }

    #[napi(getter)]
    pub fn bias(&self) -> f64 {
        self.inner.bias()
    }

    #[napi(getter)]
    pub fn inputs(&self) -> u32 {
        self.inner.inputs() as u32
    }

    #[napi(getter)]
    pub fn activation(&self) -> String {
        self.inner.activation().name().to_string()
    }

    #[napi(catch_unwind)]
    pub fn set_weights(&mut self, weights: Vec<f64>, bias: f64) -> Result<()> {
        self.inner.set_weights(&weights, bias).js()
    }
}
