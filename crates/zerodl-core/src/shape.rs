//! Shape arithmetic and validation shared by every op.

use crate::{invalid_arg, Error, ErrorKind, Result};

/// Largest element count we accept: keeps byte sizes well inside `isize` on every target.
pub const MAX_ELEMENTS: usize = (isize::MAX as usize) / 16;

/// Formats a shape the way users write it: `[2, 3]`.
pub fn fmt_shape(shape: &[usize]) -> String {
    format!("{shape:?}")
}

/// In a layer's per-sample shape, a dimension of any size (Keras's `None`, e.g. the timesteps of
/// a sequence model that trains on windows of 64 and samples one step at a time).
pub const ANY: usize = 0;

/// Whether a per-sample shape `actual` fits `pattern` (equal, with [`ANY`] matching any size > 0).
pub fn fits(pattern: &[usize], actual: &[usize]) -> bool {
    pattern.len() == actual.len() && pattern.iter().zip(actual).all(|(&p, &a)| if p == ANY { a > 0 } else { p == a })
}

/// Formats a per-sample shape, free sizes as the API writes them: `[null, 65]`.
pub fn fmt_pattern(pattern: &[usize]) -> String {
    format!("[{}]", fmt_dims(pattern).join(", "))
}

fn fmt_dims(pattern: &[usize]) -> Vec<String> {
    pattern.iter().map(|&d| if d == ANY { "null".to_string() } else { d.to_string() }).collect()
}

/// Formats a per-sample shape with the batch axis first: `[batch, null, 65]`.
pub fn fmt_batch_pattern(pattern: &[usize]) -> String {
    format!("[{}]", std::iter::once("batch".to_string()).chain(fmt_dims(pattern)).collect::<Vec<_>>().join(", "))
}

/// Number of elements of `shape`, or an `ERR_OUT_OF_MEMORY` error if that is more than this
/// machine can address (over [`MAX_ELEMENTS`]): no buffer could ever hold it, whatever the limit.
pub fn numel(shape: &[usize]) -> Result<usize> {
    shape
        .iter()
        .try_fold(1usize, |acc, &d| acc.checked_mul(d))
        .filter(|&n| n <= MAX_ELEMENTS)
        .ok_or_else(|| crate::memory::unaddressable(shape, "a tensor"))
}

/// Turns JS numbers into a shape, rejecting NaN, infinities, fractions and negatives. A whole
/// dimension too big for any buffer (over [`MAX_ELEMENTS`]) is `ERR_OUT_OF_MEMORY`, naming the
/// bytes the shape would need.
pub fn shape_from_f64(dims: &[f64]) -> Result<Vec<usize>> {
    let shown = || dims.iter().map(|v| v.to_string()).collect::<Vec<_>>().join(", ");
    dims.iter()
        .enumerate()
        .map(|(i, &d)| {
            if !d.is_finite() || d.fract() != 0.0 || d < 0.0 {
                invalid_arg!("shape dimension {i} must be a non-negative integer, got {d} (in shape [{}])", shown());
            }
            if d > MAX_ELEMENTS as f64 {
                let bytes = dims.iter().product::<f64>() * std::mem::size_of::<f32>() as f64;
                if bytes == 0.0 {
                    invalid_arg!("shape dimension {i} is {d}, over the largest supported ({MAX_ELEMENTS}) (in shape [{}])", shown());
                }
                return Err(Error::new(
                    ErrorKind::OutOfMemory,
                    format!("a tensor of shape [{}] needs about {bytes:.3e} bytes, more than this machine can address (dimension {i} is {d})", shown()),
                ));
            }
            Ok(d as usize)
        })
        .collect()
}

/// Resolves a possibly negative axis (`-1` = last) against a rank.
pub fn normalize_axis(axis: isize, rank: usize) -> Result<usize> {
    let r = rank as isize;
    if axis < -r || axis >= r {
        invalid_arg!("axis {axis} is out of range for a tensor of rank {rank}");
    }
    Ok(if axis < 0 { (axis + r) as usize } else { axis as usize })
}

/// Splits `shape` around `axis` into (product of dims before, dim at axis, product of dims after).
pub fn split_at_axis(shape: &[usize], axis: usize) -> (usize, usize, usize) {
    let outer = shape[..axis].iter().product();
    let inner = shape[axis + 1..].iter().product();
    (outer, shape[axis], inner)
}

/// NumPy broadcasting: aligns trailing dims; each pair must be equal or contain a 1.
pub fn broadcast_shapes(a: &[usize], b: &[usize]) -> Option<Vec<usize>> {
    let rank = a.len().max(b.len());
    let dim = |s: &[usize], i: usize| if i + s.len() >= rank { s[i + s.len() - rank] } else { 1 };
    (0..rank)
        .map(|i| match (dim(a, i), dim(b, i)) {
            (x, y) if x == y => Some(x),
            (1, y) => Some(y),
            (x, 1) => Some(x),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numel_counts_and_rejects_overflow() {
        assert_eq!(numel(&[2, 3, 4]).unwrap(), 24);
        assert_eq!(numel(&[]).unwrap(), 1);
        assert_eq!(numel(&[0, 5]).unwrap(), 0);
        let err = numel(&[usize::MAX, 2]).unwrap_err();
        assert_eq!(err.kind, ErrorKind::OutOfMemory);
        assert!(err.message.contains("more than this machine can address") && err.message.contains("bytes"), "{err}");
        assert_eq!(numel(&[MAX_ELEMENTS + 1]).unwrap_err().kind, ErrorKind::OutOfMemory);
    }

    #[test]
    fn shape_from_f64_rejects_bad_dims() {
        assert_eq!(shape_from_f64(&[2.0, 3.0]).unwrap(), vec![2, 3]);
        for bad in [-1.0, f64::NAN, f64::INFINITY, 1.5] {
            let err = shape_from_f64(&[2.0, bad]).unwrap_err();
            assert_eq!(err.code(), "ERR_INVALID_ARGUMENT", "{bad}");
        }
        let err = shape_from_f64(&[2.0, 1e20]).unwrap_err();
        assert_eq!(err.code(), "ERR_OUT_OF_MEMORY");
        assert!(err.message.contains("[2, 100000000000000000000]") && err.message.contains("8.000e20 bytes"), "{err}");
        assert_eq!(shape_from_f64(&[0.0, 1e20]).unwrap_err().code(), "ERR_INVALID_ARGUMENT");
    }

    #[test]
    fn axes_normalize() {
        assert_eq!(normalize_axis(-1, 3).unwrap(), 2);
        assert_eq!(normalize_axis(0, 3).unwrap(), 0);
        assert!(normalize_axis(3, 3).is_err());
        assert!(normalize_axis(-4, 3).is_err());
    }

    #[test]
    fn broadcasting_follows_numpy() {
        assert_eq!(broadcast_shapes(&[4, 3], &[3]), Some(vec![4, 3]));
        assert_eq!(broadcast_shapes(&[4, 1], &[1, 5]), Some(vec![4, 5]));
        assert_eq!(broadcast_shapes(&[2, 1, 3], &[4, 3]), Some(vec![2, 4, 3]));
        assert_eq!(broadcast_shapes(&[4, 3], &[4]), None);
    }
}
