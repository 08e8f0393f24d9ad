//! Embedding: integer ids [batch, T] -> rows of a (vocab, dim) table, [batch, T, dim]
//! (PyTorch's nn.Embedding: parameter `weight`, initialised N(0, 1)). The first layer of a
//! character or word model; its input (ids) has no gradient.

use rand_distr::{Distribution, StandardNormal};

use super::layer::{Layer, Param, Pass};
use crate::random::Rng;
use crate::shape::{fits, fmt_batch_pattern, fmt_shape};
use crate::{invalid_arg, Error, ErrorKind, Result, Tensor};

pub struct Embedding {
    name: String,
    /// Shape of one sample's ids (e.g. [T]).
    input_shape: Vec<usize>,
    vocab: usize,
    dim: usize,
    params: [Param; 1],
    ids: Vec<usize>,
}

impl Embedding {
    pub fn new(name: &str, input_shape: &[usize], vocab: usize, dim: usize, rng: &mut Rng) -> Result<Embedding> {
        if vocab == 0 || dim == 0 || input_shape.is_empty() {
            invalid_arg!("{name}: an embedding needs inputDim > 0, outputDim > 0 and an input shape like [timesteps], got {vocab}, {dim}, {}", fmt_shape(input_shape));
        }
        let weight = (0..vocab * dim).map(|_| StandardNormal.sample(rng)).collect();
        Ok(Embedding { name: name.to_string(), input_shape: input_shape.to_vec(), vocab, dim, params: [Param::new("weight", vec![vocab, dim], weight)], ids: Vec::new() })
    }
}

impl Layer for Embedding {
    fn kind(&self) -> &'static str {
        "embedding"
    }

    fn output_shape(&self) -> Vec<usize> {
        self.input_shape.iter().copied().chain([self.dim]).collect()
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
        let mut out = Vec::with_capacity(ids.len() * self.dim);
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
