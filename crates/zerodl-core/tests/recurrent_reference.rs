//! zerodl's recurrent stacks against PyTorch (nn.RNN / nn.LSTM / nn.GRU, float64) for given
//! weights: outputs, final states and every gradient (parameters, inputs, initial states), for
//! one and two layers, one and two directions, zero and given initial states, and padded
//! sequences of different lengths. The vectors and the script that made them are in fixtures/.

use std::collections::BTreeMap;

use serde::Deserialize;
use zerodl_core::nn::recurrent::{stack_backward, stack_forward, CellKind, RecurrentWeights, SequenceShape, StackConfig, StackGradsIn, State};
use zerodl_core::nn::Activation;

#[derive(Deserialize)]
struct Fixture {
    torch: String,
    cases: Vec<Case>,
}

#[derive(Deserialize)]
struct T {
    shape: Vec<usize>,
    data: Vec<f64>,
}

impl T {
    fn f32(&self) -> Vec<f32> {
        self.data.iter().map(|&v| v as f32).collect()
    }
}

#[derive(Deserialize)]
struct Config {
    kind: String,
    num_layers: usize,
    bidirectional: bool,
    batch: usize,
    steps: usize,
    input: usize,
    hidden: usize,
    lengths: Option<Vec<usize>>,
    param_names: Vec<String>,
}

#[derive(Deserialize)]
struct Inputs {
    x: T,
    h0: Option<T>,
    c0: Option<T>,
}

#[derive(Deserialize)]
#[allow(non_snake_case)]
struct LossWeights {
    U: T,
    V: T,
    Q: Option<T>,
}

#[derive(Deserialize)]
struct Expected {
    output: T,
    h_n: T,
    c_n: Option<T>,
}

#[derive(Deserialize)]
struct Grads {
    x: T,
    h0: Option<T>,
    c0: Option<T>,
    params: BTreeMap<String, T>,
}

#[derive(Deserialize)]
struct Case {
    name: String,
    config: Config,
    inputs: Inputs,
    params: BTreeMap<String, T>,
    loss: LossWeights,
    expected: Expected,
    grads: Grads,
}

/// Within 1e-5, relative to the value's size where that exceeds 1.
fn close(case: &str, what: &str, got: &[f32], want: &T) {
    assert_eq!(got.len(), want.data.len(), "{case} {what}: {} values, want {} (shape {:?})", got.len(), want.data.len(), want.shape);
    for (i, (&g, &w)) in got.iter().zip(&want.data).enumerate() {
        assert!((f64::from(g) - w).abs() <= 1e-5 * w.abs().max(1.0), "{case} {what}[{i}]: got {g}, PyTorch {w}");
    }
}

fn kind(name: &str) -> CellKind {
    match name {
        "rnn_tanh" => CellKind::Rnn(Activation::Tanh),
        "rnn_relu" => CellKind::Rnn(Activation::Relu),
        "lstm" => CellKind::Lstm,
        "gru" => CellKind::Gru,
        other => panic!("unknown kind {other}"),
    }
}

#[test]
fn recurrent_stacks_match_pytorch() {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/recurrent_reference.json")).expect("fixture");
    let fixture: Fixture = serde_json::from_str(&text).expect("fixture layout");
    assert!(fixture.torch.starts_with("2."), "made with torch {}", fixture.torch);
    assert_eq!(fixture.cases.len(), 28);
    for case in &fixture.cases {
        let c = &case.config;
        let cfg = StackConfig { kind: kind(&c.kind), hidden: c.hidden, layers: c.num_layers, bidirectional: c.bidirectional, truncate: None, sequences: true };
        let values: Vec<Vec<f32>> = c.param_names.iter().map(|n| case.params[n].f32()).collect();
        let weights: Vec<RecurrentWeights<'_>> = values.chunks(4).map(|p| RecurrentWeights { w_ih: &p[0], w_hh: &p[1], b_ih: &p[2], b_hh: &p[3], peephole: &[] }).collect();
        assert_eq!(weights.len(), cfg.units());
        let shape = SequenceShape { batch: c.batch, steps: c.steps, input: c.input, hidden: c.hidden };
        let init = case.inputs.h0.as_ref().map(|h0| State { batch: c.batch, h: h0.f32(), c: case.inputs.c0.as_ref().map_or(Vec::new(), T::f32) });
        let out = stack_forward(&cfg, &weights, &case.inputs.x.f32(), shape, c.lengths.as_deref(), init.as_ref(), true, None, &[]);
        close(&case.name, "output", &out.outputs, &case.expected.output);
        close(&case.name, "h_n", &out.state.h, &case.expected.h_n);
        if let Some(c_n) = &case.expected.c_n {
            close(&case.name, "c_n", &out.state.c, c_n);
        }
        let (u, v, q) = (case.loss.U.f32(), case.loss.V.f32(), case.loss.Q.as_ref().map_or(Vec::new(), T::f32));
        let g = stack_backward(&cfg, &weights, out.cache.as_ref().unwrap(), StackGradsIn { outputs: &u, h_n: &v, c_n: &q, skip_input_grad: false });
        close(&case.name, "dE/dx", &g.x, &case.grads.x);
        for (names, unit) in c.param_names.chunks(4).zip(&g.units) {
            for (name, grad) in names.iter().zip([&unit.w_ih, &unit.w_hh, &unit.b_ih, &unit.b_hh]) {
                close(&case.name, &format!("dE/d{name}"), grad, &case.grads.params[name]);
            }
        }
        let h0_grads: Vec<f32> = g.units.iter().flat_map(|u| u.h0.iter().copied()).collect();
        if let Some(want) = &case.grads.h0 {
            close(&case.name, "dE/dh0", &h0_grads, want);
        }
        if let Some(want) = &case.grads.c0 {
            let c0_grads: Vec<f32> = g.units.iter().flat_map(|u| u.c0.iter().copied()).collect();
            close(&case.name, "dE/dc0", &c0_grads, want);
        }
    }
}
