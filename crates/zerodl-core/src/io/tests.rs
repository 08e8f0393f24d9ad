//! Model files: every layer kind round-trips, training resumes bit-identically, and the loader
//! refuses each kind of damage (named cases, then a mutation fuzz) with ERR_BAD_MODEL_FILE,
//! never a panic.

use std::collections::HashMap;
use std::panic::{catch_unwind, AssertUnwindSafe};

use super::safetensors_file::{write, Entry, Values};
use super::*;
use crate::json;
use crate::nn::perceptron::{Perceptron, UnitConfig, UnitKind};
use crate::nn::{Sequential, SequentialConfig};
use crate::random::uniform_vec;
use crate::{ErrorKind, Tensor};

fn model(description: &str, seed: u64) -> Sequential {
    let config = SequentialConfig::from_json(&json::from_str(description, "test").unwrap(), "test").unwrap();
    Sequential::from_config(&config, seed).unwrap()
}

/// Every layer kind and recurrent option, each with its input shape.
const MODELS: &[(&str, &[usize])] = &[
    (r#"{"inputShape":[6],"layers":[{"kind":"dense","units":5,"activation":"relu"},{"kind":"dropout","rate":0.3},{"kind":"dense","units":3,"activation":"softmax"}]}"#, &[4, 6]),
    (r#"{"inputShape":[5],"layers":[{"kind":"embedding","inputDim":9,"outputDim":4},{"kind":"lstm","units":6,"peephole":true}]}"#, &[3, 5]),
    (r#"{"inputShape":[4,3],"layers":[{"kind":"gru","units":5,"numLayers":2,"dropout":0.2,"bidirectional":true,"returnSequences":true},{"kind":"dense","units":2}]}"#, &[2, 4, 3]),
    (r#"{"inputShape":[null,3],"layers":[{"kind":"simpleRNN","units":4,"activation":"relu"},{"kind":"dense","units":1,"activation":"sigmoid"}]}"#, &[2, 7, 3]),
    // W8's char LM: a weights-only file must leave room in the load budget for what building
    // the model reserves besides the weights.
    (r#"{"inputShape":[20],"layers":[{"kind":"embedding","inputDim":65,"outputDim":32},{"kind":"lstm","units":256,"numLayers":2,"returnSequences":true},{"kind":"dense","units":65,"activation":"softmax"}]}"#, &[1, 20]),
];

/// The small models, which the fuzz test mutates.
const SMALL: usize = 4;

fn input(shape: &[usize], ids: bool) -> Tensor {
    let n = shape.iter().product();
    let v = if ids { (0..n).map(|i| (i % 9) as f32).collect() } else { uniform_vec(n, -1.0, 1.0, 3) };
    Tensor::from_vec(shape, v).unwrap()
}

fn saved(description: &str) -> Vec<u8> {
    save_sequential(&mut model(description, 1), false).unwrap()
}

fn loaded(bytes: &[u8]) -> crate::Result<Sequential> {
    match load(bytes, "test.safetensors", 99)? {
        LoadedModel::Sequential(m) => Ok(*m),
        LoadedModel::Unit(_) => panic!("expected a sequential model"),
    }
}

#[test]
fn every_layer_kind_round_trips_exactly() {
    for (description, shape) in MODELS {
        let mut original = model(description, 1);
        let x = input(shape, description.contains("embedding"));
        let want = original.forward(&x, false).unwrap();
        let mut back = loaded(&save_sequential(&mut original, false).unwrap()).unwrap();
        assert_eq!(back.config(), original.config(), "{description}");
        assert_eq!(back.forward(&x, false).unwrap().as_slice(), want.as_slice(), "{description}");
    }
}

#[test]
fn units_round_trip_in_double_precision() {
    for kind in [UnitKind::Perceptron, UnitKind::LinearUnit] {
        let mut unit = Perceptron::from_config(&UnitConfig::new(kind, 3)).unwrap();
        unit.set_weights(&[0.1, -1.0 / 3.0, 2.5e-9], std::f64::consts::PI).unwrap();
        let LoadedModel::Unit(back) = load(&save_unit(&unit).unwrap(), "unit", 0).unwrap() else { panic!("expected a unit") };
        assert_eq!((back.weights(), back.bias(), back.config()), (unit.weights(), unit.bias(), unit.config()));
    }
}

#[test]
fn training_resumes_bit_identically_with_optimizer_state() {
    let description = r#"{"inputShape":[4,3],"layers":[{"kind":"lstm","units":5,"numLayers":2,"dropout":0.3},{"kind":"dropout","rate":0.2},{"kind":"dense","units":2}],
        "training":{"loss":"meanSquaredError","optimizer":{"kind":"adam","learningRate":0.01}}}"#;
    let (x, y) = (input(&[6, 4, 3], false), Tensor::from_vec(&[6, 2], uniform_vec(12, -1.0, 1.0, 8)).unwrap());
    let mut straight = model(description, 5);
    for _ in 0..4 {
        straight.train_step(&x, &y).unwrap();
    }
    let mut first = model(description, 5);
    for _ in 0..2 {
        first.train_step(&x, &y).unwrap();
    }
    let mut resumed = loaded(&save_sequential(&mut first, true).unwrap()).unwrap();
    for _ in 0..2 {
        resumed.train_step(&x, &y).unwrap();
    }
    for ((name, a), (_, b)) in straight.named_params().into_iter().zip(resumed.named_params()) {
        assert_eq!(a.value, b.value, "{name} differs after resuming");
    }
    // Without the optimizer state, Adam restarts: the weights differ.
    let mut restarted = loaded(&save_sequential(&mut first, false).unwrap()).unwrap();
    restarted.train_step(&x, &y).unwrap();
    restarted.train_step(&x, &y).unwrap();
    assert_ne!(straight.named_params()[0].1.value, restarted.named_params()[0].1.value);
}

fn bad(bytes: &[u8]) -> String {
    let err = loaded(bytes).err().expect("the load should fail");
    assert_eq!(err.kind, ErrorKind::BadModelFile, "{}", err.message);
    err.message
}

/// A file with these tensors and metadata (the description of MODELS[0] unless replaced).
fn crafted(entries: &[Entry<'_>], meta: &[(&str, &str)]) -> Vec<u8> {
    let mut m: HashMap<String, String> = [("format", "zerodl.model"), ("version", "1"), ("description", MODELS[0].0)].iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    for (k, v) in meta {
        m.insert(k.to_string(), v.to_string());
    }
    write(entries, m).unwrap()
}

fn params_of(description: &str) -> Vec<(String, Vec<usize>, Vec<f32>)> {
    model(description, 1).named_params().into_iter().map(|(n, p)| (n, p.shape.clone(), p.value.clone())).collect()
}

fn entries(params: &[(String, Vec<usize>, Vec<f32>)]) -> Vec<Entry<'_>> {
    params.iter().map(|(n, s, v)| Entry { name: n.clone(), shape: s.clone(), values: Values::F32(v) }).collect()
}

#[test]
fn each_kind_of_damage_is_a_bad_model_file_naming_it() {
    let good = saved(MODELS[0].0);
    let header_len = u64::from_le_bytes(good[..8].try_into().unwrap()) as usize;
    assert!(bad(&good[..good.len() - 3]).contains("truncated"));
    assert!(bad(&good[..5]).contains("too short"));
    let mut claims_more = good.clone();
    claims_more[..8].copy_from_slice(&(header_len as u64 + 1000).to_le_bytes());
    assert!(bad(&claims_more).contains("longer than the file"));
    let mut huge = good.clone();
    huge[..8].copy_from_slice(&u64::MAX.to_le_bytes());
    bad(&huge);
    let mut appended = good.clone();
    appended.extend_from_slice(&[0; 4]);
    assert!(bad(&appended).contains("truncated, or has bytes appended"));
    // Overlapping tensors: the second tensor's offsets moved back onto the first's.
    let header = std::str::from_utf8(&good[8..8 + header_len]).unwrap().to_string();
    let overlapping = header.replacen("\"data_offsets\":[120,", "\"data_offsets\":[0,", 1);
    if overlapping != header {
        let mut f = good.clone();
        f[8..8 + header_len].copy_from_slice(overlapping.as_bytes());
        assert!(bad(&f).contains("offsets"));
    }

    let params = params_of(MODELS[0].0);
    assert!(bad(&crafted(&entries(&params[1..]), &[])).contains("missing 1 tensor(s)"));
    let mut extra = entries(&params);
    extra.push(Entry { name: "9.weight".into(), shape: vec![1], values: Values::F32(&[0.5]) });
    assert!(bad(&crafted(&extra, &[])).contains("\"9.weight\""));
    let mut wrong_shape = params.clone();
    wrong_shape[0].1 = vec![6, 5];
    assert!(bad(&crafted(&entries(&wrong_shape), &[])).contains("has shape [6, 5], but the model description needs [5, 6]"));
    let mut nan = params.clone();
    nan[1].2[2] = f32::NAN;
    assert!(bad(&crafted(&entries(&nan), &[])).contains("NaN at flat index 2"));
    let doubles: Vec<f64> = params[0].2.iter().map(|&v| f64::from(v)).collect();
    let mut wrong_dtype = entries(&params);
    wrong_dtype[0] = Entry { name: params[0].0.clone(), shape: params[0].1.clone(), values: Values::F64(&doubles) };
    // F64 converts (PyTorch users save doubles); an integer dtype would not (see safetensors_file).
    assert!(loaded(&crafted(&wrong_dtype, &[])).is_ok());

    let all = entries(&params);
    assert!(bad(&crafted(&all, &[("version", "2")])).contains("later zerodl"));
    assert!(bad(&crafted(&all, &[("version", "one")])).contains("format version \"one\""));
    assert!(bad(&crafted(&all, &[("format", "other")])).contains("\"other\""));
    assert!(bad(&crafted(&all, &[("description", "{not json")])).contains("not JSON"));
    let unknown = MODELS[0].0.replacen("\"dropout\"", "\"conv9d\"", 1);
    assert!(bad(&crafted(&all, &[("description", &unknown)])).contains("conv9d"));
    let future = MODELS[0].0.replacen('{', "{\"format\":\"zerodl.sequential\",\"version\":7,", 1);
    bad(&crafted(&all, &[("description", &future)]));
    // A description claiming a layer far bigger than the file fails before building it.
    let giant = r#"{"inputShape":[100000],"layers":[{"kind":"dense","units":100000}]}"#;
    assert!(bad(&crafted(&all, &[("description", giant)])).contains("bigger than the file"));
    let no_meta = write(&all, HashMap::new()).unwrap();
    assert!(bad(&no_meta).contains("loadStateDict"));
}

/// A tiny deterministic generator (the fuzz needs no statistical quality, only coverage).
struct SplitMix(u64);
impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

/// One random mutation: bit flips, byte overwrites (in the header most often, where structure
/// lives), truncation, insertion, deletion, digit changes in the header's numbers.
fn mutate(file: &[u8], header_end: usize, rng: &mut SplitMix) -> Vec<u8> {
    let mut f = file.to_vec();
    for _ in 0..1 + rng.below(3) {
        let in_header = rng.below(4) != 0;
        let at = if in_header { rng.below(header_end.min(f.len())) } else { rng.below(f.len()) };
        match rng.below(7) {
            0 => f[at] ^= 1 << rng.below(8),
            1 => f[at] = rng.next() as u8,
            2 => f.truncate(at),
            3 => f.insert(at, b"0123456789,:[]{}\"-e."[rng.below(20)]),
            4 => {
                f.remove(at);
            }
            5 => {
                if let Some(p) = f[..header_end.min(f.len())].iter().skip(at).position(u8::is_ascii_digit) {
                    f[at + p] = b'0' + rng.below(10) as u8;
                }
            }
            _ => f[at..].iter_mut().take(8).for_each(|b| *b = 0xff),
        }
        if f.is_empty() {
            break;
        }
    }
    f
}

/// Mutated files never panic and never load a model with non-finite weights; each failure is
/// ERR_BAD_MODEL_FILE. ZERODL_FUZZ_ITERATIONS runs more (default 3,000 per model, CI time).
#[test]
fn mutation_fuzz_never_panics() {
    let iterations: usize = std::env::var("ZERODL_FUZZ_ITERATIONS").ok().and_then(|v| v.parse().ok()).unwrap_or(3000);
    let mut rng = SplitMix(0x5EED);
    let (mut refused, mut accepted) = (0, 0);
    for (description, _) in &MODELS[..SMALL] {
        let mut original = model(description, 1);
        let good = save_sequential(&mut original, false).unwrap();
        let header_end = 8 + u64::from_le_bytes(good[..8].try_into().unwrap()) as usize;
        for _ in 0..iterations {
            let f = mutate(&good, header_end, &mut rng);
            let outcome = catch_unwind(AssertUnwindSafe(|| loaded(&f)));
            match outcome {
                Err(_) => panic!("the loader panicked on a mutated file (first 64 bytes {:?})", &f[..f.len().min(64)]),
                Ok(Err(e)) => {
                    assert_eq!(e.kind, ErrorKind::BadModelFile, "{}", e.message);
                    refused += 1;
                }
                Ok(Ok(m)) => {
                    assert!(m.named_params().iter().all(|(_, p)| p.value.iter().all(|v| v.is_finite())));
                    accepted += 1;
                }
            }
        }
    }
    eprintln!("fuzz: {refused} refused, {accepted} accepted");
    assert!(refused > iterations, "most mutations must be refused ({refused} refused, {accepted} accepted)");
}
