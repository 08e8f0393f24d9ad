//! A recurrent layer (SimpleRNN, LSTM or GRU) as a model layer: inputs [batch, T, D], outputs
//! [batch, T, H] (`return_sequences`) or the last state [batch, H]. Parameters use PyTorch's
//! names (`weight_ih_l0`, `weight_hh_l0`, `bias_ih_l0`, `bias_hh_l0`).

use rand_distr::{Distribution, Uniform};

use super::cell::CellKind;
use super::sequence::{backward_sequence, forward_sequence, RecurrentWeights, SequenceCache};
use crate::nn::layer::{Layer, Param};
use crate::random::Rng;
use crate::shape::fmt_shape;
use crate::{invalid_arg, Error, ErrorKind, Result, Tensor};

#[derive(Clone, Copy, Debug)]
pub struct RecurrentConfig {
    pub kind: CellKind,
    pub units: usize,
    /// Output every step's state ([B, T, H]) instead of the last one ([B, H]).
    pub return_sequences: bool,
    /// Added to the LSTM forget gate's bias at initialisation (1.0 as in TensorFlow's
    /// BasicLSTMCell and Keras's unit_forget_bias); ignored for other cells.
    pub forget_bias: f32,
}

pub struct Recurrent {
    name: String,
    config: RecurrentConfig,
    steps: usize,
    input: usize,
    params: [Param; 4],
    cache: Option<SequenceCache>,
}

impl Recurrent {
    /// A layer for samples of shape [T, D]; weights U(-1/sqrt(H), 1/sqrt(H)) as in PyTorch.
    pub fn new(name: &str, input_shape: &[usize], config: RecurrentConfig, rng: &mut Rng) -> Result<Recurrent> {
        let &[steps, input] = input_shape else {
            invalid_arg!("{name}: a recurrent layer needs inputs of shape [timesteps, features], got {}", fmt_shape(input_shape));
        };
        if steps == 0 || input == 0 || config.units == 0 {
            invalid_arg!("{name}: timesteps, features and units must be > 0, got {steps}, {input}, {}", config.units);
        }
        let (h, gh) = (config.units, config.kind.gates() * config.units);
        let bound = 1.0 / (h as f32).sqrt();
        let dist = Uniform::new_inclusive(-bound, bound).expect("bound > 0");
        let mut init = |n: usize| -> Vec<f32> { (0..n).map(|_| dist.sample(rng)).collect() };
        let (w_ih, w_hh, mut b_ih, b_hh) = (init(gh * input), init(gh * h), init(gh), init(gh));
        if config.kind == CellKind::Lstm {
            b_ih[h..2 * h].iter_mut().for_each(|b| *b += config.forget_bias);
        }
        Ok(Recurrent {
            name: name.to_string(),
            config,
            steps,
            input,
            params: [
                Param::new("weight_ih_l0", vec![gh, input], w_ih),
                Param::new("weight_hh_l0", vec![gh, h], w_hh),
                Param::new("bias_ih_l0", vec![gh], b_ih),
                Param::new("bias_hh_l0", vec![gh], b_hh),
            ],
            cache: None,
        })
    }

    fn weights(&self) -> RecurrentWeights<'_> {
        let [w_ih, w_hh, b_ih, b_hh] = &self.params;
        RecurrentWeights { w_ih: &w_ih.value, w_hh: &w_hh.value, b_ih: &b_ih.value, b_hh: &b_hh.value }
    }
}

impl Layer for Recurrent {
    fn kind(&self) -> &'static str {
        match self.config.kind {
            CellKind::Rnn(_) => "simpleRNN",
            CellKind::Lstm => "lstm",
            CellKind::Gru => "gru",
        }
    }

    fn output_shape(&self) -> Vec<usize> {
        if self.config.return_sequences {
            vec![self.steps, self.config.units]
        } else {
            vec![self.config.units]
        }
    }

    fn forward(&mut self, x: &Tensor, training: bool) -> Result<Tensor> {
        if x.shape().len() != 3 || x.shape()[1..] != [self.steps, self.input] {
            return Err(Error::shape_mismatch(format!(
                "{}: expected input of shape [batch, {}, {}], got {}",
                self.name,
                self.steps,
                self.input,
                fmt_shape(x.shape())
            )));
        }
        let (batch, h) = (x.shape()[0], self.config.units);
        let out = forward_sequence(self.config.kind, self.weights(), x.as_slice(), batch, self.steps, self.input, h, &[], &[], training);
        self.cache = out.cache;
        if self.config.return_sequences {
            Tensor::from_vec(&[batch, self.steps, h], out.outputs)
        } else {
            Tensor::from_vec(&[batch, h], out.h_last)
        }
    }

    fn backward(&mut self, grad: Vec<f32>, need_input_grad: bool) -> Result<Vec<f32>> {
        let cache = self.cache.take().ok_or_else(|| Error::new(ErrorKind::Internal, format!("{}: backward without a training forward", self.name)))?;
        let (d_out, d_last) = if self.config.return_sequences {
            (grad, Vec::new())
        } else {
            (vec![0.0; cache.batch * cache.steps * cache.hidden], grad)
        };
        let g = backward_sequence(self.weights(), &cache, &d_out, &d_last, &[]);
        for (p, d) in self.params.iter_mut().zip([g.w_ih, g.w_hh, g.b_ih, g.b_hh]) {
            crate::kernels::simd::binary_inplace(crate::kernels::simd::BinaryOp::Add, &mut p.grad, &d);
        }
        Ok(if need_input_grad { g.x } else { Vec::new() })
    }

    fn params(&self) -> &[Param] {
        &self.params
    }

    fn params_mut(&mut self) -> &mut [Param] {
        &mut self.params
    }
}
