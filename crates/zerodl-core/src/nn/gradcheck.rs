//! Gradient checking (the seed series' gradient_check, generalised): central differences of the
//! model's loss against the analytic gradients, for every parameter of every layer, with a
//! verdict under a combined tolerance as torch.autograd.gradcheck gives one:
//! |analytic - numeric| <= atol + rtol * |numeric| for every element checked.

use super::model::{Inputs, Sequential};
use crate::{invalid_arg, Result, Tensor};

/// How to check: the finite-difference step, how many elements per parameter, the tolerances.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CheckOptions {
    /// Central-difference step. Default 1e-3 (the seed series').
    pub epsilon: f64,
    /// Elements compared per parameter (evenly spread; all of a smaller one). Default 100.
    pub max_per_param: usize,
    /// Absolute tolerance. Default 1e-3: float32 central differences of a loss near 1 carry
    /// errors of ~1e-4 (rounding of the loss over 2 epsilon), so gradients near zero are judged
    /// by this bound rather than relatively.
    pub atol: f64,
    /// Relative tolerance. Default 1e-2.
    pub rtol: f64,
}

impl Default for CheckOptions {
    fn default() -> CheckOptions {
        CheckOptions { epsilon: 1e-3, max_per_param: 100, atol: 1e-3, rtol: 1e-2 }
    }
}

impl CheckOptions {
    fn validate(&self) -> Result<()> {
        if !(self.epsilon.is_finite() && self.epsilon > 0.0 && (self.epsilon as f32) > 0.0 && (self.epsilon as f32).is_finite()) {
            invalid_arg!("gradientCheck() expects epsilon to be a finite number > 0 (also in float32), got {}", crate::json::number(self.epsilon));
        }
        if self.max_per_param == 0 {
            invalid_arg!("gradientCheck() expects maxPerParam to be an integer >= 1, got 0");
        }
        for (name, v) in [("atol", self.atol), ("rtol", self.rtol)] {
            if !(v.is_finite() && v >= 0.0) {
                invalid_arg!("gradientCheck() expects {name} to be a finite number >= 0, got {}", crate::json::number(v));
            }
        }
        Ok(())
    }
}

/// How well one parameter's analytic gradient matches central differences.
#[derive(Clone, Debug)]
pub struct ParamCheck {
    /// `"<layer>.<name>"`, e.g. `"0.weight"`.
    pub name: String,
    /// Elements compared (all of them, or an evenly spread sample of `max_per_param`).
    pub checked: usize,
    pub max_abs_error: f64,
    /// Largest |analytic - numeric| / |numeric| among the elements whose numeric gradient is
    /// at least `atol` (near zero only the absolute error means anything); 0 if none is.
    pub max_rel_error: f64,
    /// The flat index of the element furthest outside (or least inside) the tolerance.
    pub worst_index: usize,
    pub worst_analytic: f64,
    pub worst_numeric: f64,
    /// Every element within atol + rtol * |numeric|.
    pub passed: bool,
}

/// Checks every parameter of a compiled model on (x, y). The loss is that of a training pass
/// (dropout replaying the gradient pass's masks).
pub fn check_model<'a>(model: &mut Sequential, inputs: impl Into<Inputs<'a>>, y: &Tensor, options: &CheckOptions) -> Result<Vec<ParamCheck>> {
    options.validate()?;
    let inputs = inputs.into();
    let epsilon = options.epsilon as f32;
    model.compute_gradients(inputs, y)?;
    // Buffers (running statistics) are not differentiated: the training loss does not read them.
    let analytic: Vec<(usize, String, Vec<f32>)> = model.named_params().into_iter().enumerate().filter(|(_, (_, p))| p.trainable).map(|(i, (n, p))| (i, n, p.grad.clone())).collect();
    let mut report = Vec::new();
    for (pi, name, grad) in &analytic {
        let pi = *pi;
        let len = grad.len();
        let stride = len.div_ceil(options.max_per_param).max(1);
        let mut check = ParamCheck { name: name.clone(), checked: 0, max_abs_error: 0.0, max_rel_error: 0.0, worst_index: 0, worst_analytic: 0.0, worst_numeric: 0.0, passed: true };
        let mut worst_score = -1.0f64;
        for i in (0..len).step_by(stride) {
            let original = model.named_params()[pi].1.value[i];
            let mut loss_at = |v: f32| -> Result<f64> {
                model.named_params_mut()[pi].1.value[i] = v;
                model.replay_training_loss(inputs, y)
            };
            let plus = loss_at(original + epsilon)?;
            let minus = loss_at(original - epsilon)?;
            model.named_params_mut()[pi].1.value[i] = original;
            let numeric = (plus - minus) / (2.0 * f64::from(epsilon));
            let a = f64::from(grad[i]);
            let abs = (a - numeric).abs();
            check.max_abs_error = check.max_abs_error.max(abs);
            if numeric.abs() >= options.atol {
                check.max_rel_error = check.max_rel_error.max(abs / numeric.abs());
            }
            // How far into its tolerance this element's error goes (> 1: outside). NaN fails.
            let score = abs / (options.atol + options.rtol * numeric.abs()).max(f64::MIN_POSITIVE);
            if score.is_nan() || score > 1.0 {
                check.passed = false;
            }
            if score.is_nan() || score > worst_score {
                (worst_score, check.worst_index, check.worst_analytic, check.worst_numeric) = (score, i, a, numeric);
            }
            check.checked += 1;
        }
        report.push(check);
    }
    Ok(report)
}
