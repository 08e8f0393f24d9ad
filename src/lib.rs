//! zerodl's Node-API glue: converts JS arguments, calls `zerodl-core`, converts results and errors.
//! No math lives here. Every sync entry point is `catch_unwind` and every async task catches
//! panics in `compute`, so a Rust panic becomes a JS error instead of killing Node.

#![deny(clippy::all)]

mod error;
mod memory;
mod model;
mod ops;
mod perceptron;
// After the models it adds methods to (napi-rs expands a struct's impls after the struct).
mod model_file;
mod tasks;
mod tensor;
mod testing;

pub use tensor::NativeTensor;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
