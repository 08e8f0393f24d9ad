//! The descriptions of `layers.conv2d()` and `layers.conv1d()`, with their defaults, and the
//! one resolved form (`ConvSpec`) the convolution layer is built from: a 1-D convolution is a
//! 2-D one of height 1.

use serde::{Deserialize, Serialize};

use super::geometry::{paddings, DataFormat, Padding, Pair};
use crate::nn::activation::Activation;
use crate::nn::config::{one, yes, LayerOptions};
use crate::nn::init::Init;
use crate::{invalid_arg, Result};

fn pair_one() -> Pair {
    Pair::both(1)
}

/// A 2-D convolution's description (NCHW inputs [C, H, W], or [H, W, C] with channelsLast).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Conv2dConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Output channels (required, >= 1).
    pub filters: usize,
    /// Required: a number or [height, width].
    pub kernel_size: Pair,
    /// Default 1.
    #[serde(default = "pair_one")]
    pub strides: Pair,
    /// Default "valid".
    #[serde(default)]
    pub padding: Padding<Pair>,
    /// Default 1.
    #[serde(default = "pair_one")]
    pub dilation: Pair,
    /// Default 1; input channels / groups per group (depthwise: groups = input channels).
    #[serde(default = "one")]
    pub groups: usize,
    #[serde(default = "yes")]
    pub use_bias: bool,
    /// Default "linear"; not "softmax".
    #[serde(default)]
    pub activation: Activation,
    #[serde(default = "Init::glorot_uniform")]
    pub kernel_initializer: Init,
    #[serde(default = "Init::zeros")]
    pub bias_initializer: Init,
    #[serde(default)]
    pub data_format: DataFormat,
}

impl LayerOptions for Conv2dConfig {}

/// A 1-D convolution's description (inputs [C, L], or [L, C] with channelsLast).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Conv1dConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    pub filters: usize,
    pub kernel_size: usize,
    #[serde(default = "one")]
    pub strides: usize,
    #[serde(default)]
    pub padding: Padding<usize>,
    #[serde(default = "one")]
    pub dilation: usize,
    #[serde(default = "one")]
    pub groups: usize,
    #[serde(default = "yes")]
    pub use_bias: bool,
    #[serde(default)]
    pub activation: Activation,
    #[serde(default = "Init::glorot_uniform")]
    pub kernel_initializer: Init,
    #[serde(default = "Init::zeros")]
    pub bias_initializer: Init,
    #[serde(default)]
    pub data_format: DataFormat,
}

impl LayerOptions for Conv1dConfig {}

/// A convolution's options resolved per axis [height, width] (a 1-D one has height 1).
#[derive(Clone, Debug, PartialEq)]
pub struct ConvSpec {
    /// 1 or 2.
    pub spatial_rank: usize,
    pub filters: usize,
    pub kernel: [usize; 2],
    pub strides: [usize; 2],
    pub dilation: [usize; 2],
    pub padding: [Padding<usize>; 2],
    pub groups: usize,
    pub use_bias: bool,
    pub activation: Activation,
    pub kernel_initializer: Init,
    pub bias_initializer: Init,
    pub data_format: DataFormat,
}

impl Conv2dConfig {
    pub fn validate(&self, what: &str) -> Result<()> {
        self.spec().validate(what)
    }

    pub fn spec(&self) -> ConvSpec {
        ConvSpec {
            spatial_rank: 2,
            filters: self.filters,
            kernel: self.kernel_size.0,
            strides: self.strides.0,
            dilation: self.dilation.0,
            padding: paddings(self.padding),
            groups: self.groups,
            use_bias: self.use_bias,
            activation: self.activation,
            kernel_initializer: self.kernel_initializer,
            bias_initializer: self.bias_initializer,
            data_format: self.data_format,
        }
    }
}

impl Conv1dConfig {
    pub fn validate(&self, what: &str) -> Result<()> {
        for (option, v) in [("kernelSize", self.kernel_size), ("strides", self.strides), ("dilation", self.dilation)] {
            if v == 0 {
                invalid_arg!("{what}: {option} must be an integer >= 1, got 0");
            }
        }
        self.spec().validate(what)
    }

    pub fn spec(&self) -> ConvSpec {
        ConvSpec {
            spatial_rank: 1,
            filters: self.filters,
            kernel: [1, self.kernel_size],
            strides: [1, self.strides],
            dilation: [1, self.dilation],
            padding: match self.padding {
                Padding::Valid => [Padding::Valid; 2],
                Padding::Same => [Padding::Valid, Padding::Same],
                Padding::Explicit(p) => [Padding::Explicit(0), Padding::Explicit(p)],
            },
            groups: self.groups,
            use_bias: self.use_bias,
            activation: self.activation,
            kernel_initializer: self.kernel_initializer,
            bias_initializer: self.bias_initializer,
            data_format: self.data_format,
        }
    }
}

impl ConvSpec {
    /// The checks that need no input shape.
    fn validate(&self, what: &str) -> Result<()> {
        if self.filters == 0 {
            invalid_arg!("{what}: filters must be an integer >= 1, got 0");
        }
        if self.groups == 0 {
            invalid_arg!("{what}: groups must be an integer >= 1, got 0");
        }
        if !self.filters.is_multiple_of(self.groups) {
            invalid_arg!("{what}: groups ({}) must divide filters ({}): each group makes filters / groups output channels", self.groups, self.filters);
        }
        if self.activation == Activation::Softmax {
            invalid_arg!("{what}: activation \"softmax\" is for a dense output layer; a convolution takes \"linear\", \"relu\", \"sigmoid\" or \"tanh\"");
        }
        Ok(())
    }

    /// The weight's shape: PyTorch's (out, in / groups, kh, kw), or (out, in / groups, k).
    pub fn weight_shape(&self, in_channels: usize) -> Vec<usize> {
        let mut shape = vec![self.filters, in_channels / self.groups];
        shape.extend(if self.spatial_rank == 1 { &self.kernel[1..] } else { &self.kernel[..] });
        shape
    }
}
