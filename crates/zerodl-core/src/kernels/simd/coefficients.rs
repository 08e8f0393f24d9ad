//! The constants of the vector exp and tanh, one copy for every width (avx2.rs, avx512.rs):
//! Cephes' expf (range reduction to 2^n * e^r, |r| <= ln2/2, degree-6 polynomial) and Eigen's
//! rational tanh. Polynomials are listed highest degree first, for Horner's rule.

// Quoted as published (Cephes, Eigen); f32 rounds them.
#![allow(clippy::excessive_precision)]

/// exp's input clamp: below it the result underflows (and is flushed to 0), above it overflows.
pub(crate) const EXP_MIN: f32 = -87.336_55;
pub(crate) const EXP_MAX: f32 = 88.376_26;
/// ln 2 split in two, so that n * LN2_HI is exact.
pub(crate) const LN2_HI: f32 = 0.693_359_4;
pub(crate) const LN2_LO: f32 = -2.121_944_4e-4;
/// e^r ~ 1 + r + r^2 * P(r).
pub(crate) const EXP_P: [f32; 6] = [1.987_569_1e-4, 1.398_199_9e-3, 8.333_452e-3, 4.166_579_6e-2, 1.666_666_5e-1, 5.000_000_1e-1];

/// Beyond |x| = 7.9988 tanh(x) rounds to +-1 in f32.
pub(crate) const TANH_CLAMP: f32 = 7.998_811_7;
/// tanh(x) ~ x P(x^2) / Q(x^2).
pub(crate) const TANH_P: [f32; 7] = [-2.760_768_5e-16, 2.000_187_9e-13, -8.604_671_5e-11, 5.122_297e-8, 1.485_722_4e-5, 6.372_619_3e-4, 4.893_524_6e-3];
pub(crate) const TANH_Q: [f32; 4] = [1.198_258_4e-6, 1.185_347_1e-4, 2.268_434_6e-3, 4.893_525_2e-3];
