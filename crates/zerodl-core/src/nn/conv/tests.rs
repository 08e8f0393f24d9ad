//! Tests of the convolution family: the seed's worked examples (cnn.py's conv and pooling
//! goldens), numerical gradient checks of every layer and option (the input's gradient and
//! every trainable parameter's, at the layer), batch norm's running statistics, the parallel
//! tiles against one sample at a time, and the errors a model build gives.

use serde_json::{json, Value};

use crate::nn::config::LayerConfig;
use crate::nn::gradcheck::{check_model, CheckOptions};
use crate::nn::layer::{Layer, Pass};
use crate::nn::{Loss, OptimizerConfig, SequentialConfig, Sequential, SgdConfig, Training, TrainingConfig};
use crate::random::{rng, uniform_vec};
use crate::Tensor;

fn build(layer: Value, input_shape: &[usize]) -> Box<dyn Layer> {
    let config = LayerConfig::from_json(&layer, "test").unwrap();
    config.build("test", input_shape, &mut rng(7)).unwrap()
}

fn build_err(layer: Value, input_shape: &[usize]) -> String {
    match LayerConfig::from_json(&layer, "test").and_then(|c| c.build("test", input_shape, &mut rng(7))) {
        Ok(_) => panic!("{layer} on {input_shape:?} built"),
        Err(e) => e.message,
    }
}

fn rows(v: &[&[f32]]) -> Vec<f32> {
    v.iter().flat_map(|r| r.iter().copied()).collect()
}

/// Seed chapter 4 (cnn.py's init_test / test / test_bp): the CS231n 3x5x5 volume, two 3x3
/// filters, zero padding 1, stride 2. Forward map, weight and bias gradients, the input's
/// delta, and the SGD update at lr 0.001, as reference/seed-code.md lists them.
#[test]
fn seed_conv_golden_values() {
    let x = rows(&[
        &[0., 1., 1., 0., 2.], &[2., 2., 2., 2., 1.], &[1., 0., 0., 2., 0.], &[0., 1., 1., 0., 0.], &[1., 2., 0., 0., 2.],
        &[1., 0., 2., 2., 0.], &[0., 0., 0., 2., 0.], &[1., 2., 1., 2., 1.], &[1., 0., 0., 0., 0.], &[1., 2., 1., 1., 1.],
        &[2., 1., 2., 0., 0.], &[1., 0., 0., 1., 0.], &[0., 2., 1., 0., 1.], &[0., 1., 2., 2., 2.], &[2., 1., 0., 0., 1.],
    ]);
    let weight = rows(&[
        &[-1., 1., 0.], &[0., 1., 0.], &[0., 1., 1.], &[-1., -1., 0.], &[0., 0., 0.], &[0., -1., 0.], &[0., 0., -1.], &[0., 1., 0.], &[1., -1., -1.],
        &[1., 1., -1.], &[-1., -1., 1.], &[0., -1., 1.], &[0., 1., 0.], &[-1., 0., -1.], &[-1., 1., 0.], &[-1., 0., 0.], &[-1., 0., 1.], &[-1., 0., 0.],
    ]);
    let mut layer = build(json!({ "kind": "conv2d", "filters": 2, "kernelSize": 3, "padding": 1, "strides": 2 }), &[3, 5, 5]);
    layer.params_mut()[0].value = weight.clone();
    layer.params_mut()[1].value = vec![1.0, 0.0];
    let y = layer.forward(&Tensor::from_vec(&[1, 3, 5, 5], x).unwrap(), &Pass::training()).unwrap();
    assert_eq!(y.shape(), &[1, 2, 3, 3]);
    assert_eq!(y.as_slice(), rows(&[&[6., 7., 5.], &[3., -1., -1.], &[2., -1., 4.], &[2., -5., -8.], &[1., -4., -4.], &[0., -5., -5.]]));
    let sensitivity = rows(&[&[0., 1., 1.], &[2., 2., 2.], &[1., 0., 0.], &[1., 0., 2.], &[0., 0., 0.], &[1., 2., 1.]]);
    let delta = layer.backward(sensitivity, true).unwrap();
    let weight_grad = rows(&[
        &[8., 10., 9.], &[5., 6., 6.], &[6., 5., 4.], &[4., 1., 4.], &[10., 9., 12.], &[2., 2., 2.], &[2., 2., 3.], &[5., 8., 5.], &[7., 8., 7.],
        &[2., 2., 1.], &[4., 7., 3.], &[4., 4., 2.], &[0., 1., 0.], &[9., 5., 4.], &[4., 0., 0.], &[4., 6., 5.], &[2., 5., 2.], &[2., 1., 0.],
    ]);
    assert_eq!(layer.params()[0].grad, weight_grad);
    assert_eq!(layer.params()[1].grad, vec![9.0, 7.0]);
    assert_eq!(
        delta,
        rows(&[
            &[-1., 1., 1., -2., -1.], &[1., -1., 3., -1., 1.], &[2., 0., 2., 0., 2.], &[4., 3., 4., 1., 3.], &[0., -1., -2., 1., -1.],
            &[0., -1., 0., -2., 0.], &[-1., -2., -3., -4., -1.], &[0., 0., 0., 0., 0.], &[-2., 0., 0., 0., -1.], &[0., -3., 0., -3., 0.],
            &[0., 1., 1., -2., 1.], &[0., -1., -1., -4., -1.], &[2., 0., 2., 0., 2.], &[-2., -3., -2., -1., -2.], &[1., -1., 0., 1., 0.],
        ])
    );
    // The update at lr 0.001 (the seed prints three decimals).
    let updated: Vec<f32> = weight.iter().zip(&weight_grad).map(|(w, g)| w - 0.001 * g).collect();
    for (i, want) in [(0, -1.008), (1, 0.990), (8, 0.996), (9, -1.004), (27, 0.998), (36, 0.0), (37, 0.999), (53, 0.0)] {
        assert!((updated[i] - want).abs() < 5e-4, "weight {i}: {} vs {want}", updated[i]);
    }
    let bias: Vec<f32> = [1.0f32, 0.0].iter().zip([9.0f32, 7.0]).map(|(b, g)| b - 0.001 * g).collect();
    assert!((bias[0] - 0.991).abs() < 1e-6 && (bias[1] + 0.007).abs() < 1e-6, "{bias:?}");
}

/// Seed chapter 4 (cnn.py's init_pool_test): 2x2 max pooling, stride 2, on 2x4x4; the
/// gradient goes to the first maximum (ch0's window [1, 1; 5, 6] has one; see the tie test).
#[test]
fn seed_max_pool_golden_values() {
    let x = rows(&[&[1., 1., 2., 4.], &[5., 6., 7., 8.], &[3., 2., 1., 0.], &[1., 2., 3., 4.], &[0., 1., 2., 3.], &[4., 5., 6., 7.], &[8., 9., 0., 1.], &[3., 4., 5., 6.]]);
    let mut layer = build(json!({ "kind": "maxPool2d", "poolSize": 2, "strides": 2 }), &[2, 4, 4]);
    let y = layer.forward(&Tensor::from_vec(&[1, 2, 4, 4], x).unwrap(), &Pass::training()).unwrap();
    assert_eq!(y.as_slice(), &[6., 8., 3., 4., 5., 7., 9., 6.]);
    let delta = layer.backward(vec![1., 2., 2., 4., 3., 5., 8., 2.], true).unwrap();
    assert_eq!(delta, rows(&[&[0., 0., 0., 0.], &[0., 1., 0., 2.], &[2., 0., 0., 0.], &[0., 0., 0., 4.], &[0., 0., 0., 0.], &[0., 3., 0., 5.], &[0., 8., 0., 0.], &[0., 0., 0., 2.]]));
}

#[test]
fn max_pool_ties_go_to_the_first_maximum() {
    let mut layer = build(json!({ "kind": "maxPool2d", "poolSize": 2 }), &[1, 2, 4]);
    layer.forward(&Tensor::from_vec(&[1, 1, 2, 4], vec![3., 3., 1., 2., 3., 3., 2., 2.]).unwrap(), &Pass::training()).unwrap();
    assert_eq!(layer.backward(vec![1., 1.], true).unwrap(), vec![1., 0., 0., 1., 0., 0., 0., 0.]);
}

/// E = sum(y * g) for fixed g; central differences of E against backward, for the input and
/// every trainable parameter.
fn check_layer(layer_json: Value, sample: &[usize], batch: usize) {
    let mut layer = build(layer_json.clone(), sample);
    for (i, p) in layer.params_mut().iter_mut().enumerate().filter(|(_, p)| p.trainable) {
        p.value = uniform_vec(p.value.len(), -1.0, 1.0, 100 + i as u64);
    }
    let shape: Vec<usize> = std::iter::once(batch).chain(sample.iter().copied()).collect();
    let n: usize = shape.iter().product();
    // Spread-out values: no ties in max pooling, no relu exactly at 0.
    let mut x: Vec<f32> = uniform_vec(n, -1.0, 1.0, 5);
    let y = layer.forward(&Tensor::from_vec(&shape, x.clone()).unwrap(), &Pass::training()).unwrap();
    let g = uniform_vec(y.len(), -1.0, 1.0, 6);
    let dx = layer.backward(g.clone(), true).unwrap();
    let grads: Vec<Vec<f32>> = layer.params().iter().map(|p| p.grad.clone()).collect();
    let energy = |layer: &mut Box<dyn Layer>, x: &[f32]| -> f64 {
        let y = layer.forward(&Tensor::from_vec(&shape, x.to_vec()).unwrap(), &Pass::training()).unwrap();
        y.as_slice().iter().zip(&g).map(|(a, b)| f64::from(*a) * f64::from(*b)).sum()
    };
    let eps = 1e-3f32;
    let close = |what: String, analytic: f32, numeric: f64| {
        let err = (f64::from(analytic) - numeric).abs();
        assert!(err <= 2e-3 + 1e-2 * numeric.abs(), "{layer_json}: {what}: analytic {analytic} vs numeric {numeric}");
    };
    for i in (0..n).step_by(n.div_ceil(60).max(1)) {
        let v = x[i];
        x[i] = v + eps;
        let plus = energy(&mut layer, &x);
        x[i] = v - eps;
        let minus = energy(&mut layer, &x);
        x[i] = v;
        close(format!("dx[{i}]"), dx[i], (plus - minus) / (2.0 * f64::from(eps)));
    }
    for (pi, grad) in grads.iter().enumerate() {
        if !layer.params()[pi].trainable {
            continue;
        }
        let len = grad.len();
        for i in (0..len).step_by(len.div_ceil(40).max(1)) {
            let v = layer.params()[pi].value[i];
            layer.params_mut()[pi].value[i] = v + eps;
            let plus = energy(&mut layer, &x);
            layer.params_mut()[pi].value[i] = v - eps;
            let minus = energy(&mut layer, &x);
            layer.params_mut()[pi].value[i] = v;
            close(format!("{}[{i}]", layer.params()[pi].name), grad[i], (plus - minus) / (2.0 * f64::from(eps)));
        }
    }
}

#[test]
fn conv2d_gradients_match_numerical_ones_for_every_option() {
    let cases = [
        json!({ "kind": "conv2d", "filters": 3, "kernelSize": 3 }),
        json!({ "kind": "conv2d", "filters": 2, "kernelSize": 3, "strides": 2, "padding": 1 }),
        json!({ "kind": "conv2d", "filters": 2, "kernelSize": [2, 4], "padding": "same" }),
        json!({ "kind": "conv2d", "filters": 2, "kernelSize": 3, "strides": 2, "padding": "same" }),
        json!({ "kind": "conv2d", "filters": 2, "kernelSize": 3, "dilation": 2, "padding": 2 }),
        json!({ "kind": "conv2d", "filters": 4, "kernelSize": 3, "groups": 2, "padding": 1 }),
        json!({ "kind": "conv2d", "filters": 4, "kernelSize": 3, "groups": 4, "padding": 1 }),
        json!({ "kind": "conv2d", "filters": 2, "kernelSize": [3, 2], "strides": [2, 1], "padding": [1, 0] }),
        json!({ "kind": "conv2d", "filters": 2, "kernelSize": 3, "useBias": false, "activation": "relu" }),
        json!({ "kind": "conv2d", "filters": 2, "kernelSize": 3, "activation": "tanh", "padding": 1 }),
        json!({ "kind": "conv2d", "filters": 2, "kernelSize": 3, "activation": "sigmoid" }),
    ];
    for case in cases {
        check_layer(case, &[4, 7, 7], 2);
    }
    // 16 filters or more per group run the direct kernel (two blocks of 16 when 17, three in
    // the AVX-512 pair tiles when 40: a pair and a block paired with itself).
    for case in [
        json!({ "kind": "conv2d", "filters": 17, "kernelSize": 3, "padding": 1 }),
        json!({ "kind": "conv2d", "filters": 40, "kernelSize": 2, "activation": "tanh" }),
        json!({ "kind": "conv2d", "filters": 16, "kernelSize": [3, 2], "strides": 2, "padding": "same", "activation": "relu" }),
        json!({ "kind": "conv2d", "filters": 32, "kernelSize": 3, "dilation": 2, "groups": 2, "padding": [2, 1] }),
    ] {
        // 16 channels: 64 or more taps per output (the direct kernel's threshold), and the
        // stride-1 input gradient as a transposed convolution.
        check_layer(case, &[16, 6, 6], 2);
    }
    check_layer(json!({ "kind": "conv2d", "filters": 3, "kernelSize": 3, "strides": [1, 2], "padding": [1, 0], "dataFormat": "channelsLast" }), &[6, 7, 2], 2);
}

#[test]
fn conv1d_gradients_match_numerical_ones() {
    for case in [
        json!({ "kind": "conv1d", "filters": 3, "kernelSize": 3 }),
        json!({ "kind": "conv1d", "filters": 2, "kernelSize": 3, "strides": 2, "padding": 1 }),
        json!({ "kind": "conv1d", "filters": 4, "kernelSize": 2, "groups": 2, "dilation": 2, "padding": "same", "activation": "relu" }),
    ] {
        check_layer(case, &[4, 9], 3);
    }
    check_layer(json!({ "kind": "conv1d", "filters": 3, "kernelSize": 3, "padding": "same", "dataFormat": "channelsLast" }), &[8, 2], 2);
}

#[test]
fn pooling_and_shape_layers_pass_numerical_checks() {
    for (case, sample) in [
        (json!({ "kind": "maxPool2d" }), vec![3, 6, 6]),
        (json!({ "kind": "maxPool2d", "poolSize": 3, "strides": 2, "padding": 1 }), vec![2, 7, 7]),
        (json!({ "kind": "maxPool2d", "poolSize": [2, 3], "strides": 1, "dataFormat": "channelsLast" }), vec![5, 6, 2]),
        (json!({ "kind": "avgPool2d" }), vec![3, 6, 6]),
        (json!({ "kind": "avgPool2d", "poolSize": 3, "strides": 2, "padding": 1 }), vec![2, 7, 7]),
        (json!({ "kind": "globalAveragePool2d" }), vec![3, 4, 5]),
        (json!({ "kind": "globalAveragePool2d", "dataFormat": "channelsLast" }), vec![4, 5, 3]),
        (json!({ "kind": "flatten" }), vec![2, 3, 4]),
        (json!({ "kind": "reshape", "targetShape": [4, -1] }), vec![2, 3, 4]),
    ] {
        check_layer(case, &sample, 2);
    }
}

#[test]
fn batch_norm_training_gradients_match_numerical_ones() {
    for (case, sample) in [
        (json!({ "kind": "batchNormalization" }), vec![3, 4, 4]),
        (json!({ "kind": "batchNormalization" }), vec![5]),
        (json!({ "kind": "batchNormalization", "dataFormat": "channelsLast" }), vec![3, 3, 2]),
        (json!({ "kind": "batchNormalization", "affine": false, "epsilon": 1e-3 }), vec![2, 3, 3]),
    ] {
        check_layer(case, &sample, 4);
    }
}

#[test]
fn batch_norm_keeps_running_statistics_as_pytorch_does() {
    let mut layer = build(json!({ "kind": "batchNormalization", "momentum": 0.5 }), &[2]);
    let names: Vec<&str> = layer.params().iter().map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]);
    assert_eq!(layer.params()[4].shape, Vec::<usize>::new());
    assert_eq!(layer.param_count(), 4, "buffers are not parameters");
    // Channel 0: 1, 2, 3 (mean 2, unbiased var 1); channel 1: 0, 0, 6 (mean 2, unbiased var 12).
    let x = Tensor::from_vec(&[3, 2], vec![1., 0., 2., 0., 3., 6.]).unwrap();
    let y = layer.forward(&x, &Pass::training()).unwrap();
    let s = (2.0f32 / 3.0 + 1e-5).sqrt();
    assert!((y.as_slice()[0] + 1.0 / s).abs() < 1e-5, "{:?}", y.as_slice());
    let p = layer.params();
    assert_eq!(p[2].value, vec![1.0, 1.0]); // 0.5 * 0 + 0.5 * 2
    assert_eq!(p[3].value, vec![1.0, 6.5]); // 0.5 * 1 + 0.5 * unbiased
    assert_eq!(p[4].value, vec![1.0]);
    // Inference reads the running statistics.
    let y = layer.forward(&Tensor::from_vec(&[1, 2], vec![2.0, 1.0]).unwrap(), &Pass::inference()).unwrap();
    assert!((y.as_slice()[0] - 1.0 / (1.0f32 + 1e-5).sqrt()).abs() < 1e-6 && y.as_slice()[1].abs() < 1e-6, "{:?}", y.as_slice());
    let e = layer.forward(&Tensor::from_vec(&[1, 2], vec![2.0, 1.0]).unwrap(), &Pass::training()).unwrap_err();
    assert!(e.message.contains("more than one value per channel"), "{}", e.message);
}

/// A batch through the parallel tiles equals its samples one at a time (tiles crossing samples,
/// two threads, batch-1 tiles split inside a sample), forward and backward.
#[test]
fn batches_equal_samples_one_at_a_time() {
    for filters in [8, 32, 96] {
        batch_equals_samples(json!({ "kind": "conv2d", "filters": filters, "kernelSize": 3, "padding": 1, "groups": 2, "activation": "relu" }));
    }
}

fn batch_equals_samples(layer_json: Value) {
    let sample = [16, 12, 12];
    let batch = 7;
    let mut layer = build(layer_json, &sample);
    let n = batch * 16 * 144;
    let x = uniform_vec(n, -1.0, 1.0, 9);
    let y = layer.forward(&Tensor::from_vec(&[batch, 16, 12, 12], x.clone()).unwrap(), &Pass::training()).unwrap();
    let g = uniform_vec(y.len(), -1.0, 1.0, 10);
    let dx = layer.backward(g.clone(), true).unwrap();
    let dw = layer.params()[0].grad.clone();
    layer.params_mut()[0].grad.fill(0.0);
    let per = y.len() / batch;
    let mut dw_sum = vec![0.0f32; dw.len()];
    for i in 0..batch {
        layer.params_mut()[0].grad.fill(0.0);
        let xi = Tensor::from_vec(&[1, 16, 12, 12], x[i * 2304..(i + 1) * 2304].to_vec()).unwrap();
        let yi = layer.forward(&xi, &Pass::training()).unwrap();
        for (a, b) in yi.as_slice().iter().zip(&y.as_slice()[i * per..]) {
            assert!((a - b).abs() < 1e-5, "sample {i}: {a} vs {b}");
        }
        let dxi = layer.backward(g[i * per..(i + 1) * per].to_vec(), true).unwrap();
        for (a, b) in dxi.iter().zip(&dx[i * 2304..]) {
            assert!((a - b).abs() < 1e-5, "dx sample {i}: {a} vs {b}");
        }
        dw_sum.iter_mut().zip(&layer.params()[0].grad).for_each(|(s, g)| *s += g);
    }
    for (a, b) in dw_sum.iter().zip(&dw) {
        assert!((a - b).abs() < 1e-3, "{a} vs {b}");
    }
}

#[test]
fn bad_geometry_is_refused_at_build_naming_the_shapes() {
    let conv = |options: Value| {
        let mut o = json!({ "kind": "conv2d", "filters": 2, "kernelSize": 3 });
        o.as_object_mut().unwrap().extend(options.as_object().unwrap().clone());
        o
    };
    assert!(build_err(conv(json!({ "kernelSize": 7 })), &[1, 5, 5]).contains("a kernel of 7 is larger than the padded input's height (5 + padding 0 + 0 = 5)"));
    assert!(build_err(conv(json!({ "strides": 2 })), &[1, 6, 6]).contains("not a whole number"));
    assert!(build_err(conv(json!({ "groups": 2 })), &[3, 5, 5]).contains("groups (2) must divide the input channels (3"));
    assert!(build_err(conv(json!({ "groups": 3 })), &[3, 5, 5]).contains("groups (3) must divide filters (2)"));
    assert!(build_err(conv(json!({})), &[5, 5]).contains("takes samples of shape [channels, height, width]"));
    assert!(build_err(conv(json!({})), &[1, 0, 5]).contains("fixed input sizes"));
    assert!(build_err(conv(json!({ "strides": 0 })), &[1, 5, 5]).contains("strides: expected an integer >= 1 or [height, width] of them, got 0"));
    assert!(build_err(conv(json!({ "strides": -1 })), &[1, 5, 5]).contains("got -1"));
    assert!(build_err(conv(json!({ "padding": "full" })), &[1, 5, 5]).contains("expected \"valid\", \"same\""));
    assert!(build_err(conv(json!({ "activation": "softmax" })), &[1, 5, 5]).contains("a convolution takes"));
    assert!(build_err(conv(json!({ "kernel_size": 3 })), &[1, 5, 5]).contains("did you mean \"kernelSize\"?"));
    assert!(build_err(json!({ "kind": "conv1d", "filters": 1, "kernelSize": 0 }), &[1, 5]).contains("kernelSize must be an integer >= 1, got 0"));
    assert!(build_err(json!({ "kind": "maxPool2d", "poolSize": 2, "padding": 2 }), &[1, 6, 6]).contains("at most half the pool size"));
    assert!(build_err(json!({ "kind": "maxPool2d" }), &[1, 5, 5]).contains("not a whole number"));
    assert!(build_err(json!({ "kind": "reshape", "targetShape": [3, 5] }), &[16]).contains("cannot reshape samples of shape [16] (16 values) to targetShape [3, 5] (15 values)"));
    assert!(build_err(json!({ "kind": "reshape", "targetShape": [3, -1] }), &[16]).contains("not a multiple of 3"));
    assert!(build_err(json!({ "kind": "reshape", "targetShape": [-1, -1] }), &[16]).contains("may have one -1"));
    assert!(build_err(json!({ "kind": "batchNormalization", "momentum": 2 }), &[3]).contains("momentum must be a number in [0, 1]"));
}

/// A small CNN with batch norm, as a whole model: the model-level gradient check (loss, the
/// chain through every layer) and buffers left out of training and gradient checks.
#[test]
fn a_conv_model_passes_the_model_gradient_check() {
    let description = json!({
        "inputShape": [2, 8, 8],
        "layers": [
            { "kind": "conv2d", "filters": 4, "kernelSize": 3, "padding": 1, "activation": "tanh" },
            { "kind": "batchNormalization" },
            { "kind": "avgPool2d" },
            { "kind": "conv2d", "filters": 4, "kernelSize": 3, "groups": 2 },
            { "kind": "avgPool2d" },
            { "kind": "flatten" },
            { "kind": "dense", "units": 3, "activation": "softmax" }
        ]
    });
    let config = SequentialConfig::from_json(&description, "test").unwrap();
    let mut m = Sequential::from_config(&config, 3).unwrap();
    let names: Vec<String> = m.named_params().into_iter().map(|(n, _)| n).collect();
    assert_eq!(names, ["0.weight", "0.bias", "2.weight", "2.bias", "2.running_mean", "2.running_var", "2.num_batches_tracked", "4.weight", "4.bias", "7.weight", "7.bias"]);
    m.compile(Training::new(TrainingConfig { loss: Loss::SparseCategoricalCrossEntropy, optimizer: OptimizerConfig::Sgd(SgdConfig::new(0.1)), metrics: vec![], clip_norm: None }).unwrap()).unwrap();
    let x = Tensor::from_vec(&[4, 2, 8, 8], uniform_vec(512, -1.0, 1.0, 4)).unwrap();
    let y = Tensor::from_vec(&[4], vec![0.0, 2.0, 1.0, 2.0]).unwrap();
    let before = m.param("2.running_mean").unwrap().value.clone();
    m.train_step(&x, &y).unwrap();
    assert_ne!(m.param("2.running_mean").unwrap().value, before, "training moves the running mean");
    assert_eq!(m.param("2.num_batches_tracked").unwrap().value, [1.0]);
    let report = check_model(&mut m, &x, &y, &CheckOptions { max_per_param: 40, ..CheckOptions::default() }).unwrap();
    assert_eq!(report.len(), 8, "buffers are not checked");
    for c in report {
        assert!(c.passed, "{c:?}");
    }
}

#[test]
fn channels_last_images_to_a_channels_first_model_get_a_hint() {
    let config = SequentialConfig::from_json(&json!({ "inputShape": [3, 8, 8], "layers": [{ "kind": "conv2d", "filters": 2, "kernelSize": 3 }] }), "test").unwrap();
    let mut m = Sequential::from_config(&config, 1).unwrap();
    let e = m.forward(&Tensor::zeros(&[2, 8, 8, 3]).unwrap(), false).unwrap_err().message;
    assert!(e.contains("got [2, 8, 8, 3] (channels last?") && e.contains("dataFormat: 'channelsLast'"), "{e}");
    let e = m.forward(&Tensor::zeros(&[2, 3, 8, 9]).unwrap(), false).unwrap_err().message;
    assert!(!e.contains("channels last?"), "{e}");
}
