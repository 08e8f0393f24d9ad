//! A sequential model: layers in order, a loss, an optimizer. One call runs a whole training step
//! (forward, loss, backward, clipping, update), so the JS side crosses into Rust once per batch.

use super::layer::{Layer, Param, Pass};
use super::loss::{Correct, Loss, LossInput, LossOutput};
use super::optim::{clip_grad_norm, grad_norm, Optimizer};
use crate::shape::{fits, fmt_batch_pattern, fmt_shape};
use crate::{Error, ErrorKind, Result, Tensor};

/// What one batch did.
#[derive(Clone, Copy, Debug, Default)]
pub struct BatchStats {
    /// Mean loss over the batch.
    pub loss: f64,
    /// Accuracy counts (classification losses).
    pub correct: Option<Correct>,
    pub samples: usize,
    /// Loss rows counted (samples, x timesteps for per-step outputs, less padded steps): how
    /// much this batch's mean loss weighs in a mean over batches.
    pub rows: usize,
}

/// A model's input batch: the samples and, for padded sequences, each one's valid length.
#[derive(Clone, Copy)]
pub struct Inputs<'a> {
    pub x: &'a Tensor,
    /// Valid steps of each sample (axis 1 of `x`); padded steps neither change a recurrent
    /// layer's state nor count in the loss.
    pub lengths: Option<&'a [usize]>,
}

impl<'a> From<&'a Tensor> for Inputs<'a> {
    fn from(x: &'a Tensor) -> Inputs<'a> {
        Inputs { x, lengths: None }
    }
}

impl<'a> Inputs<'a> {
    pub fn with_lengths(x: &'a Tensor, lengths: Option<&'a [usize]>) -> Inputs<'a> {
        Inputs { x, lengths }
    }
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

    fn check_input(&self, inputs: &Inputs<'_>) -> Result<()> {
        let x = inputs.x;
        if x.rank() != self.input_shape.len() + 1 || !fits(&self.input_shape, &x.shape()[1..]) {
            return Err(Error::shape_mismatch(format!("model expects inputs of shape {}, got {}", fmt_batch_pattern(&self.input_shape), fmt_shape(x.shape()))));
        }
        if let Some(i) = x.first_non_finite() {
            return Err(Error::new(ErrorKind::NonFinite, format!("input contains {} at flat index {i}", x.as_slice()[i])));
        }
        if let Some(lengths) = inputs.lengths {
            let shape = x.shape();
            if shape.len() < 2 {
                return Err(Error::invalid_argument(format!("lengths need sequence inputs [batch, timesteps, ...], got {}", fmt_shape(shape))));
            }
            if lengths.len() != shape[0] {
                return Err(Error::shape_mismatch(format!("lengths has {} entries but the batch has {} sequences (inputs {})", lengths.len(), shape[0], fmt_shape(shape))));
            }
            if let Some((i, &len)) = lengths.iter().enumerate().find(|(_, &len)| len == 0 || len > shape[1]) {
                return Err(Error::invalid_argument(format!("lengths[{i}] is {len}; each length must be in [1, {}] (the timesteps of inputs {})", shape[1], fmt_shape(shape))));
            }
        }
        Ok(())
    }

    /// Runs every layer; `training` keeps what backward needs (and applies dropout).
    pub fn forward<'a>(&mut self, inputs: impl Into<Inputs<'a>>, training: bool) -> Result<Tensor> {
        let inputs = inputs.into();
        self.check_input(&inputs)?;
        let pass = Pass { training, lengths: inputs.lengths };
        let mut h = inputs.x.clone();
        for layer in &mut self.layers {
            h = layer.forward(&h, &pass)?;
        }
        Ok(h)
    }

    fn training(&self) -> Result<&Training> {
        self.training.as_ref().ok_or_else(|| Error::invalid_argument("the model must be compiled (loss and optimizer) before training or evaluation"))
    }

    /// Forward and loss. With lengths, per-step outputs ([batch, timesteps, ...]) of padded steps
    /// are left out of the loss.
    fn forward_loss(&mut self, inputs: &Inputs<'_>, y: &Tensor, training: bool) -> Result<LossOutput> {
        let loss = self.training()?.loss;
        let out = self.forward(*inputs, training)?;
        let shape = out.shape();
        let mask: Option<Vec<bool>> = inputs.lengths.filter(|_| shape.len() == 3 && shape[1] == inputs.x.shape()[1]).map(|lengths| {
            let steps = shape[1];
            lengths.iter().flat_map(|&len| (0..steps).map(move |t| t < len)).collect()
        });
        let last = self.layers.last().expect("compiled models have layers");
        loss.compute(&LossInput {
            output: out.as_slice(),
            preactivation: last.last_preactivation(),
            activation: last.output_activation(),
            shape,
            target: y,
            mask: mask.as_deref(),
        })
    }

    fn stats(out: &LossOutput, inputs: &Inputs<'_>) -> BatchStats {
        BatchStats { loss: out.value, correct: out.correct, samples: inputs.x.shape()[0], rows: out.rows }
    }

    /// Forward, loss and backward: leaves dE/dparam in every `grad`. Returns the batch's stats.
    pub fn compute_gradients<'a>(&mut self, inputs: impl Into<Inputs<'a>>, y: &Tensor) -> Result<BatchStats> {
        let inputs = inputs.into();
        let out = self.forward_loss(&inputs, y, true)?;
        let stats = Self::stats(&out, &inputs);
        for layer in &mut self.layers {
            layer.params_mut().iter_mut().for_each(|p| p.grad.fill(0.0));
        }
        let n = self.layers.len();
        let mut grad = out.grad;
        for (i, layer) in self.layers.iter_mut().enumerate().rev() {
            let need_input_grad = i > 0;
            grad = if i == n - 1 && out.fused {
                layer.backward_preactivation(grad, need_input_grad)?
            } else {
                layer.backward(grad, need_input_grad)?
            };
        }
        Ok(stats)
    }

    /// One optimisation step on a batch. A non-finite loss or gradient stops before the update,
    /// so the weights keep their last finite values.
    pub fn train_step<'a>(&mut self, inputs: impl Into<Inputs<'a>>, y: &Tensor) -> Result<BatchStats> {
        let stats = self.compute_gradients(inputs, y)?;
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
    pub fn evaluate<'a>(&mut self, inputs: impl Into<Inputs<'a>>, y: &Tensor) -> Result<BatchStats> {
        let inputs = inputs.into();
        let out = self.forward_loss(&inputs, y, false)?;
        Ok(Self::stats(&out, &inputs))
    }

    /// The loss of a training pass that replays the last one's random masks (dropout), without
    /// touching gradients: the function a gradient check differentiates.
    pub fn replay_training_loss<'a>(&mut self, inputs: impl Into<Inputs<'a>>, y: &Tensor) -> Result<f64> {
        self.layers.iter_mut().for_each(|l| l.rewind_randomness());
        Ok(self.forward_loss(&inputs.into(), y, true)?.value)
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
