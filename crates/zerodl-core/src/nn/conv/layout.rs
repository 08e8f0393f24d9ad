//! Moving the channels between first and last in a batch of samples: layers with
//! `dataFormat: "channelsLast"` ([N, H, W, C], Keras's and tfjs's layout) compute on
//! channels-first ([N, C, H, W]) data, the layout their kernels are written for.

use crate::kernels::transpose::transposed;

/// [N, S, C] -> [N, C, S] (S: the spatial positions of one sample).
pub fn to_channels_first(x: &[f32], batch: usize, spatial: usize, channels: usize) -> Vec<f32> {
    per_sample(x, batch, spatial, channels)
}

/// [N, C, S] -> [N, S, C].
pub fn to_channels_last(x: &[f32], batch: usize, channels: usize, spatial: usize) -> Vec<f32> {
    per_sample(x, batch, channels, spatial)
}

fn per_sample(x: &[f32], batch: usize, rows: usize, cols: usize) -> Vec<f32> {
    if rows == 1 || cols == 1 {
        return x.to_vec(); // a transpose that moves nothing
    }
    let mut out = Vec::with_capacity(x.len());
    for sample in x.chunks(rows * cols).take(batch) {
        out.extend_from_slice(&transposed(sample, rows, cols));
    }
    out
}
