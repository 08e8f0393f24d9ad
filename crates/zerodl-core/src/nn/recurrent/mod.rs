//! Recurrent networks over whole sequences: simple RNN, LSTM and GRU in PyTorch's formulation and
//! weight layout (weight_ih (G*H, D), weight_hh (G*H, H), bias_ih, bias_hh; LSTM gates i, f, g, o;
//! GRU gates r, z, n with the reset applied after the hidden product), stacked and bidirectional.
//!
//! One call runs a layer over a batch of sequences. The input projection of every time step is
//! one large GEMM before the recurrence; only h_{t-1} W_hh^T is sequential. Backward through time
//! keeps the gate gradients of every step, then forms the weight gradients with one large GEMM
//! each after the recurrence. Internally everything is time-major ([T, B, ...]), so each step's
//! rows are contiguous; the public layout is batch-major ([B, T, ...]) like Keras and tfjs.
//!
//! cell.rs: one step's pointwise math (cell_avx2.rs: the same fused for AVX2); sequence.rs: one layer, one direction, whole sequence;
//! input_projection.rs: the input side, X W_ih^T before the recurrence and its gradients after
//! (with a sparse path for one-hot inputs);
//! step_product.rs: each step's recurrent product, and how the threads share the steps (by
//! samples, or by blocks of units); scratch.rs: big buffers reused from call to call; stack.rs:
//! layers x directions, dropout between layers; serving.rs: one sequence at a time for inference
//! (a service's requests), on weights packed for it; layer.rs: the model layer and its state.

mod cell;
#[cfg(target_arch = "x86_64")]
mod cell_avx2;
mod input_projection;
mod layer;
mod scratch;
mod sequence;
mod serving;
mod stack;
mod step_product;

pub use cell::CellKind;
pub use layer::{Recurrent, RecurrentConfig};
pub use sequence::{backward_sequence, forward_sequence, RecurrentGrads, RecurrentWeights, SequenceCache, SequenceGradsIn, SequenceInput, SequenceOutput, SequenceShape};
pub use serving::ServingWeights;
pub use stack::{stack_backward, stack_forward, StackConfig, StackGrads, StackGradsIn, StackOutput, State};

#[cfg(test)]
mod tests;
#[cfg(test)]
mod options_tests;
#[cfg(test)]
mod cell_tests;
#[cfg(test)]
mod serving_tests;
