//! Convolutional networks (seed chapter 4): convolutions in 1 and 2 dimensions, max, average
//! and global average pooling, batch normalization, and the shape layers between them (flatten,
//! reshape). Inputs are channels first (NCHW, as PyTorch and ONNX) unless a layer says
//! `dataFormat: "channelsLast"`; weights have PyTorch's layouts and names.

pub mod batch_norm;
pub mod conv_compute;
pub mod conv_config;
mod conv_direct;
pub mod conv_layer;
mod conv_packed;
mod conv_rows;
pub mod geometry;
pub mod global_pool;
pub mod layout;
pub mod pool;
pub mod reshape;

pub use batch_norm::{BatchNorm, BatchNormConfig};
pub use conv_config::{Conv1dConfig, Conv2dConfig, ConvSpec};
pub use conv_layer::Conv;
pub use global_pool::{GlobalAveragePool, GlobalPoolConfig};
pub use pool::{Pool, PoolConfig, PoolKind};
pub use reshape::{FlattenConfig, Reshape, ReshapeConfig};

#[cfg(test)]
mod tests;
#[cfg(test)]
mod torch_tests;
