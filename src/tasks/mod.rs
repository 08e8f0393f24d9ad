//! Async work: one `Task` per operation, computed on the libuv pool (which hands the arithmetic
//! to our rayon pool). napi-rs does not catch panics in `compute`, so each task wraps its body in
//! `error::guard`.

mod matmul;
mod model;

pub use matmul::MatmulTask;
pub use model::{EvaluateTask, PredictTask, TrainBatchTask};
