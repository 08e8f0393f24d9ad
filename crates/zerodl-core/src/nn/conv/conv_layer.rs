//! The convolution layer (`conv2d`, and `conv1d` as a 2-D convolution of height 1): cross-
//! correlation as PyTorch's nn.Conv2d / nn.Conv1d computes it (no kernel flip, as in the seed's
//! cnn.py), weights (out, in / groups, kh, kw) under PyTorch's names, the activation fused into
//! the output pass. Seed chapter 4: the input's delta is the output delta correlated with the
//! rotated kernels (here: the weights' transpose times the delta, scattered back by col2im),
//! the weight gradient the input correlated with the delta.

use super::conv_compute::ConvProblem;
use super::conv_config::ConvSpec;
use super::geometry::{DataFormat, Window};
use super::layout::{to_channels_first, to_channels_last};
use crate::memory;
use crate::nn::activation::Activation;
use crate::nn::config::LayerConfig;
use crate::nn::layer::{Layer, Param, Pass};
use crate::random::Rng;
use crate::shape::{fmt_batch_pattern, fmt_pattern, fmt_shape, ANY};
use crate::{invalid_arg, Error, ErrorKind, Result, Tensor};

pub struct Conv {
    name: String,
    kind: &'static str,
    /// The description it was built from, under its name.
    config: LayerConfig,
    spec: ConvSpec,
    input_shape: Vec<usize>,
    channels: usize,
    window: Window,
    /// weight, then bias when the layer has one.
    params: Vec<Param>,
    // Kept by a training forward for backward (channels first).
    input: Vec<f32>,
    output: Vec<f32>,
    /// Before a sigmoid activation (for a fused binary cross-entropy on a conv output).
    preactivation: Vec<f32>,
    batch: usize,
}

/// The axis names of a 1-D and a 2-D input, for errors.
fn axis_names(spatial_rank: usize) -> [&'static str; 2] {
    if spatial_rank == 1 { ["height", "length"] } else { ["height", "width"] }
}

impl Conv {
    /// A convolution for samples of `input_shape`, described by `config` (a conv2d or conv1d
    /// description) resolved as `spec`.
    pub fn new(name: &str, input_shape: &[usize], config: &LayerConfig, spec: ConvSpec, rng: &mut Rng) -> Result<Conv> {
        let kind = config.kind();
        let rank = spec.spatial_rank + 1;
        let layout = match (spec.spatial_rank, spec.data_format) {
            (2, DataFormat::ChannelsFirst) => "[channels, height, width]",
            (2, DataFormat::ChannelsLast) => "[height, width, channels]",
            (_, DataFormat::ChannelsFirst) => "[channels, length]",
            (_, DataFormat::ChannelsLast) => "[length, channels]",
        };
        if input_shape.len() != rank {
            invalid_arg!("{name}: a {kind} layer takes samples of shape {layout} (dataFormat {:?}), got input shape {}", format_name(spec.data_format), fmt_pattern(input_shape));
        }
        if input_shape.contains(&ANY) {
            invalid_arg!("{name}: a {kind} layer needs fixed input sizes, got input shape {} (null is a free size)", fmt_pattern(input_shape));
        }
        let (channels, spatial) = spec.data_format.split(input_shape);
        if channels % spec.groups != 0 {
            invalid_arg!("{name}: groups ({}) must divide the input channels ({channels}, from input shape {})", spec.groups, fmt_pattern(input_shape));
        }
        let hw = if spec.spatial_rank == 1 { [1, spatial[0]] } else { [spatial[0], spatial[1]] };
        let window = Window::resolve(name, hw, spec.kernel, spec.strides, spec.dilation, spec.padding, axis_names(spec.spatial_rank))?;
        let weight_shape = spec.weight_shape(channels);
        let mut weight = Param::zeros(name, "weight", weight_shape)?;
        let (fan_in, fan_out) = ((channels / spec.groups) * window.taps(), (spec.filters / spec.groups) * window.taps());
        spec.kernel_initializer.fill(&mut weight.value, fan_in, fan_out, rng);
        let mut params = vec![weight];
        if spec.use_bias {
            let mut bias = Param::zeros(name, "bias", vec![spec.filters])?;
            spec.bias_initializer.fill(&mut bias.value, fan_in, fan_out, rng);
            params.push(bias);
        }
        Ok(Conv {
            name: name.to_string(),
            kind,
            config: config.clone().with_name(name),
            spec,
            input_shape: input_shape.to_vec(),
            channels,
            window,
            params,
            input: Vec::new(),
            output: Vec::new(),
            preactivation: Vec::new(),
            batch: 0,
        })
    }

    fn problem(&self, batch: usize) -> ConvProblem<'_> {
        ConvProblem { window: &self.window, batch, channels: self.channels, filters: self.spec.filters, groups: self.spec.groups, weight: &self.params[0].value }
    }

    /// An output gradient in the compute layout (channels first), after checking it matches
    /// the last training forward.
    fn channels_first_grad(&self, grad: Vec<f32>) -> Result<Vec<f32>> {
        let (batch, out_plane) = (self.batch, self.window.output_plane());
        if self.input.is_empty() || grad.len() != batch * self.spec.filters * out_plane {
            return Err(Error::new(ErrorKind::Internal, format!("{}: backward without a matching training forward ({} gradient values for batch {batch})", self.name, grad.len())));
        }
        Ok(if self.spec.data_format == DataFormat::ChannelsLast { to_channels_first(&grad, batch, out_plane, self.spec.filters) } else { grad })
    }

    /// Backward from dE/d(pre-activation), channels first.
    fn backward_from(&mut self, dz: Vec<f32>, need_input_grad: bool) -> Result<Vec<f32>> {
        let batch = self.batch;
        let mut dx = if need_input_grad { memory::zeroed(self.input.len(), &format!("{}'s input gradient", self.name))? } else { Vec::new() };
        let mut dweight = std::mem::take(&mut self.params[0].grad);
        let mut dbias = self.params.get_mut(1).map(|b| std::mem::take(&mut b.grad));
        self.problem(batch).backward(&self.input, &dz, &mut dweight, dbias.as_deref_mut(), need_input_grad.then_some(dx.as_mut_slice()));
        self.params[0].grad = dweight;
        if let (Some(b), Some(db)) = (self.params.get_mut(1), dbias) {
            b.grad = db;
        }
        if need_input_grad && self.spec.data_format == DataFormat::ChannelsLast {
            return Ok(to_channels_last(&dx, batch, self.channels, self.window.input_plane()));
        }
        Ok(dx)
    }

    fn spatial_out(&self) -> Vec<usize> {
        if self.spec.spatial_rank == 1 { vec![self.window.w.output] } else { vec![self.window.h.output, self.window.w.output] }
    }
}

fn format_name(f: DataFormat) -> &'static str {
    match f {
        DataFormat::ChannelsFirst => "channelsFirst",
        DataFormat::ChannelsLast => "channelsLast",
    }
}

/// Checks a batch against one sample's fixed shape; returns the batch size.
pub(super) fn check_batch(name: &str, x: &Tensor, sample: &[usize]) -> Result<usize> {
    let shape = x.shape();
    if shape.len() != sample.len() + 1 || shape[1..] != *sample {
        return Err(Error::shape_mismatch(format!("{name}: expected input of shape {}, got {}", fmt_batch_pattern(sample), fmt_shape(shape))));
    }
    Ok(shape[0])
}

impl Layer for Conv {
    fn kind(&self) -> &'static str {
        self.kind
    }

    fn config(&self) -> LayerConfig {
        self.config.clone()
    }

    fn output_shape(&self) -> Vec<usize> {
        self.spec.data_format.join(self.spec.filters, &self.spatial_out())
    }

    fn output_shape_for(&self, _input: &[usize]) -> Vec<usize> {
        self.output_shape()
    }

    fn forward(&mut self, x: &Tensor, pass: &Pass<'_>) -> Result<Tensor> {
        let batch = check_batch(&self.name, x, &self.input_shape)?;
        let channels_last = self.spec.data_format == DataFormat::ChannelsLast;
        let plane = self.window.input_plane();
        let first;
        let input: &[f32] = if channels_last {
            first = to_channels_first(x.as_slice(), batch, plane, self.channels);
            &first
        } else {
            x.as_slice()
        };
        let out_plane = self.window.output_plane();
        let mut out = memory::zeroed(batch.saturating_mul(self.spec.filters).saturating_mul(out_plane), &format!("{}'s output for {batch} samples", self.name))?;
        let bias = self.params.get(1).map(|b| b.value.as_slice());
        let activation = self.spec.activation;
        // Fused losses need the logits of a sigmoid output (kept on every forward, never stale).
        let keep_logits = activation == Activation::Sigmoid;
        self.problem(batch).forward(input, bias, if keep_logits { Activation::Identity } else { activation }, &mut out);
        let logits = keep_logits.then(|| out.clone());
        if keep_logits {
            activation.forward(&mut out, out_plane);
        }
        if pass.training {
            self.input.clear();
            self.input.extend_from_slice(input);
            if self.spec.activation != Activation::Identity {
                self.output.clone_from(&out);
            }
            self.batch = batch;
        }
        let user_layout = |v: Vec<f32>| if channels_last { to_channels_last(&v, batch, self.spec.filters, out_plane) } else { v };
        if let Some(logits) = logits {
            self.preactivation = user_layout(logits);
        }
        let out = user_layout(out);
        let shape: Vec<usize> = std::iter::once(batch).chain(self.output_shape()).collect();
        Tensor::from_vec(&shape, out)
    }

    fn backward(&mut self, grad: Vec<f32>, need_input_grad: bool) -> Result<Vec<f32>> {
        let mut dz = self.channels_first_grad(grad)?;
        self.spec.activation.backward(&self.output, &mut dz, self.window.output_plane());
        self.backward_from(dz, need_input_grad)
    }

    fn output_activation(&self) -> Activation {
        self.spec.activation
    }

    fn last_preactivation(&self) -> Option<&[f32]> {
        (!self.preactivation.is_empty()).then_some(self.preactivation.as_slice())
    }

    fn backward_preactivation(&mut self, grad_pre: Vec<f32>, need_input_grad: bool) -> Result<Vec<f32>> {
        let dz = self.channels_first_grad(grad_pre)?;
        self.backward_from(dz, need_input_grad)
    }

    fn torch_modules(&self) -> usize {
        if self.spec.activation == Activation::Identity { 1 } else { 2 }
    }

    fn params(&self) -> &[Param] {
        &self.params
    }

    fn params_mut(&mut self) -> &mut [Param] {
        &mut self.params
    }
}
