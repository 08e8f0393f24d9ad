//! Neural-network building blocks: layers (forward and backward side by side), activations,
//! losses, optimizers, initialisers, the sequential model and gradient checking.

pub mod activation;
pub mod config;
pub mod conv;
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
pub use config::{LayerConfig, Metric, SequentialConfig, TrainingConfig};
pub use dense::{Dense, DenseConfig};
pub use dropout::{Dropout, DropoutConfig};
pub use embedding::{Embedding, EmbeddingConfig};
pub use init::Init;
pub use layer::{Layer, Param, Pass};
pub use loss::Loss;
pub use model::{lengths_from, BatchStats, Dataset, Inputs, Sequential, Training};
pub use optim::{AdamConfig, Optimizer, OptimizerConfig, SgdConfig};
pub use perceptron::{Perceptron, PerceptronActivation, PerceptronTraining, UnitConfig, UnitKind};

#[cfg(test)]
mod tests;
