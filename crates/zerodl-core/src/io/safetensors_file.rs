//! safetensors files, through the `safetensors` crate: tensors by name (little-endian, offsets
//! checked by the crate: contiguous, inside the file, sizes that agree with shapes and dtypes)
//! and string metadata in the header's `__metadata__`. Every failure to read one is
//! `ERR_BAD_MODEL_FILE` naming what is wrong and where; reading allocates nothing larger than
//! the file (the crate parses the header in place and hands out views of the data).

use std::collections::HashMap;

use safetensors::tensor::{Dtype, SafeTensorError, SafeTensors, TensorView};

use crate::shape::fmt_shape;
use crate::{memory, Error, ErrorKind, Result};

/// The error for a file that is not what it claims; `source` names it ("model.safetensors").
pub fn bad_file(source: &str, message: impl std::fmt::Display) -> Error {
    Error::new(ErrorKind::BadModelFile, format!("{source}: {message}"))
}

/// A tensor to write: name, shape and values (f32, or f64 where exact doubles matter).
pub struct Entry<'a> {
    pub name: String,
    pub shape: Vec<usize>,
    pub values: Values<'a>,
}

pub enum Values<'a> {
    F32(&'a [f32]),
    F64(&'a [f64]),
}

/// The crate's `View` over our values, in little-endian bytes.
struct Bytes {
    dtype: Dtype,
    shape: Vec<usize>,
    data: Vec<u8>,
}

impl safetensors::tensor::View for &Bytes {
    fn dtype(&self) -> Dtype {
        self.dtype
    }
    fn shape(&self) -> &[usize] {
        &self.shape
    }
    fn data(&self) -> std::borrow::Cow<'_, [u8]> {
        std::borrow::Cow::Borrowed(&self.data)
    }
    fn data_len(&self) -> usize {
        self.data.len()
    }
}

/// A safetensors file's bytes: `entries` (names unique) and `metadata`.
pub fn write(entries: &[Entry<'_>], metadata: HashMap<String, String>) -> Result<Vec<u8>> {
    let views: Vec<(String, Bytes)> = entries
        .iter()
        .map(|e| {
            let (dtype, data) = match e.values {
                Values::F32(v) => (Dtype::F32, v.iter().flat_map(|x| x.to_le_bytes()).collect()),
                Values::F64(v) => (Dtype::F64, v.iter().flat_map(|x| x.to_le_bytes()).collect()),
            };
            (e.name.clone(), Bytes { dtype, shape: e.shape.clone(), data })
        })
        .collect();
    safetensors::tensor::serialize(views.iter().map(|(n, b)| (n.as_str(), b)), Some(metadata))
        .map_err(|e| Error::new(ErrorKind::Internal, format!("could not write a safetensors file: {e}")))
}

/// A safetensors file, read and checked (structure only: what the tensors mean is the caller's).
pub struct File<'data> {
    source: String,
    tensors: SafeTensors<'data>,
    metadata: HashMap<String, String>,
}

impl<'data> File<'data> {
    /// Reads `bytes` (from `source`, for messages).
    pub fn read(bytes: &'data [u8], source: &str) -> Result<File<'data>> {
        let (_, header) = SafeTensors::read_metadata(bytes).map_err(|e| bad_file(source, explain(&e, bytes.len())))?;
        let metadata = header.metadata().clone().unwrap_or_default();
        let tensors = SafeTensors::deserialize(bytes).map_err(|e| bad_file(source, explain(&e, bytes.len())))?;
        Ok(File { source: source.to_string(), tensors, metadata })
    }

    pub fn source(&self) -> &str {
        &self.source
    }

    /// The header's `__metadata__` (empty if it has none).
    pub fn metadata(&self) -> &HashMap<String, String> {
        &self.metadata
    }

    /// Tensor names in the file's order (by offset).
    pub fn names(&self) -> Vec<String> {
        self.tensors.tensors().into_iter().map(|(n, _)| n).collect()
    }

    pub fn shape(&self, name: &str) -> Option<Vec<usize>> {
        self.tensors.tensor(name).ok().map(|t| t.shape().to_vec())
    }

    /// The values of tensor `name` as f32, which must have `shape` (when given) and be finite.
    /// F32 tensors are read as they are; F64, F16 and BF16 (what PyTorch may hold) are converted,
    /// and I64 (PyTorch's counters, such as num_batches_tracked) when float32 holds them exactly.
    pub fn f32s(&self, name: &str, shape: Option<&[usize]>) -> Result<Vec<f32>> {
        let view = self.view(name, shape)?;
        let what = format!("tensor {name:?}");
        let data = view.data();
        let mut out = memory::reserve(view.shape().iter().product(), &what)?;
        match view.dtype() {
            Dtype::F32 => out.extend(data.chunks_exact(4).map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))),
            Dtype::F64 => out.extend(data.chunks_exact(8).map(|b| f64::from_le_bytes(b.try_into().unwrap_or_default()) as f32)),
            Dtype::BF16 => out.extend(data.chunks_exact(2).map(|b| f32::from_bits(u32::from(u16::from_le_bytes([b[0], b[1]])) << 16))),
            Dtype::F16 => out.extend(data.chunks_exact(2).map(|b| f16_to_f32(u16::from_le_bytes([b[0], b[1]])))),
            // PyTorch's integer buffers (batch norm's num_batches_tracked), exact up to 2^24.
            Dtype::I64 => {
                for b in data.chunks_exact(8) {
                    let v = i64::from_le_bytes(b.try_into().unwrap_or_default());
                    if v.unsigned_abs() > 1 << 24 {
                        return Err(bad_file(&self.source, format!("{what} is an I64 tensor holding {v}, which float32 cannot hold exactly (zerodl reads integer tensors up to 2^24)")));
                    }
                    out.push(v as f32);
                }
            }
            other => return Err(bad_file(&self.source, format!("{what} has dtype {other:?}; zerodl reads floating-point tensors (F32, or F64/F16/BF16 converted) and I64 counters"))),
        }
        self.check_finite(name, &out)?;
        Ok(out)
    }

    /// The values of tensor `name` as f64 (F64, or F32 widened exactly).
    pub fn f64s(&self, name: &str, shape: Option<&[usize]>) -> Result<Vec<f64>> {
        let view = self.view(name, shape)?;
        let data = view.data();
        let out: Vec<f64> = match view.dtype() {
            Dtype::F64 => data.chunks_exact(8).map(|b| f64::from_le_bytes(b.try_into().unwrap_or_default())).collect(),
            Dtype::F32 => data.chunks_exact(4).map(|b| f64::from(f32::from_le_bytes([b[0], b[1], b[2], b[3]]))).collect(),
            other => return Err(bad_file(&self.source, format!("tensor {name:?} has dtype {other:?}; expected F64 or F32"))),
        };
        if let Some(i) = out.iter().position(|v| !v.is_finite()) {
            return Err(bad_file(&self.source, format!("tensor {name:?} has {} at flat index {i}; weights must be finite", out[i])));
        }
        Ok(out)
    }

    fn view(&self, name: &str, shape: Option<&[usize]>) -> Result<TensorView<'data>> {
        let view = self.tensors.tensor(name).map_err(|_| bad_file(&self.source, format!("has no tensor {name:?}")))?;
        if let Some(want) = shape.filter(|want| *want != view.shape()) {
            return Err(bad_file(&self.source, format!("tensor {name:?} has shape {}, but the model description needs {}", fmt_shape(view.shape()), fmt_shape(want))));
        }
        Ok(view)
    }

    fn check_finite(&self, name: &str, values: &[f32]) -> Result<()> {
        match values.iter().position(|v| !v.is_finite()) {
            Some(i) => Err(bad_file(&self.source, format!("tensor {name:?} has {} at flat index {i}; weights must be finite", values[i]))),
            None => Ok(()),
        }
    }
}

/// IEEE half to single (exact).
fn f16_to_f32(h: u16) -> f32 {
    let sign = u32::from(h >> 15) << 31;
    let exp = u32::from((h >> 10) & 0x1f);
    let frac = u32::from(h & 0x3ff);
    let bits = match (exp, frac) {
        (0, 0) => sign,
        (0, f) => {
            // Subnormal: normalise.
            let shift = f.leading_zeros() - 21;
            sign | ((127 - 15 + 1 - shift) << 23) | ((f << shift) & 0x3ff) << 13
        }
        (0x1f, f) => sign | 0x7f80_0000 | (f << 13),
        (e, f) => sign | ((e + 127 - 15) << 23) | (f << 13),
    };
    f32::from_bits(bits)
}

/// The crate's error, in words a user can act on.
fn explain(e: &SafeTensorError, len: usize) -> String {
    match e {
        SafeTensorError::HeaderTooSmall => format!("is {len} bytes, too short to be a safetensors file (8 bytes of header length, then a JSON header)"),
        SafeTensorError::HeaderTooLarge => "claims a header longer than the 100 MB safetensors allows (a corrupt file, or not a safetensors file)".to_string(),
        SafeTensorError::InvalidHeaderLength => format!("claims a header longer than the file ({len} bytes): the file is truncated or not a safetensors file"),
        SafeTensorError::InvalidHeader(_) => "has a header that is not UTF-8 text (a corrupt file, or not a safetensors file)".to_string(),
        SafeTensorError::InvalidHeaderStart => "has a header that does not start with '{'".to_string(),
        SafeTensorError::InvalidHeaderDeserialization(err) => format!("has a header that is not a valid safetensors header: {err}"),
        SafeTensorError::InvalidOffset(name) => format!("tensor {name:?} has data offsets that do not follow the tensor before it (gaps, overlaps and out-of-order offsets are refused)"),
        SafeTensorError::TensorInvalidInfo => "has a tensor whose data size does not match its shape and dtype".to_string(),
        SafeTensorError::ValidationOverflow => "has a tensor whose shape is too large to address".to_string(),
        SafeTensorError::MetadataIncompleteBuffer => format!("has tensor data that does not end where the file ends ({len} bytes): the file is truncated, or has bytes appended"),
        SafeTensorError::MisalignedSlice => "has a tensor of a sub-byte dtype that does not end on a byte boundary".to_string(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn half_precision_converts_exactly() {
        for (h, f) in [(0x3c00u16, 1.0f32), (0xc000, -2.0), (0x0001, 5.960_464_5e-8), (0x7bff, 65504.0), (0x0000, 0.0)] {
            assert_eq!(f16_to_f32(h), f, "{h:#x}");
        }
        assert!(f16_to_f32(0x7c00).is_infinite() && f16_to_f32(0x7e00).is_nan());
    }

    #[test]
    fn writes_and_reads_back() {
        let w = [1.0f32, -2.5, 3.25, 0.0];
        let bytes = write(&[Entry { name: "0.weight".into(), shape: vec![2, 2], values: Values::F32(&w) }], HashMap::from([("k".into(), "v".into())])).unwrap();
        let file = File::read(&bytes, "test").unwrap();
        assert_eq!(file.metadata().get("k").map(String::as_str), Some("v"));
        assert_eq!(file.f32s("0.weight", Some(&[2, 2])).unwrap(), w);
        assert_eq!(file.f32s("0.weight", Some(&[4])).unwrap_err().kind, ErrorKind::BadModelFile);
        assert_eq!(File::read(&bytes[..bytes.len() - 1], "test").err().unwrap().kind, ErrorKind::BadModelFile);
    }
}
