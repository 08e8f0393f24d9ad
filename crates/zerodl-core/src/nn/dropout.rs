//! Dropout (inverted: kept units are scaled by 1/(1-rate) while training, so inference is the
//! identity), as a layer of its own and between the layers of a stacked recurrent layer (seed
//! 003: between layers, never across time steps).

use rand::RngExt as _;
use serde::{Deserialize, Serialize};

use super::config::{LayerConfig, LayerOptions};
use super::layer::{Layer, Param, Pass};
use crate::random::{self, Rng};
use crate::{invalid_arg, Error, ErrorKind, Result, Tensor};

/// A dropout layer's description: the options of `layers.dropout()`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DropoutConfig {
    /// Unique in its model; `dropout_<index>` when not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Fraction of the inputs set to zero while training, in [0, 1) (required).
    pub rate: f64,
}

impl LayerOptions for DropoutConfig {}

impl DropoutConfig {
    pub fn validate(&self, what: &str) -> Result<()> {
        check_rate(self.rate, what, "rate").map(|_| ())
    }
}

/// A dropout rate in [0, 1), also as the f32 it is applied in (1 would drop everything and scale
/// by infinity; 0.99999999999 is 1 in f32).
pub fn check_rate(rate: f64, what: &str, option: &str) -> Result<f32> {
    let single = rate as f32;
    if !(0.0..1.0).contains(&rate) || !(0.0..1.0).contains(&single) {
        invalid_arg!("{what}: {option} must be a number in [0, 1) (below 1 in float32 too), got {}", crate::json::number(rate));
    }
    Ok(single)
}

/// Seeded masks, one draw per training forward. `rewind` replays the last draw, so a gradient
/// check can evaluate the very function whose gradient was taken.
#[derive(Clone, Debug)]
pub struct DropoutStream {
    rate: f32,
    seed: u64,
    draws: u64,
}

impl DropoutStream {
    /// A stream of masks for `rate`, which the caller has checked (`check_rate`).
    pub fn new(rate: f32, rng: &mut Rng) -> DropoutStream {
        DropoutStream { rate, seed: rng.random(), draws: 0 }
    }

    pub fn rate(&self) -> f32 {
        self.rate
    }

    /// `count` multipliers: 0 (dropped) or 1/(1-rate) (kept).
    pub fn next_mask(&mut self, count: usize) -> Vec<f32> {
        let mut rng = random::rng(self.seed ^ self.draws.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        self.draws += 1;
        let keep = 1.0 - self.rate;
        (0..count).map(|_| if rng.random::<f32>() < keep { 1.0 / keep } else { 0.0 }).collect()
    }

    pub fn rewind(&mut self) {
        self.draws = self.draws.saturating_sub(1);
    }

    /// Where the stream is: its seed and how many masks it has drawn (saved with a model's
    /// training state, so that training resumes with the masks it would have drawn next).
    pub fn position(&self) -> (u64, u64) {
        (self.seed, self.draws)
    }

    pub fn set_position(&mut self, (seed, draws): (u64, u64)) {
        self.seed = seed;
        self.draws = draws;
    }
}

/// Multiplies `values` by `mask` elementwise.
pub fn apply_mask(values: &mut [f32], mask: &[f32]) {
    crate::kernels::simd::binary_inplace(crate::kernels::simd::BinaryOp::Mul, values, mask);
}

pub struct Dropout {
    name: String,
    config: DropoutConfig,
    input_shape: Vec<usize>,
    stream: DropoutStream,
    /// The last training mask (empty after inference).
    mask: Vec<f32>,
}

impl Dropout {
    pub fn new(name: &str, input_shape: &[usize], config: &DropoutConfig, rng: &mut Rng) -> Result<Dropout> {
        let stream = DropoutStream::new(check_rate(config.rate, name, "rate")?, rng);
        let config = DropoutConfig { name: Some(name.to_string()), ..config.clone() };
        Ok(Dropout { name: name.to_string(), config, input_shape: input_shape.to_vec(), stream, mask: Vec::new() })
    }
}

impl Layer for Dropout {
    fn kind(&self) -> &'static str {
        "dropout"
    }

    fn config(&self) -> LayerConfig {
        LayerConfig::Dropout(self.config.clone())
    }

    fn output_shape(&self) -> Vec<usize> {
        self.input_shape.clone()
    }

    fn output_shape_for(&self, input: &[usize]) -> Vec<usize> {
        input.to_vec()
    }

    fn forward(&mut self, x: &Tensor, pass: &Pass<'_>) -> Result<Tensor> {
        if !pass.training || self.stream.rate() == 0.0 {
            self.mask.clear();
            return Ok(x.clone());
        }
        self.mask = self.stream.next_mask(x.len());
        let mut y = crate::memory::copied(x.as_slice(), &format!("{}'s output", self.name))?;
        apply_mask(&mut y, &self.mask);
        Tensor::from_vec(x.shape(), y)
    }

    fn backward(&mut self, mut grad: Vec<f32>, _need_input_grad: bool) -> Result<Vec<f32>> {
        if !self.mask.is_empty() {
            if grad.len() != self.mask.len() {
                return Err(Error::new(ErrorKind::Internal, format!("{}: backward without a matching training forward", self.name)));
            }
            apply_mask(&mut grad, &self.mask);
        }
        Ok(grad)
    }

    fn params(&self) -> &[Param] {
        &[]
    }

    fn params_mut(&mut self) -> &mut [Param] {
        &mut []
    }

    fn rewind_randomness(&mut self) {
        self.stream.rewind();
    }

    fn dropout_stream_mut(&mut self) -> Option<&mut DropoutStream> {
        Some(&mut self.stream)
    }
}
