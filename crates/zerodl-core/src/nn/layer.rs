//! What every trainable layer provides to a model: forward, backward beside it, and its
//! parameters (value and gradient, PyTorch's names and layouts).

use super::activation::Activation;
use super::config::LayerConfig;
use super::dropout::DropoutStream;
use super::recurrent::Recurrent;
use crate::memory;
use crate::shape::numel;
use crate::{Result, Tensor};

/// A trainable tensor of a layer: its PyTorch name ("weight", "bias_hh_l1_reverse"), shape,
/// value and gradient.
#[derive(Clone, Debug)]
pub struct Param {
    pub name: String,
    pub shape: Vec<usize>,
    pub value: Vec<f32>,
    pub grad: Vec<f32>,
    /// False for a buffer (batch norm's running statistics): saved, loaded and named like a
    /// weight, never updated by an optimizer.
    pub trainable: bool,
}

impl Param {
    /// A parameter of `shape`, all zeros (the layer's initializer fills it), value and gradient
    /// reserved fallibly: a layer too big for memory is an `ERR_OUT_OF_MEMORY` error.
    pub fn zeros(layer: &str, name: impl Into<String>, shape: Vec<usize>) -> Result<Param> {
        let name = name.into();
        let what = format!("{layer}'s {name} {:?}", shape);
        let len = numel(&shape)?;
        let value = memory::zeroed(len, &what)?;
        let grad = memory::zeroed(len, &what)?;
        Ok(Param { name, shape, value, grad, trainable: true })
    }

    /// A buffer of `shape`, all zeros: state the layer keeps (running statistics) that is saved
    /// with the weights but not trained.
    pub fn buffer(layer: &str, name: impl Into<String>, shape: Vec<usize>) -> Result<Param> {
        Ok(Param { trainable: false, ..Param::zeros(layer, name, shape)? })
    }
}

/// What one forward pass is for.
#[derive(Clone, Copy, Debug, Default)]
pub struct Pass<'a> {
    /// Keep what backward needs, and apply dropout.
    pub training: bool,
    /// Valid steps of each sequence in the batch (recurrent layers stop at them); `None`: all.
    pub lengths: Option<&'a [usize]>,
}

impl Pass<'_> {
    pub fn inference() -> Pass<'static> {
        Pass { training: false, lengths: None }
    }

    pub fn training() -> Pass<'static> {
        Pass { training: true, lengths: None }
    }
}

pub trait Layer: Send {
    /// The layer kind, e.g. "dense".
    fn kind(&self) -> &'static str;

    /// The layer's full description: its options, including those taken by default, and its
    /// name. `config().build(...)` makes the same layer (with new weights).
    fn config(&self) -> LayerConfig;

    /// Shape of one output sample (the batch dimension left out; `shape::ANY` for free sizes).
    fn output_shape(&self) -> Vec<usize>;

    /// Shape of one output sample for an input sample of shape `input` (which fits the layer):
    /// `output_shape` with its free sizes resolved.
    fn output_shape_for(&self, input: &[usize]) -> Vec<usize>;

    /// Runs the layer on a batch. A training pass keeps what `backward` needs.
    fn forward(&mut self, x: &Tensor, pass: &Pass<'_>) -> Result<Tensor>;

    /// Takes dE/d(output) for the last training forward, adds dE/d(params) into the params'
    /// `grad`, and returns dE/d(input) (empty when `need_input_grad` is false).
    fn backward(&mut self, grad_output: Vec<f32>, need_input_grad: bool) -> Result<Vec<f32>>;

    /// The activation applied last, so a model can fuse it with the loss (softmax + cross-entropy).
    fn output_activation(&self) -> Activation {
        Activation::Identity
    }

    /// The pre-activation of the last training forward (for fused, stable losses), if kept.
    fn last_preactivation(&self) -> Option<&[f32]> {
        None
    }

    /// Like `backward`, but given dE/d(pre-activation): the fused-loss path.
    fn backward_preactivation(&mut self, grad_pre: Vec<f32>, need_input_grad: bool) -> Result<Vec<f32>> {
        self.backward(grad_pre, need_input_grad)
    }

    fn params(&self) -> &[Param];
    fn params_mut(&mut self) -> &mut [Param];

    /// How many modules this layer is in the equivalent PyTorch `nn.Sequential` (a dense layer
    /// with an activation is two: `Linear`, then the activation module), which numbers them: a
    /// model's parameter names ("2.weight") are the ones that PyTorch model's state_dict has.
    fn torch_modules(&self) -> usize {
        1
    }

    /// Trainable parameter count (for summaries; PyTorch's `parameters()`, buffers left out).
    fn param_count(&self) -> usize {
        self.params().iter().filter(|p| p.trainable).map(|p| p.value.len()).sum()
    }

    /// Makes the next training forward draw the same random masks as the last one (dropout),
    /// so a gradient check sees one fixed function.
    fn rewind_randomness(&mut self) {}

    /// The layer's stream of dropout masks, if it has one (its position is training state).
    fn dropout_stream_mut(&mut self) -> Option<&mut DropoutStream> {
        None
    }

    /// The recurrent layer behind this one, for its state (initial state in, final state out).
    fn as_recurrent_mut(&mut self) -> Option<&mut Recurrent> {
        None
    }
}
