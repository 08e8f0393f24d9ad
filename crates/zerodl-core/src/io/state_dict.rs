//! Loading a PyTorch state_dict into a model, as `load_state_dict` does, with one addition: a
//! PyTorch `nn.Sequential` numbers every module, parameter-free ones too (activations, dropout,
//! flatten, identity), so its names need not be the model's. Keys are matched by name when
//! every module prefix of the state_dict is one of the model's; otherwise by order: the state
//! dict's parameterized modules (prefixes in numeric order) pair up with the model's
//! parameterized layers in order, and parameters by their local name ("weight", "bias_hh_l0").
//! Missing and unexpected keys are reported as PyTorch reports them; nothing changes unless
//! every matched tensor has the right shape and finite values.

use std::cmp::Ordering;
use std::collections::BTreeMap;

use crate::nn::Sequential;
use crate::shape::fmt_shape;
use crate::{Error, ErrorKind, Result};

/// One tensor of a state_dict: its key, shape and values (f32, already read).
pub struct StateTensor {
    pub key: String,
    pub shape: Vec<usize>,
    pub values: Vec<f32>,
}

/// What a load matched, in PyTorch's terms.
#[derive(Debug, Default, PartialEq)]
pub struct LoadReport {
    /// The model's keys the state_dict did not fill.
    pub missing_keys: Vec<String>,
    /// The state_dict's keys the model has no place for.
    pub unexpected_keys: Vec<String>,
    /// False when `strict` refused the load (keys did not match); nothing changed then.
    pub applied: bool,
}

/// "2.weight_ih_l0" -> ("2", "weight_ih_l0"); a key with no dot has an empty prefix.
fn split(key: &str) -> (&str, &str) {
    key.rsplit_once('.').unwrap_or(("", key))
}

/// Numeric-aware order of module prefixes ("2" < "10", "features.2" < "features.10").
fn natural(a: &str, b: &str) -> Ordering {
    let parts = |s: &str| s.split('.').map(|p| p.parse::<u64>().map_err(|_| p.to_string())).collect::<Vec<_>>();
    let (pa, pb) = (parts(a), parts(b));
    for (x, y) in pa.iter().zip(&pb) {
        let o = match (x, y) {
            (Ok(x), Ok(y)) => x.cmp(y),
            (Ok(_), Err(_)) => Ordering::Less,
            (Err(_), Ok(_)) => Ordering::Greater,
            (Err(x), Err(y)) => x.cmp(y),
        };
        if o != Ordering::Equal {
            return o;
        }
    }
    pa.len().cmp(&pb.len())
}

/// For each tensor, the model key it goes to (None: unexpected).
fn match_keys(model: &Sequential, tensors: &[StateTensor]) -> Vec<Option<String>> {
    let names: Vec<String> = model.named_params().into_iter().map(|(n, _)| n).collect();
    let model_prefixes: Vec<&str> = names.iter().map(|n| split(n).0).collect();
    let by_name = tensors.iter().all(|t| model_prefixes.contains(&split(&t.key).0));
    if by_name {
        return tensors.iter().map(|t| names.contains(&t.key).then(|| t.key.clone())).collect();
    }
    // By order: modules of the state_dict, in numeric order, against the model's layers.
    let mut file_modules: Vec<&str> = tensors.iter().map(|t| split(&t.key).0).collect();
    file_modules.sort_by(|a, b| natural(a, b));
    file_modules.dedup();
    let mut model_modules: Vec<&str> = model_prefixes.clone();
    model_modules.dedup();
    let pairs: BTreeMap<&str, &str> = file_modules.iter().copied().zip(model_modules.iter().copied()).collect();
    tensors
        .iter()
        .map(|t| {
            let (prefix, local) = split(&t.key);
            let key = format!("{}.{local}", pairs.get(prefix)?);
            names.contains(&key).then_some(key)
        })
        .collect()
}

/// Loads `tensors` into `model` (see the module's notes). Under `strict`, any missing or
/// unexpected key refuses the load: nothing changes and the report says `applied: false` (the
/// caller raises `ERR_STATE_DICT_MISMATCH` with the lists). Shapes and values are checked
/// before anything changes either way (errors).
pub fn load_state_dict(model: &mut Sequential, tensors: Vec<StateTensor>, strict: bool) -> Result<LoadReport> {
    let targets = match_keys(model, &tensors);
    let shapes: BTreeMap<String, Vec<usize>> = model.named_params().into_iter().map(|(n, p)| (n, p.shape.clone())).collect();
    let mut report = LoadReport::default();
    let mut assigned: BTreeMap<String, Vec<f32>> = BTreeMap::new();
    for (t, target) in tensors.into_iter().zip(targets) {
        let Some(key) = target else {
            report.unexpected_keys.push(t.key);
            continue;
        };
        let shape = &shapes[&key];
        if &t.shape != shape {
            let mapped = if key == t.key { String::new() } else { format!(" (the model's {key:?})") };
            return Err(Error::shape_mismatch(format!("state_dict key {:?}{mapped} has shape {}, but the model's parameter has shape {}", t.key, fmt_shape(&t.shape), fmt_shape(shape))));
        }
        if let Some(i) = t.values.iter().position(|v| !v.is_finite()) {
            return Err(Error::new(ErrorKind::NonFinite, format!("state_dict key {:?} has {} at flat index {i}; weights must be finite", t.key, t.values[i])));
        }
        if assigned.insert(key.clone(), t.values).is_some() {
            return Err(Error::invalid_argument(format!("two state_dict keys map to the model's {key:?} (state_dict key {:?} is the second)", t.key)));
        }
    }
    report.missing_keys = shapes.keys().filter(|k| !assigned.contains_key(*k)).cloned().collect();
    if strict && (!report.missing_keys.is_empty() || !report.unexpected_keys.is_empty()) {
        return Ok(report);
    }
    report.applied = true;
    for (name, p) in model.named_params_mut() {
        if let Some(v) = assigned.remove(&name) {
            p.value = v;
        }
    }
    Ok(report)
}

impl LoadReport {
    /// The strict-mode refusal, worded as PyTorch's "Error(s) in loading state_dict".
    pub fn mismatch_message(&self) -> String {
        let list = |v: &[String]| v.iter().map(|k| format!("{k:?}")).collect::<Vec<_>>().join(", ");
        let mut parts = Vec::new();
        if !self.missing_keys.is_empty() {
            parts.push(format!("missing key(s) in state_dict: {}", list(&self.missing_keys)));
        }
        if !self.unexpected_keys.is_empty() {
            parts.push(format!("unexpected key(s) in state_dict: {}", list(&self.unexpected_keys)));
        }
        format!("error(s) in loading state_dict: {} (strict: false loads the keys that match)", parts.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn module_prefixes_sort_by_number() {
        let mut v = vec!["10", "2", "features.10", "features.2", "0"];
        v.sort_by(|a, b| natural(a, b));
        assert_eq!(v, ["0", "2", "10", "features.2", "features.10"]);
    }
}
