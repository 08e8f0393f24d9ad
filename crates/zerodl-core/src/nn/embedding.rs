//! Embedding: integer ids [batch, T] -> rows of a (vocab, dim) table, [batch, T, dim]
//! (PyTorch's nn.Embedding: parameter `weight`, initialised N(0, 1)). The first layer of a
//! character or word model; its input (ids) has no gradient.

use rand_distr::{Distribution, StandardNormal};
use serde::{Deserialize, Serialize};

use super::config::{LayerConfig, LayerOptions};
use super::layer::{Layer, Param, Pass};
use crate::memory;
use crate::random::Rng;
use crate::shape::{fits, fmt_batch_pattern, fmt_shape};
use crate::{invalid_arg, Error, ErrorKind, Result, Tensor};

/// An embedding layer's description: the options of `layers.embedding()`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EmbeddingConfig {
    /// Unique in its model; `embedding_<index>` when not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Vocabulary size: ids are integers in [0, inputDim) (required, >= 1).
    pub input_dim: usize,
    /// Size of each id's vector (required, >= 1).
    pub output_dim: usize,
}

impl LayerOptions for EmbeddingConfig {}

impl EmbeddingConfig {
    pub fn validate(&self, what: &str) -> Result<()> {
        if self.input_dim == 0 || self.output_dim == 0 {
            invalid_arg!("{what}: inputDim and outputDim must be integers >= 1, got {} and {}", self.input_dim, self.output_dim);
        }
        Ok(())
    }
}

pub struct Embedding {
    name: String,
    config: EmbeddingConfig,
    /// Shape of one sample's ids (e.g. [T]).
    input_shape: Vec<usize>,
    vocab: usize,
    dim: usize,
    params: [Param; 1],
    ids: Vec<usize>,
}

impl Embedding {
    pub fn new(name: &str, input_shape: &[usize], config: &EmbeddingConfig, rng: &mut Rng) -> Result<Embedding> {
        config.validate(name)?;
        if input_shape.is_empty() {
            invalid_arg!("{name}: an embedding needs ids of shape like [timesteps], got a scalar input shape []");
        }
        let (vocab, dim) = (config.input_dim, config.output_dim);
        let mut weight = Param::zeros(name, "weight", vec![vocab, dim])?;
        weight.value.iter_mut().for_each(|w| *w = StandardNormal.sample(rng));
        let config = EmbeddingConfig { name: Some(name.to_string()), ..config.clone() };
        Ok(Embedding { name: name.to_string(), config, input_shape: input_shape.to_vec(), vocab, dim, params: [weight], ids: Vec::new() })
    }
}

impl Layer for Embedding {
    fn kind(&self) -> &'static str {
        "embedding"
    }

    fn config(&self) -> LayerConfig {
        LayerConfig::Embedding(self.config.clone())
    }

    fn output_shape(&self) -> Vec<usize> {
        self.input_shape.iter().copied().chain([self.dim]).collect()
    }

    fn output_shape_for(&self, input: &[usize]) -> Vec<usize> {
        input.iter().copied().chain([self.dim]).collect()
    }

    fn forward(&mut self, x: &Tensor, pass: &Pass<'_>) -> Result<Tensor> {
        if x.rank() != self.input_shape.len() + 1 || !fits(&self.input_shape, &x.shape()[1..]) {
            return Err(Error::shape_mismatch(format!("{}: expected ids of shape {}, got {}", self.name, fmt_batch_pattern(&self.input_shape), fmt_shape(x.shape()))));
        }
        let ids = x
            .as_slice()
            .iter()
            .enumerate()
            .map(|(i, &v)| {
                if v.fract() != 0.0 || v < 0.0 || v >= self.vocab as f32 {
                    invalid_arg!("{}: ids must be integers in [0, {}), got {v} at flat index {i}", self.name, self.vocab);
                }
                Ok(v as usize)
            })
            .collect::<Result<Vec<_>>>()?;
        let table = &self.params[0].value;
        let mut out = memory::reserve(ids.len().saturating_mul(self.dim), &format!("{}'s output for input {}", self.name, fmt_shape(x.shape())))?;
        for &id in &ids {
            out.extend_from_slice(&table[id * self.dim..(id + 1) * self.dim]);
        }
        if pass.training {
            self.ids = ids;
        }
        let mut shape = x.shape().to_vec();
        shape.push(self.dim);
        Tensor::from_vec(&shape, out)
    }

    fn backward(&mut self, grad: Vec<f32>, _need_input_grad: bool) -> Result<Vec<f32>> {
        if grad.len() != self.ids.len() * self.dim {
            return Err(Error::new(ErrorKind::Internal, format!("{}: backward without a matching training forward", self.name)));
        }
        let d = self.dim;
        for (&id, g) in self.ids.iter().zip(grad.chunks(d)) {
            crate::kernels::simd::binary_inplace(crate::kernels::simd::BinaryOp::Add, &mut self.params[0].grad[id * d..(id + 1) * d], g);
        }
        // Ids are not differentiable: the layer below (if any) gets zeros.
        Ok(vec![0.0; self.ids.len()])
    }

    fn params(&self) -> &[Param] {
        &self.params
    }

    fn params_mut(&mut self) -> &mut [Param] {
        &mut self.params
    }
}
