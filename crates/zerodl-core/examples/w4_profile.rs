//! Where a whole W4 train step's time goes (char LM: one-hot 65 in, LSTM 256 over 64 steps,
//! dense 65 + softmax cross-entropy at every step, batch 32, SGD), as the addon runs it:
//! `cargo run --release -p zerodl-core --example w4_profile [gru]`.
use std::time::Instant;

use zerodl_core::nn::recurrent::{CellKind, Recurrent, RecurrentConfig};
use zerodl_core::nn::{Activation, Dense, DenseConfig, Loss, OptimizerConfig, Sequential, SgdConfig, Training, TrainingConfig};
use zerodl_core::random::rng;
use zerodl_core::Tensor;

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Fastest of 21 (after 3 warm-ups): on a shared machine the minimum is the steadiest figure.
fn min_ms(mut f: impl FnMut()) -> f64 {
    for _ in 0..3 {
        f();
    }
    (0..21).map(|_| { let t = Instant::now(); f(); t.elapsed().as_secs_f64() * 1e3 }).fold(f64::INFINITY, f64::min)
}

fn main() {
    let kind = if std::env::args().any(|a| a == "gru") { CellKind::Gru } else { CellKind::Lstm };
    let (b, t, v, h) = (32, 64, 65, 256);
    let mut m = Sequential::new(vec![t, v]);
    let rnn = RecurrentConfig { return_sequences: true, ..RecurrentConfig::new(h) };
    m.add(Box::new(Recurrent::new("rnn", &[t, v], kind, &rnn, &mut rng(1)).unwrap()));
    let dense = DenseConfig { activation: Activation::Softmax, ..DenseConfig::new(v) };
    m.add(Box::new(Dense::new("out", &[t, h], &dense, &mut rng(2)).unwrap()));
    let training = TrainingConfig { loss: Loss::SparseCategoricalCrossEntropy, optimizer: OptimizerConfig::Sgd(SgdConfig::new(0.1)), metrics: Vec::new(), clip_norm: None };
    m.compile(Training::new(training).unwrap()).unwrap();
    let labels: Vec<usize> = (0..b * t).map(|i| (i * 7919 + i / 3) % v).collect();
    let mut x = vec![0.0f32; b * t * v];
    for (i, &l) in labels.iter().enumerate() {
        x[i * v + l] = 1.0;
    }
    let x = Tensor::from_vec(&[b, t, v], x).unwrap();
    let y = Tensor::from_vec(&[b, t], labels.iter().rev().map(|&l| l as f32).collect()).unwrap();
    let fwd = min_ms(|| { m.forward(&x, true).unwrap(); });
    let grads = min_ms(|| { m.compute_gradients(&x, &y).unwrap(); });
    let step = min_ms(|| { m.train_step(&x, &y).unwrap(); });
    println!("{kind:?} W4 step (fastest of 21): forward {fwd:.2} ms, forward+loss+backward {grads:.2} ms, whole train step {step:.2} ms");
}
