//! Every kernel, on every level this CPU offers (so the SIMD path is what gets tested here, not
//! only the fallback), against an f64 reference. Lengths include odd tails.

use super::*;

const LENGTHS: [usize; 6] = [0, 1, 7, 8, 37, 1000];

fn ramp(n: usize, lo: f32, hi: f32) -> Vec<f32> {
    (0..n).map(|i| lo + (hi - lo) * i as f32 / (n.max(2) - 1) as f32).collect()
}

fn reference_unary(op: UnaryOp, x: f64) -> f64 {
    match op {
        UnaryOp::Exp => x.exp(),
        UnaryOp::Sigmoid => 1.0 / (1.0 + (-x).exp()),
        UnaryOp::Tanh => x.tanh(),
        UnaryOp::Relu => x.max(0.0),
    }
}

#[test]
fn sigmoid_and_tanh_are_within_1e6_of_f64_on_a_dense_grid() {
    let x = ramp(200_001, -20.0, 20.0);
    let mut out = vec![0.0; x.len()];
    for level in available_levels() {
        for op in [UnaryOp::Sigmoid, UnaryOp::Tanh] {
            unary_with(level, op, &x, &mut out);
            let worst = x
                .iter()
                .zip(&out)
                .map(|(&xi, &yi)| (f64::from(yi) - reference_unary(op, f64::from(xi))).abs())
                .fold(0.0, f64::max);
            assert!(worst <= 1e-6, "{level:?} {op:?}: max abs error {worst}");
        }
    }
}

#[test]
fn tanh_keeps_relative_accuracy_near_zero() {
    let x: Vec<f32> = (1..200).map(|i| i as f32 * 1e-6).collect();
    let mut out = vec![0.0; x.len()];
    for level in available_levels() {
        unary_with(level, UnaryOp::Tanh, &x, &mut out);
        for (&xi, &yi) in x.iter().zip(&out) {
            let want = f64::from(xi).tanh();
            assert!(((f64::from(yi) - want) / want).abs() < 1e-5, "{level:?} tanh({xi}) = {yi}");
        }
    }
}

#[test]
fn exp_has_small_relative_error_across_the_float_range() {
    let x = ramp(100_001, -80.0, 80.0);
    let mut out = vec![0.0; x.len()];
    for level in available_levels() {
        unary_with(level, UnaryOp::Exp, &x, &mut out);
        for (&xi, &yi) in x.iter().zip(&out) {
            let want = f64::from(xi).exp();
            let rel = ((f64::from(yi) - want) / want).abs();
            assert!(rel < 4e-7, "{level:?} exp({xi}) = {yi}, want {want}, rel {rel}");
        }
    }
}

#[test]
fn extreme_inputs_saturate_instead_of_overflowing() {
    let x = [-1000.0f32, -100.0, 100.0, 1000.0, f32::NEG_INFINITY, f32::INFINITY, 0.0, -0.0];
    for level in available_levels() {
        for op in [UnaryOp::Sigmoid, UnaryOp::Tanh] {
            let mut y = [0.0; 8];
            unary_with(level, op, &x, &mut y);
            for (&xi, &yi) in x.iter().zip(&y) {
                let want = reference_unary(op, f64::from(xi));
                assert!(yi.is_finite() && (f64::from(yi) - want).abs() < 1e-7, "{level:?} {op:?}({xi}) = {yi}");
            }
        }
        let mut e = [0.0; 8];
        unary_with(level, UnaryOp::Exp, &x, &mut e);
        assert_eq!(e[4], 0.0, "exp(-inf)");
        assert!(e[0] < 1e-37 && e[2] > 1e38, "{level:?} {e:?}");
    }
}

#[test]
fn nan_propagates_through_every_unary_kernel() {
    let x = [f32::NAN; 9];
    for level in available_levels() {
        for op in [UnaryOp::Exp, UnaryOp::Sigmoid, UnaryOp::Tanh, UnaryOp::Relu] {
            let mut out = [0.0; 9];
            unary_with(level, op, &x, &mut out);
            assert!(out.iter().all(|v| v.is_nan()), "{level:?} {op:?} {out:?}");
        }
    }
}

#[test]
fn relu_and_binary_ops_are_exact() {
    for level in available_levels() {
        for n in LENGTHS {
            let a = ramp(n, -3.0, 5.0);
            let b = ramp(n, 2.0, -1.5);
            let mut out = vec![0.0; n];
            unary_with(level, UnaryOp::Relu, &a, &mut out);
            assert!(a.iter().zip(&out).all(|(&x, &y)| y == x.max(0.0)));
            for op in [BinaryOp::Add, BinaryOp::Sub, BinaryOp::Mul] {
                binary_with(level, op, &a, &b, &mut out);
                for i in 0..n {
                    assert_eq!(out[i], scalar::apply_binary(op, a[i], b[i]), "{level:?} {op:?}");
                }
            }
        }
    }
}

#[test]
fn axpy_sum_and_max_match_the_naive_loops() {
    for level in available_levels() {
        for n in LENGTHS {
            let x = ramp(n, -2.0, 3.0);
            let mut y = ramp(n, 1.0, 0.0);
            let want: Vec<f32> = y.iter().zip(&x).map(|(&yi, &xi)| yi + 0.5 * xi).collect();
            axpy_with(level, 0.5, &x, &mut y);
            for (got, want) in y.iter().zip(&want) {
                assert!((got - want).abs() <= 1e-6);
            }
            let naive: f64 = x.iter().map(|&v| f64::from(v)).sum();
            assert!((f64::from(sum_with(level, &x)) - naive).abs() < 1e-3, "{level:?} n={n}");
            let naive_max = x.iter().copied().fold(f32::NEG_INFINITY, f32::max);
            assert_eq!(max_with(level, &x), naive_max);
        }
    }
}

#[test]
fn long_sums_keep_their_precision() {
    let x = vec![0.1f32; 10_000_000];
    for level in available_levels() {
        let s = sum_with(level, &x);
        assert!((f64::from(s) - 1_000_000.0 * 1.000_000_014_9).abs() < 1.0, "{level:?} {s}");
    }
}

#[test]
fn softmax_rows_sum_to_one_and_survive_large_logits() {
    for level in available_levels() {
        let x = [1000.0f32, 1001.0, 999.0, -5.0, 1000.5, 0.0, 3.0, 1002.0, 998.0];
        let mut p = [0.0; 9];
        softmax_row_with(level, &x, &mut p);
        assert!((p.iter().sum::<f32>() - 1.0).abs() < 1e-6, "{level:?} {p:?}");
        let m = x.iter().copied().fold(f64::NEG_INFINITY, |a, b| a.max(f64::from(b)));
        let z: f64 = x.iter().map(|&v| (f64::from(v) - m).exp()).sum();
        let mut lp = [0.0; 9];
        log_softmax_row_with(level, &x, &mut lp);
        for i in 0..x.len() {
            let want = f64::from(x[i]) - m - z.ln();
            // f32 cannot hold -1007.47 closer than ~3e-5: the tolerance is relative.
            assert!((f64::from(lp[i]) - want).abs() < 1e-6 * want.abs().max(1.0), "{level:?} log_softmax[{i}]");
            assert!((f64::from(p[i]) - want.exp()).abs() < 1e-6, "{level:?} softmax[{i}]");
        }
    }
}

#[test]
fn in_place_forms_match_out_of_place() {
    let x = ramp(37, -4.0, 4.0);
    let mut out = vec![0.0; 37];
    unary(UnaryOp::Sigmoid, &x, &mut out);
    let mut inplace = x.clone();
    unary_inplace(UnaryOp::Sigmoid, &mut inplace);
    assert_eq!(out, inplace);
    let mut acc = x.clone();
    binary_inplace(BinaryOp::Mul, &mut acc, &x);
    assert!(acc.iter().zip(&x).all(|(&a, &v)| a == v * v));
    scale_inplace(2.0, &mut acc);
    assert!(acc.iter().zip(&x).all(|(&a, &v)| a == 2.0 * v * v));
}

#[test]
fn dot_matches_f64_and_flags_non_finite_values() {
    for level in available_levels() {
        for n in LENGTHS {
            let (a, b) = (ramp(n, -2.0, 3.0), ramp(n, 1.5, -0.5));
            let want: f64 = a.iter().zip(&b).map(|(&x, &y)| f64::from(x) * f64::from(y)).sum();
            assert!((f64::from(dot_with(level, &a, &b)) - want).abs() < 1e-3, "{level:?} n={n}");
        }
        let mut g = vec![1.0f32; 100];
        g[57] = f32::INFINITY;
        assert!(!dot_with(level, &g, &g).is_finite());
        g[57] = f32::NAN;
        assert!(dot_with(level, &g, &g).is_nan());
    }
}
