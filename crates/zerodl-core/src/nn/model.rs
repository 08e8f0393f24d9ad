//! A sequential model: layers in order, a loss, an optimizer. One call runs a whole training step
//! (forward, loss, backward, clipping, update), so the JS side crosses into Rust once per batch.
//! The model is built from its description (`SequentialConfig`) and gives it back, and owns the
//! model-level logic the bindings need: data set checks before training, batches gathered by
//! row, evaluation over a data set, parameters by name.

use super::config::{LayerConfig, SequentialConfig, TrainingConfig, DESCRIPTION_VERSION, SEQUENTIAL_FORMAT};
use super::layer::{Layer, Param, Pass};
use super::loss::{Correct, LossInput, LossOutput};
use super::optim::{clip_grad_norm, grad_norm, Optimizer};
use super::recurrent::Recurrent;
use crate::ops::gather_rows;
use crate::random;
use crate::shape::{fits, fmt_batch_pattern, fmt_shape, ANY};
use crate::{invalid_arg, Error, ErrorKind, Result, Tensor};

/// What one batch did.
#[derive(Clone, Copy, Debug, Default)]
pub struct BatchStats {
    /// Mean loss over the batch.
    pub loss: f64,
    /// Accuracy counts (classification losses).
    pub correct: Option<Correct>,
    pub samples: usize,
    /// Loss rows counted (samples, x timesteps for per-step outputs, less padded steps): how
    /// much this batch's mean loss weighs in a mean over batches.
    pub rows: usize,
}

/// A model's input batch: the samples and, for padded sequences, each one's valid length.
#[derive(Clone, Copy)]
pub struct Inputs<'a> {
    pub x: &'a Tensor,
    /// Valid steps of each sample (axis 1 of `x`); padded steps neither change a recurrent
    /// layer's state nor count in the loss.
    pub lengths: Option<&'a [usize]>,
}

impl<'a> From<&'a Tensor> for Inputs<'a> {
    fn from(x: &'a Tensor) -> Inputs<'a> {
        Inputs { x, lengths: None }
    }
}

impl<'a> Inputs<'a> {
    pub fn with_lengths(x: &'a Tensor, lengths: Option<&'a [usize]>) -> Inputs<'a> {
        Inputs { x, lengths }
    }
}

pub struct Sequential {
    input_shape: Vec<usize>,
    layers: Vec<Box<dyn Layer>>,
    training: Option<Training>,
}

/// Set by `compile`: the configuration and the optimizer's state.
pub struct Training {
    pub config: TrainingConfig,
    pub optimizer: Optimizer,
}

impl Training {
    pub fn new(config: TrainingConfig) -> Result<Training> {
        Ok(Training { optimizer: Optimizer::new(config.optimizer)?, config })
    }
}

/// A data set the model trains or is evaluated on: samples, targets, and for padded sequences
/// each sample's valid length (a rank-1 tensor of whole numbers, gathered with the rows).
#[derive(Clone, Copy)]
pub struct Dataset<'a> {
    pub x: &'a Tensor,
    pub y: &'a Tensor,
    pub lengths: Option<&'a Tensor>,
}

impl Dataset<'_> {
    /// Samples (rows of x).
    pub fn len(&self) -> usize {
        self.x.shape().first().copied().unwrap_or(0)
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// One target (and one length) per sample.
    fn check_counts(&self) -> Result<()> {
        let n = self.len();
        if self.y.shape().first() != Some(&n) {
            return Err(Error::shape_mismatch(format!("needs one target per sample: x has {n} samples (shape {}), y has shape {}", fmt_shape(self.x.shape()), fmt_shape(self.y.shape()))));
        }
        if let Some(l) = self.lengths.filter(|l| l.shape() != [n]) {
            return Err(Error::shape_mismatch(format!("needs one length per sample: x has {n} samples, lengths has shape {}", fmt_shape(l.shape()))));
        }
        Ok(())
    }

    /// The rows `rows` of x, y and the lengths.
    fn rows(&self, rows: &[u32]) -> Result<(Tensor, Tensor, Option<Vec<usize>>)> {
        let lengths = self.lengths.map(|l| gather_rows(l, rows).and_then(|l| lengths_from(&l))).transpose()?;
        Ok((gather_rows(self.x, rows)?, gather_rows(self.y, rows)?, lengths))
    }
}

/// Sequence lengths from a rank-1 tensor of whole numbers (their range is checked against the
/// inputs by the model).
pub fn lengths_from(t: &Tensor) -> Result<Vec<usize>> {
    if t.rank() != 1 {
        return Err(Error::shape_mismatch(format!("lengths must be one number per sequence (rank 1), got shape {}", fmt_shape(t.shape()))));
    }
    t.as_slice()
        .iter()
        .enumerate()
        .map(|(i, &v)| {
            if !(v.is_finite() && v.fract() == 0.0 && v >= 0.0) {
                invalid_arg!("lengths must be whole numbers, got {v} at index {i}");
            }
            Ok(v as usize)
        })
        .collect()
}

impl Sequential {
    /// An empty model for samples of `input_shape` (`shape::ANY` for free sizes); see `add`.
    pub fn new(input_shape: Vec<usize>) -> Sequential {
        Sequential { input_shape, layers: Vec::new(), training: None }
    }

    /// The model a description describes, its weights drawn from `seed` (layer by layer, in
    /// order), compiled if the description has a training configuration.
    pub fn from_config(config: &SequentialConfig, seed: u64) -> Result<Sequential> {
        let mut model = Sequential::new(config.input_shape.iter().map(|d| d.unwrap_or(ANY)).collect());
        let mut rng = random::rng(seed);
        let mut names: Vec<String> = Vec::with_capacity(config.layers.len());
        for (i, layer) in config.layers.iter().enumerate() {
            let name = layer.name().map_or_else(|| format!("{}_{i}", layer.kind()), str::to_string);
            if let Some(j) = names.iter().position(|n| *n == name) {
                invalid_arg!("layer names must be unique in a model; {name:?} is the name of layers {j} and {i}");
            }
            if i > 0 && layer.kind() == "embedding" {
                invalid_arg!("{name}: an embedding reads integer ids, so it must be a model's first layer; it is layer {i}, after {}", names.join(", "));
            }
            let built = layer.build(&name, &model.next_input_shape(), &mut rng)?;
            names.push(name);
            model.add(built);
        }
        if let Some(training) = &config.training {
            model.compile(Training::new(training.clone())?)?;
        }
        Ok(model)
    }

    /// The model's full description: every layer's options (defaults included) and names, and
    /// the training configuration once compiled. `from_config` of it builds the same model.
    pub fn config(&self) -> SequentialConfig {
        SequentialConfig {
            format: SEQUENTIAL_FORMAT.to_string(),
            version: DESCRIPTION_VERSION,
            input_shape: self.input_shape.iter().map(|&d| (d != ANY).then_some(d)).collect(),
            layers: self.layers.iter().map(|l| l.config()).collect::<Vec<LayerConfig>>(),
            training: self.training.as_ref().map(|t| t.config.clone()),
        }
    }

    /// Shape of one sample entering the next layer to be added.
    pub fn next_input_shape(&self) -> Vec<usize> {
        self.layers.last().map_or_else(|| self.input_shape.clone(), |l| l.output_shape())
    }

    pub fn input_shape(&self) -> &[usize] {
        &self.input_shape
    }

    pub fn add(&mut self, layer: Box<dyn Layer>) {
        self.layers.push(layer);
    }

    pub fn layers(&self) -> &[Box<dyn Layer>] {
        &self.layers
    }

    pub fn layers_mut(&mut self) -> &mut [Box<dyn Layer>] {
        &mut self.layers
    }

    pub fn compile(&mut self, training: Training) -> Result<()> {
        let last = self.layers.last().ok_or_else(|| Error::invalid_argument("a model needs at least one layer"))?;
        training.config.loss.check_output_activation(last.output_activation())?;
        self.training = Some(training);
        Ok(())
    }

    /// Shape of one output sample for input samples of shape `input` (fitting the model).
    pub fn output_shape_for(&self, input: &[usize]) -> Vec<usize> {
        self.layers.iter().fold(input.to_vec(), |shape, l| l.output_shape_for(&shape))
    }

    /// The optimizer and its state, once compiled.
    pub fn optimizer(&self) -> Option<&Optimizer> {
        self.training.as_ref().map(|t| &t.optimizer)
    }

    pub fn optimizer_mut(&mut self) -> Option<&mut Optimizer> {
        self.training.as_mut().map(|t| &mut t.optimizer)
    }

    /// Changes the optimizer's learning rate, keeping its state; the description's training
    /// configuration follows (a saved model records the rate it trains with now).
    pub fn set_learning_rate(&mut self, learning_rate: f64) -> Result<()> {
        let training = self.training.as_mut().ok_or_else(|| Error::invalid_argument("setting the learning rate needs a compiled model (an optimizer): call compile() first"))?;
        crate::json::within(training.optimizer.set_learning_rate(learning_rate), "setLearningRate()")?;
        training.config.optimizer = training.optimizer.config;
        Ok(())
    }

    pub fn is_compiled(&self) -> bool {
        self.training.is_some()
    }

    fn check_input(&self, inputs: &Inputs<'_>) -> Result<()> {
        let x = inputs.x;
        if x.rank() != self.input_shape.len() + 1 || !fits(&self.input_shape, &x.shape()[1..]) {
            let empty_free = x.rank() == self.input_shape.len() + 1 && self.input_shape.iter().zip(&x.shape()[1..]).any(|(&p, &a)| p == ANY && a == 0);
            let why = if empty_free {
                " (a free size, null, must be at least 1)".to_string()
            } else {
                self.layout_hint(x.shape()).unwrap_or_default()
            };
            return Err(Error::shape_mismatch(format!("model expects inputs of shape {}, got {}{why}", fmt_batch_pattern(&self.input_shape), fmt_shape(x.shape()))));
        }
        if let Some(i) = x.first_non_finite() {
            return Err(Error::new(ErrorKind::NonFinite, format!("input contains {} at flat index {i}", x.as_slice()[i])));
        }
        if let Some(lengths) = inputs.lengths {
            let shape = x.shape();
            // Only recurrent layers read lengths (and zero their padded steps' outputs).
            if !self.layers.iter().any(|l| l.config().is_recurrent()) {
                invalid_arg!("lengths mark the valid steps of sequences for recurrent layers, and this model has none (layers: {})", self.layers.iter().map(|l| l.kind()).collect::<Vec<_>>().join(", "));
            }
            if shape.len() < 2 {
                return Err(Error::invalid_argument(format!("lengths need sequence inputs [batch, timesteps, ...], got {}", fmt_shape(shape))));
            }
            if lengths.len() != shape[0] {
                return Err(Error::shape_mismatch(format!("lengths has {} entries but the batch has {} sequences (inputs {})", lengths.len(), shape[0], fmt_shape(shape))));
            }
            if let Some((i, &len)) = lengths.iter().enumerate().find(|(_, &len)| len == 0 || len > shape[1]) {
                return Err(Error::invalid_argument(format!("lengths[{i}] is {len}; each length must be in [1, {}] (the timesteps of inputs {})", shape[1], fmt_shape(shape))));
            }
        }
        Ok(())
    }

    /// For images given channels last to a model that reads them channels first (or the other
    /// way round): a hint naming the layout option.
    fn layout_hint(&self, got: &[usize]) -> Option<String> {
        let want = &self.input_shape;
        if got.len() != want.len() + 1 || want.len() < 2 {
            return None;
        }
        let sample = &got[1..];
        let (first, last) = (&want[..], sample);
        let rotated_left = first[1..] == last[..last.len() - 1] && first[0] == last[last.len() - 1];
        let rotated_right = first[..first.len() - 1] == last[1..] && first[first.len() - 1] == last[0];
        let conv = self.layers.first().is_some_and(|l| matches!(l.kind(), "conv2d" | "conv1d" | "maxPool2d" | "avgPool2d" | "globalAveragePool2d" | "batchNormalization"));
        match (conv, rotated_left, rotated_right) {
            (true, true, _) => Some(" (channels last? this model reads channels first, [channels, height, width]; for [height, width, channels] samples give its conv and pooling layers dataFormat: 'channelsLast')".into()),
            (true, _, true) => Some(" (channels first? this model reads channels last; move the channels to the last axis)".into()),
            _ => None,
        }
    }

    /// Runs every layer; `training` keeps what backward needs (and applies dropout). A batch of
    /// no samples gives an empty result of the output's shape.
    pub fn forward<'a>(&mut self, inputs: impl Into<Inputs<'a>>, training: bool) -> Result<Tensor> {
        let inputs = inputs.into();
        self.check_input(&inputs)?;
        if inputs.x.shape()[0] == 0 {
            if training {
                invalid_arg!("training needs at least one sample, got inputs of shape {}", fmt_shape(inputs.x.shape()));
            }
            let shape: Vec<usize> = std::iter::once(0).chain(self.output_shape_for(&inputs.x.shape()[1..])).collect();
            return Tensor::from_vec(&shape, Vec::new());
        }
        let pass = Pass { training, lengths: inputs.lengths };
        let mut h = inputs.x.clone();
        for layer in &mut self.layers {
            h = layer.forward(&h, &pass)?;
        }
        // Finite inputs (checked above) giving a non-finite output overflowed somewhere: an
        // error, never a silent NaN. (Training reports it through its loss.)
        if !training {
            if let Some(i) = h.first_non_finite() {
                return Err(Error::new(ErrorKind::NonFinite, format!("the model's output has {} at flat index {i} for finite inputs: an overflow (weights or inputs too large?)", h.as_slice()[i])));
            }
        }
        Ok(h)
    }

    fn training(&self) -> Result<&Training> {
        self.training.as_ref().ok_or_else(|| Error::invalid_argument("the model must be compiled (loss and optimizer) before training or evaluation"))
    }

    /// Forward and loss. With lengths, per-step outputs ([batch, timesteps, ...]) of padded steps
    /// are left out of the loss.
    fn forward_loss(&mut self, inputs: &Inputs<'_>, y: &Tensor, training: bool) -> Result<LossOutput> {
        let loss = self.training()?.config.loss;
        let batch = inputs.x.shape().first().copied().unwrap_or(0);
        if batch == 0 {
            invalid_arg!("{} needs at least one sample, got inputs of shape {}", if training { "training" } else { "evaluation" }, fmt_shape(inputs.x.shape()));
        }
        if y.shape().first() != Some(&batch) {
            return Err(Error::shape_mismatch(format!("needs one target per sample: inputs {} have {batch} samples, targets have shape {}", fmt_shape(inputs.x.shape()), fmt_shape(y.shape()))));
        }
        let out = self.forward(*inputs, training)?;
        let shape = out.shape();
        let mask = step_mask(inputs, shape);
        let last = self.layers.last().expect("compiled models have layers");
        loss.compute(&LossInput {
            output: out.as_slice(),
            preactivation: last.last_preactivation(),
            activation: last.output_activation(),
            shape,
            target: y,
            mask: mask.as_deref(),
        })
    }

    fn stats(out: &LossOutput, inputs: &Inputs<'_>) -> BatchStats {
        BatchStats { loss: out.value, correct: out.correct, samples: inputs.x.shape()[0], rows: out.rows }
    }

    /// Forward, loss and backward: leaves dE/dparam in every `grad`. Returns the batch's stats.
    pub fn compute_gradients<'a>(&mut self, inputs: impl Into<Inputs<'a>>, y: &Tensor) -> Result<BatchStats> {
        let inputs = inputs.into();
        let out = self.forward_loss(&inputs, y, true)?;
        let stats = Self::stats(&out, &inputs);
        for layer in &mut self.layers {
            layer.params_mut().iter_mut().for_each(|p| p.grad.fill(0.0));
        }
        let n = self.layers.len();
        let mut grad = out.grad;
        for (i, layer) in self.layers.iter_mut().enumerate().rev() {
            let need_input_grad = i > 0;
            grad = if i == n - 1 && out.fused {
                layer.backward_preactivation(grad, need_input_grad)?
            } else {
                layer.backward(grad, need_input_grad)?
            };
        }
        Ok(stats)
    }

    /// One optimisation step on a batch. A non-finite loss or gradient stops before the update,
    /// so the weights keep their last finite values.
    pub fn train_step<'a>(&mut self, inputs: impl Into<Inputs<'a>>, y: &Tensor) -> Result<BatchStats> {
        let stats = self.compute_gradients(inputs, y)?;
        if !stats.loss.is_finite() {
            return Err(Error::new(ErrorKind::NonFinite, format!("the loss became {}", stats.loss)));
        }
        let training = self.training.as_mut().expect("checked by compute_gradients");
        let mut params: Vec<&mut Param> = self.layers.iter_mut().flat_map(|l| l.params_mut().iter_mut()).filter(|p| p.trainable).collect();
        let norm = match training.config.clip_norm {
            Some(max) => clip_grad_norm(&mut params, max as f32),
            None => grad_norm(&params),
        };
        if !norm.is_finite() {
            return Err(Error::new(ErrorKind::NonFinite, "a gradient became non-finite (NaN or infinite)"));
        }
        training.optimizer.step(&mut params)?;
        Ok(stats)
    }

    /// Loss and accuracy counts without updating anything.
    pub fn evaluate<'a>(&mut self, inputs: impl Into<Inputs<'a>>, y: &Tensor) -> Result<BatchStats> {
        let inputs = inputs.into();
        let out = self.forward_loss(&inputs, y, false)?;
        Ok(Self::stats(&out, &inputs))
    }

    /// The loss of a training pass that replays the last one's random masks (dropout), without
    /// touching gradients: the function a gradient check differentiates.
    pub fn replay_training_loss<'a>(&mut self, inputs: impl Into<Inputs<'a>>, y: &Tensor) -> Result<f64> {
        self.layers.iter_mut().for_each(|l| l.rewind_randomness());
        Ok(self.forward_loss(&inputs.into(), y, true)?.value)
    }

    /// Checks a whole data set before any work (a mistake must not cost an epoch): the inputs
    /// fit the model and are finite, there is one target (and length) per sample, and the
    /// targets are in the format the loss expects. `what` names the data ("validationData").
    pub fn check_dataset(&self, data: &Dataset<'_>, what: &str) -> Result<()> {
        let loss = self.training()?.config.loss;
        let problems = || -> Result<()> {
            let lengths = data.lengths.map(lengths_from).transpose()?;
            let inputs = Inputs::with_lengths(data.x, lengths.as_deref());
            self.check_input(&inputs)?;
            let n = data.len();
            if n == 0 {
                invalid_arg!("needs at least one sample, got x of shape {}", fmt_shape(data.x.shape()));
            }
            data.check_counts()?;
            let out_shape: Vec<usize> = std::iter::once(n).chain(self.output_shape_for(&data.x.shape()[1..])).collect();
            let mask = step_mask(&inputs, &out_shape);
            loss.check_targets(data.y, &out_shape, mask.as_deref())
        };
        crate::json::within(problems(), what)
    }

    /// One training step on the rows `rows` of a data set.
    pub fn train_rows(&mut self, data: &Dataset<'_>, rows: &[u32]) -> Result<BatchStats> {
        data.check_counts()?;
        let (x, y, lengths) = data.rows(rows)?;
        self.train_step(Inputs::with_lengths(&x, lengths.as_deref()), &y)
    }

    /// Mean loss and accuracy counts over a whole data set, `batch_size` rows at a time; each
    /// batch's mean weighs by the rows it is over, so padded steps weigh nothing.
    pub fn evaluate_dataset(&mut self, data: &Dataset<'_>, batch_size: usize) -> Result<BatchStats> {
        let n = data.len();
        if n == 0 {
            invalid_arg!("evaluation needs at least one sample, got x of shape {}", fmt_shape(data.x.shape()));
        }
        data.check_counts()?;
        let batch_size = batch_size.max(1);
        let (mut total, mut loss_sum, mut correct) = (BatchStats::default(), 0.0f64, None::<Correct>);
        for start in (0..n).step_by(batch_size) {
            let rows: Vec<u32> = (start..(start + batch_size).min(n)).map(|i| i as u32).collect();
            let (x, y, lengths) = data.rows(&rows)?;
            let stats = self.evaluate(Inputs::with_lengths(&x, lengths.as_deref()), &y)?;
            loss_sum += stats.loss * stats.rows as f64;
            if let Some(c) = stats.correct {
                let sum = correct.get_or_insert_with(Correct::default);
                sum.correct += c.correct;
                sum.total += c.total;
            }
            total.samples += stats.samples;
            total.rows += stats.rows;
        }
        total.loss = loss_sum / total.rows.max(1) as f64;
        total.correct = correct;
        if !total.loss.is_finite() {
            return Err(Error::new(ErrorKind::NonFinite, format!("the loss over the data set is {} (an overflow: weights or inputs too large?)", total.loss)));
        }
        Ok(total)
    }

    /// The parameter `name` ("0.weight"), or an error listing the model's names.
    pub fn param(&self, name: &str) -> Result<&Param> {
        let params = self.named_params();
        match params.iter().position(|(n, _)| n == name) {
            Some(i) => Ok(params[i].1),
            None => Err(self.unknown_param(name)),
        }
    }

    /// Sets parameter `name` from a tensor of its shape with finite values.
    pub fn set_param(&mut self, name: &str, value: &Tensor) -> Result<()> {
        let unknown = self.unknown_param(name);
        let mut params = self.named_params_mut();
        let (_, p) = params.iter_mut().find(|(n, _)| n == name).ok_or(unknown)?;
        if value.shape() != p.shape.as_slice() {
            return Err(Error::shape_mismatch(format!("weight {name:?} has shape {}, got a tensor of shape {}", fmt_shape(&p.shape), fmt_shape(value.shape()))));
        }
        if let Some(i) = value.first_non_finite() {
            return Err(Error::new(ErrorKind::NonFinite, format!("weight {name:?} value has {} at flat index {i}", value.as_slice()[i])));
        }
        p.value.copy_from_slice(value.as_slice());
        Ok(())
    }

    fn unknown_param(&self, name: &str) -> Error {
        let names: Vec<String> = self.named_params().into_iter().map(|(n, _)| n).collect();
        let refs: Vec<&str> = names.iter().map(String::as_str).collect();
        Error::invalid_argument(format!("unknown weight {name:?}{}; this model has {}", crate::json::suggestion(name, &refs), names.join(", ")))
    }

    /// Recurrent layer `index`, for its state.
    pub fn recurrent_mut(&mut self, index: usize) -> Result<&mut Recurrent> {
        let count = self.layers.len();
        let layer = self.layers.get_mut(index).ok_or_else(|| Error::invalid_argument(format!("layer index {index} is out of range for {count} layers")))?;
        let (kind, name) = (layer.kind(), layer.config().name().unwrap_or_default().to_string());
        layer.as_recurrent_mut().ok_or_else(|| Error::invalid_argument(format!("layer {index} ({name:?}) is a {kind} layer and has no recurrent state")))
    }

    /// Each layer's module number in the equivalent PyTorch `nn.Sequential` (see
    /// `Layer::torch_modules`): the prefix of its parameter names.
    pub fn torch_indices(&self) -> Vec<usize> {
        self.layers
            .iter()
            .scan(0, |next, l| {
                let index = *next;
                *next += l.torch_modules();
                Some(index)
            })
            .collect()
    }

    /// Every parameter, named as the equivalent PyTorch `nn.Sequential`'s state_dict names it:
    /// `"<module number>.<name>"` ("0.weight", "2.weight_ih_l0"), in layer order.
    pub fn named_params(&self) -> Vec<(String, &Param)> {
        let indices = self.torch_indices();
        self.layers
            .iter()
            .zip(indices)
            .flat_map(|(l, i)| l.params().iter().map(move |p| (format!("{i}.{}", p.name), p)))
            .collect()
    }

    pub fn named_params_mut(&mut self) -> Vec<(String, &mut Param)> {
        let indices = self.torch_indices();
        self.layers
            .iter_mut()
            .zip(indices)
            .flat_map(|(l, i)| l.params_mut().iter_mut().map(move |p| (format!("{i}.{}", p.name), p)))
            .collect()
    }
}

/// With lengths, which rows of per-step outputs ([batch, timesteps, ...], steps as in the
/// input) count: the valid steps of each sequence.
fn step_mask(inputs: &Inputs<'_>, out_shape: &[usize]) -> Option<Vec<bool>> {
    let steps = *inputs.x.shape().get(1)?;
    inputs.lengths.filter(|_| out_shape.len() == 3 && out_shape[1] == steps).map(|lengths| lengths.iter().flat_map(|&len| (0..steps).map(move |t| t < len)).collect())
}
