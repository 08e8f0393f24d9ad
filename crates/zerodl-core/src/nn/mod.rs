//! Neural-network building blocks: layers (forward and backward side by side), activations,
//! losses, optimizers, initialisers, the sequential model and gradient checking.

pub mod activation;
pub mod dense;
pub mod dropout;
pub mod embedding;
pub mod gradcheck;
pub mod init;
pub mod layer;
pub mod loss;
pub mod model;
pub mod optim;
pub mod recurrent;
pub mod perceptron;

pub use activation::Activation;
pub use dense::{Dense, DenseConfig};
pub use dropout::Dropout;
pub use embedding::Embedding;
pub use init::Init;
pub use layer::{Layer, Param, Pass};
pub use loss::Loss;
pub use model::{BatchStats, Inputs, Sequential, Training};
pub use optim::{Optimizer, OptimizerConfig};
pub use perceptron::{Perceptron, PerceptronActivation, PerceptronTraining};

#[cfg(test)]
mod tests;
