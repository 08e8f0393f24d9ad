//! Gradient checking (the seed series' gradient_check, generalised): central differences of the
//! model's loss against the analytic gradients, for every parameter of every layer.

use super::model::{Inputs, Sequential};
use crate::{Result, Tensor};

/// How well one parameter's analytic gradient matches central differences.
#[derive(Clone, Debug)]
pub struct ParamCheck {
    /// `"<layer>.<name>"`, e.g. `"0.weight"`.
    pub name: String,
    /// Elements compared (all of them, or an evenly spread sample of `max_per_param`).
    pub checked: usize,
    pub max_abs_error: f64,
    /// max |a - n| / max(|a| + |n|, 1e-6): scale-free, 0 when they agree.
    pub max_rel_error: f64,
}

/// Checks every parameter of a compiled model on (x, y) with step `epsilon`.
/// The loss is that of a training pass (dropout replaying the gradient pass's masks).
pub fn check_model<'a>(model: &mut Sequential, inputs: impl Into<Inputs<'a>>, y: &Tensor, epsilon: f32, max_per_param: usize) -> Result<Vec<ParamCheck>> {
    let inputs = inputs.into();
    model.compute_gradients(inputs, y)?;
    let analytic: Vec<(String, Vec<f32>)> = model.named_params().into_iter().map(|(n, p)| (n, p.grad.clone())).collect();
    let mut report = Vec::new();
    for (pi, (name, grad)) in analytic.iter().enumerate() {
        let len = grad.len();
        let stride = len.div_ceil(max_per_param.max(1)).max(1);
        let (mut max_abs, mut max_rel, mut checked) = (0f64, 0f64, 0);
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
            max_abs = max_abs.max(abs);
            max_rel = max_rel.max(abs / (a.abs() + numeric.abs()).max(1e-6));
            checked += 1;
        }
        report.push(ParamCheck { name: name.clone(), checked, max_abs_error: max_abs, max_rel_error: max_rel });
    }
    Ok(report)
}
