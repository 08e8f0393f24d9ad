//! Model-level tests: the seed's fully connected golden numbers, gradient checks of every layer,
//! activation and loss with non-trivial weights and batch > 1, and learning something.

use super::gradcheck::CheckOptions;
use super::*;
use crate::random::{self, rng, uniform_vec};
use crate::Tensor;

/// A dense layer applied at `positions` with weights U(-1, 1) and biases U(-0.5, 0.5): far from
/// zero, so every gradient is exercised.
fn dense_at(name: &str, positions: &[usize], inputs: usize, units: usize, act: Activation, seed: u64) -> Box<dyn Layer> {
    let config = DenseConfig { activation: act, ..DenseConfig::new(units) };
    let shape: Vec<usize> = positions.iter().copied().chain([inputs]).collect();
    let mut layer = Dense::new(name, &shape, &config, &mut rng(seed)).unwrap();
    let [weight, bias] = layer.params_mut() else { unreachable!("dense has two params") };
    weight.value = uniform_vec(weight.value.len(), -1.0, 1.0, seed);
    bias.value = uniform_vec(bias.value.len(), -0.5, 0.5, seed + 1);
    Box::new(layer)
}

fn dense(name: &str, inputs: usize, units: usize, act: Activation, seed: u64) -> Box<dyn Layer> {
    dense_at(name, &[], inputs, units, act, seed)
}

fn compiled(loss: Loss, optimizer: OptimizerConfig, clip_norm: Option<f64>) -> Training {
    Training::new(TrainingConfig { loss, optimizer, metrics: Vec::new(), clip_norm }).unwrap()
}

fn checks(max_per_param: usize) -> CheckOptions {
    CheckOptions { max_per_param, ..CheckOptions::default() }
}

fn sgd(lr: f64) -> OptimizerConfig {
    OptimizerConfig::Sgd(SgdConfig::new(lr))
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
    // Each sigmoid layer is two PyTorch modules (Linear, Sigmoid): the second Linear is "2.".
    let weights = [("0.weight", vec![-0.25, 0.1, -0.1, 0.25]), ("2.weight", vec![-0.1, 0.25, 0.05, -0.15])];
    for (name, p) in m.named_params_mut() {
        p.value = weights.iter().find(|(n, _)| *n == name).map_or(vec![0.0; p.value.len()], |(_, w)| w.clone());
    }
    m.compile(compiled(Loss::MeanSquaredError, sgd(0.1), None)).unwrap();
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
    let heads: [(Loss, Activation, Tensor); 6] = [
        (Loss::MeanSquaredError, Activation::Tanh, random::uniform(&[batch, 3], -1.0, 1.0, 12).unwrap()),
        (Loss::SparseCategoricalCrossEntropy, Activation::Softmax, t(&[batch], &[0.0, 2.0, 1.0, 2.0, 0.0])),
        (Loss::SparseCategoricalCrossEntropy, Activation::Identity, t(&[batch], &[1.0, 1.0, 0.0, 2.0, 2.0])),
        (Loss::CategoricalCrossEntropy, Activation::Softmax, t(&[batch, 3], &[0.0, 0.0, 1.0, 0.2, 0.3, 0.5, 1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.5, 0.5, 0.0])),
        (Loss::BinaryCrossEntropy, Activation::Sigmoid, random::uniform(&[batch, 3], 0.0, 1.0, 13).unwrap()),
        (Loss::BinaryCrossEntropy, Activation::Identity, t(&[batch, 3], &[1.0, 0.0, 1.0, 0.0, 0.0, 1.0, 1.0, 1.0, 0.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0])),
    ];
    for act in hidden {
        for (loss, head, y) in &heads {
            let mut m = Sequential::new(vec![4]);
            m.add(dense("hidden", 4, 6, act, 1));
            m.add(dense("out", 6, 3, *head, 2));
            m.compile(compiled(*loss, sgd(0.1), None)).unwrap();
            for check in gradcheck::check_model(&mut m, &x, y, &checks(1000)).unwrap() {
                assert!(check.passed, "{act:?} -> {head:?} {loss:?}: {check:?}");
            }
        }
    }
}

#[test]
fn a_small_net_learns_xor_where_a_single_layer_cannot() {
    let x = t(&[4, 2], &[0.0, 0.0, 0.0, 1.0, 1.0, 0.0, 1.0, 1.0]);
    let y = t(&[4, 1], &[0.0, 1.0, 1.0, 0.0]);
    let adam = || OptimizerConfig::Adam(AdamConfig::new(0.05));
    let mut m = Sequential::new(vec![2]);
    m.add(dense("h", 2, 8, Activation::Tanh, 5));
    m.add(dense("o", 8, 1, Activation::Sigmoid, 6));
    m.compile(compiled(Loss::BinaryCrossEntropy, adam(), None)).unwrap();
    for _ in 0..500 {
        m.train_step(&x, &y).unwrap();
    }
    let stats = m.evaluate(&x, &y).unwrap();
    assert_eq!(stats.correct.unwrap().correct, 4, "loss {}", stats.loss);
    let mut linear = Sequential::new(vec![2]);
    linear.add(dense("o", 2, 1, Activation::Sigmoid, 6));
    linear.compile(compiled(Loss::BinaryCrossEntropy, adam(), None)).unwrap();
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
    m.compile(compiled(Loss::MeanSquaredError, sgd(1e10), None)).unwrap();
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
    m.compile(compiled(Loss::MeanSquaredError, sgd(0.1), Some(1.0))).unwrap();
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
    let config = recurrent::RecurrentConfig { return_sequences, activation: match kind { recurrent::CellKind::Rnn(a) => Some(a), _ => None }, ..recurrent::RecurrentConfig::new(units) };
    Box::new(recurrent::Recurrent::new("rnn", shape, kind, &config, &mut rng(seed)).unwrap())
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
        m.add(dense_at("out", &[steps], 7, classes, Activation::Softmax, 4));
        m.compile(compiled(Loss::SparseCategoricalCrossEntropy, sgd(0.1), None)).unwrap();
        for check in gradcheck::check_model(&mut m, &x, &y, &checks(200)).unwrap() {
            assert!(check.passed, "{kind:?}: {check:?}");
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
    let adam = OptimizerConfig::Adam(AdamConfig::new(0.01));
    m.compile(compiled(Loss::MeanSquaredError, adam, Some(1.0))).unwrap();
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
    m.add(Box::new(Embedding::new("emb", &[steps], &EmbeddingConfig { name: None, input_dim: vocab, output_dim: 4 }, &mut rng(1)).unwrap()));
    m.add(recurrent(recurrent::CellKind::Lstm, &[steps, 4], 6, true, 2));
    m.add(dense_at("out", &[steps], 6, vocab, Activation::Softmax, 3));
    m.compile(compiled(Loss::SparseCategoricalCrossEntropy, sgd(0.1), None)).unwrap();
    for check in gradcheck::check_model(&mut m, &ids, &y, &checks(200)).unwrap() {
        assert!(check.passed, "{check:?}");
    }
    let bad = Tensor::from_vec(&[1, steps], vec![0.0, 1.0, 7.0, 2.0, 3.0]).unwrap();
    let err = m.forward(&bad, false).unwrap_err();
    assert!(err.code() == "ERR_INVALID_ARGUMENT" && err.message.contains("[0, 7)") && err.message.contains("got 7"), "{err}");
}

/// A layer whose backward adds `delta` to one element of its first parameter's gradient: a bug
/// the gradient check must catch.
struct Perturbed {
    inner: Box<dyn Layer>,
    delta: f32,
}

impl Layer for Perturbed {
    fn kind(&self) -> &'static str {
        self.inner.kind()
    }
    fn config(&self) -> LayerConfig {
        self.inner.config()
    }
    fn output_shape(&self) -> Vec<usize> {
        self.inner.output_shape()
    }
    fn output_shape_for(&self, input: &[usize]) -> Vec<usize> {
        self.inner.output_shape_for(input)
    }
    fn forward(&mut self, x: &Tensor, pass: &Pass<'_>) -> crate::Result<Tensor> {
        self.inner.forward(x, pass)
    }
    fn backward(&mut self, grad: Vec<f32>, need_input_grad: bool) -> crate::Result<Vec<f32>> {
        let out = self.inner.backward(grad, need_input_grad)?;
        self.inner.params_mut()[0].grad[3] += self.delta;
        Ok(out)
    }
    fn params(&self) -> &[Param] {
        self.inner.params()
    }
    fn params_mut(&mut self) -> &mut [Param] {
        self.inner.params_mut()
    }
}

/// The verdict: a correct model passes under the default tolerances, one wrong gradient element
/// (off by 1%-sized amounts or more) fails, and the report names the parameter and the element.
#[test]
fn gradient_check_verdicts_catch_a_wrong_gradient() {
    let x = random::uniform(&[4, 3], -1.0, 1.0, 1).unwrap();
    let y = random::uniform(&[4, 2], -1.0, 1.0, 2).unwrap();
    for delta in [0.0f32, 0.02, 0.5] {
        let mut m = Sequential::new(vec![3]);
        m.add(Box::new(Perturbed { inner: dense("h", 3, 5, Activation::Tanh, 3), delta }));
        m.add(dense("o", 5, 2, Activation::Identity, 4));
        m.compile(compiled(Loss::MeanSquaredError, sgd(0.1), None)).unwrap();
        let report = gradcheck::check_model(&mut m, &x, &y, &CheckOptions::default()).unwrap();
        let broken: Vec<&str> = report.iter().filter(|c| !c.passed).map(|c| c.name.as_str()).collect();
        if delta == 0.0 {
            assert!(broken.is_empty(), "{report:?}");
        } else {
            assert_eq!(broken, ["0.weight"], "delta {delta}: {report:?}");
            let bad = &report[0];
            assert_eq!(bad.worst_index, 3);
            assert!((bad.worst_analytic - bad.worst_numeric - f64::from(delta)).abs() < 2e-3, "{bad:?}");
        }
    }
    let mut m = Sequential::new(vec![3]);
    m.add(dense("o", 3, 2, Activation::Identity, 4));
    m.compile(compiled(Loss::MeanSquaredError, sgd(0.1), None)).unwrap();
    let bad = CheckOptions { epsilon: 0.0, ..CheckOptions::default() };
    assert_eq!(gradcheck::check_model(&mut m, &x, &y, &bad).unwrap_err().code(), "ERR_INVALID_ARGUMENT");
}

fn description(value: serde_json::Value) -> SequentialConfig {
    SequentialConfig::from_json(&value, "test").unwrap()
}

/// Every layer kind and option: the model's description has every option (defaults included)
/// and names; building it again gives the same parameter names and shapes, and with the same
/// seed the same weights.
#[test]
fn models_rebuild_from_their_own_description() {
    let configs = [
        serde_json::json!({ "inputShape": [5], "layers": [
            { "kind": "dense", "units": 4, "activation": "relu", "kernelInitializer": "heNormal" },
            { "kind": "dropout", "rate": 0.25, "name": "drop" },
            { "kind": "dense", "units": 3, "activation": "softmax", "useBias": false, "biasInitializer": "seedUniform" },
        ], "training": { "loss": "categoricalCrossentropy", "optimizer": { "kind": "adam", "learningRate": 0.01 }, "metrics": ["accuracy"], "clipNorm": 1 } }),
        serde_json::json!({ "inputShape": [null], "layers": [
            { "kind": "embedding", "inputDim": 7, "outputDim": 3 },
            { "kind": "lstm", "units": 4, "numLayers": 2, "bidirectional": true, "dropout": 0.1, "returnSequences": true, "peephole": true, "forgetBias": 0.5, "truncateBptt": 3 },
            { "kind": "gru", "units": 3, "stateful": true },
            { "kind": "dense", "units": 7 },
        ] }),
        serde_json::json!({ "inputShape": [6, 2], "layers": [{ "kind": "simpleRNN", "units": 3, "activation": "relu", "returnSequences": true }, { "kind": "simpleRNN", "units": 2 }] }),
    ];
    for value in configs {
        let config = description(value);
        let a = Sequential::from_config(&config, 7).unwrap();
        let described = a.config();
        assert_eq!(described.layers.len(), config.layers.len());
        for (i, (got, given)) in described.layers.iter().zip(&config.layers).enumerate() {
            assert_eq!(got.name(), Some(given.name().map_or_else(|| format!("{}_{i}", given.kind()), str::to_string)).as_deref());
            assert_eq!(got.clone().with_name("x"), given.clone().with_name("x"), "every option kept");
        }
        assert_eq!(described.training, config.training);
        let json: serde_json::Value = serde_json::from_str(&described.to_json()).unwrap();
        let b = Sequential::from_config(&description(json), 7).unwrap();
        assert_eq!(b.config(), described);
        let (pa, pb) = (a.named_params(), b.named_params());
        assert_eq!(pa.iter().map(|(n, p)| (n, &p.shape)).collect::<Vec<_>>(), pb.iter().map(|(n, p)| (n, &p.shape)).collect::<Vec<_>>());
        assert!(pa.iter().zip(&pb).all(|((_, p), (_, q))| p.value == q.value), "same seed, same weights");
        assert_eq!(b.is_compiled(), config.training.is_some());
    }
    let dup = description(serde_json::json!({ "inputShape": [2], "layers": [{ "kind": "dense", "units": 2, "name": "a" }, { "kind": "dense", "units": 1, "name": "a" }] }));
    assert!(Sequential::from_config(&dup, 1).err().unwrap().message.contains("\"a\" is the name of layers 0 and 1"));
    let wrong_rank = description(serde_json::json!({ "inputShape": [784], "layers": [{ "kind": "lstm", "units": 2 }] }));
    let err = Sequential::from_config(&wrong_rank, 1).err().unwrap();
    assert!(err.message.contains("lstm_0") && err.message.contains("[timesteps, features]") && err.message.contains("[784]"), "{err}");
}

/// A batch of no samples through every layer kind gives an empty output of the right shape;
/// training and evaluating on none are invalid arguments.
#[test]
fn empty_batches_predict_empty_outputs_and_cannot_train() {
    let cases = [
        (serde_json::json!({ "inputShape": [3], "layers": [{ "kind": "dense", "units": 2 }, { "kind": "dropout", "rate": 0.5 }] }), vec![0usize, 3], vec![0usize, 2]),
        (serde_json::json!({ "inputShape": [null], "layers": [{ "kind": "embedding", "inputDim": 4, "outputDim": 2 }, { "kind": "lstm", "units": 3, "returnSequences": true }] }), vec![0, 5], vec![0, 5, 3]),
        (serde_json::json!({ "inputShape": [4, 2], "layers": [{ "kind": "gru", "units": 3, "bidirectional": true }] }), vec![0, 4, 2], vec![0, 6]),
        (serde_json::json!({ "inputShape": [null, 2], "layers": [{ "kind": "simpleRNN", "units": 3, "numLayers": 2, "returnSequences": true }, { "kind": "dense", "units": 1 }] }), vec![0, 7, 2], vec![0, 7, 1]),
    ];
    for (value, input, output) in cases {
        let mut m = Sequential::from_config(&description(value), 1).unwrap();
        let x = Tensor::zeros(&input).unwrap();
        assert_eq!(m.forward(&x, false).unwrap().shape(), output.as_slice());
        m.compile(compiled(Loss::MeanSquaredError, sgd(0.1), None)).unwrap();
        let y = Tensor::zeros(&output).unwrap();
        for err in [m.train_step(&x, &y).unwrap_err(), m.evaluate(&x, &y).unwrap_err()] {
            assert_eq!(err.code(), "ERR_INVALID_ARGUMENT", "{err}");
            assert!(err.message.contains("at least one sample"), "{err}");
        }
    }
}

/// A data set is checked whole before training: counts, target format and values.
#[test]
fn datasets_are_checked_before_any_work() {
    let mut m = Sequential::from_config(&description(serde_json::json!({ "inputShape": [2], "layers": [{ "kind": "dense", "units": 3, "activation": "softmax" }] })), 1).unwrap();
    let x = Tensor::zeros(&[4, 2]).unwrap();
    let labels = t(&[4], &[0.0, 1.0, 2.0, 1.0]);
    let check = |m: &Sequential, y: &Tensor| m.check_dataset(&Dataset { x: &x, y, lengths: None }, "validationData").map_err(|e| e.message);
    assert!(check(&m, &labels).unwrap_err().contains("compiled"));
    m.compile(compiled(Loss::SparseCategoricalCrossEntropy, sgd(0.1), None)).unwrap();
    check(&m, &labels).unwrap();
    assert!(check(&m, &t(&[3], &[0.0, 1.0, 2.0])).unwrap_err().starts_with("validationData: needs one target per sample: x has 4 samples"));
    assert!(check(&m, &t(&[4], &[0.0, 1.0, 3.0, 1.0])).unwrap_err().contains("labels in [0, 3), got 3 at index 2"));
    assert!(check(&m, &Tensor::zeros(&[4, 3]).unwrap()).unwrap_err().contains("use categoricalCrossentropy"));
    m.compile(compiled(Loss::CategoricalCrossEntropy, sgd(0.1), None)).unwrap();
    assert!(check(&m, &Tensor::zeros(&[4, 3]).unwrap()).unwrap_err().contains("summing to 0 at row 0"));
    let err = m.check_dataset(&Dataset { x: &Tensor::zeros(&[4, 5]).unwrap(), y: &labels, lengths: None }, "fit()").unwrap_err();
    assert_eq!(err.code(), "ERR_SHAPE_MISMATCH");
    let data = Dataset { x: &x, y: &Tensor::from_vec(&[4, 3], [1.0, 0.0, 0.0].repeat(4)).unwrap(), lengths: None };
    let stats = m.evaluate_dataset(&data, 3).unwrap();
    assert_eq!((stats.samples, stats.rows, stats.correct.unwrap().total), (4, 4, 4));
    assert!((stats.loss - 3f64.ln()).abs() < 1e-5, "zero inputs, zero bias: uniform softmax ({})", stats.loss);
}

/// Layers too big for memory are typed errors when built, not aborts.
#[test]
fn layers_too_big_for_memory_are_out_of_memory_errors() {
    for (layer, input) in [(serde_json::json!({ "kind": "dense", "units": 100_000 }), serde_json::json!([100_000])), (serde_json::json!({ "kind": "lstm", "units": 1_000_000 }), serde_json::json!([null, 8])), (serde_json::json!({ "kind": "embedding", "inputDim": 1_000_000_000_u64, "outputDim": 1000 }), serde_json::json!([4]))] {
        let config = description(serde_json::json!({ "inputShape": input, "layers": [layer] }));
        let err = Sequential::from_config(&config, 1).err().unwrap();
        assert_eq!(err.code(), "ERR_OUT_OF_MEMORY", "{err}");
        assert!(err.message.contains("GiB") || err.message.contains("TiB"), "{err}");
    }
}
