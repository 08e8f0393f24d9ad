//! Fully connected layer: y = f(x W^T + b), W stored (out, in) as PyTorch's nn.Linear.
//! Seed chapter 3: delta for the layer below is W^T delta, weight gradient delta x^T, bias
//! gradient delta; the activation derivative belongs to this layer (not to the one below, as in
//! the seed's fc.py).

use super::activation::Activation;
use super::init::Init;
use super::layer::{Layer, Param, Pass};
use crate::kernels::column_sums::column_sums;
use crate::kernels::gemm::{sgemm, sgemm_split_k, Operand};
use crate::kernels::simd::{self, BinaryOp};
use crate::random::Rng;
use crate::shape::{fits, fmt_batch_pattern, fmt_shape};
use crate::{invalid_arg, Error, Result, Tensor};

pub struct Dense {
    name: String,
    /// Leading dims of one sample before the feature axis (e.g. [T] after a sequence layer):
    /// the layer applies to every position, like Keras's Dense on 3-D inputs.
    positions: Vec<usize>,
    inputs: usize,
    units: usize,
    activation: Activation,
    params: [Param; 2],
    // Kept by a training forward for backward.
    input: Option<Tensor>,
    output: Vec<f32>,
    preactivation: Vec<f32>,
}

#[derive(Clone, Debug)]
pub struct DenseConfig {
    pub units: usize,
    pub activation: Activation,
    pub use_bias: bool,
    pub kernel_init: Init,
    pub bias_init: Init,
}

impl Dense {
    /// A dense layer for samples of shape `input_shape` (features on the last axis).
    pub fn new(name: &str, input_shape: &[usize], config: &DenseConfig, rng: &mut Rng) -> Result<Dense> {
        let (positions, inputs) = match input_shape.split_last() {
            Some((&last, lead)) => (lead.to_vec(), last),
            None => invalid_arg!("{name}: a dense layer needs inputs with a feature axis, got a scalar shape"),
        };
        if inputs == 0 || config.units == 0 {
            invalid_arg!("{name}: a dense layer needs inputs > 0 and units > 0, got {inputs} inputs and {} units", config.units);
        }
        let mut weight = vec![0.0; config.units * inputs];
        config.kernel_init.fill(&mut weight, inputs, config.units, rng);
        let mut bias = vec![0.0; config.units];
        if config.use_bias {
            config.bias_init.fill(&mut bias, inputs, config.units, rng);
        }
        Ok(Dense {
            name: name.to_string(),
            positions,
            inputs,
            units: config.units,
            activation: config.activation,
            params: [Param::new("weight", vec![config.units, inputs], weight), Param::new("bias", vec![config.units], bias)],
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

    fn output_shape(&self) -> Vec<usize> {
        self.positions.iter().copied().chain([self.units]).collect()
    }

    fn forward(&mut self, x: &Tensor, pass: &Pass<'_>) -> Result<Tensor> {
        let batch = self.check_input(x)?; // rows: samples x positions
        let (n, k) = (self.units, self.inputs);
        // Start from the bias on every row, then C += x W^T.
        let mut z = vec![0.0f32; batch * n];
        z.chunks_mut(n).for_each(|row| row.copy_from_slice(&self.params[1].value));
        sgemm(batch, n, k, 1.0, Operand::packed(x.as_slice(), batch, k, false), Operand::packed(&self.params[0].value, k, n, true), 1.0, &mut z, n);
        // Fused losses need the logits; kept on every forward so they are never stale.
        if matches!(self.activation, Activation::Softmax | Activation::Sigmoid) {
            self.preactivation.clone_from(&z);
        }
        self.activation.forward(&mut z, n);
        if pass.training {
            self.input = Some(x.clone());
            self.output.clone_from(&z);
        }
        Tensor::from_vec(&self.out_shape(x.shape()), z)
    }

    fn backward(&mut self, mut grad: Vec<f32>, need_input_grad: bool) -> Result<Vec<f32>> {
        self.activation.backward(&self.output, &mut grad, self.units);
        self.backward_preactivation(grad, need_input_grad)
    }

    fn output_activation(&self) -> Activation {
        self.activation
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

    fn params(&self) -> &[Param] {
        &self.params
    }

    fn params_mut(&mut self) -> &mut [Param] {
        &mut self.params
    }
}
