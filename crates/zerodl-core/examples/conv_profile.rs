//! Per-layer times of LeNet-5 and the CIFAR-style network (W3, W12, W11 shapes): forward and
//! backward of each layer, batch 64 and 1, best of N. `cargo run --release -p zerodl-core
//! --example conv_profile [lenet|cifar]`. The source of docs/conv.md's per-layer figures.

use std::time::Instant;

use serde_json::json;
use zerodl_core::nn::{Pass, Sequential, SequentialConfig};
use zerodl_core::random::uniform_vec;
use zerodl_core::Tensor;

/// The addon's allocator: big buffers come back from its pages instead of fresh mmaps.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn best_of(reps: usize, mut f: impl FnMut()) -> f64 {
    (0..reps)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed().as_secs_f64() * 1e6
        })
        .fold(f64::INFINITY, f64::min)
}

fn main() {
    let which = std::env::args().nth(1).unwrap_or_else(|| "lenet".into());
    let description = if which == "cifar" {
        json!({ "inputShape": [3, 32, 32], "layers": [
            { "kind": "conv2d", "filters": 32, "kernelSize": 3, "padding": 1, "activation": "relu" }, { "kind": "maxPool2d" },
            { "kind": "conv2d", "filters": 64, "kernelSize": 3, "padding": 1, "activation": "relu" }, { "kind": "maxPool2d" },
            { "kind": "conv2d", "filters": 128, "kernelSize": 3, "padding": 1, "activation": "relu" }, { "kind": "maxPool2d" },
            { "kind": "flatten" }, { "kind": "dense", "units": 10, "activation": "softmax" } ] })
    } else {
        json!({ "inputShape": [1, 28, 28], "layers": [
            { "kind": "conv2d", "filters": 6, "kernelSize": 5, "padding": 2, "activation": "relu" }, { "kind": "maxPool2d" },
            { "kind": "conv2d", "filters": 16, "kernelSize": 5, "activation": "relu" }, { "kind": "maxPool2d" },
            { "kind": "flatten" }, { "kind": "dense", "units": 120, "activation": "relu" }, { "kind": "dense", "units": 84, "activation": "relu" },
            { "kind": "dense", "units": 10, "activation": "softmax" } ] })
    };
    let mut model = Sequential::from_config(&SequentialConfig::from_json(&description, "profile").unwrap(), 1).unwrap();
    for batch in [64usize, 1] {
        let shape: Vec<usize> = std::iter::once(batch).chain(model.input_shape().iter().copied()).collect();
        let x = Tensor::from_vec(&shape, uniform_vec(shape.iter().product(), 0.0, 1.0, 3)).unwrap();
        println!("{which} batch {batch}: layer, forward inference us, forward training us, backward us (best of 30)");
        let (mut total_inf, mut total_train, mut total_back) = (0.0, 0.0, 0.0);
        let mut h = x;
        for (i, layer) in model.layers_mut().iter_mut().enumerate() {
            let kind = layer.kind();
            let inf = best_of(30, || drop(layer.forward(&h, &Pass::inference()).unwrap()));
            let mut out = None;
            let train = best_of(30, || out = Some(layer.forward(&h, &Pass::training()).unwrap()));
            let out = out.unwrap();
            let g = uniform_vec(out.len(), -1.0, 1.0, 4);
            let back = best_of(30, || {
                layer.forward(&h, &Pass::training()).unwrap();
                let t = Instant::now();
                drop(layer.backward(g.clone(), i > 0).unwrap());
                let _ = t;
            }) - train;
            println!("  {i} {kind:<12} {inf:9.1} {train:9.1} {back:9.1}");
            total_inf += inf;
            total_train += train;
            total_back += back;
            h = out;
        }
        println!("  total        {total_inf:9.1} {total_train:9.1} {total_back:9.1}");
    }
}
