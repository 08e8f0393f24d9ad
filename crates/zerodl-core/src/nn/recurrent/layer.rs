//! A recurrent layer (SimpleRNN, LSTM or GRU; stacked, bidirectional) as a model layer: inputs
//! [batch, T, D], outputs [batch, T, directions*H] (`return_sequences`) or the final state
//! [batch, directions*H]. Parameters use PyTorch's names (`weight_ih_l0`, `weight_hh_l0`,
//! `bias_ih_l0`, `bias_hh_l0`, `..._reverse`, `..._l1`), so a PyTorch state_dict loads as is.
//!
//! State: every forward leaves its final state readable (`final_state`); `set_state` gives the
//! next forward its initial state; a stateful layer starts each batch where the last one ended
//! (streaming a long text; gradients stop at batch boundaries).

use rand_distr::{Distribution, Uniform};
use serde::{Deserialize, Serialize};

use super::cell::CellKind;
use super::sequence::{RecurrentWeights, SequenceShape};
use super::serving::ServingWeights;
use super::step_product::{FusedWeights, StepProduct};
use super::stack::{stack_backward, stack_forward_with, StackCache, StackConfig, StackGradsIn, State};
use crate::kernels::simd::{self, BinaryOp};
use crate::memory;
use crate::nn::activation::Activation;
use crate::nn::config::{LayerConfig, LayerOptions};
use crate::nn::dropout::{check_rate, DropoutStream};
use crate::nn::layer::{Layer, Param, Pass};
use crate::random::Rng;
use crate::shape::{fits, fmt_batch_pattern, fmt_pattern, fmt_shape};
use crate::{invalid_arg, Error, ErrorKind, Result, Tensor};

/// A recurrent layer's description: the options of `layers.simpleRNN()`, `layers.lstm()` and
/// `layers.gru()` (the cell is the kind the description is tagged with). Options of one cell
/// only are `None` for the others; `normalized` fills them in for their own cell.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RecurrentConfig {
    /// Unique in its model; `<kind>_<index>` when not given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Size of the hidden state (required, >= 1).
    pub units: usize,
    /// Output every step's state ([B, T, H]) instead of the last one ([B, H]). Default false.
    #[serde(default)]
    pub return_sequences: bool,
    /// Stacked layers (PyTorch's num_layers). Default 1.
    #[serde(default = "crate::nn::config::one")]
    pub num_layers: usize,
    /// Both directions, outputs concatenated. Default false.
    #[serde(default)]
    pub bidirectional: bool,
    /// Dropout on the outputs of each stacked layer but the last, while training. Default 0.
    #[serde(default)]
    pub dropout: f64,
    /// Carry the final state of each batch into the next. Default false.
    #[serde(default)]
    pub stateful: bool,
    /// Truncated BPTT: gradients flow back at most to the start of each k-step chunk. Default
    /// null (full BPTT).
    #[serde(default)]
    pub truncate_bptt: Option<usize>,
    /// simpleRNN only: "tanh" (the default) or "relu".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activation: Option<Activation>,
    /// LSTM only: added to the forget gate's bias at initialisation (1 as in TensorFlow's
    /// BasicLSTMCell and Keras's unit_forget_bias). Default 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forget_bias: Option<f64>,
    /// LSTM only: peephole connections (`peephole_l0`: [3, H] for the i, f and o gates).
    /// Default false.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub peephole: Option<bool>,
}

/// The options that belong to one cell kind only, and that kind.
const CELL_OPTIONS: [(&str, &str); 3] = [("activation", "simpleRNN"), ("forgetBias", "lstm"), ("peephole", "lstm")];

/// One struct for the three cells, each taking its own options besides the shared ones.
impl LayerOptions for RecurrentConfig {
    fn options_of(kind: &str) -> Vec<&'static str> {
        crate::json::fields::<RecurrentConfig>().iter().copied().filter(|f| CELL_OPTIONS.iter().all(|&(o, k)| o != *f || k == kind)).collect()
    }

    fn owner_of(kind: &str, option: &str) -> Option<&'static str> {
        CELL_OPTIONS.iter().find(|&&(o, k)| o == option && k != kind).map(|&(_, k)| k)
    }
}

impl RecurrentConfig {
    /// `units` units, every other option at its default.
    pub fn new(units: usize) -> RecurrentConfig {
        RecurrentConfig { name: None, units, return_sequences: false, num_layers: 1, bidirectional: false, dropout: 0.0, stateful: false, truncate_bptt: None, activation: None, forget_bias: None, peephole: None }
    }

    /// The cell these options describe for a layer of `kind` (a simpleRNN's activation is the
    /// one given here, else `kind`'s).
    pub fn cell(&self, kind: CellKind) -> CellKind {
        match kind {
            CellKind::Rnn(act) => CellKind::Rnn(self.activation.unwrap_or(act)),
            other => other,
        }
    }

    /// The description with the cell's own options filled in (their defaults where not given),
    /// for a layer of `kind`.
    pub fn normalized(&self, kind: CellKind) -> RecurrentConfig {
        let mut c = self.clone();
        match self.cell(kind) {
            CellKind::Rnn(act) => c.activation = Some(act),
            CellKind::Lstm => {
                c.forget_bias.get_or_insert(1.0);
                c.peephole.get_or_insert(false);
            }
            CellKind::Gru => {}
        }
        c
    }

    /// The checks that need no input shape, for a layer of `kind`.
    pub fn validate(&self, kind: CellKind, what: &str) -> Result<()> {
        let kind = kind.name();
        for (option, set) in [("activation", self.activation.is_some()), ("forgetBias", self.forget_bias.is_some()), ("peephole", self.peephole.is_some())] {
            if let Some(owner) = <Self as LayerOptions>::owner_of(kind, option).filter(|_| set) {
                invalid_arg!("{what}: {option} is an option of {owner} layers; a {kind} layer has none");
            }
        }
        if self.units == 0 || self.num_layers == 0 {
            invalid_arg!("{what}: units and numLayers must be integers >= 1, got {} and {}", self.units, self.num_layers);
        }
        if self.truncate_bptt == Some(0) {
            invalid_arg!("{what}: truncateBptt must be a number of steps >= 1 (or null for full BPTT), got 0");
        }
        if let Some(act) = self.activation.filter(|a| !matches!(a, Activation::Tanh | Activation::Relu)) {
            invalid_arg!("{what}: a simpleRNN's activation must be \"tanh\" or \"relu\", got \"{}\"", act.name());
        }
        if let Some(b) = self.forget_bias {
            crate::json::within(crate::json::to_f32(b, "forgetBias"), what)?;
        }
        check_rate(self.dropout, what, "dropout")?;
        if self.dropout > 0.0 && self.num_layers == 1 {
            invalid_arg!("{what}: dropout acts between stacked layers (numLayers > 1), got numLayers 1; use a dropout layer after a single recurrent layer");
        }
        Ok(())
    }

    fn stack(&self, cell: CellKind) -> StackConfig {
        StackConfig { kind: cell, hidden: self.units, layers: self.num_layers, bidirectional: self.bidirectional, truncate: self.truncate_bptt, sequences: self.return_sequences }
    }

    fn params_per_unit(&self) -> usize {
        if self.peephole == Some(true) { 5 } else { 4 }
    }
}

pub struct Recurrent {
    name: String,
    cell: CellKind,
    /// Normalized for `cell`, named.
    config: RecurrentConfig,
    /// Timesteps of a sample (`shape::ANY`: any).
    steps: usize,
    input: usize,
    params: Vec<Param>,
    dropout: DropoutStream,
    cache: Option<StackCache>,
    /// The initial state of the next forward (zeros when `None`).
    initial: Option<State>,
    /// The final state of the last forward.
    last: Option<State>,
    /// Every unit's weights packed for inference on one sequence (serving.rs), made by the first
    /// such call and dropped whenever the parameters may change (`params_mut`); empty where
    /// that path does not apply.
    serving: Option<Vec<ServingWeights>>,
    /// Likewise every unit's weights packed for an LSTM's inference over a batch (step_product.rs's
    /// fused product), made by the first such call.
    fused: Option<Vec<FusedWeights>>,
}

impl Recurrent {
    /// A layer of `cell`s for samples of shape [T, D] (T may be `shape::ANY`); weights
    /// U(-1/sqrt(H), 1/sqrt(H)) as in PyTorch.
    pub fn new(name: &str, input_shape: &[usize], cell: CellKind, config: &RecurrentConfig, rng: &mut Rng) -> Result<Recurrent> {
        config.validate(cell, name)?;
        let config = RecurrentConfig { name: Some(name.to_string()), ..config.normalized(cell) };
        let cell = config.cell(cell);
        let &[steps, input] = input_shape else {
            invalid_arg!("{name}: a recurrent layer needs inputs of shape [timesteps, features], got {}", fmt_pattern(input_shape));
        };
        if input == 0 {
            invalid_arg!("{name}: a recurrent layer needs a fixed number of input features (the last axis), got input shape {}", fmt_pattern(input_shape));
        }
        let dropout = DropoutStream::new(config.dropout as f32, rng);
        let (h, gh) = (config.units, cell.gates() * config.units);
        let bound = 1.0 / (h as f32).sqrt();
        let dist = Uniform::new_inclusive(-bound, bound).expect("bound > 0");
        let stack = config.stack(cell);
        // Every weight is checked against the memory limit before the first is made.
        let per_unit = (0..config.num_layers).map(|l| gh.saturating_mul(stack.layer_input(l, input) + h + 2)).fold(0usize, usize::saturating_add);
        memory::check_f32s(per_unit.saturating_mul(stack.directions()).saturating_mul(2), &format!("{name}'s weights and their gradients"))?;
        let mut params = Vec::with_capacity(stack.units() * config.params_per_unit());
        let mut param = |name_of: String, shape: Vec<usize>| -> Result<Param> {
            let mut p = Param::zeros(name, name_of, shape)?;
            p.value.iter_mut().for_each(|v| *v = dist.sample(rng));
            Ok(p)
        };
        for l in 0..config.num_layers {
            for d in 0..stack.directions() {
                let suffix = format!("l{l}{}", if d == 1 { "_reverse" } else { "" });
                let d_in = stack.layer_input(l, input);
                let w_ih = param(format!("weight_ih_{suffix}"), vec![gh, d_in])?;
                let w_hh = param(format!("weight_hh_{suffix}"), vec![gh, h])?;
                let mut b_ih = param(format!("bias_ih_{suffix}"), vec![gh])?;
                let b_hh = param(format!("bias_hh_{suffix}"), vec![gh])?;
                if let Some(forget_bias) = config.forget_bias {
                    b_ih.value[h..2 * h].iter_mut().for_each(|b| *b += forget_bias as f32);
                }
                params.extend([w_ih, w_hh, b_ih, b_hh]);
                if config.peephole == Some(true) {
                    params.push(param(format!("peephole_{suffix}"), vec![3, h])?);
                }
            }
        }
        Ok(Recurrent { name: name.to_string(), cell, config, steps, input, params, dropout, cache: None, initial: None, last: None, serving: None, fused: None })
    }

    fn weights(&self) -> Vec<RecurrentWeights<'_>> {
        self.params
            .chunks(self.config.params_per_unit())
            .map(|p| RecurrentWeights { w_ih: &p[0].value, w_hh: &p[1].value, b_ih: &p[2].value, b_hh: &p[3].value, peephole: p.get(4).map_or(&[], |p| &p.value) })
            .collect()
    }

    /// Every unit's serving weights, or none if one of them has no such path.
    fn pack_for_serving(&self) -> Vec<ServingWeights> {
        let stack = self.config.stack(self.cell);
        let weights = self.weights();
        let unit = |u: usize| ServingWeights::new(self.cell, weights[u], stack.layer_input(u / stack.directions(), self.input), self.config.units);
        (0..stack.units()).map(unit).collect::<Option<Vec<_>>>().unwrap_or_default()
    }

    /// Every unit's weights packed for the fused inference product.
    fn pack_fused(&self) -> Vec<FusedWeights> {
        let stack = self.config.stack(self.cell);
        let (gates, hidden) = (self.cell.gates(), self.config.units);
        let weights = self.weights();
        (0..stack.units()).map(|u| {
            let w = weights[u];
            FusedWeights::new(w.w_hh, w.w_ih, w.b_ih, w.b_hh, gates, hidden, stack.layer_input(u / stack.directions(), self.input))
        }).collect()
    }

    /// Shape of the state tensors for a batch: [units, batch, hidden] (PyTorch's h_n / c_n).
    pub fn state_shape(&self, batch: usize) -> Vec<usize> {
        vec![self.config.stack(self.cell).units(), batch, self.config.units]
    }

    /// Whether the state has a cell part (LSTM).
    pub fn has_cell_state(&self) -> bool {
        self.cell == CellKind::Lstm
    }

    /// The final state of the last forward (every unit, at each sequence's length).
    pub fn final_state(&self) -> Option<&State> {
        self.last.as_ref()
    }

    /// Sets the initial state of the next forward (`None`: zeros). h and c are [units, batch,
    /// hidden], flat; c only for the LSTM. A stateful layer then carries its state on from there.
    pub fn set_state(&mut self, state: Option<State>) -> Result<()> {
        if let Some(s) = &state {
            let per = self.config.stack(self.cell).units() * self.config.units;
            let want = |what: &str, len: usize| -> Result<()> {
                if s.batch == 0 || len != s.batch * per {
                    return Err(Error::shape_mismatch(format!("{}: the {what} state must have shape {} for a batch of {}, got {len} values", self.name, fmt_shape(&self.state_shape(s.batch)), s.batch)));
                }
                Ok(())
            };
            want("h", s.h.len())?;
            match (self.has_cell_state(), s.c.is_empty()) {
                (true, _) => want("c", s.c.len())?,
                (false, false) => invalid_arg!("{}: a {} layer has no cell state (c); give h only", self.name, self.kind()),
                (false, true) => {}
            }
            if let Some(i) = s.h.iter().chain(&s.c).position(|v| !v.is_finite()) {
                return Err(Error::new(ErrorKind::NonFinite, format!("{}: the state has a non-finite value at flat index {i}", self.name)));
            }
        }
        self.initial = state;
        Ok(())
    }

    /// `set_state` from tensors shaped [units, batch, hidden] (c for the LSTM only); `None`:
    /// zeros.
    pub fn set_state_tensors(&mut self, h: Option<&Tensor>, c: Option<&Tensor>) -> Result<()> {
        let Some(h) = h else { return self.set_state(None) };
        let want = self.state_shape(h.shape().get(1).copied().unwrap_or(0));
        for (what, t) in [("h", Some(h)), ("c", c)] {
            if let Some(t) = t.filter(|t| t.shape() != want.as_slice()) {
                return Err(Error::shape_mismatch(format!("{}: the {what} state must have shape [{}, batch, {}], got {}", self.name, want[0], want[2], fmt_shape(t.shape()))));
            }
        }
        if c.is_none() && self.has_cell_state() {
            invalid_arg!("{}: an LSTM's state needs c as well as h", self.name);
        }
        self.set_state(Some(State { batch: want[1], h: h.to_vec(), c: c.map_or(Vec::new(), Tensor::to_vec) }))
    }

    fn check_input(&self, x: &Tensor, lengths: Option<&[usize]>) -> Result<SequenceShape> {
        let pattern = [self.steps, self.input];
        if x.rank() != 3 || !fits(&pattern, &x.shape()[1..]) {
            return Err(Error::shape_mismatch(format!("{}: expected input of shape {}, got {}", self.name, fmt_batch_pattern(&pattern), fmt_shape(x.shape()))));
        }
        let (batch, steps) = (x.shape()[0], x.shape()[1]);
        if let Some(l) = lengths {
            if l.len() != batch || l.iter().any(|&n| n == 0 || n > steps) {
                invalid_arg!("{}: lengths must give one length in [1, {steps}] per sequence of the batch of {batch}, got {l:?}", self.name);
            }
        }
        if let Some(s) = &self.initial {
            if s.batch != batch {
                return Err(Error::shape_mismatch(format!(
                    "{}: the initial state has shape {} (a batch of {}), but the input {} has a batch of {batch}{}",
                    self.name,
                    fmt_shape(&self.state_shape(s.batch)),
                    s.batch,
                    fmt_shape(x.shape()),
                    if self.config.stateful { "; a stateful layer needs the same batch size every call (resetStates() starts afresh)" } else { "" }
                )));
            }
        }
        Ok(SequenceShape { batch, steps, input: self.input, hidden: self.config.units })
    }
}

impl Layer for Recurrent {
    fn kind(&self) -> &'static str {
        self.cell.name()
    }

    fn config(&self) -> LayerConfig {
        let c = self.config.clone();
        match self.cell {
            CellKind::Rnn(_) => LayerConfig::SimpleRnn(c),
            CellKind::Lstm => LayerConfig::Lstm(c),
            CellKind::Gru => LayerConfig::Gru(c),
        }
    }

    fn output_shape(&self) -> Vec<usize> {
        self.output_shape_for(&[self.steps, self.input])
    }

    fn output_shape_for(&self, input: &[usize]) -> Vec<usize> {
        let width = self.config.stack(self.cell).directions() * self.config.units;
        if self.config.return_sequences {
            vec![input[0], width]
        } else {
            vec![width]
        }
    }

    fn forward(&mut self, x: &Tensor, pass: &Pass<'_>) -> Result<Tensor> {
        let shape = self.check_input(x, pass.lengths)?;
        let stack = self.config.stack(self.cell);
        let width = stack.directions() * self.config.units;
        if shape.batch == 0 {
            // No sequence to run (the step kernels assume at least one row): an empty result.
            self.cache = None;
            let out_shape = if self.config.return_sequences { vec![0, shape.steps, width] } else { vec![0, width] };
            return Tensor::from_vec(&out_shape, Vec::new());
        }
        // What a pass keeps per layer and direction, at most: the input projections and every
        // step's gates, h and c. Checked before any of it is made.
        let per_step = (self.cell.gates() * 2 + 3) * self.config.units;
        let pass_values = [shape.batch, shape.steps, per_step, stack.units()].iter().try_fold(1usize, |a, &b| a.checked_mul(b));
        memory::check_bytes(pass_values.and_then(|v| v.checked_mul(4)), &format!("{}'s activations for input {}", self.name, fmt_shape(x.shape())))?;
        let serves = !pass.training && shape.batch == 1;
        if serves && self.serving.is_none() {
            self.serving = Some(self.pack_for_serving());
        }
        let fuses = !pass.training && self.cell == CellKind::Lstm && StepProduct::fuses(shape.steps, shape.batch);
        if fuses && self.fused.is_none() {
            self.fused = Some(self.pack_fused());
        }
        let weights = self.weights();
        let serving = if serves { self.serving.as_deref().unwrap_or_default() } else { &[] };
        let fused = if fuses { self.fused.as_deref().unwrap_or_default() } else { &[] };
        let mut dropout = self.dropout.clone();
        let out = stack_forward_with(&stack, &weights, x.as_slice(), shape, pass.lengths, self.initial.as_ref(), pass.training, Some(&mut dropout), serving, fused);
        drop(weights);
        self.dropout = dropout;
        self.cache = out.cache;
        if self.config.stateful {
            self.initial = Some(out.state.clone());
        }
        self.last = Some(out.state);
        if self.config.return_sequences {
            Tensor::from_vec(&[shape.batch, shape.steps, width], out.outputs)
        } else {
            Tensor::from_vec(&[shape.batch, width], out.last)
        }
    }

    fn backward(&mut self, grad: Vec<f32>, need_input_grad: bool) -> Result<Vec<f32>> {
        let cache = self.cache.take().ok_or_else(|| Error::new(ErrorKind::Internal, format!("{}: backward without a training forward", self.name)))?;
        let stack = self.config.stack(self.cell);
        let h_n;
        let skip_input_grad = !need_input_grad;
        let grads_in = if self.config.return_sequences {
            StackGradsIn { outputs: &grad, skip_input_grad, ..Default::default() }
        } else {
            // The output is the top layer's final h per direction: route it to those units.
            let (dirs, hidden) = (stack.directions(), self.config.units);
            let batch = grad.len() / (dirs * hidden);
            let mut h = vec![0.0f32; stack.units() * batch * hidden];
            for d in 0..dirs {
                let u = (self.config.num_layers - 1) * dirs + d;
                for b in 0..batch {
                    let from = (b * dirs + d) * hidden;
                    h[(u * batch + b) * hidden..(u * batch + b + 1) * hidden].copy_from_slice(&grad[from..from + hidden]);
                }
            }
            h_n = h;
            StackGradsIn { h_n: &h_n, skip_input_grad, ..Default::default() }
        };
        let g = stack_backward(&stack, &self.weights(), &cache, grads_in);
        let per = self.config.params_per_unit();
        for (unit, params) in g.units.into_iter().zip(self.params.chunks_mut(per)) {
            for (p, d) in params.iter_mut().zip([unit.w_ih, unit.w_hh, unit.b_ih, unit.b_hh, unit.peephole]) {
                simd::binary_inplace(BinaryOp::Add, &mut p.grad, &d);
            }
        }
        Ok(g.x)
    }

    fn params(&self) -> &[Param] {
        &self.params
    }

    fn params_mut(&mut self) -> &mut [Param] {
        // The caller may change them: the packed copy is made afresh when next needed.
        self.serving = None;
        self.fused = None;
        &mut self.params
    }

    fn rewind_randomness(&mut self) {
        self.dropout.rewind();
    }

    fn dropout_stream_mut(&mut self) -> Option<&mut DropoutStream> {
        Some(&mut self.dropout)
    }

    fn as_recurrent_mut(&mut self) -> Option<&mut Recurrent> {
        Some(self)
    }
}
