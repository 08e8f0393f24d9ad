//! Times the parts of the W2 training step (784-256-128-10 relu MLP, batch 128, SGD).
use std::time::Instant;
use zerodl_core::nn::*;
use zerodl_core::random::{self, rng};
use zerodl_core::Tensor;

fn time(label: &str, mut f: impl FnMut()) {
    for _ in 0..20 { f(); }
    let mut ts: Vec<f64> = (0..200).map(|_| { let t = Instant::now(); f(); t.elapsed().as_secs_f64() * 1e3 }).collect();
    ts.sort_by(f64::total_cmp);
    println!("{label:>20}: {:.3} ms", ts[100]);
}

fn main() {
    let mut m = Sequential::new(vec![784]);
    let mut r = rng(1);
    for (i, (inp, out, act)) in [(784, 256, Activation::Relu), (256, 128, Activation::Relu), (128, 10, Activation::Softmax)].into_iter().enumerate() {
        let c = DenseConfig { activation: act, ..DenseConfig::new(out) };
        m.add(Box::new(Dense::new(&format!("d{i}"), &[inp], &c, &mut r).unwrap()));
    }
    let training = TrainingConfig { loss: Loss::SparseCategoricalCrossEntropy, optimizer: OptimizerConfig::Sgd(SgdConfig::new(0.01)), metrics: Vec::new(), clip_norm: None };
    m.compile(Training::new(training).unwrap()).unwrap();
    let x = random::uniform(&[128, 784], 0.0, 1.0, 1).unwrap();
    let y = Tensor::from_vec(&[128], (0..128).map(|i| (i % 10) as f32).collect()).unwrap();
    time("forward(train)", || { m.forward(&x, true).unwrap(); });
    time("compute_gradients", || { m.compute_gradients(&x, &y).unwrap(); });
    time("train_step", || { m.train_step(&x, &y).unwrap(); });
}
