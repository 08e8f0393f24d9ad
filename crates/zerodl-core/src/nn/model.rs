//! A sequential model: layers in order, a loss, an optimizer. One call runs a whole training step
//! (forward, loss, backward, clipping, update), so the JS side crosses into Rust once per batch.

use super::layer::{Layer, Param};
use super::loss::{Correct, Loss};
use super::optim::{clip_grad_norm, grad_norm, Optimizer};
use crate::shape::fmt_shape;
use crate::{Error, ErrorKind, Result, Tensor};

/// What one batch did.
#[derive(Clone, Copy, Debug, Default)]
pub struct BatchStats {
    /// Mean loss over the batch.
    pub loss: f64,
    /// Accuracy counts (classification losses).
    pub correct: Option<Correct>,
    pub samples: usize,
}

pub struct Sequential {
    input_shape: Vec<usize>,
    layers: Vec<Box<dyn Layer>>,
    training: Option<Training>,
}

/// Set by `compile`.
pub struct Training {
    pub loss: Loss,
    pub optimizer: Optimizer,
    /// Clip gradients to this global norm before each update.
    pub clip_norm: Option<f32>,
}

impl Sequential {
    pub fn new(input_shape: Vec<usize>) -> Sequential {
        Sequential { input_shape, layers: Vec::new(), training: None }
    }

    /// Shape of one sample entering the next layer to be added.
    pub fn next_input_shape(&self) -> Vec<usize> {
        self.layers.last().map_or_else(|| self.input_shape.clone(), |l| l.output_shape())
    }

    pub fn input_shape(&self) -> &[usize] {
        &self.input_shape
    }

    pub fn add(&mut self, layer: Box<dyn Layer>) {
        self.layers.push(layer);
    }

    pub fn layers(&self) -> &[Box<dyn Layer>] {
        &self.layers
    }

    pub fn layers_mut(&mut self) -> &mut [Box<dyn Layer>] {
        &mut self.layers
    }

    pub fn compile(&mut self, training: Training) -> Result<()> {
        let last = self.layers.last().ok_or_else(|| Error::invalid_argument("a model needs at least one layer"))?;
        training.loss.check_output_activation(last.output_activation())?;
        self.training = Some(training);
        Ok(())
    }

    pub fn is_compiled(&self) -> bool {
        self.training.is_some()
    }

    fn check_input(&self, x: &Tensor) -> Result<()> {
        if x.rank() != self.input_shape.len() + 1 || x.shape()[1..] != self.input_shape[..] {
            return Err(Error::shape_mismatch(format!(
                "model expects inputs of shape [batch, {}], got {}",
                self.input_shape.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", "),
                fmt_shape(x.shape())
            )));
        }
        if let Some(i) = x.first_non_finite() {
            return Err(Error::new(ErrorKind::NonFinite, format!("input contains {} at flat index {i}", x.as_slice()[i])));
        }
        Ok(())
    }

    /// Runs every layer; `training` keeps what backward needs.
    pub fn forward(&mut self, x: &Tensor, training: bool) -> Result<Tensor> {
        self.check_input(x)?;
        let mut h = x.clone();
        for layer in &mut self.layers {
            h = layer.forward(&h, training)?;
        }
        Ok(h)
    }

    fn training(&self) -> Result<&Training> {
        self.training.as_ref().ok_or_else(|| Error::invalid_argument("the model must be compiled (loss and optimizer) before training or evaluation"))
    }

    /// Forward, loss and backward: leaves dE/dparam in every `grad`. Returns the batch's stats.
    pub fn compute_gradients(&mut self, x: &Tensor, y: &Tensor) -> Result<BatchStats> {
        let loss = self.training()?.loss;
        let out = self.forward(x, true)?;
        let out_shape = out.shape().to_vec();
        let last = self.layers.last().expect("compiled models have layers");
        let act = last.output_activation();
        let lg = loss.forward_backward(out.as_slice(), last.last_preactivation(), act, &out_shape, y)?;
        let correct = loss.correct(out.as_slice(), act, &out_shape, y)?;
        for layer in &mut self.layers {
            layer.params_mut().iter_mut().for_each(|p| p.grad.fill(0.0));
        }
        let n = self.layers.len();
        let mut grad = lg.grad;
        for (i, layer) in self.layers.iter_mut().enumerate().rev() {
            let need_input_grad = i > 0;
            grad = if i == n - 1 && lg.fused {
                layer.backward_preactivation(grad, need_input_grad)?
            } else {
                layer.backward(grad, need_input_grad)?
            };
        }
        Ok(BatchStats { loss: lg.value, correct, samples: x.shape()[0] })
    }

    /// One optimisation step on a batch. A non-finite loss or gradient stops before the update,
    /// so the weights keep their last finite values.
    pub fn train_step(&mut self, x: &Tensor, y: &Tensor) -> Result<BatchStats> {
        let stats = self.compute_gradients(x, y)?;
        if !stats.loss.is_finite() {
            return Err(Error::new(ErrorKind::NonFinite, format!("the loss became {}", stats.loss)));
        }
        let training = self.training.as_mut().expect("checked by compute_gradients");
        let mut params: Vec<&mut Param> = self.layers.iter_mut().flat_map(|l| l.params_mut().iter_mut()).collect();
        let norm = match training.clip_norm {
            Some(max) => clip_grad_norm(&mut params, max),
            None => grad_norm(&params),
        };
        if !norm.is_finite() {
            return Err(Error::new(ErrorKind::NonFinite, "a gradient became non-finite (NaN or infinite)"));
        }
        training.optimizer.step(&mut params)?;
        Ok(stats)
    }

    /// Loss and accuracy counts without updating anything.
    pub fn evaluate(&mut self, x: &Tensor, y: &Tensor) -> Result<BatchStats> {
        let loss = self.training()?.loss;
        let out = self.forward(x, false)?;
        let out_shape = out.shape().to_vec();
        let last = self.layers.last().expect("compiled models have layers");
        let act = last.output_activation();
        let lg = loss.forward_backward(out.as_slice(), last.last_preactivation(), act, &out_shape, y)?;
        let correct = loss.correct(out.as_slice(), act, &out_shape, y)?;
        Ok(BatchStats { loss: lg.value, correct, samples: x.shape()[0] })
    }

    /// Every parameter, named `"<layer index>.<name>"` like a PyTorch nn.Sequential state_dict.
    pub fn named_params(&self) -> Vec<(String, &Param)> {
        self.layers
            .iter()
            .enumerate()
            .flat_map(|(i, l)| l.params().iter().map(move |p| (format!("{i}.{}", p.name), p)))
            .collect()
    }

    pub fn named_params_mut(&mut self) -> Vec<(String, &mut Param)> {
        self.layers
            .iter_mut()
            .enumerate()
            .flat_map(|(i, l)| l.params_mut().iter_mut().map(move |p| (format!("{i}.{}", p.name), p)))
            .collect()
    }
}
