//! Losses (mean over the batch) with their gradients, and the accuracy metric.
//!
//! Cross-entropy and binary cross-entropy are computed from the last layer's pre-activation
//! (logits) when that layer ends in softmax / sigmoid, so they stay finite however confident the
//! model is, and their gradient w.r.t. the logits is the fused `(p - t) / N`.

use std::sync::OnceLock;

use serde::{Deserialize, Serialize};

use super::activation::Activation;
use crate::kernels::simd::{self, UnaryOp};
use crate::kernels::CPtr;
use crate::parallel;
use crate::shape::fmt_shape;
use crate::{invalid_arg, Error, Result, Tensor};

/// Serialized by the names of the API ("meanSquaredError", ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Loss {
    /// mean((y - t)^2) over every element (PyTorch's MSELoss).
    MeanSquaredError,
    /// Softmax cross-entropy against distributions shaped like the output (one-hot rows, or
    /// probabilities: non-negative, summing to 1).
    #[serde(rename = "categoricalCrossentropy")]
    CategoricalCrossEntropy,
    /// Softmax cross-entropy against integer class labels, one per output row.
    #[serde(rename = "sparseCategoricalCrossentropy")]
    SparseCategoricalCrossEntropy,
    /// Sigmoid binary cross-entropy; targets in [0, 1], shaped like the output.
    #[serde(rename = "binaryCrossentropy")]
    BinaryCrossEntropy,
}

/// What a loss is computed on: the model's output (and the last layer's activation and
/// pre-activation, for the fused paths) against the targets.
#[derive(Clone, Copy)]
pub struct LossInput<'a> {
    pub output: &'a [f32],
    pub preactivation: Option<&'a [f32]>,
    pub activation: Activation,
    /// Shape of `output`; rows are all axes but the last.
    pub shape: &'a [usize],
    pub target: &'a Tensor,
    /// Rows that count (e.g. the valid steps of padded sequences); `None`: all. Masked rows add
    /// nothing to the loss, the gradient or the accuracy, and their targets are not read.
    pub mask: Option<&'a [bool]>,
}

/// The loss (mean over the counted rows), its gradient w.r.t. the output or (when `fused`) the
/// pre-activation, and the accuracy counts (classification losses).
pub struct LossOutput {
    pub value: f64,
    pub grad: Vec<f32>,
    pub fused: bool,
    pub correct: Option<Correct>,
    /// Rows the mean is over (all but the masked ones): the weight of this loss when batches
    /// are averaged together.
    pub rows: usize,
}

/// How many predictions were right (classification losses only).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Correct {
    pub correct: usize,
    pub total: usize,
}

/// Targets in the layout the loss needs.
enum Targets<'a> {
    Indices(Vec<usize>),
    Dense(&'a [f32]),
}

impl Loss {
    /// The name of the API ("sparseCategoricalCrossentropy").
    pub fn name(self) -> &'static str {
        match self {
            Loss::MeanSquaredError => "meanSquaredError",
            Loss::CategoricalCrossEntropy => "categoricalCrossentropy",
            Loss::SparseCategoricalCrossEntropy => "sparseCategoricalCrossentropy",
            Loss::BinaryCrossEntropy => "binaryCrossentropy",
        }
    }

    /// Whether `accuracy` means something for this loss.
    pub fn is_classification(self) -> bool {
        self != Loss::MeanSquaredError
    }

    fn is_cross_entropy(self) -> bool {
        matches!(self, Loss::CategoricalCrossEntropy | Loss::SparseCategoricalCrossEntropy)
    }

    /// Checks that the model's last activation suits this loss.
    pub fn check_output_activation(self, act: Activation) -> Result<()> {
        match (self, act) {
            (Loss::MeanSquaredError, _) | (Loss::BinaryCrossEntropy, Activation::Sigmoid | Activation::Identity) => Ok(()),
            (l, Activation::Softmax | Activation::Identity) if l.is_cross_entropy() => Ok(()),
            (Loss::BinaryCrossEntropy, a) => invalid_arg!("binaryCrossentropy needs a last layer with \"sigmoid\" (or \"linear\" logits), got \"{}\"", a.name()),
            (l, a) => invalid_arg!("{} needs a last layer with \"softmax\" (or \"linear\" logits), got \"{}\"", l.name(), a.name()),
        }
    }

    /// Reads targets for outputs of shape `out_shape` (rows = all but the last axis, e.g. batch, or
    /// batch x time for a sequence model; classes / features on the last axis), checking that
    /// they are in the format this loss expects. Masked rows are not read.
    fn targets<'a>(self, target: &'a Tensor, out_shape: &[usize], mask: Option<&[bool]>) -> Result<Targets<'a>> {
        let shape = target.shape();
        let (rows_shape, width) = out_shape.split_at(out_shape.len() - 1);
        let width = width[0];
        let counted = |row: usize| mask.is_none_or(|m| m[row]);
        let name = self.name();
        match self {
            Loss::SparseCategoricalCrossEntropy => {
                if shape != rows_shape {
                    if shape == out_shape {
                        invalid_arg!("{name} expects integer class labels of shape {} (one per output row), got targets of shape {} like one-hot rows; use categoricalCrossentropy for one-hot or probability targets", fmt_shape(rows_shape), fmt_shape(shape));
                    }
                    return Err(Error::shape_mismatch(format!("{name} expects integer class labels of shape {} for model outputs of shape {}, got targets of shape {}", fmt_shape(rows_shape), fmt_shape(out_shape), fmt_shape(shape))));
                }
                let idx = target
                    .as_slice()
                    .iter()
                    .enumerate()
                    .map(|(i, &v)| {
                        if !counted(i) {
                            return Ok(0); // a padded step: its label is never read
                        }
                        if !v.is_finite() {
                            return Err(non_finite_target(v, i));
                        }
                        if v.fract() != 0.0 || v < 0.0 || v >= width as f32 {
                            invalid_arg!("{name} expects integer class labels in [0, {width}), got {v} at index {i}");
                        }
                        Ok(v as usize)
                    })
                    .collect::<Result<Vec<_>>>()?;
                Ok(Targets::Indices(idx))
            }
            Loss::CategoricalCrossEntropy => {
                if shape != out_shape {
                    if shape == rows_shape {
                        invalid_arg!("{name} expects one-hot (or probability) rows of shape {}, got targets of shape {} like integer class labels; use sparseCategoricalCrossentropy for integer labels", fmt_shape(out_shape), fmt_shape(shape));
                    }
                    return Err(Error::shape_mismatch(format!("{name} expects one-hot (or probability) rows of shape {} like the model outputs, got targets of shape {}", fmt_shape(out_shape), fmt_shape(shape))));
                }
                for (row, t) in target.as_slice().chunks(width.max(1)).enumerate().filter(|&(r, _)| counted(r)) {
                    if let Some((j, &v)) = t.iter().enumerate().find(|&(_, v)| !v.is_finite()) {
                        return Err(non_finite_target(v, row * width + j));
                    }
                    if let Some((j, v)) = t.iter().enumerate().find(|&(_, &v)| v < 0.0) {
                        invalid_arg!("{name} expects target rows of non-negative values summing to 1 (one-hot or probabilities), got {v} at row {row}, column {j}");
                    }
                    let sum: f32 = t.iter().sum();
                    if (sum - 1.0).abs() > 1e-3 {
                        invalid_arg!("{name} expects target rows of non-negative values summing to 1 (one-hot or probabilities), got a row summing to {sum} at row {row}");
                    }
                }
                Ok(Targets::Dense(target.as_slice()))
            }
            Loss::MeanSquaredError | Loss::BinaryCrossEntropy => {
                if shape != out_shape && !(width == 1 && shape == rows_shape) {
                    return Err(Error::shape_mismatch(format!("{name} expects targets shaped like the model outputs {}, got targets of shape {}", fmt_shape(out_shape), fmt_shape(shape))));
                }
                let counted_values = || target.as_slice().iter().enumerate().filter(|&(i, _)| counted(i / width.max(1)));
                if let Some((i, &v)) = counted_values().find(|&(_, v)| !v.is_finite()) {
                    return Err(non_finite_target(v, i));
                }
                if self == Loss::BinaryCrossEntropy {
                    if let Some((i, v)) = counted_values().find(|&(_, v)| !(0.0..=1.0).contains(v)) {
                        invalid_arg!("{name} expects targets of values in [0, 1], got {v} at index {i}");
                    }
                }
                Ok(Targets::Dense(target.as_slice()))
            }
        }
    }

    /// Checks targets for outputs of shape `out_shape` (see `compute`) without computing anything.
    pub fn check_targets(self, target: &Tensor, out_shape: &[usize], mask: Option<&[bool]>) -> Result<()> {
        self.targets(target, out_shape, mask).map(|_| ())
    }

    /// Loss, gradient and accuracy counts in one pass over the targets.
    pub fn compute(self, input: &LossInput<'_>) -> Result<LossOutput> {
        let LossInput { output, preactivation, activation: act, shape, target, mask } = *input;
        let width = *shape.last().expect("outputs have a feature axis");
        let targets = self.targets(target, shape, mask)?;
        let counted = |row: usize| mask.is_none_or(|m| m[row]);
        let rows = output.len() / width.max(1);
        let count = (0..rows).filter(|&r| counted(r)).count().max(1);
        let mut grad = crate::memory::zeroed(output.len(), "the loss gradient")?;
        let mut value = 0.0f64;
        let mut correct = 0usize;
        match self {
            Loss::MeanSquaredError => {
                let Targets::Dense(t) = targets else { unreachable!("mse targets are dense") };
                let n = (count * width) as f32;
                for (i, (g, (&y, &t))) in grad.iter_mut().zip(output.iter().zip(t)).enumerate() {
                    if counted(i / width) {
                        *g = 2.0 * (y - t) / n;
                        value += f64::from(y - t).powi(2);
                    }
                }
                Ok(LossOutput { value: value / f64::from(n), grad, fused: false, correct: None, rows: count })
            }
            Loss::CategoricalCrossEntropy | Loss::SparseCategoricalCrossEntropy => {
                // Logits: the softmax layer's pre-activation, or the raw output of a linear layer.
                let logits = if act == Activation::Softmax { preactivation.unwrap_or(output) } else { output };
                // A softmax layer's output already is softmax(z): p - t needs no exp then.
                let probs = (act == Activation::Softmax && preactivation.is_some()).then_some(output);
                let scale = 1.0 / count as f32;
                let (value, correct) = per_row(rows, width, &mut grad, |b, g| {
                    if !counted(b) {
                        return (0.0, 0);
                    }
                    let (z, y) = (&logits[b * width..(b + 1) * width], &output[b * width..(b + 1) * width]);
                    let mut log_p = LogProbs::new(z, probs.map(|p| &p[b * width..(b + 1) * width]));
                    log_p.probabilities(g);
                    let mut value = 0.0;
                    let want = match &targets {
                        Targets::Indices(idx) => {
                            value -= log_p.at(idx[b]);
                            g[idx[b]] -= 1.0;
                            idx[b]
                        }
                        Targets::Dense(t) => {
                            let t = &t[b * width..(b + 1) * width];
                            for (j, &t) in t.iter().enumerate().filter(|&(_, &t)| t != 0.0) {
                                value -= f64::from(t) * log_p.at(j);
                                g[j] -= t;
                            }
                            argmax(t)
                        }
                    };
                    simd::scale_inplace(scale, g);
                    (value, usize::from(argmax(y) == want))
                });
                Ok(LossOutput { value: value / count as f64, grad, fused: true, correct: Some(Correct { correct, total: count }), rows: count })
            }
            Loss::BinaryCrossEntropy => {
                let Targets::Dense(t) = targets else { unreachable!("bce targets are dense") };
                let logits = if act == Activation::Sigmoid { preactivation.unwrap_or(output) } else { output };
                // Outputs are probabilities (sigmoid) or logits (linear): threshold accordingly.
                let threshold = if act == Activation::Sigmoid { 0.5 } else { 0.0 };
                // Stable form: max(z, 0) - z t + ln(1 + e^-|z|); gradient sigmoid(z) - t.
                let n = (count * width) as f32;
                for (i, (g, (&z, &t))) in grad.iter_mut().zip(logits.iter().zip(t)).enumerate() {
                    if counted(i / width) {
                        value += f64::from(z.max(0.0) - z * t + (-z.abs()).exp().ln_1p());
                        *g = (1.0 / (1.0 + (-z).exp()) - t) / n;
                        correct += usize::from((output[i] > threshold) == (t > 0.5));
                    }
                }
                Ok(LossOutput { value: value / f64::from(n), grad, fused: true, correct: Some(Correct { correct, total: count * width }), rows: count })
            }
        }
    }
}

fn non_finite_target(v: f32, i: usize) -> Error {
    Error::new(crate::ErrorKind::NonFinite, format!("targets must be finite, got {v} at flat index {i}"))
}

fn argmax(row: &[f32]) -> usize {
    row.iter().enumerate().fold(0, |best, (j, &v)| if v > row[best] { j } else { best })
}

/// Rows (of `width` values of `grad`) per block of [`per_row`].
const ROWS_PER_BLOCK: usize = 128;

/// Runs `f(row, its gradient)` on every row, blocks of rows shared by the team's threads, and adds
/// up what it returns (loss, hits) block by block in order: the sum never depends on the threads.
fn per_row(rows: usize, width: usize, grad: &mut [f32], f: impl Fn(usize, &mut [f32]) -> (f64, usize) + Sync) -> (f64, usize) {
    let blocks = rows.div_ceil(ROWS_PER_BLOCK);
    let sums: Vec<OnceLock<(f64, usize)>> = (0..blocks).map(|_| OnceLock::new()).collect();
    let grad_at = CPtr(grad.as_mut_ptr());
    let helpers = if blocks > 1 { parallel::num_threads() - 1 } else { 0 };
    parallel::team::for_each_block(helpers, blocks, |i| {
        let span = i * ROWS_PER_BLOCK..((i + 1) * ROWS_PER_BLOCK).min(rows);
        let mut sum = (0.0, 0);
        for b in span {
            // SAFETY: row b's gradient belongs to this block alone.
            let g = unsafe { std::slice::from_raw_parts_mut(grad_at.at(b * width), width) };
            let (v, c) = f(b, g);
            (sum.0, sum.1) = (sum.0 + v, sum.1 + c);
        }
        sums[i].set(sum).expect("each block runs once");
    });
    sums.iter().filter_map(OnceLock::get).fold((0.0, 0), |(v, c), &(bv, bc)| (v + bv, c + bc))
}

/// One row's log-probabilities: from the softmax layer's output p when it has it (ln p), else, or
/// where p underflows, from the logits by a stable log-softmax, formed once when first needed.
struct LogProbs<'a> {
    z: &'a [f32],
    p: Option<&'a [f32]>,
    log_softmax: Vec<f32>,
}

impl<'a> LogProbs<'a> {
    /// Below this p, ln p is taken from the logits (p may have underflowed to 0).
    const TINY: f32 = 1e-30;

    fn new(z: &'a [f32], p: Option<&'a [f32]>) -> LogProbs<'a> {
        LogProbs { z, p, log_softmax: Vec::new() }
    }

    /// ln p_j.
    fn at(&mut self, j: usize) -> f64 {
        match self.p {
            Some(p) if p[j] >= Self::TINY => f64::from(p[j].ln()),
            _ => f64::from(self.of_logits()[j]),
        }
    }

    /// softmax(z) into `g`.
    fn probabilities(&mut self, g: &mut [f32]) {
        match self.p {
            Some(p) => g.copy_from_slice(p),
            None => simd::unary(UnaryOp::Exp, self.of_logits(), g),
        }
    }

    fn of_logits(&mut self) -> &[f32] {
        if self.log_softmax.is_empty() {
            self.log_softmax = vec![0.0; self.z.len()];
            simd::log_softmax_row(self.z, &mut self.log_softmax);
        }
        &self.log_softmax
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(shape: &[usize], v: &[f32]) -> Tensor {
        Tensor::from_vec(shape, v.to_vec()).unwrap()
    }

    fn run(loss: Loss, output: &[f32], preactivation: Option<&[f32]>, activation: Activation, shape: &[usize], target: &Tensor) -> Result<LossOutput> {
        loss.compute(&LossInput { output, preactivation, activation, shape, target, mask: None })
    }

    #[test]
    fn cross_entropy_matches_the_formula_and_is_finite_for_huge_logits() {
        // Two samples, three classes, logits given; labels 2 and 0.
        let z = [1.0f32, 2.0, 3.0, 1000.0, 0.0, -1000.0];
        let mut p = z.to_vec();
        Activation::Softmax.forward(&mut p, 3);
        let out = run(Loss::SparseCategoricalCrossEntropy, &p, Some(&z), Activation::Softmax, &[2, 3], &t(&[2], &[2.0, 0.0])).unwrap();
        let want = (-(3.0f64 - (1f64.exp() + 2f64.exp() + 3f64.exp()).ln()) + 0.0) / 2.0;
        assert!((out.value - want).abs() < 1e-6, "{} vs {want}", out.value);
        assert!(out.fused && out.grad.iter().all(|g| g.is_finite()));
        // One-hot targets give the same loss as indices.
        let onehot = t(&[2, 3], &[0.0, 0.0, 1.0, 1.0, 0.0, 0.0]);
        let same = run(Loss::CategoricalCrossEntropy, &p, Some(&z), Activation::Softmax, &[2, 3], &onehot).unwrap();
        assert!((same.value - out.value).abs() < 1e-9);
        assert_eq!(same.grad, out.grad);
        // A label whose probability underflows to 0 still gets its finite loss (from the logits).
        let out = run(Loss::SparseCategoricalCrossEntropy, &p, Some(&z), Activation::Softmax, &[2, 3], &t(&[2], &[2.0, 2.0])).unwrap();
        let want = (-(3.0f64 - (1f64.exp() + 2f64.exp() + 3f64.exp()).ln()) + 2000.0) / 2.0;
        assert!((out.value - want).abs() < 1e-4, "{} vs {want}", out.value);
    }

    /// Many rows (blocks on several threads): the softmax output's path gives the logits' loss,
    /// gradient and hits.
    #[test]
    fn rows_from_the_softmax_output_match_those_from_the_logits() {
        let (rows, width) = (1000, 65);
        let z = crate::random::uniform_vec(rows * width, -8.0, 8.0, 5);
        let mut p = z.clone();
        Activation::Softmax.forward(&mut p, width);
        let labels = t(&[rows], &(0..rows).map(|i| (i * 7 % width) as f32).collect::<Vec<_>>());
        let from_p = run(Loss::SparseCategoricalCrossEntropy, &p, Some(&z), Activation::Softmax, &[rows, width], &labels).unwrap();
        let from_z = run(Loss::SparseCategoricalCrossEntropy, &z, None, Activation::Identity, &[rows, width], &labels).unwrap();
        // The mean of -ln softmax(z)[label], row by row in f64.
        let want = z.chunks(width).enumerate().map(|(i, z)| {
            let z: Vec<f64> = z.iter().map(|&v| f64::from(v)).collect();
            z.iter().map(|v| v.exp()).sum::<f64>().ln() - z[i * 7 % width]
        }).sum::<f64>() / rows as f64;
        for got in [from_p.value, from_z.value] {
            assert!((got - want).abs() < 1e-5 * want, "{got} vs {want}");
        }
        assert!(from_p.grad.iter().zip(&from_z.grad).all(|(a, b)| (a - b).abs() < 1e-8), "gradients differ");
        assert_eq!(from_p.correct, from_z.correct);
        assert!(from_p.correct.unwrap().correct > 0);
    }

    #[test]
    fn labels_out_of_range_and_bad_shapes_are_typed_errors() {
        let p = [0.5f32, 0.5, 0.5, 0.5];
        let err = run(Loss::SparseCategoricalCrossEntropy, &p, None, Activation::Softmax, &[2, 2], &t(&[2], &[0.0, 2.0])).err().unwrap();
        assert_eq!(err.code(), "ERR_INVALID_ARGUMENT");
        assert!(err.message.contains("[0, 2)") && err.message.contains("got 2 at index 1"), "{err}");
        let err = run(Loss::MeanSquaredError, &p, None, Activation::Identity, &[2, 2], &t(&[4], &[0.0; 4])).err().unwrap();
        assert_eq!(err.code(), "ERR_SHAPE_MISMATCH");
        assert!(err.message.contains("[4]") && err.message.contains("[2, 2]"), "{err}");
    }

    #[test]
    fn targets_must_be_in_the_format_of_the_loss() {
        let p = [0.5f32, 0.5, 0.5, 0.5];
        let sparse = Loss::SparseCategoricalCrossEntropy;
        let dense = Loss::CategoricalCrossEntropy;
        let err = run(sparse, &p, None, Activation::Softmax, &[2, 2], &t(&[2, 2], &[1.0, 0.0, 0.0, 1.0])).err().unwrap();
        assert!(err.message.contains("integer class labels of shape [2]") && err.message.contains("use categoricalCrossentropy"), "{err}");
        let err = run(dense, &p, None, Activation::Softmax, &[2, 2], &t(&[2], &[1.0, 0.0])).err().unwrap();
        assert!(err.message.contains("one-hot (or probability) rows of shape [2, 2]") && err.message.contains("use sparseCategoricalCrossentropy"), "{err}");
        for (bad, what) in [([0.0f32, 0.0, 0.0, 1.0], "summing to 0 at row 0"), ([-1.0, 2.0, 0.0, 1.0], "got -1 at row 0, column 0")] {
            let err = run(dense, &p, None, Activation::Softmax, &[2, 2], &t(&[2, 2], &bad)).err().unwrap();
            assert!(err.code() == "ERR_INVALID_ARGUMENT" && err.message.contains(what), "{err}");
        }
        assert!(run(dense, &p, None, Activation::Softmax, &[2, 2], &t(&[2, 2], &[0.25, 0.75, 0.0, 1.0])).is_ok(), "probabilities");
        let err = run(Loss::MeanSquaredError, &p, None, Activation::Identity, &[2, 2], &t(&[2, 2], &[0.0, f32::NAN, 0.0, 0.0])).err().unwrap();
        assert!(err.code() == "ERR_NON_FINITE" && err.message.contains("targets must be finite, got NaN at flat index 1"), "{err}");
    }

    #[test]
    fn binary_cross_entropy_is_stable() {
        let z = [50.0f32, -50.0, 0.0];
        let mut y = z.to_vec();
        Activation::Sigmoid.forward(&mut y, 1);
        let out = run(Loss::BinaryCrossEntropy, &y, Some(&z), Activation::Sigmoid, &[3, 1], &t(&[3, 1], &[0.0, 0.0, 1.0])).unwrap();
        let want = (50.0 + (-50f64).exp().ln_1p() + (-50f64).exp().ln_1p() + 2f64.ln()) / 3.0;
        assert!((out.value - want).abs() < 1e-5, "{} vs {want}", out.value);
    }

    #[test]
    fn accuracy_counts_argmax_hits() {
        let y = [0.1f32, 0.9, 0.8, 0.2, 0.3, 0.7];
        let c = run(Loss::SparseCategoricalCrossEntropy, &y, None, Activation::Softmax, &[3, 2], &t(&[3], &[1.0, 0.0, 0.0])).unwrap().correct.unwrap();
        assert_eq!((c.correct, c.total), (2, 3));
        assert_eq!(run(Loss::MeanSquaredError, &y, None, Activation::Identity, &[3, 2], &t(&[3, 2], &y)).unwrap().correct, None);
    }

    #[test]
    fn masked_rows_count_for_nothing_and_their_labels_are_not_read() {
        // Rows 0 and 2 count; row 1 is padding with an out-of-range label.
        let z = [1.0f32, -1.0, 5.0, 5.0, 0.5, 2.0];
        let mask = [true, false, true];
        let target = t(&[3], &[0.0, 99.0, 1.0]);
        let input = LossInput { output: &z, preactivation: None, activation: Activation::Identity, shape: &[3, 2], target: &target, mask: Some(&mask) };
        let masked = Loss::SparseCategoricalCrossEntropy.compute(&input).unwrap();
        let kept = t(&[2], &[0.0, 1.0]);
        let alone = run(Loss::SparseCategoricalCrossEntropy, &[1.0, -1.0, 0.5, 2.0], None, Activation::Identity, &[2, 2], &kept).unwrap();
        assert!((masked.value - alone.value).abs() < 1e-9);
        assert_eq!(masked.grad[2..4], [0.0, 0.0]);
        assert_eq!([&masked.grad[..2], &masked.grad[4..]].concat(), alone.grad);
        assert_eq!(masked.correct, Some(Correct { correct: 2, total: 2 }));
        let mse = Loss::MeanSquaredError.compute(&LossInput { target: &t(&[3, 2], &[0.0; 6]), ..input }).unwrap();
        assert!((mse.value - (1.0 + 1.0 + 0.25 + 4.0) / 4.0).abs() < 1e-6, "{}", mse.value);
    }

    #[test]
    fn unknown_names_and_wrong_activations_are_rejected() {
        assert!(crate::json::typed::<Loss>(&serde_json::json!("hinge"), "loss").is_err());
        assert_eq!(crate::json::typed::<Loss>(&serde_json::json!("binaryCrossentropy"), "loss").unwrap(), Loss::BinaryCrossEntropy);
        assert!(Loss::SparseCategoricalCrossEntropy.check_output_activation(Activation::Relu).is_err());
        assert!(Loss::BinaryCrossEntropy.check_output_activation(Activation::Sigmoid).is_ok());
    }
}
