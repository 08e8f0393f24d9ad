//! Batch normalization (`batchNormalization`) as PyTorch's nn.BatchNorm1d / nn.BatchNorm2d
//! computes it, under its names: while training, each channel is normalized by the batch's mean
//! and biased variance, and the running statistics move by `momentum` towards the batch's
//! (the variance's unbiased estimate); predict and evaluate normalize by the running ones.
//! `running_mean`, `running_var` and `num_batches_tracked` are parameters that are saved and
//! loaded but never trained.

use serde::{Deserialize, Serialize};

use super::conv_layer::check_batch;
use super::geometry::DataFormat;
use crate::json;
use crate::memory;
use crate::nn::config::{yes, LayerConfig, LayerOptions};
use crate::nn::layer::{Layer, Param, Pass};
use crate::shape::{fmt_pattern, ANY};
use crate::{invalid_arg, Error, ErrorKind, Result, Tensor};

fn default_momentum() -> f64 {
    0.1
}

fn default_epsilon() -> f64 {
    1e-5
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BatchNormConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// PyTorch's convention: running = (1 - momentum) * running + momentum * batch. Default 0.1
    /// (Keras's 0.99 means 0.01 here).
    #[serde(default = "default_momentum")]
    pub momentum: f64,
    /// Added to the variance. Default 1e-5.
    #[serde(default = "default_epsilon")]
    pub epsilon: f64,
    /// Learn a scale (`weight`) and shift (`bias`) per channel. Default true.
    #[serde(default = "yes")]
    pub affine: bool,
    /// Where the channel axis is: a sample's first ([C], [C, H, W]) or last ([H, W, C]).
    #[serde(default)]
    pub data_format: DataFormat,
}

impl LayerOptions for BatchNormConfig {}

impl BatchNormConfig {
    pub fn validate(&self, what: &str) -> Result<()> {
        if !(self.momentum.is_finite() && (0.0..=1.0).contains(&self.momentum)) {
            invalid_arg!("{what}: momentum must be a number in [0, 1] (PyTorch's convention: the weight of the new batch), got {}", json::number(self.momentum));
        }
        if !(self.epsilon.is_finite() && self.epsilon > 0.0 && (self.epsilon as f32) > 0.0) {
            invalid_arg!("{what}: epsilon must be a finite number > 0 (also in float32), got {}", json::number(self.epsilon));
        }
        Ok(())
    }
}

pub struct BatchNorm {
    name: String,
    config: LayerConfig,
    momentum: f32,
    epsilon: f32,
    affine: bool,
    format: DataFormat,
    input_shape: Vec<usize>,
    channels: usize,
    /// Values per channel per sample.
    positions: usize,
    /// [weight, bias] when affine, then running_mean, running_var, num_batches_tracked.
    params: Vec<Param>,
    // Kept by a training forward: the normalized input and each channel's 1 / std.
    xhat: Vec<f32>,
    inv_std: Vec<f32>,
}

/// The batch as (blocks, channels, inner): the flat index of (block b, channel c, value i) is
/// (b * channels + c) * inner + i.
#[derive(Clone, Copy)]
struct Layout {
    blocks: usize,
    channels: usize,
    inner: usize,
}

impl Layout {
    fn for_each(&self, c: usize, mut f: impl FnMut(usize)) {
        for b in 0..self.blocks {
            let base = (b * self.channels + c) * self.inner;
            (base..base + self.inner).for_each(&mut f);
        }
    }

    fn count(&self) -> usize {
        self.blocks * self.inner
    }
}

impl BatchNorm {
    pub fn new(name: &str, input_shape: &[usize], config: &LayerConfig, c: &BatchNormConfig) -> Result<BatchNorm> {
        c.validate(name)?;
        if input_shape.is_empty() || input_shape.contains(&ANY) {
            invalid_arg!("{name}: a batchNormalization layer takes samples of a fixed shape with a channel axis ([C], [C, H, W], or [H, W, C] with channelsLast), got input shape {}", fmt_pattern(input_shape));
        }
        let (channels, spatial) = c.data_format.split(input_shape);
        let mut params = Vec::new();
        if c.affine {
            let mut weight = Param::zeros(name, "weight", vec![channels])?;
            weight.value.fill(1.0);
            params.push(weight);
            params.push(Param::zeros(name, "bias", vec![channels])?);
        }
        params.push(Param::buffer(name, "running_mean", vec![channels])?);
        let mut var = Param::buffer(name, "running_var", vec![channels])?;
        var.value.fill(1.0);
        params.push(var);
        params.push(Param::buffer(name, "num_batches_tracked", vec![])?);
        Ok(BatchNorm {
            name: name.to_string(),
            config: config.clone().with_name(name),
            momentum: c.momentum as f32,
            epsilon: c.epsilon as f32,
            affine: c.affine,
            format: c.data_format,
            input_shape: input_shape.to_vec(),
            channels,
            positions: spatial.iter().product(),
            params,
            xhat: Vec::new(),
            inv_std: Vec::new(),
        })
    }

    fn layout(&self, batch: usize) -> Layout {
        match self.format {
            DataFormat::ChannelsFirst => Layout { blocks: batch, channels: self.channels, inner: self.positions },
            DataFormat::ChannelsLast => Layout { blocks: batch * self.positions, channels: self.channels, inner: 1 },
        }
    }

    /// The index of running_mean in `params` (after weight and bias when affine).
    fn stats_at(&self) -> usize {
        if self.affine { 2 } else { 0 }
    }

    /// Scale and shift of channel c (1 and 0 without affine).
    fn affine_of(&self, c: usize) -> (f32, f32) {
        if self.affine { (self.params[0].value[c], self.params[1].value[c]) } else { (1.0, 0.0) }
    }
}

impl Layer for BatchNorm {
    fn kind(&self) -> &'static str {
        "batchNormalization"
    }

    fn config(&self) -> LayerConfig {
        self.config.clone()
    }

    fn output_shape(&self) -> Vec<usize> {
        self.input_shape.clone()
    }

    fn output_shape_for(&self, _input: &[usize]) -> Vec<usize> {
        self.output_shape()
    }

    fn forward(&mut self, x: &Tensor, pass: &Pass<'_>) -> Result<Tensor> {
        let batch = check_batch(&self.name, x, &self.input_shape)?;
        let layout = self.layout(batch);
        let xs = x.as_slice();
        let mut y = memory::zeroed(xs.len(), &format!("{}'s output", self.name))?;
        let s = self.stats_at();
        if !pass.training {
            for c in 0..self.channels {
                let (gamma, beta) = self.affine_of(c);
                let (mean, var) = (self.params[s].value[c], self.params[s + 1].value[c]);
                let scale = gamma / (var + self.epsilon).sqrt();
                layout.for_each(c, |i| y[i] = (xs[i] - mean) * scale + beta);
            }
            return Tensor::from_vec(x.shape(), y);
        }
        let m = layout.count();
        if m < 2 {
            invalid_arg!("{}: training batch normalization needs more than one value per channel (a batch of {batch} samples of shape {}); use a larger batch", self.name, fmt_pattern(&self.input_shape));
        }
        self.xhat = memory::zeroed(xs.len(), &format!("{}'s normalized input", self.name))?;
        self.inv_std = vec![0.0; self.channels];
        let momentum = self.momentum;
        for c in 0..self.channels {
            let mut sum = 0.0f64;
            layout.for_each(c, |i| sum += f64::from(xs[i]));
            let mean = sum / m as f64;
            let mut squares = 0.0f64;
            layout.for_each(c, |i| squares += (f64::from(xs[i]) - mean).powi(2));
            let var = squares / m as f64;
            let inv_std = 1.0 / (var + f64::from(self.epsilon)).sqrt();
            self.inv_std[c] = inv_std as f32;
            let (gamma, beta) = self.affine_of(c);
            let xhat = &mut self.xhat;
            layout.for_each(c, |i| {
                let h = ((f64::from(xs[i]) - mean) * inv_std) as f32;
                xhat[i] = h;
                y[i] = gamma * h + beta;
            });
            let unbiased = squares / (m - 1) as f64;
            let running_mean = &mut self.params[s].value[c];
            *running_mean = (1.0 - momentum) * *running_mean + momentum * mean as f32;
            let running_var = &mut self.params[s + 1].value[c];
            *running_var = (1.0 - momentum) * *running_var + momentum * unbiased as f32;
        }
        self.params[s + 2].value[0] += 1.0;
        Tensor::from_vec(x.shape(), y)
    }

    fn backward(&mut self, dy: Vec<f32>, need_input_grad: bool) -> Result<Vec<f32>> {
        if dy.len() != self.xhat.len() || self.xhat.is_empty() {
            return Err(Error::new(ErrorKind::Internal, format!("{}: backward without a matching training forward", self.name)));
        }
        let batch = dy.len() / (self.channels * self.positions);
        let layout = self.layout(batch);
        let m = layout.count() as f32;
        let mut dx = if need_input_grad { vec![0.0f32; dy.len()] } else { Vec::new() };
        for c in 0..self.channels {
            let (mut sum_dy, mut sum_dy_xhat) = (0.0f64, 0.0f64);
            layout.for_each(c, |i| {
                sum_dy += f64::from(dy[i]);
                sum_dy_xhat += f64::from(dy[i] * self.xhat[i]);
            });
            if self.affine {
                self.params[0].grad[c] += sum_dy_xhat as f32;
                self.params[1].grad[c] += sum_dy as f32;
            }
            if need_input_grad {
                let (gamma, _) = self.affine_of(c);
                let k = gamma * self.inv_std[c] / m;
                let (sd, sdx) = (sum_dy as f32, sum_dy_xhat as f32);
                let xhat = &self.xhat;
                layout.for_each(c, |i| dx[i] = k * (m * dy[i] - sd - xhat[i] * sdx));
            }
        }
        Ok(dx)
    }

    fn params(&self) -> &[Param] {
        &self.params
    }

    fn params_mut(&mut self) -> &mut [Param] {
        &mut self.params
    }
}
