//! The model description, owned by the core: one tagged configuration per layer kind (each
//! declared, with its defaults, beside its layer: `DenseConfig` in dense.rs...), the training
//! configuration (loss, optimizer, metrics), and the versioned description of a whole model,
//! which `Sequential::from_config` builds and `Sequential::config` gives back.
//!
//! Everything arrives as JSON (a TS options object, or a saved description) and is read
//! strictly (`crate::json`): unknown keys, wrong types and out-of-range values are errors that
//! name the field, before anything is built.
//!
//! Adding a layer kind: its config struct and layer in one file, a line in `layer_kinds!` here,
//! and its arms in `validate` and `build`.

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::activation::Activation;
use super::conv::{BatchNorm, BatchNormConfig, Conv, Conv1dConfig, Conv2dConfig, FlattenConfig, GlobalAveragePool, GlobalPoolConfig, Pool, PoolConfig, PoolKind, Reshape, ReshapeConfig};
use super::dense::{Dense, DenseConfig};
use super::dropout::{Dropout, DropoutConfig};
use super::embedding::{Embedding, EmbeddingConfig};
use super::layer::Layer;
use super::loss::Loss;
use super::optim::OptimizerConfig;
use super::recurrent::{CellKind, Recurrent, RecurrentConfig};
use crate::json::{self, fields};
use crate::random::Rng;
use crate::{invalid_arg, Result};

/// serde default helpers (serde takes functions).
pub(crate) fn yes() -> bool {
    true
}

pub(crate) fn one() -> usize {
    1
}

/// What each layer kind's configuration struct tells the description about its options. The
/// defaults suit a struct that serves one kind; one shared by several kinds (the recurrent
/// cells) says which of its options each kind takes.
pub trait LayerOptions: DeserializeOwned {
    /// The option names a layer of `kind` takes (its serialized fields, by default).
    fn options_of(_kind: &str) -> Vec<&'static str> {
        fields::<Self>().to_vec()
    }

    /// For an option this struct has but `kind` does not take: the kind that takes it.
    fn owner_of(_kind: &str, _option: &str) -> Option<&'static str> {
        None
    }
}

/// The layer kinds: the API's name, the variant, the configuration struct (which has a `name`
/// field and implements `LayerOptions`). Adding a kind: a line here, its arms in `validate` and
/// `build`, and its struct and layer in their own file.
macro_rules! layer_kinds {
    ($($kind:literal => $variant:ident($config:ty)),* $(,)?) => {
        /// One layer's description, tagged by its kind as the API names it.
        #[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
        #[serde(tag = "kind")]
        pub enum LayerConfig {
            $(#[serde(rename = $kind)] $variant($config),)*
        }

        impl LayerConfig {
            /// Every layer kind, as the API names it.
            pub const KINDS: &'static [&'static str] = &[$($kind),*];

            /// The kind, as the API names it ("dense", "lstm"...).
            pub fn kind(&self) -> &'static str {
                match self {
                    $(LayerConfig::$variant(_) => $kind,)*
                }
            }

            /// The option names of layer kind `kind`, or `None` for an unknown kind.
            pub fn options_of(kind: &str) -> Option<Vec<&'static str>> {
                match kind {
                    $($kind => Some(<$config as LayerOptions>::options_of(kind)),)*
                    _ => None,
                }
            }

            /// For an option of `kind`'s struct that `kind` does not take: the kind that does.
            fn owner_of(kind: &str, option: &str) -> Option<&'static str> {
                match kind {
                    $($kind => <$config as LayerOptions>::owner_of(kind, option),)*
                    _ => None,
                }
            }

            /// `options` (keys checked, no "kind") read as `kind`'s own struct: not through the
            /// tagged enum, whose buffering would lose the field a type error is at.
            fn read_options(kind: &str, options: &Value, what: &str) -> Result<LayerConfig> {
                Ok(match kind {
                    $($kind => LayerConfig::$variant(json::typed(options, what)?),)*
                    other => invalid_arg!("{what}: unknown layer kind \"{other}\""),
                })
            }

            /// The name given, if any.
            pub fn name(&self) -> Option<&str> {
                match self {
                    $(LayerConfig::$variant(c) => c.name.as_deref(),)*
                }
            }

            /// The same description under `name`.
            pub fn with_name(mut self, name: &str) -> LayerConfig {
                match &mut self {
                    $(LayerConfig::$variant(c) => c.name = Some(name.to_string()),)*
                }
                self
            }
        }
    };
}

layer_kinds! {
    "dense" => Dense(DenseConfig),
    "dropout" => Dropout(DropoutConfig),
    "embedding" => Embedding(EmbeddingConfig),
    "simpleRNN" => SimpleRnn(RecurrentConfig),
    "lstm" => Lstm(RecurrentConfig),
    "gru" => Gru(RecurrentConfig),
    "conv2d" => Conv2d(Conv2dConfig),
    "conv1d" => Conv1d(Conv1dConfig),
    "maxPool2d" => MaxPool2d(PoolConfig),
    "avgPool2d" => AvgPool2d(PoolConfig),
    "globalAveragePool2d" => GlobalAveragePool2d(GlobalPoolConfig),
    "flatten" => Flatten(FlattenConfig),
    "reshape" => Reshape(ReshapeConfig),
    "batchNormalization" => BatchNormalization(BatchNormConfig),
}

impl LayerConfig {
    /// Whether this is a recurrent layer (the kind that reads sequence lengths).
    pub fn is_recurrent(&self) -> bool {
        self.cell().is_some()
    }

    /// A recurrent kind's cell (its simpleRNN activation resolved when built).
    fn cell(&self) -> Option<CellKind> {
        match self {
            LayerConfig::SimpleRnn(_) => Some(CellKind::Rnn(Activation::Tanh)),
            LayerConfig::Lstm(_) => Some(CellKind::Lstm),
            LayerConfig::Gru(_) => Some(CellKind::Gru),
            _ => None,
        }
    }

    /// Reads one layer's description strictly; `what` names it in errors ("layers.dense()",
    /// "layers[2]"). The result has every option of its kind filled in (defaults where not given).
    pub fn from_json(value: &Value, what: &str) -> Result<LayerConfig> {
        let (kind, options) = json::tagged(value, Self::KINDS, "layer kind", what)?;
        // An option of another kind sharing the struct (forgetBias on a gru): say whose it is.
        if let Some((key, owner)) = options.keys().find_map(|k| Self::owner_of(kind, k).map(|o| (k, o))) {
            invalid_arg!("{what}: {key} is an option of {owner} layers; a {kind} layer has none");
        }
        json::check_keys(&options, &Self::options_of(kind).expect("a listed kind"), what)?;
        let config = Self::read_options(kind, &Value::Object(options), what)?;
        config.validate(what)?;
        Ok(config.normalized())
    }

    /// The checks that need no input shape.
    pub fn validate(&self, what: &str) -> Result<()> {
        if let Some(name) = self.name() {
            check_name(name, what)?;
        }
        match self {
            LayerConfig::Dense(c) => c.validate(what),
            LayerConfig::Dropout(c) => c.validate(what),
            LayerConfig::Embedding(c) => c.validate(what),
            LayerConfig::SimpleRnn(c) | LayerConfig::Lstm(c) | LayerConfig::Gru(c) => c.validate(self.cell().expect("recurrent"), what),
            LayerConfig::Conv2d(c) => c.validate(what),
            LayerConfig::Conv1d(c) => c.validate(what),
            LayerConfig::MaxPool2d(c) | LayerConfig::AvgPool2d(c) => c.validate(what),
            LayerConfig::Reshape(c) => c.validate(what),
            LayerConfig::BatchNormalization(c) => c.validate(what),
            LayerConfig::GlobalAveragePool2d(_) | LayerConfig::Flatten(_) => Ok(()),
        }
    }

    /// The description with the options its kind takes by default filled in.
    pub fn normalized(mut self) -> LayerConfig {
        if let Some(cell) = self.cell() {
            if let LayerConfig::SimpleRnn(c) | LayerConfig::Lstm(c) | LayerConfig::Gru(c) = &mut self {
                *c = c.normalized(cell);
            }
        }
        if let LayerConfig::MaxPool2d(c) | LayerConfig::AvgPool2d(c) = &mut self {
            *c = c.clone().normalized();
        }
        self
    }

    /// The layer this describes, named `name`, for samples of `input_shape`.
    pub fn build(&self, name: &str, input_shape: &[usize], rng: &mut Rng) -> Result<Box<dyn Layer>> {
        Ok(match self {
            LayerConfig::Dense(c) => Box::new(Dense::new(name, input_shape, c, rng)?),
            LayerConfig::Dropout(c) => Box::new(Dropout::new(name, input_shape, c, rng)?),
            LayerConfig::Embedding(c) => Box::new(Embedding::new(name, input_shape, c, rng)?),
            LayerConfig::SimpleRnn(c) | LayerConfig::Lstm(c) | LayerConfig::Gru(c) => {
                Box::new(Recurrent::new(name, input_shape, self.cell().expect("recurrent"), c, rng)?)
            }
            LayerConfig::Conv2d(c) => Box::new(Conv::new(name, input_shape, self, c.spec(), rng)?),
            LayerConfig::Conv1d(c) => Box::new(Conv::new(name, input_shape, self, c.spec(), rng)?),
            LayerConfig::MaxPool2d(c) => Box::new(Pool::new(name, input_shape, self, c, PoolKind::Max)?),
            LayerConfig::AvgPool2d(c) => Box::new(Pool::new(name, input_shape, self, c, PoolKind::Average)?),
            LayerConfig::GlobalAveragePool2d(c) => Box::new(GlobalAveragePool::new(name, input_shape, self, c)?),
            LayerConfig::Flatten(_) | LayerConfig::Reshape(_) => Box::new(Reshape::new(name, input_shape, self)?),
            LayerConfig::BatchNormalization(c) => Box::new(BatchNorm::new(name, input_shape, self, c)?),
        })
    }
}

/// Layer names become parameter names' context and error messages: keep them readable.
fn check_name(name: &str, what: &str) -> Result<()> {
    if name.is_empty() || name.len() > 200 || name.chars().any(char::is_control) {
        invalid_arg!("{what}: name must be a non-empty string of at most 200 printable characters, got {name:?}");
    }
    Ok(())
}

/// Metrics reported besides the loss.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum Metric {
    /// Share of right predictions (classification losses).
    Accuracy,
}

/// What `compile` sets: the loss, the optimizer and its settings, metrics, gradient clipping.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TrainingConfig {
    pub loss: Loss,
    pub optimizer: OptimizerConfig,
    /// Default none.
    #[serde(default)]
    pub metrics: Vec<Metric>,
    /// Clip gradients to this global L2 norm before each update. Default null (no clipping).
    #[serde(default)]
    pub clip_norm: Option<f64>,
}

impl TrainingConfig {
    /// Reads a training configuration strictly. The optimizer may be given by its kind alone
    /// ("adam"), taking its defaults.
    pub fn from_json(value: &Value, what: &str) -> Result<TrainingConfig> {
        let object = json::object(value, what)?;
        json::check_keys(object, fields::<TrainingConfig>(), what)?;
        let mut object = object.clone();
        if let Some(optimizer) = object.get_mut("optimizer") {
            *optimizer = serde_json::to_value(optimizer_from_json(optimizer, &format!("{what}: optimizer"))?).expect("descriptions serialize");
        }
        let config: TrainingConfig = json::typed(&Value::Object(object), what)?;
        if let Some(c) = config.clip_norm {
            if !(c.is_finite() && c > 0.0) {
                invalid_arg!("{what}: clipNorm must be a finite number > 0 (or null for no clipping), got {}", json::number(c));
            }
            json::within(json::to_f32(c, "clipNorm"), what)?;
        }
        if config.metrics.contains(&Metric::Accuracy) && !config.loss.is_classification() {
            invalid_arg!("{what}: the \"accuracy\" metric needs a classification loss, got \"{}\"", config.loss.name());
        }
        Ok(config)
    }
}

/// Reads an optimizer's description strictly: `{ kind: "adam", learningRate: 0.01 }` or just
/// `"adam"`; the result has every option filled in.
pub fn optimizer_from_json(value: &Value, what: &str) -> Result<OptimizerConfig> {
    let named;
    let value = match value {
        Value::String(kind) => {
            named = serde_json::json!({ "kind": kind });
            &named
        }
        Value::Object(_) => value,
        other => invalid_arg!("{what} must be \"sgd\", \"adam\" or an optimizer such as optimizers.adam({{ learningRate: 1e-3 }}), got {}", json::describe(other)),
    };
    let (kind, options) = json::tagged(value, OptimizerConfig::KINDS, "optimizer", what)?;
    json::check_keys(&options, OptimizerConfig::options_of(kind).expect("a listed kind"), what)?;
    let options = Value::Object(options);
    let config = match kind {
        "sgd" => OptimizerConfig::Sgd(json::typed(&options, what)?),
        _ => OptimizerConfig::Adam(json::typed(&options, what)?),
    };
    json::within(config.validate(), what)?;
    Ok(config)
}

/// The `format` a whole-model description carries, and the version this build reads and
/// writes. A description from a later version is refused rather than misread.
pub const SEQUENTIAL_FORMAT: &str = "zerodl.sequential";
pub const DESCRIPTION_VERSION: u32 = 1;

/// A sequential model's description: its input and layers, and (once compiled) its training
/// configuration. JSON; `format` and `version` are written always and may be left out on input.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SequentialConfig {
    pub format: String,
    pub version: u32,
    /// One sample's shape (the batch left out), `None` (null) for a free size.
    pub input_shape: Vec<Option<usize>>,
    pub layers: Vec<LayerConfig>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub training: Option<TrainingConfig>,
}

impl SequentialConfig {
    /// Reads a whole description strictly (`what` names it in errors, e.g. "Sequential.fromConfig()").
    pub fn from_json(value: &Value, what: &str) -> Result<SequentialConfig> {
        let object = json::object(value, what)?;
        json::check_keys(object, fields::<SequentialConfig>(), what)?;
        check_envelope(object, SEQUENTIAL_FORMAT, what)?;
        let input_shape: Vec<Option<usize>> = match object.get("inputShape") {
            Some(v) => json::typed(v, &format!("{what}: inputShape"))?,
            None => invalid_arg!("{what}: \"inputShape\" is required (one sample's shape, e.g. [784] or [null, 65])"),
        };
        if let Some(i) = input_shape.iter().position(|d| *d == Some(0)) {
            invalid_arg!("{what}: inputShape[{i}] must be a positive integer or null (a free size), got 0");
        }
        let layers = match object.get("layers") {
            Some(Value::Array(layers)) if !layers.is_empty() => layers,
            Some(Value::Array(_)) => invalid_arg!("{what}: a model needs at least one layer, got an empty layers array"),
            Some(other) => invalid_arg!("{what}: layers must be an array of layer descriptions, got {}", json::describe(other)),
            None => invalid_arg!("{what}: \"layers\" is required"),
        };
        let layers = layers.iter().enumerate().map(|(i, l)| LayerConfig::from_json(l, &format!("{what}: layers[{i}]"))).collect::<Result<Vec<_>>>()?;
        let training = match object.get("training") {
            None | Some(Value::Null) => None,
            Some(t) => Some(TrainingConfig::from_json(t, &format!("{what}: training"))?),
        };
        Ok(SequentialConfig { format: SEQUENTIAL_FORMAT.to_string(), version: DESCRIPTION_VERSION, input_shape, layers, training })
    }

    /// The JSON text of the description.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("descriptions serialize")
    }
}

/// Checks a description's `format` (it must be `format` when given) and `version` (1 up to the
/// one this build reads, when given).
pub fn check_envelope(object: &json::Object, format: &str, what: &str) -> Result<()> {
    match object.get("format") {
        None => {}
        Some(Value::String(f)) if f == format => {}
        Some(other) => invalid_arg!("{what}: format must be \"{format}\", got {}", json::describe(other)),
    }
    match object.get("version") {
        None => {}
        Some(v) => match v.as_u64() {
            Some(v) if (1..=u64::from(DESCRIPTION_VERSION)).contains(&v) => {}
            Some(v) if v > u64::from(DESCRIPTION_VERSION) => {
                invalid_arg!("{what}: this description has format version {v}, newer than this version of zerodl reads (up to {DESCRIPTION_VERSION}); upgrade zerodl to read it")
            }
            _ => invalid_arg!("{what}: version must be an integer from 1 to {DESCRIPTION_VERSION}, got {}", json::describe(v)),
        },
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn defaults_are_filled_in_once_and_round_trip() {
        let dense = LayerConfig::from_json(&json!({ "kind": "dense", "units": 3 }), "layers.dense()").unwrap();
        assert_eq!(
            serde_json::to_value(&dense).unwrap(),
            json!({ "kind": "dense", "units": 3, "activation": "linear", "useBias": true, "kernelInitializer": "glorotUniform", "biasInitializer": "zeros" })
        );
        let lstm = LayerConfig::from_json(&json!({ "kind": "lstm", "units": 4 }), "layers.lstm()").unwrap();
        let value = serde_json::to_value(&lstm).unwrap();
        assert_eq!(value["forgetBias"], json!(1.0));
        assert_eq!(value["peephole"], json!(false));
        assert_eq!(value["truncateBptt"], json!(null));
        assert!(value.get("activation").is_none(), "{value}");
        assert_eq!(LayerConfig::from_json(&value, "again").unwrap(), lstm);
        let rnn = serde_json::to_value(LayerConfig::from_json(&json!({ "kind": "simpleRNN", "units": 2 }), "x").unwrap()).unwrap();
        assert_eq!(rnn["activation"], json!("tanh"));
        assert!(rnn.get("forgetBias").is_none());
    }

    #[test]
    fn mistakes_are_named() {
        let err = |v: Value| LayerConfig::from_json(&v, "layers.dense()").unwrap_err().message;
        assert_eq!(
            err(json!({ "kind": "dense", "units": 3, "activaton": "relu" })),
            "layers.dense(): unknown option \"activaton\"; did you mean \"activation\"? (options: name, units, activation, useBias, kernelInitializer, biasInitializer)"
        );
        assert!(err(json!({ "kind": "lstm", "units": 3, "returnSequence": true })).contains("did you mean \"returnSequences\"?"));
        assert!(err(json!({ "kind": "gru", "units": 3, "forgetBias": 1 })).contains("forgetBias is an option of lstm layers; a gru layer has none"));
        assert!(err(json!({ "kind": "lstm", "units": 3, "activation": "relu" })).contains("activation is an option of simpleRNN layers"));
        assert!(err(json!({ "kind": "dense", "units": 0 })).contains("units must be an integer >= 1, got 0"));
        assert!(err(json!({ "kind": "dense", "units": 3, "activation": "gelu" })).contains("activation: unknown value \"gelu\""));
        assert!(err(json!({ "kind": "lstm", "units": 3, "dropout": 0.5 })).contains("numLayers > 1"));
        assert!(err(json!({ "kind": "simpleRNN", "units": 3, "activation": "sigmoid" })).contains("\"tanh\" or \"relu\""));
        assert!(err(json!({ "kind": "lsmt", "units": 3 })).contains("unknown layer kind \"lsmt\"; did you mean \"lstm\"?"));
        assert!(err(json!({ "units": 3 })).contains("\"kind\" is required"));
        assert!(err(json!({ "kind": "dropout", "rate": 1 })).contains("rate must be a number in [0, 1) (below 1 in float32 too), got 1"));
        assert!(err(json!({ "kind": "dropout", "rate": 0.99999999999_f64 })).contains("got 0.99999999999"));
        assert!(err(json!({ "kind": "lstm", "units": 2, "forgetBias": 1e300 })).contains("forgetBias must be a finite float32 number (|x| < 3.4e38), got 1e300"));
    }

    #[test]
    fn training_configs_take_optimizer_names_and_check_metrics() {
        let t = TrainingConfig::from_json(&json!({ "loss": "sparseCategoricalCrossentropy", "optimizer": "adam", "metrics": ["accuracy"] }), "compile()").unwrap();
        assert_eq!(t.optimizer, OptimizerConfig::Adam(super::super::optim::AdamConfig::new(0.001)));
        let err = |v: Value| TrainingConfig::from_json(&v, "compile()").unwrap_err().message;
        assert!(err(json!({ "loss": "meanSquaredError", "optimizer": "sgd", "metrics": ["accuracy"] })).contains("needs a classification loss"));
        assert!(err(json!({ "loss": "mse", "optimizer": "sgd" })).contains("unknown value \"mse\""));
        assert!(err(json!({ "loss": "meanSquaredError", "optimizer": { "kind": "adam", "lr": 1 } })).contains("compile(): optimizer: unknown option \"lr\""));
        assert!(err(json!({ "loss": "meanSquaredError", "optimizer": "adma" })).contains("did you mean \"adam\"?"));
        assert!(err(json!({ "loss": "meanSquaredError", "optimizer": "sgd", "clipNorm": -1 })).contains("clipNorm must be a finite number > 0"));
        assert!(err(json!({ "loss": "meanSquaredError", "optimzer": "sgd" })).contains("did you mean \"optimizer\"?"));
        assert!(err(json!({ "loss": "meanSquaredError", "optimizer": { "kind": "adam", "learningRate": 1e300 } })).contains("learningRate must be a finite float32 number (|x| < 3.4e38), got 1e300"));
        assert!(err(json!({ "loss": "meanSquaredError", "optimizer": { "kind": "sgd", "learningRate": 1e-50 } })).contains("learningRate must be 0 or at least 1.2e-38 in magnitude (float32), got 1e-50"));
        assert!(err(json!({ "loss": 3, "optimizer": "sgd" })).contains("loss: expected a string, got 3"));
    }

    #[test]
    fn whole_descriptions_check_their_envelope() {
        let base = json!({ "inputShape": [null, 3], "layers": [{ "kind": "gru", "units": 2 }] });
        let c = SequentialConfig::from_json(&base, "fromConfig()").unwrap();
        assert_eq!((c.format.as_str(), c.version), (SEQUENTIAL_FORMAT, DESCRIPTION_VERSION));
        assert_eq!(SequentialConfig::from_json(&serde_json::from_str(&c.to_json()).unwrap(), "again").unwrap(), c);
        let with = |key: &str, v: Value| {
            let mut d = base.clone();
            d[key] = v;
            SequentialConfig::from_json(&d, "fromConfig()").unwrap_err().message
        };
        assert!(with("version", json!(2)).contains("format version 2, newer than"));
        assert!(with("format", json!("keras")).contains("format must be \"zerodl.sequential\""));
        assert!(with("layers", json!([])).contains("at least one layer"));
        assert!(with("inputShape", json!([0])).contains("inputShape[0] must be a positive integer"));
        assert!(with("layers", json!([{ "kind": "dense", "units": 1, "use_bias": false }])).contains("fromConfig(): layers[0]: unknown option \"use_bias\"; did you mean \"useBias\"?"));
    }
}
