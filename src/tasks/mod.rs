//! Async work: each function queues its job on the worker thread (`worker`, which says why not
//! libuv's pool) and returns a promise. Jobs run inside `error::guard`, so a panic rejects the
//! promise instead of killing Node.

mod matmul;
mod model;
pub mod worker;

pub use matmul::matmul;
pub use model::{evaluate, predict, train_batch};
