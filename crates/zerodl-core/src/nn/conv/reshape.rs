//! Layers that only change a sample's shape: `flatten` (any shape to one axis, as PyTorch's
//! nn.Flatten) and `reshape` (to a target shape, one size of which may be -1, inferred). The
//! values and their order are unchanged, so backward just passes the gradient on.

use serde::{Deserialize, Serialize};

use super::conv_layer::check_batch;
use crate::nn::config::{LayerConfig, LayerOptions};
use crate::nn::layer::{Layer, Param, Pass};
use crate::shape::{fmt_pattern, ANY};
use crate::{invalid_arg, Result, Tensor};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FlattenConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

impl LayerOptions for FlattenConfig {}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReshapeConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// One sample's new shape (the batch left out): sizes >= 1, at most one -1.
    pub target_shape: Vec<i64>,
}

impl LayerOptions for ReshapeConfig {}

impl ReshapeConfig {
    pub fn validate(&self, what: &str) -> Result<()> {
        if self.target_shape.is_empty() {
            invalid_arg!("{what}: targetShape must list at least one size, got []");
        }
        if let Some(&bad) = self.target_shape.iter().find(|&&d| d == 0 || d < -1) {
            invalid_arg!("{what}: targetShape sizes must be integers >= 1 or one -1 (inferred), got {bad} in {:?}", self.target_shape);
        }
        if self.target_shape.iter().filter(|&&d| d == -1).count() > 1 {
            invalid_arg!("{what}: targetShape may have one -1 (inferred), got {:?}", self.target_shape);
        }
        Ok(())
    }

    /// The target shape for samples of `input` values, -1 resolved.
    fn resolve(&self, name: &str, input_shape: &[usize]) -> Result<Vec<usize>> {
        let total: usize = input_shape.iter().product();
        let known: usize = self.target_shape.iter().filter(|&&d| d > 0).map(|&d| d as usize).product();
        let inferred = self.target_shape.contains(&-1);
        if (inferred && (known == 0 || !total.is_multiple_of(known))) || (!inferred && known != total) {
            invalid_arg!(
                "{name}: cannot reshape samples of shape {} ({total} values) to targetShape {:?}{}",
                fmt_pattern(input_shape),
                self.target_shape,
                if inferred { format!(" ({total} is not a multiple of {known})") } else { format!(" ({known} values)") }
            );
        }
        Ok(self.target_shape.iter().map(|&d| if d == -1 { total / known } else { d as usize }).collect())
    }
}

/// Flatten or reshape: a sample of `input` values becomes one of `output`'s shape.
pub struct Reshape {
    name: String,
    config: LayerConfig,
    input_shape: Vec<usize>,
    output_shape: Vec<usize>,
}

impl Reshape {
    pub fn new(name: &str, input_shape: &[usize], config: &LayerConfig) -> Result<Reshape> {
        let kind = config.kind();
        if input_shape.contains(&ANY) {
            invalid_arg!("{name}: a {kind} layer needs fixed input sizes, got input shape {} (null is a free size)", fmt_pattern(input_shape));
        }
        let output_shape = match config {
            LayerConfig::Reshape(c) => c.resolve(name, input_shape)?,
            _ => vec![input_shape.iter().product()],
        };
        Ok(Reshape { name: name.to_string(), config: config.clone().with_name(name), input_shape: input_shape.to_vec(), output_shape })
    }
}

impl Layer for Reshape {
    fn kind(&self) -> &'static str {
        self.config.kind()
    }

    fn config(&self) -> LayerConfig {
        self.config.clone()
    }

    fn output_shape(&self) -> Vec<usize> {
        self.output_shape.clone()
    }

    fn output_shape_for(&self, _input: &[usize]) -> Vec<usize> {
        self.output_shape()
    }

    fn forward(&mut self, x: &Tensor, _pass: &Pass<'_>) -> Result<Tensor> {
        let batch = check_batch(&self.name, x, &self.input_shape)?;
        let shape: Vec<usize> = std::iter::once(batch).chain(self.output_shape.iter().copied()).collect();
        x.reshape(&shape)
    }

    fn backward(&mut self, grad: Vec<f32>, need_input_grad: bool) -> Result<Vec<f32>> {
        Ok(if need_input_grad { grad } else { Vec::new() })
    }

    fn params(&self) -> &[Param] {
        &[]
    }

    fn params_mut(&mut self) -> &mut [Param] {
        &mut []
    }
}
