//! Golden values (the seed series' worked examples; PyTorch-verified LSTM/GRU outputs from
//! candle's tests, see shared/reference/seed-code.md sections 8, 9 and 12) and central-difference
//! gradient checks of every cell over several steps, with initial states and a batch of 2.
#![allow(clippy::excessive_precision, clippy::type_complexity)]

use super::*;
use crate::nn::activation::Activation;
use crate::random::uniform_vec;

struct Layer {
    kind: CellKind,
    input: usize,
    hidden: usize,
    w_ih: Vec<f32>,
    w_hh: Vec<f32>,
    b_ih: Vec<f32>,
    b_hh: Vec<f32>,
}

impl Layer {
    fn weights(&self) -> RecurrentWeights<'_> {
        RecurrentWeights { w_ih: &self.w_ih, w_hh: &self.w_hh, b_ih: &self.b_ih, b_hh: &self.b_hh, peephole: &[] }
    }
    fn shape(&self, batch: usize, steps: usize) -> SequenceShape {
        SequenceShape { batch, steps, input: self.input, hidden: self.hidden }
    }
    fn run(&self, x: &[f32], batch: usize, steps: usize, h0: &[f32], c0: &[f32]) -> SequenceOutput {
        forward_sequence(self.kind, self.weights(), self.shape(batch, steps), SequenceInput { x, h0, c0, lengths: None }, true)
    }
    /// E = sum(h_T) and its gradients.
    fn sum_last(&self, x: &[f32], steps: usize) -> (SequenceOutput, RecurrentGrads) {
        let out = self.run(x, 1, steps, &[], &[]);
        let grads = backward_sequence(self.weights(), out.cache.as_ref().unwrap(), SequenceGradsIn { h_last: &vec![1.0; self.hidden], ..Default::default() });
        (out, grads)
    }
}

fn close(got: &[f32], want: &[f64], tol: f64, what: &str) {
    assert_eq!(got.len(), want.len(), "{what}: length");
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!((f64::from(*g) - w).abs() <= tol, "{what}[{i}]: got {g}, want {w}");
    }
}

/// Seed 003's worked RNN example: state 2, input 1, tanh, inputs 1 then 2.
#[test]
fn seed_rnn_worked_example() {
    let l = Layer { kind: CellKind::Rnn(Activation::Tanh), input: 1, hidden: 2, w_ih: vec![0.5, 0.6], w_hh: vec![0.1, 0.3, 0.2, 0.4], b_ih: vec![0.1, -0.1], b_hh: vec![0.0; 2] };
    let out = l.run(&[1.0, 2.0], 1, 2, &[], &[]);
    close(&out.outputs, &[0.537, 0.462, 0.860, 0.884], 5e-4, "states");
    // The output layer w_out = [1, 2], b_out = 0.1 gives 1.56 then 2.73.
    let y: Vec<f32> = out.outputs.chunks(2).map(|h| h[0] + 2.0 * h[1] + 0.1).collect();
    close(&y, &[1.56, 2.73], 5e-3, "outputs");
}

/// Seed chapter 5 with correct BPTT (T = 3 is what catches the seed's delta bug).
#[test]
fn seed_rnn_bptt_goldens() {
    let x = [1.0, 2.0, 3.0, 2.0, 3.0, 4.0, -1.0, 0.5, 2.0];
    let cases: [(Activation, usize, [f64; 2], [f64; 6], [f64; 4]); 4] = [
        (Activation::Identity, 2, [-0.59, 0.0475], [1.95, 2.9, 3.85, 2.1, 3.2, 4.3], [-0.35, -0.1, -0.35, -0.1]),
        (Activation::Identity, 3, [0.170875, -0.561625], [-1.09, 0.37, 1.83, -0.8275, 0.745, 2.3175], [-0.5725, 0.0525, -0.625, 0.0375]),
        (Activation::Tanh, 2, [-0.5308151735, 0.0480942888], [1.4170137102, 2.1157921689, 2.8145706276, 2.0249825755, 3.0522782117, 4.0795738478], [-0.2415967737, -0.0715850672, -0.3355974873, -0.0994374565]),
        (Activation::Tanh, 3, [0.1636210315, -0.5070530371], [-1.0500048335, 0.3762826566, 1.8025701467, -0.5099995767, 0.7056764626, 1.9213525019], [-0.5020654738, 0.051114559, -0.4385971806, 0.0226160516]),
    ];
    for (act, steps, s_t, d_u, d_w) in cases {
        let l = Layer { kind: CellKind::Rnn(act), input: 3, hidden: 2, w_ih: vec![-0.25, 0.1, -0.1, 0.25, 0.05, -0.15], w_hh: vec![-0.1, 0.25, 0.05, -0.15], b_ih: vec![0.0; 2], b_hh: vec![0.0; 2] };
        let (out, g) = l.sum_last(&x[..3 * steps], steps);
        close(&out.h_last, &s_t, 1e-6, "s_T");
        close(&g.w_ih, &d_u, 1e-5, "dE/dU");
        close(&g.w_hh, &d_w, 1e-5, "dE/dW");
    }
}

/// Seed chapter 6 (article parameterisation mapped to PyTorch's i, f, g, o blocks), T = 2 and 3:
/// h_T and every gradient (the seed's code gets most of them wrong, see REFERENCE.md).
#[test]
fn seed_lstm_bptt_goldens() {
    // Article weights: W*h (2x2), W*x (2x3), b* (2).
    let (wfh, wfx, bf) = ([-0.25, 0.1, -0.1, 0.25], [-0.2, 0.15, -0.05, -0.25, 0.1, -0.1], [-0.15, 0.2]);
    let (wih, wix, bi) = ([-0.1, 0.25, 0.05, -0.15], [-0.05, -0.25, 0.1, -0.1, 0.25, 0.05], [0.0, -0.2]);
    let (woh, wox, bo) = ([0.05, -0.15, 0.2, 0.0], [0.1, -0.1, 0.25, 0.05, -0.15, 0.2], [0.15, -0.05]);
    let (wch, wcx, bc) = ([0.2, 0.0, -0.2, 0.15], [0.25, 0.05, -0.15, 0.2, 0.0, -0.2], [-0.25, 0.1]);
    let cat = |parts: [&[f32]; 4]| parts.concat();
    let l = Layer {
        kind: CellKind::Lstm,
        input: 3,
        hidden: 2,
        w_ih: cat([&wix, &wfx, &wcx, &wox]),
        w_hh: cat([&wih, &wfh, &wch, &woh]),
        b_ih: cat([&bi, &bf, &bc, &bo]),
        b_hh: vec![0.0; 8],
    };
    let x = [1.0, 2.0, 3.0, 2.0, 3.0, 4.0, -1.0, 0.5, 2.0];
    // (T, h_T, then per gate i, f, g, o: dW_x (6), dW_h (4), db (2))
    type Gate = ([f64; 6], [f64; 4], [f64; 2]);
    let cases: [(usize, [f64; 2], [Gate; 4]); 2] = [
        (2, [-0.10828849251476835, -0.1455013370513569], [
            ([-0.0996913067, -0.1620572127, -0.2244231187, -0.0912368428, -0.1455076928, -0.1997785428], [0.0037656237, 0.0036288282, 0.0037293644, 0.0035938861], [-0.062365906, -0.05427085]),
            ([-0.0524513566, -0.0786770349, -0.1049027132, -0.0457047393, -0.068557109, -0.0914094787], [0.0026458132, 0.0025496975, 0.0023054924, 0.0022217397], [-0.0262256783, -0.0228523697]),
            ([0.6521684468, 1.0369700807, 1.4217717146, 0.7837131278, 1.2413222762, 1.6989314245], [-0.0269736641, -0.0259937794, -0.0328994429, -0.0317042898], [0.3848016339, 0.4576091484]),
            ([-0.0553011643, -0.0827291324, -0.1101571006, -0.1198917041, -0.1806851806, -0.2414786571], [0.0028120253, 0.0027098715, 0.005962205, 0.0057456132], [-0.0274279681, -0.0607934765]),
        ]),
        (3, [-0.249836710540686, -0.2042789301005948], [
            ([0.0523002411, -0.0997202091, -0.2517406593, 0.0085793447, -0.1006996647, -0.2099786742], [0.0107386363, 0.0139269128, 0.0077949396, 0.0097585726], [-0.1085371975, -0.0819766514]),
            ([0.0009278681, -0.0372689248, -0.0754657177, 0.0060776891, -0.0491650473, -0.1044077836], [0.0030215363, 0.003707152, 0.0043189884, 0.0053611376], [-0.0285316112, -0.0406723411]),
            ([0.0721439394, 0.4385157584, 0.8048875773, 0.19548157, 0.7261181558, 1.2567547415], [-0.0262714899, -0.0317036263, -0.0382465737, -0.0450817474], [0.2887651781, 0.4306944699]),
            ([0.0947089963, -0.0444955033, -0.183700003, 0.0884415543, -0.0513391157, -0.1911197856], [0.0100587134, 0.0135348413, 0.0100663556, 0.0134775442], [-0.0925235225, -0.0938854385]),
        ]),
    ];
    for (steps, h_t, gates) in cases {
        let (out, g) = l.sum_last(&x[..3 * steps], steps);
        close(&out.h_last, &h_t, 1e-6, "h_T");
        for (k, (dwx, dwh, db)) in gates.iter().enumerate() {
            let name = ["i", "f", "g", "o"][k];
            close(&g.w_ih[k * 6..(k + 1) * 6], dwx, 1e-6, &format!("T={steps} dW{name}x"));
            close(&g.w_hh[k * 4..(k + 1) * 4], dwh, 1e-6, &format!("T={steps} dW{name}h"));
            close(&g.b_ih[k * 2..(k + 1) * 2], db, 1e-6, &format!("T={steps} db{name}"));
            close(&g.b_hh[k * 2..(k + 1) * 2], db, 1e-6, &format!("T={steps} db{name} (hh)"));
        }
    }
}

/// PyTorch-verified outputs (candle-nn/tests/rnn.rs): deterministic cos/sin weights, 7 steps.
#[test]
fn pytorch_lstm_and_gru_goldens() {
    let pattern = [-1.0f32, 1.0, -0.5, 2.0];
    let x: Vec<f32> = [3.0f32, 1.0, 4.0, 1.0, 5.0, 9.0, 2.0].iter().flat_map(|&v| [v, v / 2.0]).collect();
    let lstm_b: Vec<f32> = (0..12).map(|i| pattern[i % 4]).collect();
    let lstm = Layer {
        kind: CellKind::Lstm,
        input: 2,
        hidden: 3,
        w_ih: (0..24).map(|i| (i as f32).cos()).collect(),
        w_hh: (0..36).map(|i| (i as f32).sin()).collect(),
        b_hh: lstm_b.iter().map(|v| v.cos()).collect(),
        b_ih: lstm_b,
    };
    let out = lstm.run(&x, 1, 7, &[], &[]);
    close(&out.h_last, &[0.9919, 0.1738, -0.1451], 1e-4, "LSTM h");
    close(&out.c_last, &[5.7250, 0.4458, -0.2908], 1e-4, "LSTM c");
    let gru_b: Vec<f32> = (0..9).map(|i| pattern[i % 4]).collect();
    let gru = Layer {
        kind: CellKind::Gru,
        input: 2,
        hidden: 3,
        w_ih: (0..18).map(|i| (i as f32).cos()).collect(),
        w_hh: (0..27).map(|i| (i as f32).sin()).collect(),
        b_hh: gru_b.iter().map(|v| v.cos()).collect(),
        b_ih: gru_b,
    };
    close(&gru.run(&x, 1, 7, &[], &[]).h_last, &[0.0579, 0.8836, -0.9991], 1e-4, "GRU h");
}

/// Central differences of E = sum(u * outputs) + sum(v * h_T) (+ sum(q * c_T)) for every
/// parameter, the inputs and the initial states; batch 2, 4 steps, weights U(-0.6, 0.6).
#[test]
fn gradient_checks_for_every_cell() {
    let (batch, steps, input, hidden) = (2, 4, 3, 4);
    for kind in [CellKind::Rnn(Activation::Tanh), CellKind::Rnn(Activation::Relu), CellKind::Lstm, CellKind::Gru] {
        let gh = kind.gates() * hidden;
        let mut l = Layer { kind, input, hidden, w_ih: uniform_vec(gh * input, -0.6, 0.6, 1), w_hh: uniform_vec(gh * hidden, -0.6, 0.6, 2), b_ih: uniform_vec(gh, -0.3, 0.3, 3), b_hh: uniform_vec(gh, -0.3, 0.3, 4) };
        let mut x = uniform_vec(batch * steps * input, -1.0, 1.0, 5);
        let mut h0 = uniform_vec(batch * hidden, -0.5, 0.5, 6);
        let mut c0 = if kind == CellKind::Lstm { uniform_vec(batch * hidden, -0.5, 0.5, 7) } else { Vec::new() };
        let u = uniform_vec(batch * steps * hidden, -1.0, 1.0, 8);
        let v = uniform_vec(batch * hidden, -1.0, 1.0, 9);
        let q = if kind == CellKind::Lstm { uniform_vec(batch * hidden, -1.0, 1.0, 10) } else { Vec::new() };
        let loss = |l: &Layer, x: &[f32], h0: &[f32], c0: &[f32]| -> f64 {
            let o = l.run(x, batch, steps, h0, c0);
            let dot = |a: &[f32], b: &[f32]| a.iter().zip(b).map(|(a, b)| f64::from(*a) * f64::from(*b)).sum::<f64>();
            dot(&o.outputs, &u) + dot(&o.h_last, &v) + dot(&o.c_last, &q)
        };
        let out = l.run(&x, batch, steps, &h0, &c0);
        let g = backward_sequence(l.weights(), out.cache.as_ref().unwrap(), SequenceGradsIn { outputs: &u, h_last: &v, c_last: &q, ..Default::default() });
        let eps = 1e-3f32;
        macro_rules! check {
            ($name:expr, $target:expr, $grad:expr) => {{
                for i in 0..$grad.len() {
                    let orig = $target[i];
                    $target[i] = orig + eps;
                    let plus = loss(&l, &x, &h0, &c0);
                    $target[i] = orig - eps;
                    let minus = loss(&l, &x, &h0, &c0);
                    $target[i] = orig;
                    let numeric = (plus - minus) / (2.0 * f64::from(eps));
                    let analytic = f64::from($grad[i]);
                    // f32 forward passes make the numeric side noisy at ~1e-4 absolute; the goldens
                    // above pin the exact values.
                    let abs = (numeric - analytic).abs();
                    let rel = abs / (numeric.abs() + analytic.abs()).max(1e-12);
                    assert!(abs < 2e-4 || rel < 1e-2, "{kind:?} {}[{i}]: numeric {numeric}, analytic {analytic}", $name);
                }
            }};
        }
        check!("w_ih", l.w_ih, g.w_ih);
        check!("w_hh", l.w_hh, g.w_hh);
        check!("b_ih", l.b_ih, g.b_ih);
        check!("b_hh", l.b_hh, g.b_hh);
        check!("x", x, g.x);
        check!("h0", h0, g.h0);
        if kind == CellKind::Lstm {
            check!("c0", c0, g.c0);
        }
    }
}

#[test]
fn inference_gives_the_same_outputs_without_keeping_activations() {
    let l = Layer { kind: CellKind::Gru, input: 3, hidden: 4, w_ih: uniform_vec(36, -0.5, 0.5, 1), w_hh: uniform_vec(48, -0.5, 0.5, 2), b_ih: uniform_vec(12, -0.5, 0.5, 3), b_hh: uniform_vec(12, -0.5, 0.5, 4) };
    let x = uniform_vec(2 * 5 * 3, -1.0, 1.0, 5);
    let train = l.run(&x, 2, 5, &[], &[]);
    let infer = forward_sequence(l.kind, l.weights(), l.shape(2, 5), SequenceInput { x: &x, ..Default::default() }, false);
    assert!(infer.cache.is_none());
    assert_eq!(train.outputs, infer.outputs);
}

/// A batch big enough for packed recurrent weights, split over threads by blocks of units (batch
/// 8; 200 units: the last block and panel are ragged) or by samples (batch 19: ragged blocks of
/// samples), with padded sequences, gives, sample by sample, what each sample alone gives on the
/// matrix-vector path (outputs and every gradient), and the same outputs when not training.
#[test]
fn packed_batches_match_samples_run_alone() {
    let (steps, input, hidden) = (5, 3, 200);
    for (kind, batch) in [(CellKind::Lstm, 8), (CellKind::Gru, 8), (CellKind::Lstm, 19), (CellKind::Gru, 19)] {
        let lengths: Vec<usize> = (0..batch).map(|b| steps - b % 3).collect();
        let gh = kind.gates() * hidden;
        let l = Layer { kind, input, hidden, w_ih: uniform_vec(gh * input, -0.2, 0.2, 1), w_hh: uniform_vec(gh * hidden, -0.1, 0.1, 2), b_ih: uniform_vec(gh, -0.3, 0.3, 3), b_hh: uniform_vec(gh, -0.3, 0.3, 4) };
        let x = uniform_vec(batch * steps * input, -1.0, 1.0, 5);
        let u = uniform_vec(batch * steps * hidden, -1.0, 1.0, 6);
        let run = |x: &[f32], batch: usize, lengths: &[usize]| forward_sequence(kind, l.weights(), l.shape(batch, steps), SequenceInput { x, lengths: Some(lengths), ..Default::default() }, true);
        let all = run(&x, batch, &lengths);
        let infer = forward_sequence(kind, l.weights(), l.shape(batch, steps), SequenceInput { x: &x, lengths: Some(&lengths), ..Default::default() }, false);
        // The LSTM's inference forms each step's input projection inside the step's product
        // (step_product.rs's fused kernel): the same to rounding, not bit for bit.
        assert!(infer.outputs.iter().zip(&all.outputs).all(|(a, b)| (a - b).abs() < 1e-5), "{kind:?} batch {batch}: inference outputs");
        assert!(infer.h_last.iter().zip(&all.h_last).chain(infer.c_last.iter().zip(&all.c_last)).all(|(a, b)| (a - b).abs() < 1e-5), "{kind:?} batch {batch}: inference state");
        let g_all = backward_sequence(l.weights(), all.cache.as_ref().unwrap(), SequenceGradsIn { outputs: &u, ..Default::default() });
        let (mut w_hh_sum, mut w_ih_sum) = (vec![0.0f32; gh * hidden], vec![0.0f32; gh * input]);
        for b in 0..batch {
            let (xs, us) = (&x[b * steps * input..(b + 1) * steps * input], &u[b * steps * hidden..(b + 1) * steps * hidden]);
            let one = run(xs, 1, &lengths[b..b + 1]);
            let out = &all.outputs[b * steps * hidden..(b + 1) * steps * hidden];
            assert!(one.outputs.iter().zip(out).all(|(a, b)| (a - b).abs() < 1e-5), "{kind:?} batch {batch}, sample {b} outputs");
            assert!(one.h_last.iter().zip(&all.h_last[b * hidden..(b + 1) * hidden]).all(|(a, b)| (a - b).abs() < 1e-5), "{kind:?} batch {batch}, sample {b} h_n");
            let g = backward_sequence(l.weights(), one.cache.as_ref().unwrap(), SequenceGradsIn { outputs: us, ..Default::default() });
            let dx = &g_all.x[b * steps * input..(b + 1) * steps * input];
            assert!(g.x.iter().zip(dx).all(|(a, b)| (a - b).abs() < 1e-5), "{kind:?} batch {batch}, sample {b} dx");
            w_hh_sum.iter_mut().zip(&g.w_hh).for_each(|(s, g)| *s += g);
            w_ih_sum.iter_mut().zip(&g.w_ih).for_each(|(s, g)| *s += g);
        }
        assert!(w_hh_sum.iter().zip(&g_all.w_hh).all(|(a, b)| (a - b).abs() < 1e-4), "{kind:?} batch {batch}: dW_hh");
        assert!(w_ih_sum.iter().zip(&g_all.w_ih).all(|(a, b)| (a - b).abs() < 1e-4), "{kind:?} batch {batch}: dW_ih");
    }
}

/// Bias gradients split by columns between threads (400 x 203: big enough to split, a ragged last
/// block; all columns, or a span of them) are exactly the row-order sums.
#[test]
fn column_sums_split_between_threads_are_the_row_order_sums() {
    let (rows, cols) = (400, 203);
    let m = uniform_vec(rows * cols, -1.0, 1.0, 11);
    let mut want = vec![0.0f32; cols];
    for row in m.chunks(cols) {
        want.iter_mut().zip(row).for_each(|(s, v)| *s += v);
    }
    assert_eq!(crate::kernels::column_sums::column_sums(&m, cols, 0..cols), want);
    assert_eq!(crate::kernels::column_sums::column_sums(&m, cols, 37..201), want[37..201]);
    assert_eq!(crate::kernels::column_sums::column_sums(&[], 0, 0..0), Vec::<f32>::new());
}

/// One-hot inputs take the sparse paths (projections formed per row from W_ih^T, dW_ih by
/// scatter): they give what the dense GEMMs give for the same inputs with an extra always-one
/// feature of zero weight (2 values in 11: too many for the sparse paths), on the blocked batch
/// path and on the one-sequence path.
#[test]
fn one_hot_inputs_match_the_dense_paths() {
    let (steps, input, hidden) = (5, 10, 200);
    // Batch 8: the threads split the units; 32: each thread runs its own samples.
    for (kind, batch) in [(CellKind::Lstm, 8), (CellKind::Gru, 8), (CellKind::Lstm, 1), (CellKind::Lstm, 32), (CellKind::Gru, 32)] {
        let gh = kind.gates() * hidden;
        let w_ih = uniform_vec(gh * input, -0.5, 0.5, 1);
        let sparse = Layer { kind, input, hidden, w_ih: w_ih.clone(), w_hh: uniform_vec(gh * hidden, -0.1, 0.1, 2), b_ih: uniform_vec(gh, -0.3, 0.3, 3), b_hh: uniform_vec(gh, -0.3, 0.3, 4) };
        let dense = Layer { input: input + 1, w_ih: w_ih.chunks(input).flat_map(|row| row.iter().copied().chain([0.0])).collect(), ..Layer { kind, input, hidden, w_ih: Vec::new(), w_hh: sparse.w_hh.clone(), b_ih: sparse.b_ih.clone(), b_hh: sparse.b_hh.clone() } };
        let rows = batch * steps;
        let (mut x1, mut x2) = (vec![0.0f32; rows * input], vec![0.0f32; rows * (input + 1)]);
        for r in 0..rows {
            x1[r * input + (r * 7) % input] = 1.0;
            x2[r * (input + 1) + (r * 7) % input] = 1.0;
            x2[r * (input + 1) + input] = 1.0;
        }
        let u = uniform_vec(rows * hidden, -1.0, 1.0, 5);
        let run = |l: &Layer, x: &[f32]| {
            let out = l.run(x, batch, steps, &[], &[]);
            let g = backward_sequence(l.weights(), out.cache.as_ref().unwrap(), SequenceGradsIn { outputs: &u, ..Default::default() });
            (out, g)
        };
        let ((o1, g1), (o2, g2)) = (run(&sparse, &x1), run(&dense, &x2));
        let near = |a: &[f32], b: &[f32], what: &str| assert!(a.len() == b.len() && a.iter().zip(b).all(|(a, b)| (a - b).abs() < 1e-5), "{kind:?} batch {batch}: {what}");
        near(&o1.outputs, &o2.outputs, "outputs");
        near(&o1.h_last, &o2.h_last, "h_n");
        near(&g1.w_hh, &g2.w_hh, "dW_hh");
        near(&g1.b_ih, &g2.b_ih, "db_ih");
        let dense_w_ih: Vec<f32> = g2.w_ih.chunks(input + 1).flat_map(|row| row[..input].iter().copied()).collect();
        near(&g1.w_ih, &dense_w_ih, "dW_ih");
        let dense_x: Vec<f32> = g2.x.chunks(input + 1).flat_map(|row| row[..input].iter().copied()).collect();
        near(&g1.x, &dense_x, "dx");
    }
}

/// [B, T, W] <-> [T, B, W] both ways, small and big enough to be split between threads.
#[test]
fn batch_time_swaps_round_trip() {
    for (outer, inner, width) in [(3, 5, 7), (7, 3, 20_000)] {
        let src = uniform_vec(outer * inner * width, -1.0, 1.0, 1);
        let swapped = sequence::swap_batch_time(&src, outer, inner, width);
        for (a, b) in (0..outer).flat_map(|a| (0..inner).map(move |b| (a, b))) {
            assert_eq!(swapped[(b * outer + a) * width..][..width], src[(a * inner + b) * width..][..width]);
        }
        assert_eq!(sequence::swap_batch_time(&swapped, inner, outer, width), src);
    }
}

/// The LSTM's inference over a batch (the fused step product) gives the training forward's
/// outputs and final states to rounding: batches from 4 to 128, with and without padding and
/// peepholes, ragged sizes (hidden 200, input 7), several threads' splits.
#[test]
fn fused_inference_matches_the_training_forward() {
    for &(batch, hidden, input, lengths, peephole) in &[(4usize, 128usize, 16usize, false, false), (8, 200, 7, true, true), (16, 128, 16, true, false), (33, 64, 16, false, true), (64, 128, 16, true, false), (128, 32, 5, false, false)] {
        let steps = 6;
        let gh = 4 * hidden;
        let (w_ih, w_hh, b_ih, b_hh) = (uniform_vec(gh * input, -0.3, 0.3, 1), uniform_vec(gh * hidden, -0.1, 0.1, 2), uniform_vec(gh, -0.3, 0.3, 3), uniform_vec(gh, -0.3, 0.3, 4));
        let p = if peephole { uniform_vec(3 * hidden, -0.3, 0.3, 5) } else { Vec::new() };
        let w = RecurrentWeights { w_ih: &w_ih, w_hh: &w_hh, b_ih: &b_ih, b_hh: &b_hh, peephole: &p };
        let x = uniform_vec(batch * steps * input, -1.0, 1.0, 6);
        let (h0, c0) = (uniform_vec(batch * hidden, -1.0, 1.0, 7), uniform_vec(batch * hidden, -1.0, 1.0, 8));
        let lens: Vec<usize> = (0..batch).map(|b| steps - b % 4).collect();
        let input_of = || SequenceInput { x: &x, h0: &h0, c0: &c0, lengths: lengths.then_some(lens.as_slice()) };
        let shape = SequenceShape { batch, steps, input, hidden };
        let train = forward_sequence(CellKind::Lstm, w, shape, input_of(), true);
        let infer = forward_sequence(CellKind::Lstm, w, shape, input_of(), false);
        // Without outputs (a last layer returning its final state), the same final states, from
        // two rows of states used in turn.
        let last = sequence::forward_sequence_with(CellKind::Lstm, w, shape, input_of(), false, None, false);
        assert!(last.outputs.is_empty() && last.h_last == infer.h_last && last.c_last == infer.c_last, "batch {batch}: final states without outputs");
        for (what, a, b) in [("outputs", &infer.outputs, &train.outputs), ("h_n", &infer.h_last, &train.h_last), ("c_n", &infer.c_last, &train.c_last)] {
            let worst = a.iter().zip(b.iter()).map(|(a, b)| (a - b).abs()).fold(0.0f32, f32::max);
            assert!(a.len() == b.len() && worst < 1e-5, "batch {batch} hidden {hidden}: {what} differ by {worst}");
        }
    }
}
