//! Weight initialisers. All randomness comes from the seeded generator passed in.

use rand_distr::{Distribution, Normal, Uniform};

use crate::random::Rng;
use crate::{invalid_arg, Result};

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Init {
    /// U(low, high): the seed series uses U(-0.1, 0.1) for fully connected nets.
    Uniform { low: f32, high: f32 },
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
    pub fn parse(name: &str) -> Result<Init> {
        Ok(match name {
            "seedUniform" => Init::Uniform { low: -0.1, high: 0.1 },
            "glorotUniform" | "xavierUniform" => Init::GlorotUniform,
            "glorotNormal" | "xavierNormal" => Init::GlorotNormal,
            "heUniform" => Init::HeUniform,
            "heNormal" => Init::HeNormal,
            "zeros" => Init::Zeros,
            other => invalid_arg!(
                "unknown initializer {other:?}; expected one of \"glorotUniform\", \"glorotNormal\", \"heUniform\", \"heNormal\", \"seedUniform\", \"zeros\""
            ),
        })
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
            Init::Uniform { low, high } => {
                let d = Uniform::new(low, high).expect("low < high");
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
            (Init::Uniform { low: -0.1, high: 0.1 }, 0.2 / 12f64.sqrt()),
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
        assert!(Init::parse("orthogonal").is_err());
    }
}
