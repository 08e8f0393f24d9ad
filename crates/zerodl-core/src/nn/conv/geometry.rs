//! Window geometry shared by convolutions and pools: the option types of their descriptions
//! (sizes given as a number or [height, width], padding, data format) and the resolved
//! geometry of one spatial axis (kernel, stride, dilation, padding before and after, sizes),
//! checked when the model is built so that a model that builds runs.

use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use crate::json;
use crate::{invalid_arg, Result};

/// A size per spatial axis, given as one number (both axes) or `[height, width]`; written as
/// `[height, width]`. Every size is >= 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Pair(pub [usize; 2]);

impl Pair {
    pub fn both(v: usize) -> Pair {
        Pair([v, v])
    }
}

fn whole(v: &Value, min: u64) -> Option<usize> {
    v.as_u64().filter(|&n| n >= min).and_then(|n| usize::try_from(n).ok())
}

/// `v` as one whole number >= `min` or a pair of them.
fn pair_from(v: &Value, min: u64) -> Option<[usize; 2]> {
    match v {
        Value::Array(a) if a.len() == 2 => Some([whole(&a[0], min)?, whole(&a[1], min)?]),
        _ => whole(v, min).map(|n| [n, n]),
    }
}

impl<'de> Deserialize<'de> for Pair {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Pair, D::Error> {
        let v = Value::deserialize(d)?;
        pair_from(&v, 1).map(Pair).ok_or_else(|| D::Error::custom(format!("expected an integer >= 1 or [height, width] of them, got {}", json::describe(&v))))
    }
}

impl Serialize for Pair {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

/// Zero padding: none ("valid"), enough to keep the size at stride 1 ("same"; at stride s the
/// output is ceil(in / s), the extra row or column going after, as TensorFlow and ONNX's
/// SAME_UPPER do), or explicit (the same before and after). `P` is [`Pair`] for 2-D layers
/// and `usize` for 1-D ones.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[derive(Default)]
pub enum Padding<P> {
    #[default]
    Valid,
    Same,
    Explicit(P),
}


/// How an explicit padding of each dimensionality reads and writes itself.
pub trait PaddingSize: Sized + Copy {
    fn from_value(v: &Value) -> Option<Self>;
    fn to_value(self) -> Value;
    /// Per axis [height, width] (1-D layers have a height of 1 and no padding on it).
    fn per_axis(self) -> [usize; 2];
}

impl PaddingSize for Pair {
    fn from_value(v: &Value) -> Option<Pair> {
        pair_from(v, 0).map(Pair)
    }
    fn to_value(self) -> Value {
        serde_json::json!(self.0)
    }
    fn per_axis(self) -> [usize; 2] {
        self.0
    }
}

impl PaddingSize for usize {
    fn from_value(v: &Value) -> Option<usize> {
        whole(v, 0)
    }
    fn to_value(self) -> Value {
        serde_json::json!(self)
    }
    fn per_axis(self) -> [usize; 2] {
        [0, self]
    }
}

impl<'de, P: PaddingSize> Deserialize<'de> for Padding<P> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Padding<P>, D::Error> {
        let v = Value::deserialize(d)?;
        match v.as_str() {
            Some("valid") => return Ok(Padding::Valid),
            Some("same") => return Ok(Padding::Same),
            _ => {}
        }
        P::from_value(&v).map(Padding::Explicit).ok_or_else(|| {
            let sizes = if std::mem::size_of::<P>() == std::mem::size_of::<usize>() { "an integer >= 0" } else { "an integer >= 0 or [height, width] of them" };
            D::Error::custom(format!("expected \"valid\", \"same\" or {sizes}, got {}", json::describe(&v)))
        })
    }
}

impl<P: PaddingSize> Serialize for Padding<P> {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        match self {
            Padding::Valid => s.serialize_str("valid"),
            Padding::Same => s.serialize_str("same"),
            Padding::Explicit(p) => p.to_value().serialize(s),
        }
    }
}

/// Where the channels are in one sample: first ([C, H, W], PyTorch's and ONNX's NCHW, the
/// default) or last ([H, W, C], Keras's and tfjs's NHWC).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum DataFormat {
    #[default]
    ChannelsFirst,
    ChannelsLast,
}

impl DataFormat {
    /// One sample's (channels, spatial sizes) from its shape.
    pub fn split(self, shape: &[usize]) -> (usize, Vec<usize>) {
        match self {
            DataFormat::ChannelsFirst => (shape[0], shape[1..].to_vec()),
            DataFormat::ChannelsLast => (shape[shape.len() - 1], shape[..shape.len() - 1].to_vec()),
        }
    }

    /// One sample's shape from its channels and spatial sizes.
    pub fn join(self, channels: usize, spatial: &[usize]) -> Vec<usize> {
        match self {
            DataFormat::ChannelsFirst => std::iter::once(channels).chain(spatial.iter().copied()).collect(),
            DataFormat::ChannelsLast => spatial.iter().copied().chain(std::iter::once(channels)).collect(),
        }
    }
}

/// One spatial axis of a sliding window, resolved for an input size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Axis {
    pub input: usize,
    pub kernel: usize,
    pub stride: usize,
    pub dilation: usize,
    pub pad_before: usize,
    pub pad_after: usize,
    pub output: usize,
}

impl Axis {
    /// The extent the kernel covers: dilation * (kernel - 1) + 1.
    pub fn span(&self) -> usize {
        self.dilation * (self.kernel - 1) + 1
    }

    /// The geometry of `axis` ("height", "width", "length") of layer `name` for `input` values,
    /// or an error saying why the window does not fit: the output size must be a whole number
    /// >= 1 (a silent floor would ignore the last rows, as the seed's cnn.py did).
    pub fn resolve(name: &str, axis: &str, input: usize, kernel: usize, stride: usize, dilation: usize, padding: Padding<usize>) -> Result<Axis> {
        let span = dilation.saturating_mul(kernel - 1).saturating_add(1);
        let (pad_before, pad_after) = match padding {
            Padding::Valid => (0, 0),
            Padding::Explicit(p) => (p, p),
            Padding::Same => {
                let output = input.div_ceil(stride);
                let total = ((output - 1) * stride + span).saturating_sub(input);
                (total / 2, total - total / 2)
            }
        };
        let padded = input.saturating_add(pad_before).saturating_add(pad_after);
        if padding == Padding::Same {
            // ceil(in / stride) by construction (the last window may end inside the input).
            return Ok(Axis { input, kernel, stride, dilation, pad_before, pad_after, output: input.div_ceil(stride) });
        }
        if span > padded {
            let what = if dilation > 1 { format!("a dilated kernel spanning {span} (kernel {kernel}, dilation {dilation})") } else { format!("a kernel of {kernel}") };
            invalid_arg!("{name}: {what} is larger than the padded input's {axis} ({input} + padding {pad_before} + {pad_after} = {padded})");
        }
        if !(padded - span).is_multiple_of(stride) {
            invalid_arg!(
                "{name}: the window does not tile the input's {axis}: ({input} + padding {pad_before} + {pad_after} - {span}) / stride {stride} is not a whole number, so the last {} would be ignored; change padding or strides (padding \"same\" always fits)",
                (padded - span) % stride
            );
        }
        Ok(Axis { input, kernel, stride, dilation, pad_before, pad_after, output: (padded - span) / stride + 1 })
    }

    /// The input index under output `o`, kernel tap `k` (may be outside 0..input: padding).
    #[inline]
    pub fn source(&self, o: usize, k: usize) -> isize {
        (o * self.stride + k * self.dilation) as isize - self.pad_before as isize
    }

    /// The outputs whose tap `k` reads inside the input: `lo..hi`.
    pub fn valid_outputs(&self, k: usize) -> (usize, usize) {
        let off = (k * self.dilation) as isize - self.pad_before as isize;
        // o * stride + off >= 0  and  o * stride + off <= input - 1
        let lo = if off >= 0 { 0 } else { ((-off) as usize).div_ceil(self.stride) };
        let last = self.input as isize - 1 - off;
        let hi = if last < 0 { 0 } else { (last as usize / self.stride + 1).min(self.output) };
        (lo.min(hi), hi)
    }
}

/// A 2-D window (1-D layers use a height axis of size 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Window {
    pub h: Axis,
    pub w: Axis,
}

impl Window {
    /// Both axes, from per-axis [height, width] options.
    pub fn resolve(name: &str, input: [usize; 2], kernel: [usize; 2], stride: [usize; 2], dilation: [usize; 2], padding: [Padding<usize>; 2], axes: [&str; 2]) -> Result<Window> {
        Ok(Window {
            h: Axis::resolve(name, axes[0], input[0], kernel[0], stride[0], dilation[0], padding[0])?,
            w: Axis::resolve(name, axes[1], input[1], kernel[1], stride[1], dilation[1], padding[1])?,
        })
    }

    pub fn taps(&self) -> usize {
        self.h.kernel * self.w.kernel
    }

    pub fn input_plane(&self) -> usize {
        self.h.input * self.w.input
    }

    pub fn output_plane(&self) -> usize {
        self.h.output * self.w.output
    }

    /// Whether the window pads the input on any side.
    pub fn pads(&self) -> bool {
        self.h.pad_before + self.h.pad_after + self.w.pad_before + self.w.pad_after > 0
    }

    /// The padded input's (height, width).
    pub fn padded_input(&self) -> (usize, usize) {
        (self.h.input + self.h.pad_before + self.h.pad_after, self.w.input + self.w.pad_before + self.w.pad_after)
    }
}

/// Per-axis paddings from a layer's padding option.
pub fn paddings<P: PaddingSize>(padding: Padding<P>) -> [Padding<usize>; 2] {
    match padding {
        Padding::Valid => [Padding::Valid; 2],
        Padding::Same => [Padding::Same; 2],
        Padding::Explicit(p) => p.per_axis().map(Padding::Explicit),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn output_sizes_follow_the_formula_and_refuse_to_floor() {
        let a = Axis::resolve("c", "width", 5, 3, 2, 1, Padding::Explicit(1)).unwrap();
        assert_eq!(a.output, 3);
        let same = Axis::resolve("c", "width", 7, 4, 1, 1, Padding::Same).unwrap();
        assert_eq!((same.pad_before, same.pad_after, same.output), (1, 2, 7));
        let strided = Axis::resolve("c", "width", 7, 3, 2, 1, Padding::Same).unwrap();
        assert_eq!((strided.pad_before, strided.pad_after, strided.output), (1, 1, 4));
        let e = Axis::resolve("conv", "width", 6, 3, 2, 1, Padding::Valid).unwrap_err().message;
        assert!(e.contains("not a whole number"), "{e}");
        let e = Axis::resolve("conv", "height", 4, 3, 1, 2, Padding::Valid).unwrap_err().message;
        assert!(e.contains("spanning 5") && e.contains("larger than the padded input's height"), "{e}");
    }

    #[test]
    fn valid_outputs_are_those_reading_inside() {
        let a = Axis::resolve("c", "w", 5, 3, 2, 1, Padding::Explicit(1)).unwrap();
        for k in 0..3 {
            let (lo, hi) = a.valid_outputs(k);
            for o in 0..a.output {
                let s = a.source(o, k);
                assert_eq!((lo..hi).contains(&o), (0..5).contains(&s), "k {k} o {o}");
            }
        }
    }
}
