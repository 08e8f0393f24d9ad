//! A recurrent layer (SimpleRNN, LSTM or GRU; stacked, bidirectional) as a model layer: inputs
//! [batch, T, D], outputs [batch, T, directions*H] (`return_sequences`) or the final state
//! [batch, directions*H]. Parameters use PyTorch's names (`weight_ih_l0`, `weight_hh_l0`,
//! `bias_ih_l0`, `bias_hh_l0`, `..._reverse`, `..._l1`), so a PyTorch state_dict loads as is.
//!
//! State: every forward leaves its final state readable (`final_state`); `set_state` gives the
//! next forward its initial state; a stateful layer starts each batch where the last one ended
//! (streaming a long text; gradients stop at batch boundaries).

use rand_distr::{Distribution, Uniform};

use super::cell::CellKind;
use super::sequence::{RecurrentWeights, SequenceShape};
use super::serving::ServingWeights;
use super::stack::{stack_backward, stack_forward, StackCache, StackConfig, StackGradsIn, State};
use crate::kernels::simd::{self, BinaryOp};
use crate::nn::dropout::DropoutStream;
use crate::nn::layer::{Layer, Param, Pass};
use crate::random::Rng;
use crate::shape::{fits, fmt_batch_pattern, fmt_shape};
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
    /// Stacked layers (PyTorch's num_layers).
    pub layers: usize,
    pub bidirectional: bool,
    /// Dropout on the outputs of each layer but the last, while training.
    pub dropout: f32,
    /// Carry the final state of each batch into the next.
    pub stateful: bool,
    /// Truncated BPTT: gradients flow back at most to the start of each k-step chunk.
    pub truncate: Option<usize>,
    /// LSTM peephole connections (`peephole_l0`: [3, H] for the i, f and o gates).
    pub peephole: bool,
}

impl RecurrentConfig {
    /// One plain layer: one direction, no dropout, not stateful, full BPTT, no peepholes.
    pub fn new(kind: CellKind, units: usize, return_sequences: bool) -> RecurrentConfig {
        RecurrentConfig { kind, units, return_sequences, forget_bias: 0.0, layers: 1, bidirectional: false, dropout: 0.0, stateful: false, truncate: None, peephole: false }
    }

    fn stack(&self) -> StackConfig {
        StackConfig { kind: self.kind, hidden: self.units, layers: self.layers, bidirectional: self.bidirectional, truncate: self.truncate, sequences: self.return_sequences }
    }

    fn params_per_unit(&self) -> usize {
        if self.peephole { 5 } else { 4 }
    }
}

pub struct Recurrent {
    name: String,
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
}

impl Recurrent {
    /// A layer for samples of shape [T, D] (T may be `shape::ANY`); weights
    /// U(-1/sqrt(H), 1/sqrt(H)) as in PyTorch.
    pub fn new(name: &str, input_shape: &[usize], config: RecurrentConfig, rng: &mut Rng) -> Result<Recurrent> {
        let &[steps, input] = input_shape else {
            invalid_arg!("{name}: a recurrent layer needs inputs of shape [timesteps, features], got {}", fmt_shape(input_shape));
        };
        if input == 0 || config.units == 0 || config.layers == 0 {
            invalid_arg!("{name}: features, units and numLayers must be > 0, got {input}, {}, {}", config.units, config.layers);
        }
        if config.truncate == Some(0) {
            invalid_arg!("{name}: truncateBptt must be a number of steps > 0, got 0");
        }
        if config.peephole && config.kind != CellKind::Lstm {
            invalid_arg!("{name}: peephole connections exist only in LSTM layers");
        }
        if config.dropout > 0.0 && config.layers == 1 {
            invalid_arg!("{name}: dropout acts between stacked layers (numLayers > 1); use a dropout layer after a single recurrent layer");
        }
        let dropout = DropoutStream::new(config.dropout, rng).map_err(|e| Error::invalid_argument(format!("{name}: {}", e.message)))?;
        let (h, gh) = (config.units, config.kind.gates() * config.units);
        let bound = 1.0 / (h as f32).sqrt();
        let dist = Uniform::new_inclusive(-bound, bound).expect("bound > 0");
        let mut init = |n: usize| -> Vec<f32> { (0..n).map(|_| dist.sample(rng)).collect() };
        let stack = config.stack();
        let mut params = Vec::with_capacity(stack.units() * config.params_per_unit());
        for l in 0..config.layers {
            for d in 0..stack.directions() {
                let suffix = format!("l{l}{}", if d == 1 { "_reverse" } else { "" });
                let d_in = stack.layer_input(l, input);
                let (w_ih, w_hh, mut b_ih, b_hh) = (init(gh * d_in), init(gh * h), init(gh), init(gh));
                if config.kind == CellKind::Lstm {
                    b_ih[h..2 * h].iter_mut().for_each(|b| *b += config.forget_bias);
                }
                params.push(Param::new(format!("weight_ih_{suffix}"), vec![gh, d_in], w_ih));
                params.push(Param::new(format!("weight_hh_{suffix}"), vec![gh, h], w_hh));
                params.push(Param::new(format!("bias_ih_{suffix}"), vec![gh], b_ih));
                params.push(Param::new(format!("bias_hh_{suffix}"), vec![gh], b_hh));
                if config.peephole {
                    params.push(Param::new(format!("peephole_{suffix}"), vec![3, h], init(3 * h)));
                }
            }
        }
        Ok(Recurrent { name: name.to_string(), config, steps, input, params, dropout, cache: None, initial: None, last: None, serving: None })
    }

    pub fn config(&self) -> &RecurrentConfig {
        &self.config
    }

    fn weights(&self) -> Vec<RecurrentWeights<'_>> {
        self.params
            .chunks(self.config.params_per_unit())
            .map(|p| RecurrentWeights { w_ih: &p[0].value, w_hh: &p[1].value, b_ih: &p[2].value, b_hh: &p[3].value, peephole: p.get(4).map_or(&[], |p| &p.value) })
            .collect()
    }

    /// Every unit's serving weights, or none if one of them has no such path.
    fn pack_for_serving(&self) -> Vec<ServingWeights> {
        let stack = self.config.stack();
        let weights = self.weights();
        let unit = |u: usize| ServingWeights::new(self.config.kind, weights[u], stack.layer_input(u / stack.directions(), self.input), self.config.units);
        (0..stack.units()).map(unit).collect::<Option<Vec<_>>>().unwrap_or_default()
    }

    /// Shape of the state tensors for a batch: [units, batch, hidden] (PyTorch's h_n / c_n).
    pub fn state_shape(&self, batch: usize) -> Vec<usize> {
        vec![self.config.stack().units(), batch, self.config.units]
    }

    /// Whether the state has a cell part (LSTM).
    pub fn has_cell_state(&self) -> bool {
        self.config.kind == CellKind::Lstm
    }

    /// The final state of the last forward (every unit, at each sequence's length).
    pub fn final_state(&self) -> Option<&State> {
        self.last.as_ref()
    }

    /// Sets the initial state of the next forward (`None`: zeros). h and c are [units, batch,
    /// hidden], flat; c only for the LSTM. A stateful layer then carries its state on from there.
    pub fn set_state(&mut self, state: Option<State>) -> Result<()> {
        if let Some(s) = &state {
            let per = self.config.stack().units() * self.config.units;
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
        match self.config.kind {
            CellKind::Rnn(_) => "simpleRNN",
            CellKind::Lstm => "lstm",
            CellKind::Gru => "gru",
        }
    }

    fn output_shape(&self) -> Vec<usize> {
        let width = self.config.stack().directions() * self.config.units;
        if self.config.return_sequences {
            vec![self.steps, width]
        } else {
            vec![width]
        }
    }

    fn forward(&mut self, x: &Tensor, pass: &Pass<'_>) -> Result<Tensor> {
        let shape = self.check_input(x, pass.lengths)?;
        let stack = self.config.stack();
        let serves = !pass.training && shape.batch == 1;
        if serves && self.serving.is_none() {
            self.serving = Some(self.pack_for_serving());
        }
        let weights = self.weights();
        let serving = if serves { self.serving.as_deref().unwrap_or_default() } else { &[] };
        let mut dropout = self.dropout.clone();
        let out = stack_forward(&stack, &weights, x.as_slice(), shape, pass.lengths, self.initial.as_ref(), pass.training, Some(&mut dropout), serving);
        drop(weights);
        self.dropout = dropout;
        self.cache = out.cache;
        if self.config.stateful {
            self.initial = Some(out.state.clone());
        }
        self.last = Some(out.state);
        let width = stack.directions() * self.config.units;
        if self.config.return_sequences {
            Tensor::from_vec(&[shape.batch, shape.steps, width], out.outputs)
        } else {
            Tensor::from_vec(&[shape.batch, width], out.last)
        }
    }

    fn backward(&mut self, grad: Vec<f32>, need_input_grad: bool) -> Result<Vec<f32>> {
        let cache = self.cache.take().ok_or_else(|| Error::new(ErrorKind::Internal, format!("{}: backward without a training forward", self.name)))?;
        let stack = self.config.stack();
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
                let u = (self.config.layers - 1) * dirs + d;
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
        &mut self.params
    }

    fn rewind_randomness(&mut self) {
        self.dropout.rewind();
    }

    fn as_recurrent_mut(&mut self) -> Option<&mut Recurrent> {
        Some(self)
    }
}
