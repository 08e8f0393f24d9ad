//! The serving path (one sequence, packed weights, pipelined parts) against the batch path, for
//! every vector width this CPU has, one to three parts, the LSTM with and without peepholes and
//! the GRU; and through the layer: its packed copy follows the parameters when they change.

use super::serving::ServingWeights;
use super::*;
use crate::kernels::gate_tiles::Width;
use crate::nn::layer::{Layer, Pass};
use crate::random::{rng, uniform_vec};
use crate::Tensor;

fn close(got: &[f32], want: &[f32], what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!((g - w).abs() <= 2e-6 * (1.0 + w.abs()), "{what}[{i}]: {g} vs {w}");
    }
}

#[test]
fn one_sequence_matches_the_batch_path() {
    // (kind, peephole, input, hidden, steps): tiles of 16 and 32 units, partial last tiles,
    // parts with no units of a tile to spare, W5's shape.
    let cases = [
        (CellKind::Lstm, false, 16, 128, 32),
        (CellKind::Lstm, true, 3, 37, 6),
        (CellKind::Lstm, false, 1, 5, 4),
        (CellKind::Lstm, true, 9, 70, 3),
        (CellKind::Gru, false, 16, 128, 9),
        (CellKind::Gru, false, 4, 33, 5),
        (CellKind::Gru, false, 2, 7, 1),
    ];
    for (case, &(kind, peephole, d, h, t)) in cases.iter().enumerate() {
        let gh = kind.gates() * h;
        let seed = 10 * case as u64;
        let (w_ih, w_hh) = (uniform_vec(gh * d, -0.4, 0.4, seed + 1), uniform_vec(gh * h, -0.4, 0.4, seed + 2));
        let (b_ih, b_hh) = (uniform_vec(gh, -0.4, 0.4, seed + 3), uniform_vec(gh, -0.4, 0.4, seed + 4));
        let peep = if peephole { uniform_vec(3 * h, -0.4, 0.4, seed + 5) } else { Vec::new() };
        let w = RecurrentWeights { w_ih: &w_ih, w_hh: &w_hh, b_ih: &b_ih, b_hh: &b_hh, peephole: &peep };
        let x = uniform_vec(t * d, -1.0, 1.0, seed + 6);
        let (h0, c0) = (uniform_vec(h, -0.5, 0.5, seed + 7), if kind == CellKind::Lstm { uniform_vec(h, -0.5, 0.5, seed + 8) } else { Vec::new() });
        for (given, valid) in [(false, t), (true, t), (true, t.div_ceil(2))] {
            let (h0, c0) = if given { (&h0[..], &c0[..]) } else { (&[][..], &[][..]) };
            let lengths = [valid];
            let input = SequenceInput { x: &x, h0, c0, lengths: Some(&lengths) };
            let want = forward_sequence(kind, w, SequenceShape { batch: 1, steps: t, input: d, hidden: h }, input, false);
            for width in Width::available() {
                for parts in 1..=3 {
                    let s = ServingWeights::with(width, parts, kind, w, d, h).expect("LSTM and GRU serve");
                    let what = format!("{kind:?} peephole {peephole} {d}-{h} x {t} (valid {valid}, h0 {given}) {width:?} {parts} parts");
                    let got = s.forward(&x, t, valid, h0, c0, true);
                    close(&got.outputs, &want.outputs, &format!("{what}: outputs"));
                    close(&got.h_last, &want.h_last, &format!("{what}: h_last"));
                    close(&got.c_last, &want.c_last, &format!("{what}: c_last"));
                    // Only the final state: the same, from two rows of h used in turn.
                    let last = s.forward(&x, t, valid, h0, c0, false);
                    assert!(last.outputs.is_empty(), "{what}: no outputs asked for");
                    assert_eq!((&last.h_last, &last.c_last), (&got.h_last, &got.c_last), "{what}: final state without the outputs");
                }
            }
        }
    }
}

#[test]
fn simple_rnns_keep_the_batch_path() {
    let w = RecurrentWeights { w_ih: &[0.5; 2], w_hh: &[0.1; 4], b_ih: &[0.0; 2], b_hh: &[0.0; 2], peephole: &[] };
    for width in Width::available() {
        assert!(ServingWeights::with(width, 1, CellKind::Rnn(crate::nn::activation::Activation::Tanh), w, 1, 2).is_none());
    }
}

/// A stacked bidirectional LSTM predicting one sequence through the layer (the serving path
/// where the CPU has it) gives what the same sequence gives in a batch of three, with and without
/// returnSequences (without, the top layer keeps only its final states); after its parameters
/// change, it gives the new parameters' outputs.
#[test]
fn the_layer_serves_one_sequence_and_follows_its_parameters() {
    for sequences in [true, false] {
        let config = RecurrentConfig { return_sequences: sequences, num_layers: 2, bidirectional: true, ..RecurrentConfig::new(40) };
        let mut layer = Recurrent::new("lstm", &[6, 5], CellKind::Lstm, &config, &mut rng(3)).unwrap();
        let xs = uniform_vec(3 * 6 * 5, -1.0, 1.0, 4);
        let one = Tensor::from_vec(&[1, 6, 5], xs[..30].to_vec()).unwrap();
        let three = Tensor::from_vec(&[3, 6, 5], xs.clone()).unwrap();
        let per_sample = if sequences { 6 * 80 } else { 80 };
        for round in 0..2 {
            let served = layer.forward(&one, &Pass::inference()).unwrap();
            let batched = layer.forward(&three, &Pass::inference()).unwrap();
            assert_eq!(served.shape()[1..], batched.shape()[1..]);
            close(served.as_slice(), &batched.as_slice()[..per_sample], &format!("returnSequences {sequences}, round {round}"));
            for p in layer.params_mut() {
                p.value.iter_mut().for_each(|v| *v *= -1.5);
            }
        }
    }
}
