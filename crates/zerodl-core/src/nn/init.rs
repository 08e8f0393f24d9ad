//! Weight initialisers. All randomness comes from the seeded generator passed in.

use rand_distr::{Distribution, Normal, Uniform};
use serde::{Deserialize, Serialize};

use crate::random::Rng;

/// Serialized by the names of the API ("glorotUniform", "heNormal", "seedUniform", ...).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Init {
    /// U(-0.1, 0.1): what the seed series uses for fully connected nets.
    SeedUniform,
    /// Glorot/Xavier uniform: U(-a, a), a = sqrt(6 / (fan_in + fan_out)).
    GlorotUniform,
    /// Glorot/Xavier normal: N(0, 2 / (fan_in + fan_out)).
    GlorotNormal,
    /// He/Kaiming uniform (for relu): U(-a, a), a = sqrt(6 / fan_in).
    HeUniform,
    /// He/Kaiming normal (for relu): N(0, 2 / fan_in).
    HeNormal,
    Zeros,
}

impl Init {
    /// A dense layer's default kernel initializer (Keras's).
    pub fn glorot_uniform() -> Init {
        Init::GlorotUniform
    }

    /// The default bias initializer.
    pub fn zeros() -> Init {
        Init::Zeros
    }

    /// Fills `out` for a weight with the given fans.
    pub fn fill(self, out: &mut [f32], fan_in: usize, fan_out: usize, rng: &mut Rng) {
        let (fi, fo) = (fan_in.max(1) as f32, fan_out.max(1) as f32);
        let uniform = |a: f32, out: &mut [f32], rng: &mut Rng| {
            let d = Uniform::new_inclusive(-a, a).expect("a >= 0");
            out.iter_mut().for_each(|v| *v = d.sample(rng));
        };
        let normal = |std: f32, out: &mut [f32], rng: &mut Rng| {
            let d = Normal::new(0.0, std).expect("std >= 0");
            out.iter_mut().for_each(|v| *v = d.sample(rng));
        };
        match self {
            Init::SeedUniform => {
                let d = Uniform::new(-0.1f32, 0.1).expect("low < high");
                out.iter_mut().for_each(|v| *v = d.sample(rng));
            }
            Init::GlorotUniform => uniform((6.0 / (fi + fo)).sqrt(), out, rng),
            Init::GlorotNormal => normal((2.0 / (fi + fo)).sqrt(), out, rng),
            Init::HeUniform => uniform((6.0 / fi).sqrt(), out, rng),
            Init::HeNormal => normal((2.0 / fi).sqrt(), out, rng),
            Init::Zeros => out.fill(0.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::rng;

    fn std_of(v: &[f32]) -> f64 {
        let n = v.len() as f64;
        let mean = v.iter().map(|&x| f64::from(x)).sum::<f64>() / n;
        (v.iter().map(|&x| (f64::from(x) - mean).powi(2)).sum::<f64>() / n).sqrt()
    }

    #[test]
    fn variances_follow_the_formulas() {
        let (fan_in, fan_out) = (400, 100);
        let mut w = vec![0.0f32; 200_000];
        let cases = [
            (Init::GlorotUniform, (2.0 / 500.0f64).sqrt()),
            (Init::GlorotNormal, (2.0 / 500.0f64).sqrt()),
            (Init::HeUniform, (2.0 / 400.0f64).sqrt()),
            (Init::HeNormal, (2.0 / 400.0f64).sqrt()),
            (Init::SeedUniform, 0.2 / 12f64.sqrt()),
        ];
        for (init, want) in cases {
            init.fill(&mut w, fan_in, fan_out, &mut rng(3));
            let got = std_of(&w);
            assert!((got - want).abs() / want < 0.02, "{init:?}: std {got}, want {want}");
        }
    }

    #[test]
    fn same_seed_same_weights() {
        let (mut a, mut b) = (vec![0.0f32; 64], vec![0.0f32; 64]);
        Init::HeNormal.fill(&mut a, 8, 8, &mut rng(9));
        Init::HeNormal.fill(&mut b, 8, 8, &mut rng(9));
        assert_eq!(a, b);
        assert!(crate::json::typed::<Init>(&serde_json::json!("orthogonal"), "init").is_err());
        assert_eq!(crate::json::typed::<Init>(&serde_json::json!("heNormal"), "init").unwrap(), Init::HeNormal);
    }
}
