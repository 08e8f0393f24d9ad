//! The seed's chapters 1-2: the perceptron (step activation) and the linear unit (identity
//! activation), one neuron trained by the perceptron rule w <- w + rate (t - y) x, b <- b + rate (t - y).
//! With the identity activation that rule is exactly SGD on E = 1/2 sum (t - y)^2.
//!
//! Unlike the rest of `nn` this works in f64 on plain slices: these models are tiny, and f64 with
//! the seed's operation order reproduces the seed's printed numbers to the last digit.

use rand_distr::{Distribution, Uniform};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::config::{check_envelope, DESCRIPTION_VERSION};
use crate::json;
use crate::random::{self, Rng};
use crate::{invalid_arg, Error, ErrorKind, Result};

/// The `format` of a single unit's description.
pub const UNIT_FORMAT: &str = "zerodl.unit";

/// Which of the seed's single units.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum UnitKind {
    /// Chapter 1: the step unit.
    Perceptron,
    /// Chapter 2: the identity unit.
    LinearUnit,
}

impl UnitKind {
    pub fn activation(self) -> PerceptronActivation {
        match self {
            UnitKind::Perceptron => PerceptronActivation::Step,
            UnitKind::LinearUnit => PerceptronActivation::Identity,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            UnitKind::Perceptron => "perceptron",
            UnitKind::LinearUnit => "linearUnit",
        }
    }
}

/// A perceptron's or linear unit's description (versioned like a model's).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UnitConfig {
    pub format: String,
    pub version: u32,
    pub kind: UnitKind,
    /// Values per sample (>= 1).
    pub input_size: usize,
}

impl UnitConfig {
    pub fn new(kind: UnitKind, input_size: usize) -> UnitConfig {
        UnitConfig { format: UNIT_FORMAT.to_string(), version: DESCRIPTION_VERSION, kind, input_size }
    }

    /// Reads a description strictly (`format` and `version` may be left out).
    pub fn from_json(value: &Value, what: &str) -> Result<UnitConfig> {
        let object = json::object(value, what)?;
        json::check_keys(object, json::fields::<UnitConfig>(), what)?;
        check_envelope(object, UNIT_FORMAT, what)?;
        let mut object = object.clone();
        object.insert("format".into(), UNIT_FORMAT.into());
        object.insert("version".into(), DESCRIPTION_VERSION.into());
        let config: UnitConfig = json::typed(&Value::Object(object), what)?;
        if config.input_size == 0 {
            invalid_arg!("{what}: inputSize must be an integer >= 1, got 0");
        }
        Ok(config)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("descriptions serialize")
    }
}

/// The unit's activation: the perceptron's step or the linear unit's identity.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PerceptronActivation {
    /// 1 if v > 0 else 0. Strict, as in the seed: step(0) = 0.
    Step,
    /// f(v) = v: the linear unit.
    Identity,
}

impl PerceptronActivation {
    pub fn parse(name: &str) -> Result<Self> {
        match name {
            "step" => Ok(Self::Step),
            "identity" => Ok(Self::Identity),
            other => invalid_arg!("unknown perceptron activation {other:?}; expected \"step\" or \"identity\""),
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Self::Step => "step",
            Self::Identity => "identity",
        }
    }

    fn apply(self, v: f64) -> f64 {
        match self {
            Self::Step => {
                if v > 0.0 {
                    1.0
                } else {
                    0.0
                }
            }
            Self::Identity => v,
        }
    }
}

/// How to train: the seed's rule is `epochs` passes, `batch_size` 1, no shuffle.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PerceptronTraining {
    pub epochs: usize,
    pub learning_rate: f64,
    /// Samples per update. 1 is the seed's per-sample rule; above 1 the update is the MEAN of
    /// rate (t - y) x over the batch (so the step size does not grow with the batch), all of the
    /// batch predicted with the weights as they were at its start; >= n is full-batch gradient
    /// descent. The last batch of an epoch may be smaller and is averaged over its own size.
    pub batch_size: usize,
    /// Reshuffle the sample order every epoch with this seed; `None` keeps the given order.
    pub shuffle_seed: Option<u64>,
}

impl PerceptronTraining {
    /// The seed's setup: per-sample updates, samples in order.
    pub fn seed_rule(epochs: usize, learning_rate: f64) -> Self {
        PerceptronTraining { epochs, learning_rate, batch_size: 1, shuffle_seed: None }
    }
}

/// The state after one epoch, handed to `train`'s callback.
#[derive(Clone, Copy, Debug)]
pub struct EpochState<'a> {
    /// 1-based.
    pub epoch: usize,
    pub weights: &'a [f64],
    pub bias: f64,
    /// Samples whose error t - y was non-zero when they were used in this epoch (for the step
    /// unit: its mistakes). Zero means the epoch changed nothing; a perceptron that never reaches
    /// zero has not converged even if its end-of-epoch weights repeat (on XOR they do: it cycles
    /// within each epoch).
    pub mistakes: usize,
    /// Mean of 1/2 (t - y)^2 over the epoch, each sample's error taken as it was used (before its
    /// own update), like Keras's running epoch loss.
    pub loss: f64,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Perceptron {
    weights: Vec<f64>,
    bias: f64,
    activation: PerceptronActivation,
}

impl Perceptron {
    /// A unit with `inputs` weights, all starting at 0 as in the seed (so runs are reproducible
    /// and the goldens match; a single unit has no symmetry to break).
    pub fn new(inputs: usize, activation: PerceptronActivation) -> Result<Perceptron> {
        if inputs == 0 {
            invalid_arg!("a perceptron needs at least 1 input, got 0");
        }
        crate::memory::check_bytes(inputs.checked_mul(std::mem::size_of::<f64>()), &format!("a unit of {inputs} inputs"))?;
        let mut weights = Vec::new();
        weights.try_reserve_exact(inputs).map_err(|_| Error::new(ErrorKind::OutOfMemory, format!("a unit of {inputs} inputs: the system refused its weights")))?;
        weights.resize(inputs, 0.0);
        Ok(Perceptron { weights, bias: 0.0, activation })
    }

    /// The unit a description describes (weights at 0).
    pub fn from_config(config: &UnitConfig) -> Result<Perceptron> {
        Perceptron::new(config.input_size, config.kind.activation())
    }

    /// The unit's description.
    pub fn config(&self) -> UnitConfig {
        let kind = match self.activation {
            PerceptronActivation::Step => UnitKind::Perceptron,
            PerceptronActivation::Identity => UnitKind::LinearUnit,
        };
        UnitConfig::new(kind, self.inputs())
    }

    pub fn inputs(&self) -> usize {
        self.weights.len()
    }

    pub fn weights(&self) -> &[f64] {
        &self.weights
    }

    pub fn bias(&self) -> f64 {
        self.bias
    }

    pub fn activation(&self) -> PerceptronActivation {
        self.activation
    }

    pub fn set_weights(&mut self, weights: &[f64], bias: f64) -> Result<()> {
        if weights.len() != self.weights.len() {
            return Err(Error::shape_mismatch(format!("expected {} weights (one per input), got {}", self.weights.len(), weights.len())));
        }
        if let Some(i) = weights.iter().position(|w| !w.is_finite()) {
            return Err(non_finite(format!("weights[{i}] is {}; weights must be finite", weights[i])));
        }
        if !bias.is_finite() {
            return Err(non_finite(format!("bias is {bias}; it must be finite")));
        }
        self.weights.copy_from_slice(weights);
        self.bias = bias;
        Ok(())
    }

    /// f(w . x + b) for one sample.
    pub fn predict(&self, x: &[f64]) -> Result<f64> {
        if x.len() != self.weights.len() {
            return Err(Error::shape_mismatch(format!("expected an input of {} values, got {}", self.weights.len(), x.len())));
        }
        check_finite("input", x, None)?;
        Ok(self.output(x))
    }

    /// One prediction per row of `inputs` (n x d, row-major).
    pub fn predict_batch(&self, inputs: &[f64]) -> Result<Vec<f64>> {
        let d = self.weights.len();
        if !inputs.len().is_multiple_of(d) {
            return Err(Error::shape_mismatch(format!("expected rows of {d} values (n x {d} row-major), got {} values, not a multiple of {d}", inputs.len())));
        }
        check_finite("inputs", inputs, Some(d))?;
        Ok(inputs.chunks_exact(d).map(|x| self.output(x)).collect())
    }

    /// The seed's order of operations exactly: a 0.0-started sum of x_i w_i in index order, then
    /// + b, so the results are bit-identical to the seed's Python.
    fn output(&self, x: &[f64]) -> f64 {
        let mut sum = 0.0;
        for (xi, wi) in x.iter().zip(&self.weights) {
            sum += xi * wi;
        }
        self.activation.apply(sum + self.bias)
    }

    /// Trains on `inputs` (n x d row-major) against `labels` (n). Calls `on_epoch` after every epoch.
    /// Errors (nothing is changed) on bad arguments; errors with `NonFinite` mid-training if the
    /// weights blow up (learning rate too large), leaving the last weights in place.
    pub fn train(&mut self, inputs: &[f64], labels: &[f64], config: &PerceptronTraining, mut on_epoch: impl FnMut(&EpochState)) -> Result<()> {
        let d = self.weights.len();
        let n = labels.len();
        self.check_training(inputs, labels, config)?;
        let rate = config.learning_rate;
        let batch_size = config.batch_size.min(n);
        let mut order: Vec<usize> = (0..n).collect();
        let mut rng = config.shuffle_seed.map(random::rng);
        let mut grad = vec![0.0; d];
        for epoch in 1..=config.epochs {
            if let Some(rng) = rng.as_mut() {
                shuffle(&mut order, rng);
            }
            let (mut mistakes, mut loss) = (0usize, 0.0f64);
            for batch in order.chunks(batch_size) {
                if batch_size == 1 {
                    // The seed's rule, in the seed's operation order: w + (rate delta) x.
                    let i = batch[0];
                    let x = &inputs[i * d..(i + 1) * d];
                    let delta = labels[i] - self.output(x);
                    loss += 0.5 * delta * delta;
                    if delta != 0.0 {
                        mistakes += 1;
                        let step = rate * delta;
                        for (w, xi) in self.weights.iter_mut().zip(x) {
                            *w += step * xi;
                        }
                        self.bias += step;
                    }
                    continue;
                }
                grad.fill(0.0);
                let mut grad_bias = 0.0;
                for &i in batch {
                    let x = &inputs[i * d..(i + 1) * d];
                    let delta = labels[i] - self.output(x);
                    loss += 0.5 * delta * delta;
                    if delta != 0.0 {
                        mistakes += 1;
                    }
                    for (g, xi) in grad.iter_mut().zip(x) {
                        *g += delta * xi;
                    }
                    grad_bias += delta;
                }
                let scale = rate / batch.len() as f64;
                for (w, g) in self.weights.iter_mut().zip(&grad) {
                    *w += scale * g;
                }
                self.bias += scale * grad_bias;
            }
            if self.weights.iter().any(|w| !w.is_finite()) || !self.bias.is_finite() {
                return Err(non_finite(format!(
                    "training diverged at epoch {epoch}: the weights became non-finite (learning rate {rate} is too large for this data; lower it or scale the inputs)"
                )));
            }
            on_epoch(&EpochState { epoch, weights: &self.weights, bias: self.bias, mistakes, loss: loss / n as f64 });
        }
        Ok(())
    }

    fn check_training(&self, inputs: &[f64], labels: &[f64], config: &PerceptronTraining) -> Result<()> {
        let d = self.weights.len();
        let n = labels.len();
        if n == 0 {
            invalid_arg!("training needs at least 1 sample, got 0 labels");
        }
        if inputs.len() != n * d {
            return Err(Error::shape_mismatch(format!(
                "expected inputs of {n} x {d} = {} values ({n} labels, {d} inputs per sample), got {} values",
                n * d,
                inputs.len()
            )));
        }
        check_finite("inputs", inputs, Some(d))?;
        check_finite("labels", labels, None)?;
        if self.activation == PerceptronActivation::Step {
            if let Some((i, l)) = labels.iter().enumerate().find(|&(_, &l)| l != 0.0 && l != 1.0) {
                invalid_arg!("a perceptron's labels are its two classes, 0 or 1, got {l} at labels[{i}]");
            }
        }
        if config.epochs == 0 {
            invalid_arg!("epochs must be an integer >= 1, got 0");
        }
        if !(config.learning_rate.is_finite() && config.learning_rate > 0.0) {
            invalid_arg!("learning rate must be a finite number > 0, got {}", config.learning_rate);
        }
        if config.batch_size == 0 {
            invalid_arg!("batch size must be an integer >= 1, got 0");
        }
        Ok(())
    }
}

fn non_finite(message: String) -> Error {
    Error::new(ErrorKind::NonFinite, message)
}

/// Names the first non-finite value of `name`, as `name[row][col]` for a row-major matrix with
/// `width` columns or `name[i]` for a vector (`None`), matching how JS callers index their arrays.
fn check_finite(name: &str, values: &[f64], width: Option<usize>) -> Result<()> {
    let Some(i) = values.iter().position(|v| !v.is_finite()) else { return Ok(()) };
    let at = match width {
        Some(w) => format!("[{}][{}]", i / w, i % w),
        None => format!("[{i}]"),
    };
    Err(non_finite(format!("{name}{at} is {}; every value must be finite", values[i])))
}

/// Fisher-Yates with an integer distribution, so a seed gives the same order on every platform.
fn shuffle(order: &mut [usize], rng: &mut Rng) {
    for i in (1..order.len()).rev() {
        let j = Uniform::new_inclusive(0u64, i as u64).expect("0 <= i").sample(rng) as usize;
        order.swap(i, j);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GATE_INPUTS: [f64; 8] = [1.0, 1.0, 0.0, 0.0, 1.0, 0.0, 0.0, 1.0];
    const YEARS: [f64; 5] = [5.0, 3.0, 8.0, 1.4, 10.1];
    const SALARY: [f64; 5] = [5500.0, 2300.0, 7600.0, 1800.0, 11400.0];

    /// Trains and returns the (weights, bias) after every epoch.
    fn history(p: &mut Perceptron, inputs: &[f64], labels: &[f64], config: PerceptronTraining) -> Vec<(Vec<f64>, f64)> {
        let mut out = Vec::new();
        p.train(inputs, labels, &config, |s| out.push((s.weights.to_vec(), s.bias))).unwrap();
        out
    }

    /// Exact: same f64 operations in the same order as the seed's Python, so the same bits.
    fn close(a: f64, b: f64) -> bool {
        a == b
    }

    #[test]
    fn and_gate_matches_the_seed_epoch_by_epoch() {
        let mut p = Perceptron::new(2, PerceptronActivation::Step).unwrap();
        let h = history(&mut p, &GATE_INPUTS, &[1.0, 0.0, 0.0, 0.0], PerceptronTraining::seed_rule(10, 0.1));
        let expected: [([f64; 2], f64); 3] = [([0.0, 0.1], -0.1), ([0.0, 0.1], -0.2), ([0.1, 0.1], -0.2)];
        for (epoch, (w, b)) in expected.iter().enumerate() {
            assert!(close(h[epoch].0[0], w[0]) && close(h[epoch].0[1], w[1]) && close(h[epoch].1, *b), "epoch {}: {:?}", epoch + 1, h[epoch]);
        }
        for (w, b) in &h[3..] {
            assert!(close(w[0], 0.1) && close(w[1], 0.2) && close(*b, -0.2), "{w:?} {b}");
        }
        assert_eq!(p.predict_batch(&GATE_INPUTS).unwrap(), [1.0, 0.0, 0.0, 0.0]);
    }

    #[test]
    fn or_gate_converges_after_one_epoch() {
        let mut p = Perceptron::new(2, PerceptronActivation::Step).unwrap();
        let h = history(&mut p, &GATE_INPUTS, &[1.0, 0.0, 1.0, 1.0], PerceptronTraining::seed_rule(10, 0.1));
        for (w, b) in &h {
            assert!(close(w[0], 0.1) && close(w[1], 0.1) && close(*b, 0.0), "{w:?} {b}");
        }
        assert_eq!(p.predict_batch(&GATE_INPUTS).unwrap(), [1.0, 0.0, 1.0, 1.0]);
    }

    #[test]
    fn step_is_strict_at_zero() {
        let p = Perceptron::new(1, PerceptronActivation::Step).unwrap();
        assert_eq!(p.predict(&[5.0]).unwrap(), 0.0);
    }

    #[test]
    fn linear_unit_matches_the_seed_salary_run() {
        let mut p = Perceptron::new(1, PerceptronActivation::Identity).unwrap();
        let h = history(&mut p, &YEARS, &SALARY, PerceptronTraining::seed_rule(10, 0.01));
        let expected = [
            (1, 1124.0884514680001, 165.26044668),
            (2, 1117.2362469327707, 154.8423193732754),
            (3, 1118.1773386013936, 145.76193688248156),
            (5, 1119.9163650519292, 127.95091539946986),
            (10, 1124.0634970262222, 85.48528882583837),
        ];
        for (epoch, w, b) in expected {
            let (ws, bs) = &h[epoch - 1];
            assert!(close(ws[0], w) && close(*bs, b), "epoch {epoch}: {ws:?} {bs}");
        }
        for (years, salary) in [(3.4, 3907.30), (15.0, 16946.44), (1.5, 1771.58), (6.3, 7167.09)] {
            let y = p.predict(&[years]).unwrap();
            assert!((y - salary).abs() < 0.005, "{years} years: {y}");
        }
    }

    fn salary_sse(p: &Perceptron) -> f64 {
        YEARS.iter().zip(&SALARY).map(|(x, t)| 0.5 * (t - p.predict(&[*x]).unwrap()).powi(2)).sum()
    }

    #[test]
    fn batch_and_mini_batch_descend_and_average_the_batch() {
        let zero = Perceptron::new(1, PerceptronActivation::Identity).unwrap();
        for batch_size in [2, 5, 100] {
            let mut p = zero.clone();
            let config = PerceptronTraining { batch_size, ..PerceptronTraining::seed_rule(10, 0.01) };
            p.train(&YEARS, &SALARY, &config, |_| {}).unwrap();
            assert!(salary_sse(&p) < 0.1 * salary_sse(&zero), "batch {batch_size}: {:?}", p);
        }
        // Full batch, one epoch from zero: delta = t, so w = rate mean(t x), b = rate mean(t).
        let mut p = zero.clone();
        p.train(&YEARS, &SALARY, &PerceptronTraining { batch_size: 5, ..PerceptronTraining::seed_rule(1, 0.01) }, |_| {}).unwrap();
        let mean_tx = YEARS.iter().zip(&SALARY).map(|(x, t)| x * t).sum::<f64>() / 5.0;
        let mean_t = SALARY.iter().sum::<f64>() / 5.0;
        assert!(close(p.weights()[0], 0.01 * mean_tx) && close(p.bias(), 0.01 * mean_t), "{p:?}");
    }

    #[test]
    fn shuffling_is_seeded_and_only_when_asked() {
        let run = |seed: Option<u64>| {
            let mut p = Perceptron::new(1, PerceptronActivation::Identity).unwrap();
            let config = PerceptronTraining { shuffle_seed: seed, ..PerceptronTraining::seed_rule(3, 0.01) };
            p.train(&YEARS, &SALARY, &config, |_| {}).unwrap();
            p
        };
        assert_eq!(run(Some(7)), run(Some(7)));
        assert_ne!(run(Some(7)), run(None));
        assert_ne!(run(Some(7)), run(Some(8)));
        let mut order: Vec<usize> = (0..50).collect();
        shuffle(&mut order, &mut random::rng(1));
        let mut sorted = order.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..50).collect::<Vec<_>>());
    }

    #[test]
    fn learns_a_separable_set() {
        // Two clusters either side of x0 + 2 x1 = 3, not through the origin (needs the bias).
        let mut inputs = Vec::new();
        let mut labels = Vec::new();
        for i in 0..20 {
            let (a, b) = (f64::from(i % 5) * 0.3, f64::from(i / 5) * 0.2);
            inputs.extend([a, b]);
            labels.push(0.0);
            inputs.extend([2.0 + a, 1.5 + b]);
            labels.push(1.0);
        }
        let mut p = Perceptron::new(2, PerceptronActivation::Step).unwrap();
        let mut last = usize::MAX;
        p.train(&inputs, &labels, &PerceptronTraining::seed_rule(50, 0.1), |s| last = s.mistakes).unwrap();
        assert_eq!(last, 0, "still making mistakes after 50 epochs");
        assert_eq!(p.predict_batch(&inputs).unwrap(), labels);
    }

    #[test]
    fn cannot_learn_xor() {
        let labels = [0.0, 0.0, 1.0, 1.0];
        let mut p = Perceptron::new(2, PerceptronActivation::Step).unwrap();
        let mut mistakes = Vec::new();
        p.train(&GATE_INPUTS, &labels, &PerceptronTraining::seed_rule(100, 0.1), |s| mistakes.push(s.mistakes)).unwrap();
        // Every epoch still made a mistake, so every epoch still changed the weights: no convergence.
        assert_eq!(mistakes.len(), 100);
        assert!(mistakes.iter().all(|&m| m > 0), "{mistakes:?}");
        let predictions = p.predict_batch(&GATE_INPUTS).unwrap();
        assert_ne!(predictions, labels);
    }

    #[test]
    fn bad_arguments_are_typed_and_change_nothing() {
        let mut p = Perceptron::new(2, PerceptronActivation::Step).unwrap();
        let ok = PerceptronTraining::seed_rule(1, 0.1);
        type Case<'a> = (&'a [f64], &'a [f64], PerceptronTraining, ErrorKind, &'a str);
        let cases: Vec<Case> = vec![
            (&GATE_INPUTS, &[1.0, 0.0, 0.0], ok, ErrorKind::ShapeMismatch, "inputs of 3 x 2 = 6 values (3 labels, 2 inputs per sample), got 8"),
            (&GATE_INPUTS[..7], &[1.0, 0.0, 0.0, 0.0], ok, ErrorKind::ShapeMismatch, "got 7 values"),
            (&[1.0, f64::NAN, 0.0, 0.0], &[1.0, 0.0], ok, ErrorKind::NonFinite, "inputs[0][1] is NaN"),
            (&[1.0, 1.0], &[f64::INFINITY], ok, ErrorKind::NonFinite, "labels[0] is inf"),
            (&[1.0, f64::NEG_INFINITY], &[1.0], ok, ErrorKind::NonFinite, "inputs[0][1] is -inf"),
            (&[], &[], ok, ErrorKind::InvalidArgument, "at least 1 sample"),
            (&GATE_INPUTS, &[1.0; 4], PerceptronTraining { epochs: 0, ..ok }, ErrorKind::InvalidArgument, "epochs must be an integer >= 1, got 0"),
            (&GATE_INPUTS, &[1.0; 4], PerceptronTraining { learning_rate: -0.1, ..ok }, ErrorKind::InvalidArgument, "> 0, got -0.1"),
            (&GATE_INPUTS, &[1.0; 4], PerceptronTraining { learning_rate: f64::NAN, ..ok }, ErrorKind::InvalidArgument, "got NaN"),
            (&GATE_INPUTS, &[1.0; 4], PerceptronTraining { batch_size: 0, ..ok }, ErrorKind::InvalidArgument, "batch size must be an integer >= 1, got 0"),
        ];
        for (inputs, labels, config, kind, message) in cases {
            let err = p.train(inputs, labels, &config, |_| panic!("no epoch may run")).unwrap_err();
            assert_eq!(err.kind, kind, "{err}");
            assert!(err.message.contains(message), "{err}");
        }
        assert_eq!(p, Perceptron::new(2, PerceptronActivation::Step).unwrap());
        assert_eq!(Perceptron::new(0, PerceptronActivation::Step).unwrap_err().kind, ErrorKind::InvalidArgument);
        assert_eq!(p.predict(&[1.0]).unwrap_err().kind, ErrorKind::ShapeMismatch);
        assert!(p.predict(&[1.0, f64::NAN]).unwrap_err().message.contains("input[1] is NaN"));
        assert!(p.predict_batch(&[1.0, f64::NAN]).unwrap_err().message.contains("inputs[0][1] is NaN"));
        assert!(p.predict_batch(&[1.0, 2.0, 3.0]).unwrap_err().message.contains("not a multiple of 2"));
        assert_eq!(p.set_weights(&[1.0], 0.0).unwrap_err().kind, ErrorKind::ShapeMismatch);
        assert_eq!(p.set_weights(&[1.0, 2.0], f64::NAN).unwrap_err().kind, ErrorKind::NonFinite);
        assert!(PerceptronActivation::parse("relu").unwrap_err().message.contains("\"relu\""));
    }

    #[test]
    fn descriptions_round_trip_and_are_strict() {
        let p = Perceptron::new(3, PerceptronActivation::Identity).unwrap();
        let json: Value = serde_json::from_str(&p.config().to_json()).unwrap();
        assert_eq!(json, serde_json::json!({ "format": "zerodl.unit", "version": 1, "kind": "linearUnit", "inputSize": 3 }));
        assert_eq!(Perceptron::from_config(&UnitConfig::from_json(&json, "x").unwrap()).unwrap(), p);
        let err = UnitConfig::from_json(&serde_json::json!({ "kind": "perceptron", "inputsize": 2 }), "Perceptron.fromConfig()").unwrap_err();
        assert!(err.message.contains("unknown option \"inputsize\"; did you mean \"inputSize\"?"), "{err}");
        let err = UnitConfig::from_json(&serde_json::json!({ "kind": "perceptron", "inputSize": 2, "version": 9 }), "x").unwrap_err();
        assert!(err.message.contains("format version 9"), "{err}");
        assert_eq!(Perceptron::new(1 << 60, PerceptronActivation::Step).unwrap_err().code(), "ERR_OUT_OF_MEMORY");
    }

    #[test]
    fn divergence_is_a_non_finite_error() {
        let mut p = Perceptron::new(1, PerceptronActivation::Identity).unwrap();
        let err = p.train(&YEARS, &SALARY, &PerceptronTraining::seed_rule(1000, 1.0), |_| {}).unwrap_err();
        assert_eq!(err.kind, ErrorKind::NonFinite);
        assert!(err.message.contains("diverged"), "{err}");
    }
}
