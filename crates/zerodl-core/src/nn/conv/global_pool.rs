//! Global average pooling (`globalAveragePool2d`): each channel's mean over all positions,
//! [C, H, W] -> [C] (PyTorch: nn.AdaptiveAvgPool2d(1) then nn.Flatten(), two modules).

use serde::{Deserialize, Serialize};

use super::conv_layer::check_batch;
use super::geometry::DataFormat;
use crate::memory;
use crate::nn::config::{LayerConfig, LayerOptions};
use crate::nn::layer::{Layer, Param, Pass};
use crate::shape::{fmt_pattern, ANY};
use crate::{invalid_arg, Error, ErrorKind, Result, Tensor};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct GlobalPoolConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default)]
    pub data_format: DataFormat,
}

impl LayerOptions for GlobalPoolConfig {}

pub struct GlobalAveragePool {
    name: String,
    config: LayerConfig,
    format: DataFormat,
    input_shape: Vec<usize>,
    channels: usize,
    positions: usize,
    batch: Option<usize>,
}

impl GlobalAveragePool {
    pub fn new(name: &str, input_shape: &[usize], config: &LayerConfig, c: &GlobalPoolConfig) -> Result<GlobalAveragePool> {
        if input_shape.len() != 3 || input_shape.contains(&ANY) {
            let layout = if c.data_format == DataFormat::ChannelsFirst { "[channels, height, width]" } else { "[height, width, channels]" };
            invalid_arg!("{name}: a globalAveragePool2d layer takes samples of fixed shape {layout}, got input shape {}", fmt_pattern(input_shape));
        }
        let (channels, spatial) = c.data_format.split(input_shape);
        Ok(GlobalAveragePool {
            name: name.to_string(),
            config: config.clone().with_name(name),
            format: c.data_format,
            input_shape: input_shape.to_vec(),
            channels,
            positions: spatial.iter().product(),
            batch: None,
        })
    }

    /// The flat index of (sample, channel, position) in a batch of this layout.
    fn index(&self, n: usize, c: usize, p: usize) -> usize {
        match self.format {
            DataFormat::ChannelsFirst => (n * self.channels + c) * self.positions + p,
            DataFormat::ChannelsLast => (n * self.positions + p) * self.channels + c,
        }
    }
}

impl Layer for GlobalAveragePool {
    fn kind(&self) -> &'static str {
        "globalAveragePool2d"
    }

    fn config(&self) -> LayerConfig {
        self.config.clone()
    }

    fn output_shape(&self) -> Vec<usize> {
        vec![self.channels]
    }

    fn output_shape_for(&self, _input: &[usize]) -> Vec<usize> {
        self.output_shape()
    }

    fn forward(&mut self, x: &Tensor, pass: &Pass<'_>) -> Result<Tensor> {
        let batch = check_batch(&self.name, x, &self.input_shape)?;
        let xs = x.as_slice();
        let mut out = memory::zeroed(batch * self.channels, &format!("{}'s output", self.name))?;
        for n in 0..batch {
            for c in 0..self.channels {
                let sum: f64 = (0..self.positions).map(|p| f64::from(xs[self.index(n, c, p)])).sum();
                out[n * self.channels + c] = (sum / self.positions as f64) as f32;
            }
        }
        if pass.training {
            self.batch = Some(batch);
        }
        Tensor::from_vec(&[batch, self.channels], out)
    }

    fn backward(&mut self, grad: Vec<f32>, need_input_grad: bool) -> Result<Vec<f32>> {
        let batch = self.batch.filter(|&b| grad.len() == b * self.channels).ok_or_else(|| Error::new(ErrorKind::Internal, format!("{}: backward without a matching training forward", self.name)))?;
        if !need_input_grad {
            return Ok(Vec::new());
        }
        let mut dx = memory::zeroed(batch * self.channels * self.positions, &format!("{}'s input gradient", self.name))?;
        let scale = 1.0 / self.positions as f32;
        for n in 0..batch {
            for c in 0..self.channels {
                let g = grad[n * self.channels + c] * scale;
                for p in 0..self.positions {
                    dx[self.index(n, c, p)] = g;
                }
            }
        }
        Ok(dx)
    }

    fn torch_modules(&self) -> usize {
        2
    }

    fn params(&self) -> &[Param] {
        &[]
    }

    fn params_mut(&mut self) -> &mut [Param] {
        &mut []
    }
}
