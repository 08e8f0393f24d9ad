//! Seeded random tensors. Every random choice in zerodl comes from a generator seeded here, so a
//! run with the same seeds is reproducible bit for bit (PCG64-MCG: small, fast, value-stable
//! across rand versions, unlike `StdRng`).

use rand::SeedableRng;
use rand_distr::{Distribution, Normal, Uniform};
use rand_pcg::Pcg64Mcg;

use crate::memory;
use crate::{invalid_arg, Result, Tensor};

/// The generator type used everywhere in zerodl.
pub type Rng = Pcg64Mcg;

pub fn rng(seed: u64) -> Rng {
    Pcg64Mcg::seed_from_u64(seed)
}

/// A seed for callers that did not give one: different on every call.
pub fn fresh_seed() -> u64 {
    use std::hash::{BuildHasher, RandomState};
    RandomState::new().hash_one(std::time::SystemTime::now())
}

/// Samples from N(mean, std^2).
pub fn randn(shape: &[usize], mean: f32, std: f32, seed: u64) -> Result<Tensor> {
    if !(mean.is_finite() && std.is_finite() && std >= 0.0) {
        invalid_arg!("randn needs a finite mean and a finite std >= 0, got mean {mean}, std {std}");
    }
    let dist = Normal::new(mean, std).expect("parameters were checked");
    sampled(shape, dist, seed)
}

/// Samples uniformly from [low, high).
pub fn uniform(shape: &[usize], low: f32, high: f32, seed: u64) -> Result<Tensor> {
    if !(low.is_finite() && high.is_finite() && low < high) {
        invalid_arg!("uniform needs finite bounds with low < high, got low {low}, high {high}");
    }
    sampled(shape, Uniform::new(low, high).expect("bounds were checked"), seed)
}

/// A tensor of `shape` drawn from `dist`, its size checked against the memory limit first.
fn sampled(shape: &[usize], dist: impl Distribution<f32>, seed: u64) -> Result<Tensor> {
    let n = memory::check_shape(shape, "a random tensor")?;
    let mut data = memory::reserve(n, "a random tensor")?;
    let mut r = rng(seed);
    data.extend((0..n).map(|_| dist.sample(&mut r)));
    Tensor::from_vec(shape, data)
}

/// `n` samples from [low, high) (bounds assumed valid). Allocates without the memory limit: for
/// tests and sizes zerodl chose, never a size from the caller's input (use [`uniform`]).
pub fn uniform_vec(n: usize, low: f32, high: f32, seed: u64) -> Vec<f32> {
    let dist = Uniform::new(low, high).expect("low < high");
    let mut r = rng(seed);
    (0..n).map(|_| dist.sample(&mut r)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_values_other_seed_other_values() {
        let a = randn(&[4, 5], 0.0, 1.0, 7).unwrap();
        let b = randn(&[4, 5], 0.0, 1.0, 7).unwrap();
        let c = randn(&[4, 5], 0.0, 1.0, 8).unwrap();
        assert_eq!(a.as_slice(), b.as_slice());
        assert_ne!(a.as_slice(), c.as_slice());
    }

    #[test]
    fn moments_are_right() {
        let n = randn(&[100_000], 2.0, 3.0, 1).unwrap();
        let mean = n.as_slice().iter().map(|&v| f64::from(v)).sum::<f64>() / 1e5;
        let var = n.as_slice().iter().map(|&v| (f64::from(v) - mean).powi(2)).sum::<f64>() / 1e5;
        assert!((mean - 2.0).abs() < 0.05 && (var.sqrt() - 3.0).abs() < 0.05, "{mean} {var}");
        let u = uniform(&[100_000], -1.0, 3.0, 2).unwrap();
        assert!(u.as_slice().iter().all(|&v| (-1.0..3.0).contains(&v)));
        let umean = u.as_slice().iter().map(|&v| f64::from(v)).sum::<f64>() / 1e5;
        assert!((umean - 1.0).abs() < 0.02, "{umean}");
    }

    #[test]
    fn bad_parameters_are_invalid_arguments() {
        assert!(uniform(&[2], 1.0, 1.0, 0).is_err());
        assert!(uniform(&[2], f32::NAN, 1.0, 0).is_err());
        assert!(randn(&[2], 0.0, -1.0, 0).is_err());
    }

    #[test]
    fn huge_shapes_are_refused_before_sampling() {
        for err in [randn(&[1 << 20, 1 << 20], 0.0, 1.0, 0).unwrap_err(), uniform(&[1 << 20, 1 << 20], 0.0, 1.0, 0).unwrap_err()] {
            assert_eq!(err.code(), "ERR_OUT_OF_MEMORY");
            assert!(err.message.contains("[1048576, 1048576] needs 4.0 TiB (4398046511104 bytes)"), "{err}");
        }
    }

    #[test]
    fn uniform_matches_uniform_vec() {
        assert_eq!(uniform(&[2, 50], -1.0, 2.0, 9).unwrap().as_slice(), &uniform_vec(100, -1.0, 2.0, 9)[..]);
    }

    #[test]
    fn fresh_seeds_differ() {
        assert_ne!(fresh_seed(), fresh_seed());
    }
}
