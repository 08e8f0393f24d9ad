//! Model-level tests: the seed's fully connected golden numbers, gradient checks of every layer,
//! activation and loss with non-trivial weights and batch > 1, and learning something.

use super::*;
use crate::random::{self, rng};
use crate::Tensor;

fn dense(name: &str, inputs: usize, units: usize, act: Activation, seed: u64) -> Box<dyn Layer> {
    let config = DenseConfig { units, activation: act, use_bias: true, kernel_init: Init::Uniform { low: -1.0, high: 1.0 }, bias_init: Init::Uniform { low: -0.5, high: 0.5 } };
    Box::new(Dense::new(name, &[inputs], &config, &mut rng(seed)).unwrap())
}

trait IntoPositions {
    fn into_positions(self, steps: usize) -> Box<dyn Layer>;
}

impl IntoPositions for Box<dyn Layer> {
    /// Rebuilds a test dense layer to apply at each of `steps` positions (same seed, same weights).
    fn into_positions(self, steps: usize) -> Box<dyn Layer> {
        let inputs = self.params()[0].shape[1];
        let units = self.output_shape()[0];
        let config = DenseConfig { units, activation: self.output_activation(), use_bias: true, kernel_init: Init::Uniform { low: -1.0, high: 1.0 }, bias_init: Init::Uniform { low: -0.5, high: 0.5 } };
        Box::new(Dense::new("out", &[steps, inputs], &config, &mut rng(4)).unwrap())
    }
}

fn sgd(lr: f32) -> Optimizer {
    Optimizer::new(OptimizerConfig::Sgd { learning_rate: lr, momentum: 0.0, nesterov: false, weight_decay: 0.0 }).unwrap()
}

fn t(shape: &[usize], v: &[f32]) -> Tensor {
    Tensor::from_vec(shape, v.to_vec()).unwrap()
}

#[allow(clippy::excessive_precision)] // golden values quoted as computed in reference/seed-code.md
/// Seed chapter 3 (fc.py) worked example: a 2-2-2 sigmoid net without bias, x = t = [0.9, 0.1],
/// E = 1/2 sum (t - y)^2 (our MSE over 2 outputs is exactly that). The seed's W_grad is -dE/dW.
#[test]
fn seed_fc_golden_values() {
    let mut m = Sequential::new(vec![2]);
    m.add(dense("l1", 2, 2, Activation::Sigmoid, 0));
    m.add(dense("l2", 2, 2, Activation::Sigmoid, 0));
    let weights = [("0.weight", vec![-0.25, 0.1, -0.1, 0.25]), ("1.weight", vec![-0.1, 0.25, 0.05, -0.15])];
    for (name, p) in m.named_params_mut() {
        p.value = weights.iter().find(|(n, _)| *n == name).map_or(vec![0.0; p.value.len()], |(_, w)| w.clone());
    }
    m.compile(Training { loss: Loss::MeanSquaredError, optimizer: sgd(0.1), clip_norm: None }).unwrap();
    let x = t(&[1, 2], &[0.9, 0.1]);
    let y = m.forward(&x, false).unwrap();
    assert!((y.as_slice()[0] - 0.519_064_1).abs() < 1e-6 && (y.as_slice()[1] - 0.487_442_5).abs() < 1e-6, "{:?}", y.as_slice());
    let stats = m.compute_gradients(&x, &x).unwrap();
    assert!((stats.loss - 0.147_611_932_7).abs() < 1e-6, "{}", stats.loss);
    let grads: Vec<(String, Vec<f32>)> = m.named_params().into_iter().map(|(n, p)| (n, p.grad.clone())).collect();
    let seed_w_grad_1 = [-0.003_191_618_7, -0.000_354_624_3, 0.008_607_013_4, 0.000_956_334_8];
    let seed_w_grad_2 = [0.042_455_98, 0.046_003_007, -0.043_216_74, -0.046_827_326];
    for (got, want) in grads[0].1.iter().zip(seed_w_grad_1).chain(grads[2].1.iter().zip(seed_w_grad_2)) {
        assert!((got + want).abs() < 1e-6, "dE/dW {got} vs -(seed W_grad {want})");
    }
}

/// Every activation and loss, two layers, batch 5, weights U(-1, 1): analytic vs numeric.
#[test]
fn gradient_checks_pass_for_every_activation_and_loss() {
    let batch = 5;
    let x = random::uniform(&[batch, 4], -1.0, 1.0, 11).unwrap();
    let hidden = [Activation::Identity, Activation::Sigmoid, Activation::Tanh, Activation::Relu, Activation::Softmax];
    let heads: [(Loss, Activation, Tensor); 5] = [
        (Loss::MeanSquaredError, Activation::Tanh, random::uniform(&[batch, 3], -1.0, 1.0, 12).unwrap()),
        (Loss::CrossEntropy, Activation::Softmax, t(&[batch], &[0.0, 2.0, 1.0, 2.0, 0.0])),
        (Loss::CrossEntropy, Activation::Identity, t(&[batch], &[1.0, 1.0, 0.0, 2.0, 2.0])),
        (Loss::BinaryCrossEntropy, Activation::Sigmoid, random::uniform(&[batch, 3], 0.0, 1.0, 13).unwrap()),
        (Loss::BinaryCrossEntropy, Activation::Identity, t(&[batch, 3], &[1.0, 0.0, 1.0, 0.0, 0.0, 1.0, 1.0, 1.0, 0.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0])),
    ];
    for act in hidden {
        for (loss, head, y) in &heads {
            let mut m = Sequential::new(vec![4]);
            m.add(dense("hidden", 4, 6, act, 1));
            m.add(dense("out", 6, 3, *head, 2));
            m.compile(Training { loss: *loss, optimizer: sgd(0.1), clip_norm: None }).unwrap();
            for check in gradcheck::check_model(&mut m, &x, y, 1e-3, 1000).unwrap() {
                assert!(check.max_rel_error < 2e-2 || check.max_abs_error < 1e-4, "{act:?} -> {head:?} {loss:?}: {check:?}");
            }
        }
    }
}

#[test]
fn a_small_net_learns_xor_where_a_single_layer_cannot() {
    let x = t(&[4, 2], &[0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0]);
    let y = t(&[4, 1], &[0.0, 1.0, 1.0, 0.0]);
    let adam = || Optimizer::new(OptimizerConfig::Adam { learning_rate: 0.05, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weight_decay: 0.0, decoupled: false }).unwrap();
    let mut m = Sequential::new(vec![2]);
    m.add(dense("h", 2, 8, Activation::Tanh, 5));
    m.add(dense("o", 8, 1, Activation::Sigmoid, 6));
    m.compile(Training { loss: Loss::BinaryCrossEntropy, optimizer: adam(), clip_norm: None }).unwrap();
    for _ in 0..500 {
        m.train_step(&x, &y).unwrap();
    }
    let stats = m.evaluate(&x, &y).unwrap();
    assert_eq!(stats.correct.unwrap().correct, 4, "loss {}", stats.loss);
    let mut linear = Sequential::new(vec![2]);
    linear.add(dense("o", 2, 1, Activation::Sigmoid, 6));
    linear.compile(Training { loss: Loss::BinaryCrossEntropy, optimizer: adam(), clip_norm: None }).unwrap();
    for _ in 0..500 {
        linear.train_step(&x, &y).unwrap();
    }
    assert!(linear.evaluate(&x, &y).unwrap().correct.unwrap().correct <= 3);
}

#[test]
fn a_diverging_step_stops_with_non_finite_and_keeps_the_last_finite_weights() {
    let x = t(&[2, 1], &[1e30, -1e30]);
    let y = t(&[2, 1], &[1.0, 2.0]);
    let mut m = Sequential::new(vec![1]);
    m.add(dense("o", 1, 1, Activation::Identity, 1));
    m.compile(Training { loss: Loss::MeanSquaredError, optimizer: sgd(1e10), clip_norm: None }).unwrap();
    let before: Vec<f32> = m.named_params().iter().flat_map(|(_, p)| p.value.clone()).collect();
    let err = m.train_step(&x, &y).unwrap_err();
    assert_eq!(err.code(), "ERR_NON_FINITE");
    let after: Vec<f32> = m.named_params().iter().flat_map(|(_, p)| p.value.clone()).collect();
    assert_eq!(before, after);
}

#[test]
fn clipping_keeps_a_huge_gradient_finite() {
    let x = t(&[2, 1], &[1e18, -1e18]);
    let y = t(&[2, 1], &[1.0, 2.0]);
    let mut m = Sequential::new(vec![1]);
    m.add(dense("o", 1, 1, Activation::Identity, 1));
    m.compile(Training { loss: Loss::MeanSquaredError, optimizer: sgd(0.1), clip_norm: Some(1.0) }).unwrap();
    m.train_step(&x, &y).unwrap();
    assert!(m.named_params().iter().all(|(_, p)| p.value.iter().all(|v| v.is_finite() && v.abs() < 10.0)));
}

#[test]
fn shape_errors_name_the_layer_and_shapes() {
    let mut m = Sequential::new(vec![3]);
    m.add(dense("dense_1", 3, 2, Activation::Relu, 1));
    let err = m.forward(&Tensor::zeros(&[4, 5]).unwrap(), false).unwrap_err();
    assert_eq!(err.code(), "ERR_SHAPE_MISMATCH");
    assert!(err.message.contains("[batch, 3]") && err.message.contains("[4, 5]"), "{err}");
    let nan = Tensor::from_vec(&[1, 3], vec![0.0, f32::NAN, 0.0]).unwrap();
    assert_eq!(m.forward(&nan, false).unwrap_err().code(), "ERR_NON_FINITE");
    assert!(m.evaluate(&Tensor::zeros(&[1, 3]).unwrap(), &Tensor::zeros(&[1, 2]).unwrap()).is_err(), "not compiled");
}

fn recurrent(kind: recurrent::CellKind, shape: &[usize], units: usize, return_sequences: bool, seed: u64) -> Box<dyn Layer> {
    let config = recurrent::RecurrentConfig { forget_bias: 1.0, ..recurrent::RecurrentConfig::new(kind, units, return_sequences) };
    Box::new(recurrent::Recurrent::new("rnn", shape, config, &mut rng(seed)).unwrap())
}

/// A sequence model end to end: recurrent layer -> dense applied at every step -> cross-entropy
/// over every step (the char-level language model's shape), gradient-checked for each cell.
#[test]
fn sequence_models_pass_gradient_checks() {
    let (batch, steps, features, classes) = (3, 4, 5, 6);
    let x = random::uniform(&[batch, steps, features], -1.0, 1.0, 21).unwrap();
    let y = Tensor::from_vec(&[batch, steps], (0..batch * steps).map(|i| (i * 7 % classes) as f32).collect()).unwrap();
    for kind in [recurrent::CellKind::Rnn(Activation::Tanh), recurrent::CellKind::Lstm, recurrent::CellKind::Gru] {
        let mut m = Sequential::new(vec![steps, features]);
        m.add(recurrent(kind, &[steps, features], 7, true, 3));
        m.add(dense("out", 7, classes, Activation::Softmax, 4).into_positions(steps));
        m.compile(Training { loss: Loss::CrossEntropy, optimizer: sgd(0.1), clip_norm: None }).unwrap();
        for check in gradcheck::check_model(&mut m, &x, &y, 1e-3, 200).unwrap() {
            assert!(check.max_rel_error < 2e-2 || check.max_abs_error < 2e-4, "{kind:?}: {check:?}");
        }
    }
}

/// Seed 003's sine-wave task: from 20 past samples, predict the next one.
#[test]
fn an_lstm_learns_to_continue_a_sine_wave() {
    let (steps, n) = (20, 256);
    let series: Vec<f32> = (0..n + steps + 1).map(|i| (i as f32 * 0.1).sin()).collect();
    let x = Tensor::from_vec(&[n, steps, 1], (0..n).flat_map(|s| series[s..s + steps].to_vec()).collect()).unwrap();
    let y = Tensor::from_vec(&[n, 1], (0..n).map(|s| series[s + steps]).collect()).unwrap();
    let mut m = Sequential::new(vec![steps, 1]);
    m.add(recurrent(recurrent::CellKind::Lstm, &[steps, 1], 16, false, 1));
    m.add(dense("out", 16, 1, Activation::Identity, 2));
    let adam = Optimizer::new(OptimizerConfig::Adam { learning_rate: 0.01, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weight_decay: 0.0, decoupled: false }).unwrap();
    m.compile(Training { loss: Loss::MeanSquaredError, optimizer: adam, clip_norm: Some(1.0) }).unwrap();
    let first = m.evaluate(&x, &y).unwrap().loss;
    for _ in 0..150 {
        m.train_step(&x, &y).unwrap();
    }
    let last = m.evaluate(&x, &y).unwrap().loss;
    assert!(last < 1e-3 && last < first / 50.0, "mse {first} -> {last}");
}

/// Embedding -> LSTM -> per-step softmax: the character model, gradient-checked; ids out of range
/// are typed errors.
#[test]
fn embedding_models_pass_gradient_checks_and_reject_bad_ids() {
    let (batch, steps, vocab) = (2, 5, 7);
    let ids = Tensor::from_vec(&[batch, steps], (0..batch * steps).map(|i| (i * 3 % vocab) as f32).collect()).unwrap();
    let y = Tensor::from_vec(&[batch, steps], (0..batch * steps).map(|i| ((i * 3 + 1) % vocab) as f32).collect()).unwrap();
    let mut m = Sequential::new(vec![steps]);
    m.add(Box::new(Embedding::new("emb", &[steps], vocab, 4, &mut rng(1)).unwrap()));
    m.add(recurrent(recurrent::CellKind::Lstm, &[steps, 4], 6, true, 2));
    m.add(dense("out", 6, vocab, Activation::Softmax, 3).into_positions(steps));
    m.compile(Training { loss: Loss::CrossEntropy, optimizer: sgd(0.1), clip_norm: None }).unwrap();
    for check in gradcheck::check_model(&mut m, &ids, &y, 1e-3, 200).unwrap() {
        assert!(check.max_rel_error < 2e-2 || check.max_abs_error < 2e-4, "{check:?}");
    }
    let bad = Tensor::from_vec(&[1, steps], vec![0.0, 1.0, 7.0, 2.0, 3.0]).unwrap();
    let err = m.forward(&bad, false).unwrap_err();
    assert!(err.code() == "ERR_INVALID_ARGUMENT" && err.message.contains("[0, 7)") && err.message.contains("got 7"), "{err}");
}
