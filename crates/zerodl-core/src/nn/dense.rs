//! Fully connected layer: y = f(x W^T + b), W stored (out, in) as PyTorch's nn.Linear.
//! Seed chapter 3: delta for the layer below is W^T delta, weight gradient delta x^T, bias
//! gradient delta; the activation derivative belongs to this layer (not to the one below, as in
//! the seed's fc.py).

use serde::{Deserialize, Serialize};

use super::activation::Activation;
use super::config::{LayerConfig, LayerOptions};
use super::init::Init;
use super::layer::{Layer, Param, Pass};
use crate::kernels::column_sums::column_sums;
use crate::kernels::gemm::{sgemm, sgemm_split_k, Operand};
use crate::kernels::simd::{self, BinaryOp};
use crate::memory;
use crate::random::Rng;
use crate::shape::{fits, fmt_batch_pattern, fmt_pattern, fmt_shape};
use crate::{invalid_arg, Error, Result, Tensor};

/// A dense layer's description: the options of `layers.dense()`, with their defaults.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DenseConfig {
    /// Unique in its model; `dense_<index>` when not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Output features (required, >= 1).
    pub units: usize,
    /// Applied to the output. Default "linear".
    #[serde(default)]
    pub activation: Activation,
    /// Default true.
    #[serde(default = "super::config::yes")]
    pub use_bias: bool,
    /// Default "glorotUniform" (Keras's).
    #[serde(default = "Init::glorot_uniform")]
    pub kernel_initializer: Init,
    /// Default "zeros".
    #[serde(default = "Init::zeros")]
    pub bias_initializer: Init,
}

impl LayerOptions for DenseConfig {}

impl DenseConfig {
    /// `units` outputs, every other option at its default.
    pub fn new(units: usize) -> DenseConfig {
        DenseConfig { name: None, units, activation: Activation::Identity, use_bias: true, kernel_initializer: Init::GlorotUniform, bias_initializer: Init::Zeros }
    }

    /// The checks that need no input shape.
    pub fn validate(&self, what: &str) -> Result<()> {
        if self.units == 0 {
            invalid_arg!("{what}: units must be an integer >= 1, got 0");
        }
        Ok(())
    }
}

pub struct Dense {
    name: String,
    config: DenseConfig,
    /// Leading dims of one sample before the feature axis (e.g. [T] after a sequence layer):
    /// the layer applies to every position, like Keras's Dense on 3-D inputs.
    positions: Vec<usize>,
    inputs: usize,
    units: usize,
    params: [Param; 2],
    // Kept by a training forward for backward.
    input: Option<Tensor>,
    output: Vec<f32>,
    preactivation: Vec<f32>,
}

impl Dense {
    /// A dense layer for samples of shape `input_shape` (features on the last axis).
    pub fn new(name: &str, input_shape: &[usize], config: &DenseConfig, rng: &mut Rng) -> Result<Dense> {
        let (positions, inputs) = match input_shape.split_last() {
            Some((&last, lead)) => (lead.to_vec(), last),
            None => invalid_arg!("{name}: a dense layer needs inputs with a feature axis, got a scalar shape"),
        };
        config.validate(name)?;
        if inputs == 0 {
            invalid_arg!("{name}: a dense layer needs a fixed number of input features (the last axis), got input shape {}", fmt_pattern(input_shape));
        }
        let mut weight = Param::zeros(name, "weight", vec![config.units, inputs])?;
        config.kernel_initializer.fill(&mut weight.value, inputs, config.units, rng);
        let mut bias = Param::zeros(name, "bias", vec![config.units])?;
        if config.use_bias {
            config.bias_initializer.fill(&mut bias.value, inputs, config.units, rng);
        }
        Ok(Dense {
            name: name.to_string(),
            config: DenseConfig { name: Some(name.to_string()), ..config.clone() },
            positions,
            inputs,
            units: config.units,
            params: [weight, bias],
            input: None,
            output: Vec::new(),
            preactivation: Vec::new(),
        })
    }

    /// Rows to transform (batch x positions), after checking the shape.
    fn check_input(&self, x: &Tensor) -> Result<usize> {
        let shape = x.shape();
        let per_sample: Vec<usize> = self.positions.iter().copied().chain([self.inputs]).collect();
        if shape.len() != per_sample.len() + 1 || !fits(&per_sample, &shape[1..]) {
            return Err(Error::shape_mismatch(format!("{}: expected input of shape {}, got {}", self.name, fmt_batch_pattern(&per_sample), fmt_shape(shape))));
        }
        Ok(x.len() / self.inputs)
    }

    /// The input's shape with the feature axis replaced by the units.
    fn out_shape(&self, input_shape: &[usize]) -> Vec<usize> {
        let (_, lead) = input_shape.split_last().expect("checked: inputs have a feature axis");
        lead.iter().copied().chain([self.units]).collect()
    }
}

impl Layer for Dense {
    fn kind(&self) -> &'static str {
        "dense"
    }

    fn config(&self) -> LayerConfig {
        LayerConfig::Dense(self.config.clone())
    }

    fn output_shape(&self) -> Vec<usize> {
        self.positions.iter().copied().chain([self.units]).collect()
    }

    fn output_shape_for(&self, input: &[usize]) -> Vec<usize> {
        self.out_shape(input)
    }

    fn forward(&mut self, x: &Tensor, pass: &Pass<'_>) -> Result<Tensor> {
        let batch = self.check_input(x)?; // rows: samples x positions
        let (n, k) = (self.units, self.inputs);
        // Start from the bias on every row, then C += x W^T.
        let mut z = memory::reserve(batch.saturating_mul(n), &format!("{}'s output for {} samples", self.name, x.shape().first().unwrap_or(&0)))?;
        (0..batch).for_each(|_| z.extend_from_slice(&self.params[1].value));
        sgemm(batch, n, k, 1.0, Operand::packed(x.as_slice(), batch, k, false), Operand::packed(&self.params[0].value, k, n, true), 1.0, &mut z, n);
        // Fused losses need the logits; kept on every forward so they are never stale.
        let activation = self.config.activation;
        if matches!(activation, Activation::Softmax | Activation::Sigmoid) {
            self.preactivation.clone_from(&z);
        }
        activation.forward(&mut z, n);
        if pass.training {
            self.input = Some(x.clone());
            self.output.clone_from(&z);
        }
        Tensor::from_vec(&self.out_shape(x.shape()), z)
    }

    fn backward(&mut self, mut grad: Vec<f32>, need_input_grad: bool) -> Result<Vec<f32>> {
        self.config.activation.backward(&self.output, &mut grad, self.units);
        self.backward_preactivation(grad, need_input_grad)
    }

    fn output_activation(&self) -> Activation {
        self.config.activation
    }

    fn last_preactivation(&self) -> Option<&[f32]> {
        (!self.preactivation.is_empty()).then_some(self.preactivation.as_slice())
    }

    fn backward_preactivation(&mut self, dz: Vec<f32>, need_input_grad: bool) -> Result<Vec<f32>> {
        let x = self.input.as_ref().ok_or_else(|| Error::new(crate::ErrorKind::Internal, format!("{}: backward without a training forward", self.name)))?;
        let (n, k) = (self.units, self.inputs);
        let batch = x.len() / k; // rows: samples x positions
        if dz.len() != batch * n {
            return Err(Error::shape_mismatch(format!("{}: gradient has {} values, expected {batch} x {n}", self.name, dz.len())));
        }
        let [weight, bias] = &mut self.params;
        // dW += dz^T x  (n x k); db += column sums of dz; dx = dz W  (batch x k).
        sgemm_split_k(n, k, batch, 1.0, Operand::packed(&dz, n, batch, true), Operand::packed(x.as_slice(), batch, k, false), 1.0, &mut weight.grad, k);
        simd::binary_inplace(BinaryOp::Add, &mut bias.grad, &column_sums(&dz, n, 0..n));
        if !need_input_grad {
            return Ok(Vec::new());
        }
        let mut dx = vec![0.0f32; batch * k];
        sgemm(batch, k, n, 1.0, Operand::packed(&dz, batch, n, false), Operand::packed(&weight.value, n, k, false), 0.0, &mut dx, k);
        Ok(dx)
    }

    fn torch_modules(&self) -> usize {
        if self.config.activation == Activation::Identity { 1 } else { 2 }
    }

    fn params(&self) -> &[Param] {
        &self.params
    }

    fn params_mut(&mut self) -> &mut [Param] {
        &mut self.params
    }
}
