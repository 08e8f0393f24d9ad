//! Optimizers (PyTorch's update rules) and gradient clipping by global norm.

use serde::{Deserialize, Serialize};

use super::layer::Param;
use crate::{invalid_arg, Error, ErrorKind, Result};

/// An optimizer's description: `optimizers.sgd()` / `optimizers.adam()`, tagged by `kind`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase")]
pub enum OptimizerConfig {
    Sgd(SgdConfig),
    Adam(AdamConfig),
}

/// SGD with optional momentum / Nesterov momentum and L2 weight decay (torch.optim.SGD).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SgdConfig {
    /// Default 0.01.
    #[serde(default = "SgdConfig::default_learning_rate")]
    pub learning_rate: f64,
    /// Default 0 (plain SGD).
    #[serde(default)]
    pub momentum: f64,
    /// Default false; needs momentum > 0.
    #[serde(default)]
    pub nesterov: bool,
    /// L2 penalty added to the gradient. Default 0.
    #[serde(default)]
    pub weight_decay: f64,
}

impl SgdConfig {
    fn default_learning_rate() -> f64 {
        0.01
    }

    /// Plain SGD at `learning_rate`.
    pub fn new(learning_rate: f64) -> SgdConfig {
        SgdConfig { learning_rate, momentum: 0.0, nesterov: false, weight_decay: 0.0 }
    }
}

/// Adam (torch.optim.Adam); with `decoupled_weight_decay`, AdamW.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AdamConfig {
    /// Default 0.001.
    #[serde(default = "AdamConfig::default_learning_rate")]
    pub learning_rate: f64,
    /// Default 0.9.
    #[serde(default = "AdamConfig::default_beta1")]
    pub beta1: f64,
    /// Default 0.999.
    #[serde(default = "AdamConfig::default_beta2")]
    pub beta2: f64,
    /// Default 1e-8.
    #[serde(default = "AdamConfig::default_epsilon")]
    pub epsilon: f64,
    /// Default 0.
    #[serde(default)]
    pub weight_decay: f64,
    /// Decay the weights directly (AdamW) instead of adding an L2 term. Default false.
    #[serde(default)]
    pub decoupled_weight_decay: bool,
}

impl AdamConfig {
    fn default_learning_rate() -> f64 {
        0.001
    }

    fn default_beta1() -> f64 {
        0.9
    }

    fn default_beta2() -> f64 {
        0.999
    }

    fn default_epsilon() -> f64 {
        1e-8
    }

    /// Adam at `learning_rate`, every other option at its default.
    pub fn new(learning_rate: f64) -> AdamConfig {
        AdamConfig { learning_rate, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weight_decay: 0.0, decoupled_weight_decay: false }
    }
}

impl OptimizerConfig {
    /// Every optimizer, as the API names it.
    pub const KINDS: &'static [&'static str] = &["sgd", "adam"];

    /// The option names of the optimizer `kind` ("sgd", "adam").
    /// The learning rate of either kind.
    pub fn learning_rate(&self) -> f64 {
        match self {
            OptimizerConfig::Sgd(c) => c.learning_rate,
            OptimizerConfig::Adam(c) => c.learning_rate,
        }
    }

    pub fn options_of(kind: &str) -> Option<&'static [&'static str]> {
        match kind {
            "sgd" => Some(crate::json::fields::<SgdConfig>()),
            "adam" => Some(crate::json::fields::<AdamConfig>()),
            _ => None,
        }
    }

    pub fn validate(&self) -> Result<()> {
        let finite_nonneg = |name: &str, v: f64| -> Result<()> {
            if !v.is_finite() || v < 0.0 {
                invalid_arg!("{name} must be a finite number >= 0, got {}", crate::json::number(v));
            }
            crate::json::to_f32(v, name).map(|_| ())
        };
        match *self {
            OptimizerConfig::Sgd(SgdConfig { learning_rate, momentum, nesterov, weight_decay }) => {
                finite_nonneg("learningRate", learning_rate)?;
                finite_nonneg("momentum", momentum)?;
                finite_nonneg("weightDecay", weight_decay)?;
                if nesterov && momentum == 0.0 {
                    invalid_arg!("nesterov momentum needs momentum > 0, got momentum 0");
                }
            }
            OptimizerConfig::Adam(AdamConfig { learning_rate, beta1, beta2, epsilon, weight_decay, .. }) => {
                finite_nonneg("learningRate", learning_rate)?;
                finite_nonneg("weightDecay", weight_decay)?;
                for (name, b) in [("beta1", beta1), ("beta2", beta2)] {
                    if !(0.0..1.0).contains(&b) || !(0.0..1.0).contains(&(b as f32)) {
                        invalid_arg!("{name} must be in [0, 1) (below 1 in float32 too), got {}", crate::json::number(b));
                    }
                }
                if !epsilon.is_finite() || epsilon <= 0.0 || !((epsilon as f32) > 0.0 && (epsilon as f32).is_finite()) {
                    invalid_arg!("epsilon must be a finite number > 0 (also in float32), got {}", crate::json::number(epsilon));
                }
            }
        }
        Ok(())
    }
}

/// An optimizer with its per-parameter state.
pub struct Optimizer {
    pub config: OptimizerConfig,
    /// Momentum buffers (SGD) or first moments (Adam), one per parameter, created lazily.
    first: Vec<Vec<f32>>,
    /// Second moments (Adam).
    second: Vec<Vec<f32>>,
    /// The new values are computed here and swapped in only if all are finite.
    staged: Vec<Vec<f32>>,
    step: u64,
}

impl Optimizer {
    pub fn new(config: OptimizerConfig) -> Result<Optimizer> {
        config.validate()?;
        Ok(Optimizer { config, first: Vec::new(), second: Vec::new(), staged: Vec::new(), step: 0 })
    }

    /// Applies one update to every parameter from its `grad`. The new values are staged and
    /// committed together only if every one is finite; otherwise the parameters keep their last
    /// (finite) values and the step fails with `ERR_NON_FINITE`.
    pub fn step(&mut self, params: &mut [&mut Param]) -> Result<()> {
        self.step += 1;
        let t = self.step as i32;
        for (i, p) in params.iter().enumerate() {
            if self.first.len() <= i {
                self.first.push(crate::memory::zeroed(p.value.len(), &format!("the optimizer's state for {}", p.name))?);
                self.second.push(Vec::new());
                self.staged.push(Vec::new());
            }
            let w_new = &mut self.staged[i];
            w_new.clear();
            w_new.extend_from_slice(&p.value);
            match self.config {
                // Plain SGD is w -= lr * g: one SIMD pass.
                OptimizerConfig::Sgd(SgdConfig { learning_rate, momentum, weight_decay, .. }) if momentum == 0.0 && weight_decay == 0.0 => {
                    crate::kernels::simd::axpy(-(learning_rate as f32), &p.grad, w_new);
                }
                OptimizerConfig::Sgd(SgdConfig { learning_rate, momentum, nesterov, weight_decay }) => {
                    // Validated to be representable in f32 (`validate`).
                    let (lr, mu, wd) = (learning_rate as f32, momentum as f32, weight_decay as f32);
                    let v = &mut self.first[i];
                    for ((w, &g), v) in w_new.iter_mut().zip(&p.grad).zip(v.iter_mut()) {
                        let g = g + wd * *w;
                        let update = if mu == 0.0 {
                            g
                        } else {
                            *v = mu * *v + g;
                            if nesterov { g + mu * *v } else { *v }
                        };
                        *w -= lr * update;
                    }
                }
                OptimizerConfig::Adam(AdamConfig { learning_rate, beta1, beta2, epsilon, weight_decay, decoupled_weight_decay: decoupled }) => {
                    let (lr, b1, b2, eps, wd) = (learning_rate as f32, beta1 as f32, beta2 as f32, epsilon as f32, weight_decay as f32);
                    if self.second[i].is_empty() {
                        self.second[i] = crate::memory::zeroed(p.value.len(), &format!("the optimizer's state for {}", p.name))?;
                    }
                    let (m, v) = (&mut self.first[i], &mut self.second[i]);
                    let (c1, c2) = (1.0 - b1.powi(t), 1.0 - b2.powi(t));
                    for (((w, &g), m), v) in w_new.iter_mut().zip(&p.grad).zip(m.iter_mut()).zip(v.iter_mut()) {
                        let g = if decoupled {
                            *w -= lr * wd * *w;
                            g
                        } else {
                            g + wd * *w
                        };
                        *m = b1 * *m + (1.0 - b1) * g;
                        *v = b2 * *v + (1.0 - b2) * g * g;
                        *w -= lr * (*m / c1) / ((*v / c2).sqrt() + eps);
                    }
                }
            }
        }
        if let Some(i) = self.staged.iter().take(params.len()).position(|w| !all_finite(w)) {
            return Err(Error::new(ErrorKind::NonFinite, format!("the update would make parameter {i} non-finite (learning rate too large?)")));
        }
        for (p, w_new) in params.iter_mut().zip(&mut self.staged) {
            std::mem::swap(&mut p.value, w_new);
        }
        Ok(())
    }
}

/// One per-parameter buffer of an optimizer's state, under the name torch.optim gives it.
pub struct StateBuffer<'a> {
    /// Index of the parameter (in the model's order).
    pub param: usize,
    /// "momentum_buffer" (SGD), "exp_avg" or "exp_avg_sq" (Adam).
    pub name: &'static str,
    pub values: &'a [f32],
}

impl Optimizer {
    /// The buffers this optimizer's update reads (their names as torch.optim's state has them):
    /// what a model file keeps so that training resumes exactly.
    pub fn buffer_names(&self) -> &'static [&'static str] {
        match self.config {
            OptimizerConfig::Sgd(SgdConfig { momentum: 0.0, .. }) => &[],
            OptimizerConfig::Sgd(_) => &["momentum_buffer"],
            OptimizerConfig::Adam(_) => &["exp_avg", "exp_avg_sq"],
        }
    }

    /// The learning rate.
    pub fn learning_rate(&self) -> f64 {
        self.config.learning_rate()
    }

    /// Changes the learning rate, keeping the state (momentum, Adam's moments and step count):
    /// a schedule, where compiling again would start the optimizer over.
    pub fn set_learning_rate(&mut self, learning_rate: f64) -> Result<()> {
        let mut config = self.config;
        match &mut config {
            OptimizerConfig::Sgd(c) => c.learning_rate = learning_rate,
            OptimizerConfig::Adam(c) => c.learning_rate = learning_rate,
        }
        config.validate()?;
        self.config = config;
        Ok(())
    }

    /// Steps taken so far (Adam's bias correction counts them).
    pub fn steps(&self) -> u64 {
        self.step
    }

    /// The state buffers, parameter by parameter (none before the first step).
    pub fn state(&self) -> Vec<StateBuffer<'_>> {
        let names = self.buffer_names();
        (0..self.first.len())
            .flat_map(|param| names.iter().map(move |&name| (param, name)))
            .map(|(param, name)| StateBuffer { param, name, values: if name == "exp_avg_sq" { &self.second[param] } else { &self.first[param] } })
            .collect()
    }

    /// Restores a state taken by `state` (after `steps` steps): `buffers(param, name)` gives each
    /// buffer of each of the model's `sizes.len()` parameters, whose sizes the caller has checked.
    pub fn restore(&mut self, steps: u64, sizes: &[usize], mut buffers: impl FnMut(usize, &'static str) -> Result<Vec<f32>>) -> Result<()> {
        let names = self.buffer_names();
        let (mut first, mut second) = (Vec::with_capacity(sizes.len()), Vec::with_capacity(sizes.len()));
        if steps > 0 {
            for (param, &size) in sizes.iter().enumerate() {
                let first_of = if names.is_empty() { crate::memory::zeroed(size, "the optimizer's state")? } else { buffers(param, names[0])? };
                first.push(first_of);
                second.push(if names.len() > 1 { buffers(param, names[1])? } else { Vec::new() });
            }
        }
        self.staged = vec![Vec::new(); first.len()];
        self.first = first;
        self.second = second;
        self.step = steps;
        Ok(())
    }
}

/// True when no element is NaN or infinite (one SIMD pass in the common case).
fn all_finite(x: &[f32]) -> bool {
    crate::kernels::simd::sum(x).is_finite() || x.iter().all(|v| v.is_finite())
}

/// The global L2 norm of all gradients (non-finite if any gradient is).
pub fn grad_norm(params: &[&mut Param]) -> f32 {
    let fast = params.iter().map(|p| f64::from(crate::kernels::simd::dot(&p.grad, &p.grad))).sum::<f64>();
    if fast.is_finite() {
        return fast.sqrt() as f32;
    }
    // Squares of huge but finite gradients overflow f32: redo in f64 (still inf/NaN if a gradient is).
    let exact = params.iter().flat_map(|p| p.grad.iter()).map(|&g| f64::from(g) * f64::from(g)).sum::<f64>();
    let norm = exact.sqrt();
    if norm.is_finite() { norm.min(f64::from(f32::MAX)) as f32 } else { norm as f32 }
}

/// Scales all gradients so their global L2 norm is at most `max_norm`; returns the norm before.
pub fn clip_grad_norm(params: &mut [&mut Param], max_norm: f32) -> f32 {
    let total = grad_norm(params);
    if total > max_norm {
        let scale = max_norm / (total + 1e-6);
        for p in params.iter_mut() {
            crate::kernels::simd::scale_inplace(scale, &mut p.grad);
        }
    }
    total
}

#[cfg(test)]
mod tests {
    use super::*;

    fn param(v: &[f32], g: &[f32]) -> Param {
        let mut p = Param::zeros("test", "w", vec![v.len()]).unwrap();
        p.value = v.to_vec();
        p.grad = g.to_vec();
        p
    }

    fn sgd(learning_rate: f64, momentum: f64, nesterov: bool, weight_decay: f64) -> OptimizerConfig {
        OptimizerConfig::Sgd(SgdConfig { learning_rate, momentum, nesterov, weight_decay })
    }

    fn adam(learning_rate: f64, beta1: f64, weight_decay: f64, decoupled_weight_decay: bool) -> OptimizerConfig {
        OptimizerConfig::Adam(AdamConfig { learning_rate, beta1, weight_decay, decoupled_weight_decay, ..AdamConfig::new(0.0) })
    }

    #[test]
    fn sgd_momentum_and_nesterov_follow_pytorch() {
        // Two steps with the same gradient 1.0, lr 0.1, momentum 0.9 (hand-computed):
        // plain: v1 = 1, w1 = -0.1; v2 = 1.9, w2 = -0.29.
        // nesterov: step uses g + mu v: 1.9 then 1 + 0.9 * 1.9 = 2.71 -> w2 = -0.19 - 0.271.
        for (nesterov, want) in [(false, -0.29f32), (true, -0.461)] {
            let mut opt = Optimizer::new(sgd(0.1, 0.9, nesterov, 0.0)).unwrap();
            let mut p = param(&[0.0], &[1.0]);
            opt.step(&mut [&mut p]).unwrap();
            opt.step(&mut [&mut p]).unwrap();
            assert!((p.value[0] - want).abs() < 1e-6, "nesterov {nesterov}: {}", p.value[0]);
        }
    }

    #[test]
    fn adam_first_step_moves_by_the_learning_rate() {
        // Bias correction makes the first Adam step lr * sign(g) (up to epsilon).
        let mut opt = Optimizer::new(adam(0.01, 0.9, 0.0, false)).unwrap();
        let mut p = param(&[1.0, 1.0], &[3.0, -0.5]);
        opt.step(&mut [&mut p]).unwrap();
        assert!((p.value[0] - 0.99).abs() < 1e-6 && (p.value[1] - 1.01).abs() < 1e-6, "{:?}", p.value);
    }

    #[test]
    fn weight_decay_shrinks_weights_without_gradient() {
        let mut sgd = Optimizer::new(sgd(0.1, 0.0, false, 0.5)).unwrap();
        let mut p = param(&[2.0], &[0.0]);
        sgd.step(&mut [&mut p]).unwrap();
        assert!((p.value[0] - 1.9).abs() < 1e-6);
        let mut adamw = Optimizer::new(adam(0.1, 0.9, 0.5, true)).unwrap();
        let mut q = param(&[2.0], &[0.0]);
        adamw.step(&mut [&mut q]).unwrap();
        assert!((q.value[0] - 1.9).abs() < 1e-6, "{}", q.value[0]);
    }

    #[test]
    fn an_update_that_overflows_leaves_every_parameter_unchanged() {
        let mut opt = Optimizer::new(sgd(1e30, 0.0, false, 0.0)).unwrap();
        let (mut a, mut b) = (param(&[1.0], &[1.0]), param(&[2.0], &[1e10]));
        let err = opt.step(&mut [&mut a, &mut b]).unwrap_err();
        assert_eq!(err.code(), "ERR_NON_FINITE");
        assert_eq!((a.value[0], b.value[0]), (1.0, 2.0), "nothing committed, not even the finite one");
    }

    #[test]
    fn clipping_scales_to_the_global_norm() {
        let mut a = param(&[0.0, 0.0], &[3.0, 0.0]);
        let mut b = param(&[0.0], &[4.0]);
        let norm = clip_grad_norm(&mut [&mut a, &mut b], 1.0);
        assert!((norm - 5.0).abs() < 1e-6);
        assert!((a.grad[0] - 0.6).abs() < 1e-5 && (b.grad[0] - 0.8).abs() < 1e-5);
    }

    #[test]
    fn bad_hyperparameters_are_invalid_arguments() {
        assert!(Optimizer::new(sgd(-1.0, 0.0, false, 0.0)).is_err());
        assert!(Optimizer::new(sgd(0.1, 0.0, true, 0.0)).is_err());
        assert!(Optimizer::new(adam(0.1, 1.0, 0.0, false)).is_err());
    }
}
