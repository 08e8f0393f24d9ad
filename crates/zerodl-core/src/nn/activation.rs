//! Activation functions applied by layers, with their derivatives taken from the *output* (as the
//! seed series does): each layer differentiates the activation it applied itself.

use serde::{Deserialize, Serialize};

use crate::kernels::simd::{self, UnaryOp};
use crate::kernels::CPtr;
use crate::parallel;

/// Below this many values a softmax stays on the calling thread.
const PARALLEL_SOFTMAX_FROM: usize = 32 * 1024;

/// Serialized by the names of the API: "linear" (the default), "sigmoid", "tanh", "relu",
/// "softmax".
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Activation {
    #[default]
    #[serde(rename = "linear")]
    Identity,
    Sigmoid,
    Tanh,
    Relu,
    /// Softmax over the last axis (rows of `width` values).
    Softmax,
}

impl Activation {
    pub fn name(self) -> &'static str {
        match self {
            Activation::Identity => "linear",
            Activation::Sigmoid => "sigmoid",
            Activation::Tanh => "tanh",
            Activation::Relu => "relu",
            Activation::Softmax => "softmax",
        }
    }

    /// Applies the activation in place to rows of `width` values.
    pub fn forward(self, z: &mut [f32], width: usize) {
        match self {
            Activation::Identity => {}
            Activation::Sigmoid => simd::unary_inplace(UnaryOp::Sigmoid, z),
            Activation::Tanh => simd::unary_inplace(UnaryOp::Tanh, z),
            Activation::Relu => simd::unary_inplace(UnaryOp::Relu, z),
            Activation::Softmax => {
                // Rows split between the team's threads (a char LM's output layer has 2048 per
                // batch).
                let (rows, at) = (z.len() / width.max(1), CPtr(z.as_mut_ptr()));
                parallel::team::for_each_range(rows, z.len() >= PARALLEL_SOFTMAX_FROM, 1, |span| {
                    let mut row_out = vec![0.0f32; width];
                    for r in span {
                        // SAFETY: each range has its own rows of z.
                        let row = unsafe { std::slice::from_raw_parts_mut(at.at(r * width), width) };
                        simd::softmax_row(row, &mut row_out);
                        row.copy_from_slice(&row_out);
                    }
                });
            }
        }
    }

    /// Turns `grad` (dE/dy, rows of `width`) into dE/dz in place, given the output `y`.
    pub fn backward(self, y: &[f32], grad: &mut [f32], width: usize) {
        match self {
            Activation::Identity => {}
            Activation::Sigmoid => grad.iter_mut().zip(y).for_each(|(g, &y)| *g *= y * (1.0 - y)),
            Activation::Tanh => grad.iter_mut().zip(y).for_each(|(g, &y)| *g *= 1.0 - y * y),
            // A select, not a branch, so the loop vectorises.
            Activation::Relu => grad.iter_mut().zip(y).for_each(|(g, &y)| *g = if y > 0.0 { *g } else { 0.0 }),
            // Jacobian-vector product of softmax: dz = y * (dy - sum(dy * y)).
            Activation::Softmax => {
                for (g, y) in grad.chunks_mut(width).zip(y.chunks(width)) {
                    let dot: f32 = g.iter().zip(y).map(|(a, b)| a * b).sum();
                    g.iter_mut().zip(y).for_each(|(g, &y)| *g = y * (*g - dot));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Central differences of sum(w * f(z)) against backward, for every activation.
    #[test]
    fn derivatives_match_central_differences() {
        let width = 4;
        let z: Vec<f32> = vec![-1.5, -0.2, 0.3, 2.0, 0.7, -0.9, 1.1, 0.05];
        let w: Vec<f32> = vec![0.3, -0.7, 1.1, 0.5, -0.2, 0.9, 0.4, -1.3];
        for act in [Activation::Identity, Activation::Sigmoid, Activation::Tanh, Activation::Relu, Activation::Softmax] {
            let f = |z: &[f32]| -> f64 {
                let mut y = z.to_vec();
                act.forward(&mut y, width);
                y.iter().zip(&w).map(|(a, b)| f64::from(*a) * f64::from(*b)).sum()
            };
            let mut y = z.clone();
            act.forward(&mut y, width);
            let mut grad = w.clone();
            act.backward(&y, &mut grad, width);
            for i in 0..z.len() {
                let eps = 1e-3f32;
                let (mut zp, mut zm) = (z.clone(), z.clone());
                zp[i] += eps;
                zm[i] -= eps;
                let numeric = (f(&zp) - f(&zm)) / (2.0 * f64::from(eps));
                assert!((numeric - f64::from(grad[i])).abs() < 2e-3, "{act:?}[{i}]: numeric {numeric}, analytic {}", grad[i]);
            }
        }
    }

    #[test]
    fn names_round_trip_and_unknown_names_are_rejected() {
        for act in [Activation::Identity, Activation::Sigmoid, Activation::Tanh, Activation::Relu, Activation::Softmax] {
            let json = serde_json::to_value(act).unwrap();
            assert_eq!(json, serde_json::json!(act.name()));
            assert_eq!(crate::json::typed::<Activation>(&json, "activation").unwrap(), act);
        }
        let err = crate::json::typed::<Activation>(&serde_json::json!("gelu"), "dense layer").unwrap_err();
        assert_eq!(err.code(), "ERR_INVALID_ARGUMENT");
        assert!(err.message.contains("\"gelu\"") && err.message.contains("relu"), "{err}");
    }
}
