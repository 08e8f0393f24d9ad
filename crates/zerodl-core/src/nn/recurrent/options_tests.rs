//! The layer options: peepholes, stacks with dropout, bidirectional layers over padded
//! sequences (gradient-checked end to end through models), truncated BPTT, state in and out,
//! stateful streaming, free timesteps, and the errors for bad lengths and states.

use super::*;
use crate::nn::activation::Activation;
use crate::nn::config::TrainingConfig;
use crate::nn::dense::{Dense, DenseConfig};
use crate::nn::gradcheck::{self, CheckOptions};
use crate::nn::layer::{Layer, Pass};
use crate::nn::loss::Loss;
use crate::nn::model::{Inputs, Sequential, Training};
use crate::nn::optim::{OptimizerConfig, SgdConfig};
use crate::random::{self, rng, uniform_vec};
use crate::shape::ANY;
use crate::Tensor;

/// A cell kind and a layer's options: the test's shorthand for a recurrent layer's description.
#[derive(Clone)]
struct Spec(CellKind, RecurrentConfig);

/// `units` units, returning sequences or not, every other option at its default.
fn rc(units: usize, return_sequences: bool) -> RecurrentConfig {
    RecurrentConfig { return_sequences, ..RecurrentConfig::new(units) }
}

fn layer(shape: &[usize], spec: Spec, seed: u64) -> Recurrent {
    Recurrent::new("rnn", shape, spec.0, &spec.1, &mut rng(seed)).unwrap()
}

fn head(inputs: &[usize], classes: usize) -> Box<dyn Layer> {
    let config = DenseConfig { activation: Activation::Softmax, ..DenseConfig::new(classes) };
    let mut dense = Dense::new("out", inputs, &config, &mut rng(9)).unwrap();
    let [weight, bias] = dense.params_mut() else { unreachable!("dense has two params") };
    weight.value = uniform_vec(weight.value.len(), -1.0, 1.0, 9);
    bias.value = uniform_vec(bias.value.len(), -0.5, 0.5, 10);
    Box::new(dense)
}

fn compiled(layers: Vec<Box<dyn Layer>>, input: Vec<usize>) -> Sequential {
    let mut m = Sequential::new(input);
    layers.into_iter().for_each(|l| m.add(l));
    let config = TrainingConfig { loss: Loss::SparseCategoricalCrossEntropy, optimizer: OptimizerConfig::Sgd(SgdConfig::new(0.1)), metrics: Vec::new(), clip_norm: None };
    m.compile(Training::new(config).unwrap()).unwrap();
    m
}

fn checks() -> CheckOptions {
    CheckOptions { max_per_param: 60, ..CheckOptions::default() }
}

fn assert_gradients(m: &mut Sequential, inputs: Inputs<'_>, y: &Tensor, what: &str) {
    let report = gradcheck::check_model(m, inputs, y, &checks()).unwrap();
    for check in &report {
        assert!(check.passed, "{what}: {check:?}");
    }
    assert!(report.iter().any(|c| c.name.contains("_reverse")) || !what.contains("bidirectional"), "{what}: reverse weights were checked");
}

/// Every cell, two bidirectional layers with dropout between them, sequences of lengths 4, 2
/// and 3 padded to 4, per-step softmax cross-entropy (padded steps masked out of the loss), and
/// the same with only the final state feeding the head.
#[test]
fn bidirectional_stacks_with_dropout_and_lengths_pass_gradient_checks() {
    let (batch, steps, features, classes, units) = (3, 4, 3, 4, 3);
    let x = random::uniform(&[batch, steps, features], -1.0, 1.0, 1).unwrap();
    let lengths = [4usize, 2, 3];
    let per_step = Tensor::from_vec(&[batch, steps], (0..batch * steps).map(|i| (i * 5 % classes) as f32).collect()).unwrap();
    let per_sequence = Tensor::from_vec(&[batch], vec![1.0, 3.0, 0.0]).unwrap();
    for kind in [CellKind::Rnn(Activation::Tanh), CellKind::Lstm, CellKind::Gru] {
        for return_sequences in [true, false] {
            let config = Spec(kind, RecurrentConfig { num_layers: 2, bidirectional: true, dropout: 0.3, ..rc(units, return_sequences) });
            let rnn = layer(&[steps, features], config, 2);
            let out_shape = rnn.output_shape();
            let mut m = compiled(vec![Box::new(rnn), head(&out_shape, classes)], vec![steps, features]);
            let y = if return_sequences { &per_step } else { &per_sequence };
            assert_gradients(&mut m, Inputs::with_lengths(&x, Some(&lengths)), y, &format!("bidirectional {kind:?} sequences={return_sequences}"));
        }
    }
}

#[test]
fn peephole_lstms_pass_gradient_checks_and_use_their_peepholes() {
    let (batch, steps, features) = (2, 5, 3);
    let x = random::uniform(&[batch, steps, features], -1.0, 1.0, 3).unwrap();
    let y = Tensor::from_vec(&[batch, steps], (0..batch * steps).map(|i| (i % 3) as f32).collect()).unwrap();
    let config = Spec(CellKind::Lstm, RecurrentConfig { peephole: Some(true), num_layers: 2, ..rc(4, true) });
    let mut rnn = layer(&[steps, features], config.clone(), 4);
    assert_eq!(rnn.params().iter().filter(|p| p.name.starts_with("peephole_l")).count(), 2);
    let with = rnn.forward(&x, &Pass::inference()).unwrap();
    for p in rnn.params_mut().iter_mut().filter(|p| p.name.starts_with("peephole")) {
        p.value.fill(0.0);
    }
    assert_ne!(with.as_slice(), rnn.forward(&x, &Pass::inference()).unwrap().as_slice(), "peepholes change the outputs");
    let rnn = layer(&[steps, features], config, 4);
    let mut m = compiled(vec![Box::new(rnn), head(&[steps, 4], 3)], vec![steps, features]);
    let report = gradcheck::check_model(&mut m, &x, &y, &checks()).unwrap();
    assert!(report.iter().any(|c| c.name == "0.peephole_l1"));
    for check in report {
        assert!(check.passed, "{check:?}");
    }
}

/// Truncated BPTT with k = 3 over 6 steps is exactly two 3-step runs, the second starting from
/// the first's final state with no gradient flowing back into it.
#[test]
fn truncated_bptt_equals_separately_run_chunks() {
    let (batch, steps, input, hidden, k) = (2, 6, 3, 4, 3);
    let kind = CellKind::Lstm;
    let gh = kind.gates() * hidden;
    let (w_ih, w_hh, b_ih, b_hh) = (uniform_vec(gh * input, -0.5, 0.5, 1), uniform_vec(gh * hidden, -0.5, 0.5, 2), uniform_vec(gh, -0.5, 0.5, 3), uniform_vec(gh, -0.5, 0.5, 4));
    let w = RecurrentWeights { w_ih: &w_ih, w_hh: &w_hh, b_ih: &b_ih, b_hh: &b_hh, peephole: &[] };
    let x = uniform_vec(batch * steps * input, -1.0, 1.0, 5);
    let u = uniform_vec(batch * steps * hidden, -1.0, 1.0, 6);
    let shape = SequenceShape { batch, steps, input, hidden };
    let whole = forward_sequence(kind, w, shape, SequenceInput { x: &x, ..Default::default() }, true);
    let truncated = backward_sequence(w, whole.cache.as_ref().unwrap(), SequenceGradsIn { outputs: &u, truncate: Some(k), ..Default::default() });
    let full = backward_sequence(w, whole.cache.as_ref().unwrap(), SequenceGradsIn { outputs: &u, ..Default::default() });
    // The chunks, batch-major slices of steps 0..3 and 3..6.
    let chunk = |v: &[f32], width: usize, c: usize| -> Vec<f32> { (0..batch).flat_map(|b| v[(b * steps + c * k) * width..(b * steps + (c + 1) * k) * width].to_vec()).collect() };
    let half = SequenceShape { steps: k, ..shape };
    let first = forward_sequence(kind, w, half, SequenceInput { x: &chunk(&x, input, 0), ..Default::default() }, true);
    let second = forward_sequence(kind, w, half, SequenceInput { x: &chunk(&x, input, 1), h0: &first.h_last, c0: &first.c_last, lengths: None }, true);
    let g1 = backward_sequence(w, first.cache.as_ref().unwrap(), SequenceGradsIn { outputs: &chunk(&u, hidden, 0), ..Default::default() });
    let g2 = backward_sequence(w, second.cache.as_ref().unwrap(), SequenceGradsIn { outputs: &chunk(&u, hidden, 1), ..Default::default() });
    let sum = |a: &[f32], b: &[f32]| -> Vec<f32> { a.iter().zip(b).map(|(a, b)| a + b).collect() };
    for (name, got, want) in [("w_ih", &truncated.w_ih, sum(&g1.w_ih, &g2.w_ih)), ("w_hh", &truncated.w_hh, sum(&g1.w_hh, &g2.w_hh)), ("b_hh", &truncated.b_hh, sum(&g1.b_hh, &g2.b_hh))] {
        for (i, (g, w)) in got.iter().zip(&want).enumerate() {
            assert!((g - w).abs() < 1e-5, "{name}[{i}]: truncated {g}, chunks {w}");
        }
    }
    assert_eq!(truncated.h0, g1.h0, "the first chunk's gradient reaches h0");
    assert!(truncated.w_hh.iter().zip(&full.w_hh).any(|(t, f)| (t - f).abs() > 1e-4), "truncation changes the gradient");
}

/// Padding changes nothing: a sequence of length 2 padded with garbage to 5 steps gives the
/// outputs and final state of the 2-step sequence alone, zeros after, in both directions.
#[test]
fn padded_steps_neither_change_the_state_nor_the_outputs() {
    let config = Spec(CellKind::Gru, RecurrentConfig { bidirectional: true, ..rc(3, true) });
    let mut rnn = layer(&[ANY, 2], config, 7);
    let short = Tensor::from_vec(&[1, 2, 2], vec![0.5, -1.0, 0.25, 0.75]).unwrap();
    let padded = Tensor::from_vec(&[1, 5, 2], vec![0.5, -1.0, 0.25, 0.75, 9.0, 9.0, -7.0, 3.0, 1.0, 1.0]).unwrap();
    let alone = rnn.forward(&short, &Pass::inference()).unwrap();
    let alone_state = rnn.final_state().unwrap().clone();
    let lengths = [2usize];
    let out = rnn.forward(&padded, &Pass { training: false, lengths: Some(&lengths) }).unwrap();
    assert_eq!(&out.as_slice()[..12], alone.as_slice());
    assert!(out.as_slice()[12..].iter().all(|&v| v == 0.0));
    assert_eq!(rnn.final_state().unwrap(), &alone_state);
}

/// A stateful layer fed a sequence in two halves ends where one pass over the whole ends;
/// set_state gives the same as running on from that state; bad states are typed errors.
#[test]
fn state_in_and_out_and_stateful_streaming() {
    let config = Spec(CellKind::Lstm, RecurrentConfig { num_layers: 2, ..rc(4, true) });
    let x = random::uniform(&[2, 6, 3], -1.0, 1.0, 8).unwrap();
    let halves: Vec<Tensor> = (0..2)
        .map(|c| Tensor::from_vec(&[2, 3, 3], (0..2).flat_map(|b| x.as_slice()[(b * 6 + c * 3) * 3..(b * 6 + c * 3 + 3) * 3].to_vec()).collect()).unwrap())
        .collect();
    let mut whole = layer(&[ANY, 3], config.clone(), 5);
    let all = whole.forward(&x, &Pass::inference()).unwrap();
    let mut streaming = layer(&[ANY, 3], Spec(config.0, RecurrentConfig { stateful: true, ..config.1.clone() }), 5);
    streaming.forward(&halves[0], &Pass::inference()).unwrap();
    let second = streaming.forward(&halves[1], &Pass::training()).unwrap();
    let close = |a: &[f32], b: &[f32]| a.iter().zip(b).all(|(a, b)| (a - b).abs() < 1e-6);
    let all_second_half = [&all.as_slice()[12..24], &all.as_slice()[36..48]].concat();
    assert!(close(second.as_slice(), &all_second_half), "the second half continues the first");
    assert!(close(&streaming.final_state().unwrap().h, &whole.final_state().unwrap().h));
    // Non-stateful: an explicit initial state does the same.
    let mut plain = layer(&[ANY, 3], config, 5);
    plain.forward(&halves[0], &Pass::inference()).unwrap();
    let mid = plain.final_state().unwrap().clone();
    plain.set_state(Some(mid.clone())).unwrap();
    assert!(close(plain.forward(&halves[1], &Pass::inference()).unwrap().as_slice(), second.as_slice()));
    // A batch of another size, a state of the wrong size, a c state for a GRU: typed errors.
    let err = streaming.forward(&Tensor::zeros(&[3, 2, 3]).unwrap(), &Pass::inference()).unwrap_err();
    assert!(err.code() == "ERR_SHAPE_MISMATCH" && err.message.contains("[2, 2, 4]") && err.message.contains("resetStates"), "{err}");
    streaming.set_state(None).unwrap();
    streaming.forward(&Tensor::zeros(&[3, 2, 3]).unwrap(), &Pass::inference()).unwrap();
    let err = plain.set_state(Some(State { batch: 2, h: vec![0.0; 8], c: mid.c.clone() })).unwrap_err();
    assert!(err.code() == "ERR_SHAPE_MISMATCH" && err.message.contains("[2, 2, 4]") && err.message.contains("got 8 values"), "{err}");
    let mut gru = layer(&[ANY, 3], Spec(CellKind::Gru, rc(4, false)), 1);
    let err = gru.set_state(Some(State { batch: 1, h: vec![0.0; 4], c: vec![0.0; 4] })).unwrap_err();
    assert!(err.code() == "ERR_INVALID_ARGUMENT" && err.message.contains("no cell state"), "{err}");
    let err = gru.set_state(Some(State { batch: 1, h: vec![f32::NAN; 4], c: Vec::new() })).unwrap_err();
    assert_eq!(err.code(), "ERR_NON_FINITE");
}

/// Free timesteps: a model built for [null, 3] trains on 6-step windows and predicts one step.
#[test]
fn models_with_free_timesteps_take_any_length_and_check_lengths() {
    let rnn = layer(&[ANY, 3], Spec(CellKind::Gru, rc(4, true)), 2);
    let mut m = compiled(vec![Box::new(rnn), head(&[ANY, 4], 5)], vec![ANY, 3]);
    let x6 = random::uniform(&[2, 6, 3], -1.0, 1.0, 1).unwrap();
    let y6 = Tensor::from_vec(&[2, 6], (0..12).map(|i| (i % 5) as f32).collect()).unwrap();
    m.train_step(&x6, &y6).unwrap();
    assert_eq!(m.forward(&random::uniform(&[1, 1, 3], -1.0, 1.0, 2).unwrap(), false).unwrap().shape(), &[1, 1, 5]);
    let err = m.forward(&Tensor::zeros(&[1, 4, 2]).unwrap(), false).unwrap_err();
    assert!(err.code() == "ERR_SHAPE_MISMATCH" && err.message.contains("[batch, null, 3]") && err.message.contains("[1, 4, 2]"), "{err}");
    for (lengths, code, text) in [(vec![6usize, 0], "ERR_INVALID_ARGUMENT", "lengths[1] is 0"), (vec![7, 1], "ERR_INVALID_ARGUMENT", "[1, 6]"), (vec![3], "ERR_SHAPE_MISMATCH", "1 entries")] {
        let err = m.train_step(Inputs::with_lengths(&x6, Some(&lengths)), &y6).unwrap_err();
        assert!(err.code() == code && err.message.contains(text), "{lengths:?}: {err}");
    }
}

/// Dropout between layers acts only while training.
#[test]
fn dropout_between_layers_is_off_at_inference() {
    let x = random::uniform(&[2, 4, 3], -1.0, 1.0, 1).unwrap();
    let mut with = layer(&[4, 3], Spec(CellKind::Lstm, RecurrentConfig { num_layers: 2, dropout: 0.5, ..rc(8, true) }), 3);
    let mut without = layer(&[4, 3], Spec(CellKind::Lstm, RecurrentConfig { num_layers: 2, ..rc(8, true) }), 3);
    let a = with.forward(&x, &Pass::inference()).unwrap();
    assert_eq!(a.as_slice(), without.forward(&x, &Pass::inference()).unwrap().as_slice());
    assert_ne!(a.as_slice(), with.forward(&x, &Pass::training()).unwrap().as_slice());
    let err = Recurrent::new("one", &[4, 3], CellKind::Lstm, &RecurrentConfig { dropout: 0.5, ..rc(8, true) }, &mut rng(1)).err().unwrap();
    assert!(err.message.contains("numLayers > 1"), "{err}");
}

/// A batch of no sequences gives an empty output of the layer's shape (the step kernels never
/// see it), for every cell, stacked and bidirectional.
#[test]
fn empty_batches_give_empty_outputs() {
    for kind in [CellKind::Rnn(Activation::Relu), CellKind::Lstm, CellKind::Gru] {
        for return_sequences in [true, false] {
            let mut rnn = layer(&[ANY, 3], Spec(kind, RecurrentConfig { num_layers: 2, bidirectional: true, ..rc(4, return_sequences) }), 1);
            for pass in [Pass::inference(), Pass::training()] {
                let out = rnn.forward(&Tensor::zeros(&[0, 5, 3]).unwrap(), &pass).unwrap();
                assert_eq!(out.shape(), if return_sequences { &[0, 5, 8][..] } else { &[0, 8][..] }, "{kind:?}");
            }
        }
    }
}
