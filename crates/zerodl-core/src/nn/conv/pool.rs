//! Max and average pooling over 2-D windows (`maxPool2d`, `avgPool2d`), as PyTorch's
//! F.max_pool2d and F.avg_pool2d compute them: max pooling reads padding as -infinity and sends
//! each output's gradient to its window's first maximum (row-major, as the seed's
//! get_max_index and PyTorch do), remembered from the forward pass; average pooling counts
//! padded zeros in the divisor (count_include_pad).

use serde::{Deserialize, Serialize};

use super::conv_layer::check_batch;
use super::geometry::{paddings, DataFormat, Padding, Pair, Window};
use super::layout::{to_channels_first, to_channels_last};
use crate::kernels::pool::{pool_plane, pool_plane_backward};
use crate::kernels::CPtr;
use crate::memory;
use crate::nn::config::{LayerConfig, LayerOptions};
use crate::nn::layer::{Layer, Param, Pass};
use crate::parallel;
use crate::shape::{fmt_pattern, ANY};
use crate::{invalid_arg, Error, ErrorKind, Result, Tensor};

fn two() -> Pair {
    Pair::both(2)
}

/// A pooling layer's description (`maxPool2d` and `avgPool2d` share it).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PoolConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Default 2 (2 x 2).
    #[serde(default = "two")]
    pub pool_size: Pair,
    /// Default: the pool size (windows side by side).
    #[serde(default)]
    pub strides: Option<Pair>,
    /// Default "valid".
    #[serde(default)]
    pub padding: Padding<Pair>,
    #[serde(default)]
    pub data_format: DataFormat,
}

impl LayerOptions for PoolConfig {}

impl PoolConfig {
    pub fn validate(&self, what: &str) -> Result<()> {
        if let Padding::Explicit(Pair(p)) = self.padding {
            for (axis, (&pad, &k)) in ["height", "width"].iter().zip(p.iter().zip(&self.pool_size.0)) {
                if pad > k / 2 {
                    invalid_arg!("{what}: padding must be at most half the pool size on each axis (a window must not lie in the padding), got padding {pad} for a pool {axis} of {k}");
                }
            }
        }
        Ok(())
    }

    /// The strides, taken from the pool size when not given.
    pub fn normalized(mut self) -> PoolConfig {
        self.strides = Some(self.strides.unwrap_or(self.pool_size));
        self
    }
}

/// Max or average pooling (the kernels' own enum).
pub use crate::kernels::pool::Reduce as PoolKind;

pub struct Pool {
    name: String,
    pool: PoolKind,
    config: LayerConfig,
    format: DataFormat,
    input_shape: Vec<usize>,
    channels: usize,
    window: Window,
    // Kept by a training forward: the input position of each output's maximum (max pooling).
    argmax: Vec<u32>,
    batch: usize,
    trained: bool,
}

impl Pool {
    pub fn new(name: &str, input_shape: &[usize], config: &LayerConfig, c: &PoolConfig, pool: PoolKind) -> Result<Pool> {
        let kind = config.kind();
        if input_shape.len() != 3 {
            let layout = if c.data_format == DataFormat::ChannelsFirst { "[channels, height, width]" } else { "[height, width, channels]" };
            invalid_arg!("{name}: a {kind} layer takes samples of shape {layout}, got input shape {}", fmt_pattern(input_shape));
        }
        if input_shape.contains(&ANY) {
            invalid_arg!("{name}: a {kind} layer needs fixed input sizes, got input shape {} (null is a free size)", fmt_pattern(input_shape));
        }
        let (channels, spatial) = c.data_format.split(input_shape);
        let strides = c.strides.unwrap_or(c.pool_size);
        let window = Window::resolve(name, [spatial[0], spatial[1]], c.pool_size.0, strides.0, [1, 1], paddings(c.padding), ["height", "width"])?;
        Ok(Pool {
            name: name.to_string(),
            pool,
            config: config.clone().with_name(name),
            format: c.data_format,
            input_shape: input_shape.to_vec(),
            channels,
            window,
            argmax: Vec::new(),
            batch: 0,
            trained: false,
        })
    }

    /// Runs `f(plane index, range)` over ranges of the batch's planes, in parallel when big.
    fn planes(&self, batch: usize, f: impl Fn(std::ops::Range<usize>) + Sync) {
        let planes = batch * self.channels;
        let big = planes * self.window.output_plane() * self.window.taps() >= 64 * 1024;
        parallel::team::for_each_range(planes, big, 1, f);
    }
}

impl Layer for Pool {
    fn kind(&self) -> &'static str {
        self.config.kind()
    }

    fn config(&self) -> LayerConfig {
        self.config.clone()
    }

    fn output_shape(&self) -> Vec<usize> {
        self.format.join(self.channels, &[self.window.h.output, self.window.w.output])
    }

    fn output_shape_for(&self, _input: &[usize]) -> Vec<usize> {
        self.output_shape()
    }

    fn forward(&mut self, x: &Tensor, pass: &Pass<'_>) -> Result<Tensor> {
        let batch = check_batch(&self.name, x, &self.input_shape)?;
        let (in_plane, out_plane) = (self.window.input_plane(), self.window.output_plane());
        let channels_last = self.format == DataFormat::ChannelsLast;
        let first;
        let input: &[f32] = if channels_last {
            first = to_channels_first(x.as_slice(), batch, in_plane, self.channels);
            &first
        } else {
            x.as_slice()
        };
        let count = batch * self.channels * out_plane;
        let mut out = memory::zeroed(count, &format!("{}'s output for {batch} samples", self.name))?;
        let keep = pass.training && self.pool == PoolKind::Max;
        let mut argmax = if keep { vec![0u32; count] } else { Vec::new() };
        let (out_ptr, arg_ptr) = (CPtr(out.as_mut_ptr()), argmax.as_mut_ptr() as usize);
        let (reduce, window) = (self.pool, &self.window);
        self.planes(batch, |range| {
            for plane in range {
                // SAFETY: each range writes its own planes of the output (and argmax), which
                // were sized `count` = planes x out_plane above.
                let dst = unsafe { std::slice::from_raw_parts_mut(out_ptr.at(plane * out_plane), out_plane) };
                let arg = keep.then(|| unsafe { std::slice::from_raw_parts_mut((arg_ptr as *mut u32).add(plane * out_plane), out_plane) });
                pool_plane(window, reduce, &input[plane * in_plane..][..in_plane], dst, arg);
            }
        });
        if pass.training {
            self.argmax = argmax;
            self.batch = batch;
            self.trained = true;
        }
        let out = if channels_last { to_channels_last(&out, batch, self.channels, out_plane) } else { out };
        let shape: Vec<usize> = std::iter::once(batch).chain(self.output_shape()).collect();
        Tensor::from_vec(&shape, out)
    }

    fn backward(&mut self, grad: Vec<f32>, need_input_grad: bool) -> Result<Vec<f32>> {
        let (batch, in_plane, out_plane) = (self.batch, self.window.input_plane(), self.window.output_plane());
        if !self.trained || grad.len() != batch * self.channels * out_plane {
            return Err(Error::new(ErrorKind::Internal, format!("{}: backward without a matching training forward", self.name)));
        }
        if !need_input_grad {
            return Ok(Vec::new());
        }
        let channels_last = self.format == DataFormat::ChannelsLast;
        let g = if channels_last { to_channels_first(&grad, batch, out_plane, self.channels) } else { grad };
        let mut dx = memory::zeroed(batch * self.channels * in_plane, &format!("{}'s input gradient", self.name))?;
        let dx_ptr = CPtr(dx.as_mut_ptr());
        let (reduce, argmax, window) = (self.pool, &self.argmax, &self.window);
        self.planes(batch, |range| {
            for plane in range {
                // SAFETY: each range writes only its own planes of dx.
                let dst = unsafe { std::slice::from_raw_parts_mut(dx_ptr.at(plane * in_plane), in_plane) };
                let arg = if reduce == PoolKind::Max { &argmax[plane * out_plane..][..out_plane] } else { &[] };
                pool_plane_backward(window, reduce, &g[plane * out_plane..][..out_plane], arg, dst);
            }
        });
        Ok(if channels_last { to_channels_last(&dx, batch, self.channels, in_plane) } else { dx })
    }

    fn params(&self) -> &[Param] {
        &[]
    }

    fn params_mut(&mut self) -> &mut [Param] {
        &mut []
    }
}
