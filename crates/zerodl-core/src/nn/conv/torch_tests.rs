//! The convolution family against PyTorch, case by case: every layer case of
//! __test__/fixtures/pytorch/conv/layers.json (made by scripts/fixtures/pytorch_conv_fixtures.py:
//! PyTorch in float64 on float32 data) is built from its zerodl description, given PyTorch's
//! parameters and buffers by name, run forward (training or inference) and, in training, backward
//! with PyTorch's upstream gradient g. The output, the input gradient, every parameter's gradient
//! and the buffers after the forward must match within 1e-5 (relative beyond magnitude 1).
//! All cases run; the failures are reported together with their numbers.

use serde_json::Value;

use crate::nn::{LayerConfig, Pass};
use crate::random::rng;
use crate::{Error, Result, Tensor};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../__test__/fixtures/pytorch/conv/layers.json");
const TOLERANCE: f32 = 1e-5;

fn bad(what: &str) -> Error {
    Error::invalid_argument(format!("layers.json: {what}"))
}

fn floats(v: &Value, what: &str) -> Result<Vec<f32>> {
    let list = v.as_array().ok_or_else(|| bad(&format!("{what} is not an array")))?;
    list.iter().map(|x| x.as_f64().map(|x| x as f32).ok_or_else(|| bad(&format!("{what} holds a non-number")))).collect()
}

fn dims(v: &Value, what: &str) -> Result<Vec<usize>> {
    let list = v.as_array().ok_or_else(|| bad(&format!("{what} is not an array")))?;
    list.iter().map(|x| x.as_u64().map(|x| x as usize).ok_or_else(|| bad(&format!("{what} holds a non-size")))).collect()
}

/// How far `got` is from `want`: the largest |difference| / max(1, |want|), where, and the values
/// there (None when the lengths differ).
fn worst(got: &[f32], want: &[f32]) -> Option<(f32, usize, f32, f32)> {
    if got.len() != want.len() {
        return None;
    }
    let mut w = (0.0, 0, 0.0, 0.0);
    for (i, (&g, &e)) in got.iter().zip(want).enumerate() {
        let d = (g - e).abs() / e.abs().max(1.0);
        // A NaN is the worst difference, not one that compares false.
        let d = if d.is_nan() { f32::INFINITY } else { d };
        if d > w.0 {
            w = (d, i, g, e);
        }
    }
    Some(w)
}

/// The comparisons of one case: what was compared, and its worst scaled difference.
struct Report {
    case: String,
    checked: Vec<(String, f32)>,
    failures: Vec<String>,
}

impl Report {
    fn compare(&mut self, what: &str, got: &[f32], want: &[f32]) {
        match worst(got, want) {
            None => self.failures.push(format!("{}: {what}: {} values, PyTorch has {}", self.case, got.len(), want.len())),
            Some((d, i, g, e)) => {
                self.checked.push((what.to_string(), d));
                if d > TOLERANCE {
                    self.failures.push(format!("{}: {what}[{i}] = {g}, PyTorch {e} (scaled difference {d:.2e})", self.case));
                }
            }
        }
    }
}

/// Runs one case; an error (a description zerodl refuses, a shape it disagrees on) is the case's failure.
fn run(case: &Value, report: &mut Report) -> Result<()> {
    let name = report.case.clone();
    let config = LayerConfig::from_json(&case["layer"], &name)?;
    let shape = dims(&case["input"]["shape"], "input.shape")?;
    let mut layer = config.build(&name, &shape[1..], &mut rng(0))?;

    // PyTorch's state_dict of the layer, in its order: the same names, shapes, and buffers as untrained params.
    let torch: Vec<(&str, Vec<usize>, bool)> = case["params"]
        .as_array()
        .ok_or_else(|| bad("params is not an array"))?
        .iter()
        .map(|p| Ok((p["name"].as_str().unwrap_or(""), dims(&p["shape"], "params.shape")?, p["trainable"].as_bool() == Some(true))))
        .collect::<Result<_>>()?;
    let ours: Vec<(&str, Vec<usize>, bool)> = layer.params().iter().map(|p| (p.name.as_str(), p.shape.clone(), p.trainable)).collect();
    if ours != torch {
        report.failures.push(format!("{name}: params (name, shape, trainable) {ours:?}, PyTorch's state_dict {torch:?}"));
        return Ok(());
    }
    for (p, entry) in layer.params_mut().iter_mut().zip(case["params"].as_array().into_iter().flatten()) {
        p.value = floats(&entry["values"], &p.name)?;
    }

    let training = case["mode"] == "training";
    let pass = if training { Pass::training() } else { Pass::inference() };
    let x = Tensor::from_vec(&shape, floats(&case["input"]["values"], "input")?)?;
    let y = layer.forward(&x, &pass)?;
    let want_shape = dims(&case["output"]["shape"], "output.shape")?;
    if y.shape() != want_shape.as_slice() {
        report.failures.push(format!("{name}: output shape {:?}, PyTorch {want_shape:?}", y.shape()));
        return Ok(());
    }
    report.compare("output", y.as_slice(), &floats(&case["output"]["values"], "output")?);
    // Running statistics after the forward (updated in training, untouched in inference).
    for (buffer, want) in case["buffersAfter"].as_object().into_iter().flatten() {
        let got = layer.params().iter().find(|p| &p.name == buffer).map(|p| p.value.clone()).unwrap_or_default();
        report.compare(&format!("{buffer} after forward"), &got, &floats(want, buffer)?);
    }
    if !training {
        return Ok(());
    }

    let dx = layer.backward(floats(&case["gradOutput"], "gradOutput")?, true)?;
    report.compare("input gradient", &dx, &floats(&case["inputGrad"], "inputGrad")?);
    for (param, want) in case["paramGrads"].as_object().into_iter().flatten() {
        let got = layer.params().iter().find(|p| &p.name == param).map(|p| p.grad.clone()).unwrap_or_default();
        report.compare(&format!("{param} gradient"), &got, &floats(want, param)?);
    }
    Ok(())
}

#[test]
fn every_layer_case_matches_pytorch() -> Result<()> {
    let text = std::fs::read_to_string(FIXTURE).map_err(|e| bad(&format!("cannot read {FIXTURE}: {e}")))?;
    let doc: Value = serde_json::from_str(&text).map_err(|e| bad(&e.to_string()))?;
    let cases = doc["cases"].as_array().ok_or_else(|| bad("no cases"))?;

    // Every kind the fixtures are meant to cover is there (a regenerated file cannot drop one silently).
    let kinds: Vec<&str> = cases.iter().filter_map(|c| c["layer"]["kind"].as_str()).collect();
    for kind in ["conv2d", "conv1d", "maxPool2d", "avgPool2d", "globalAveragePool2d", "batchNormalization"] {
        assert!(kinds.contains(&kind), "layers.json has no {kind} case");
    }

    let mut failures = Vec::new();
    for case in cases {
        let mut report = Report { case: case["name"].as_str().unwrap_or("?").to_string(), checked: Vec::new(), failures: Vec::new() };
        if let Err(err) = run(case, &mut report) {
            report.failures.push(format!("{}: {err}", report.case));
        }
        // One line per case (cargo test -- --nocapture shows them): the worst scaled difference of each check.
        let summary: Vec<String> = report.checked.iter().map(|(what, d)| format!("{what} {d:.1e}")).collect();
        println!("{:36} {}", report.case, summary.join(", "));
        failures.extend(report.failures);
    }
    assert!(failures.is_empty(), "{} mismatches with PyTorch:\n{}", failures.len(), failures.join("\n"));
    Ok(())
}
