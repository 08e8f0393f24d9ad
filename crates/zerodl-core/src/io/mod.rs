//! Models as files: the model file (safetensors with the description in its metadata) and
//! PyTorch state_dicts in and out. Bytes in, bytes out: writing them to disk (atomically) is
//! the caller's, so the same code serves files, buffers and object stores.

pub mod model_file;
pub mod safetensors_file;
pub mod state_dict;

pub use model_file::{load, model_format, save_sequential, save_unit, LoadedModel};
pub use state_dict::{load_state_dict, LoadReport, StateTensor};

#[cfg(test)]
mod tests;
