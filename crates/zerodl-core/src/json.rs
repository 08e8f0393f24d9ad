//! Strict reading of configurations given as JSON (layer options, optimizers, whole model
//! descriptions): unknown keys are errors that name the key and, where one is close, the key
//! that was meant; type errors name the field and say what was expected and what came, in the
//! words of the API ("a non-negative integer", not "usize").
//!
//! serde does the typing; this module adds the strictness and the wording. The keys a struct
//! accepts are read from serde's own derive output (`fields`), so they are declared once, on
//! the type.

use serde::de::{self, DeserializeOwned, Visitor};
use serde::forward_to_deserialize_any;
use serde_json::{Map, Value};

use crate::{Error, Result};

/// Keys of a JSON object.
pub type Object = Map<String, Value>;

/// The keys `T`'s derived Deserialize accepts (its serialized field names), read by asking it to
/// deserialize from a probe that records the field list serde passes to `deserialize_struct`.
pub fn fields<T: DeserializeOwned>() -> &'static [&'static str] {
    let mut probe = FieldProbe(None);
    let _ = T::deserialize(&mut probe);
    probe.0.unwrap_or(&[])
}

struct FieldProbe(Option<&'static [&'static str]>);

impl<'de> de::Deserializer<'de> for &mut FieldProbe {
    type Error = de::value::Error;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> std::result::Result<V::Value, Self::Error> {
        Err(de::Error::custom("not a struct"))
    }

    fn deserialize_struct<V: Visitor<'de>>(self, _: &'static str, fields: &'static [&'static str], _: V) -> std::result::Result<V::Value, Self::Error> {
        self.0 = Some(fields);
        Err(de::Error::custom("probed"))
    }

    forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option
        unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier ignored_any
    }
}

/// The candidate closest to `key` by edit distance, if close enough to be what was meant
/// (`activaton` -> `activation`, `epoch` -> `epochs`); case differences count as close.
pub fn closest<'a>(key: &str, candidates: &[&'a str]) -> Option<&'a str> {
    let limit = (key.chars().count() / 3).max(1);
    candidates
        .iter()
        .map(|&c| (c, if c.eq_ignore_ascii_case(key) { 0 } else { edit_distance(key, c) }))
        .filter(|&(_, d)| d <= limit)
        .min_by_key(|&(_, d)| d)
        .map(|(c, _)| c)
}

/// Edit distance counting insertions, deletions, substitutions and swaps of two neighbours
/// (optimal string alignment), by characters: `adma` is one edit from `adam`.
fn edit_distance(a: &str, b: &str) -> usize {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    // d[i][j]: distance between a[..i] and b[..j].
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    (0..=a.len()).for_each(|i| d[i][0] = i);
    (0..=b.len()).for_each(|j| d[0][j] = j);
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            d[i][j] = (d[i - 1][j] + 1).min(d[i][j - 1] + 1).min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d[i][j] = d[i][j].min(d[i - 2][j - 2] + 1);
            }
        }
    }
    d[a.len()][b.len()]
}

/// "; did you mean \"x\"?" or "".
pub fn suggestion(key: &str, candidates: &[&str]) -> String {
    closest(key, candidates).map_or_else(String::new, |c| format!("; did you mean \"{c}\"?"))
}

/// `what` ("dense layer", "fit()") as an object, or an error saying what came instead.
pub fn object<'a>(value: &'a Value, what: &str) -> Result<&'a Object> {
    value.as_object().ok_or_else(|| Error::invalid_argument(format!("{what} must be an object, got {}", describe(value))))
}

/// Rejects keys of `object` that are not in `known`, naming the first unknown one and the
/// closest known key.
pub fn check_keys(object: &Object, known: &[&str], what: &str) -> Result<()> {
    if let Some(key) = object.keys().find(|k| !known.contains(&k.as_str())) {
        return Err(Error::invalid_argument(format!("{what}: unknown option \"{key}\"{} (options: {})", suggestion(key, known), known.join(", "))));
    }
    Ok(())
}

/// A tagged description `{ "kind": <one of kinds>, ...options }`: its kind and its options (the
/// rest). `noun` names a kind in messages ("layer kind", "optimizer").
pub fn tagged<'k>(value: &Value, kinds: &[&'k str], noun: &str, what: &str) -> Result<(&'k str, Object)> {
    let mut options = object(value, what)?.clone();
    let listed = kinds.iter().map(|k| format!("\"{k}\"")).collect::<Vec<_>>().join(", ");
    let kind = match options.remove("kind") {
        Some(Value::String(kind)) => kind,
        Some(other) => return Err(Error::invalid_argument(format!("{what}: kind must be one of {listed}, got {}", describe(&other)))),
        None => return Err(Error::invalid_argument(format!("{what}: \"kind\" is required (one of {listed})"))),
    };
    match kinds.iter().find(|&&k| k == kind) {
        Some(&k) => Ok((k, options)),
        None => Err(Error::invalid_argument(format!("{what}: unknown {noun} \"{kind}\"{}; expected one of {listed}", suggestion(&kind, kinds)))),
    }
}

/// Deserializes `value` into `T` (keys already checked), with errors reworded and located.
pub fn typed<T: DeserializeOwned>(value: &Value, what: &str) -> Result<T> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let message = reword(&e.inner().to_string());
        let at = if path.is_empty() || path == "." { String::new() } else { format!("{path}: ") };
        Error::invalid_argument(format!("{what}: {at}{message}"))
    })
}

/// A number as JavaScript writes it: `2`, `0.5`, `1e300` (not Rust's `2.0` or 301 digits).
pub fn number(value: f64) -> String {
    let text = format!("{value:?}");
    text.strip_suffix(".0").map_or(text.clone(), str::to_string)
}

/// A configuration's number as the f32 the arithmetic uses: an error naming `option` if it is
/// not finite in f32 (1e300 would become infinity) or a non-zero value rounds to 0 (1e-50).
/// Configurations keep the f64 the user wrote, so descriptions round-trip exactly.
pub fn to_f32(value: f64, option: &str) -> Result<f32> {
    let single = value as f32;
    if !value.is_finite() || !single.is_finite() {
        return Err(Error::invalid_argument(format!("{option} must be a finite float32 number (|x| < 3.4e38), got {}", number(value))));
    }
    if value != 0.0 && single == 0.0 {
        return Err(Error::invalid_argument(format!("{option} must be 0 or at least 1.2e-38 in magnitude (float32), got {}", number(value))));
    }
    Ok(single)
}

/// `result` with `what: ` before its message (the place a configuration error is at).
pub fn within<T>(result: Result<T>, what: &str) -> Result<T> {
    result.map_err(|e| Error::new(e.kind, format!("{what}: {}", e.message)))
}

/// A description as JSON text.
pub fn to_text<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("descriptions are plain data and always serialize")
}

/// A JSON text as a value, or an error naming `what`.
pub fn from_str(text: &str, what: &str) -> Result<Value> {
    serde_json::from_str(text).map_err(|e| Error::invalid_argument(format!("{what} is not valid JSON: {e}")))
}

/// serde's messages in the API's words: "expected a non-negative integer, got 1.5".
fn reword(message: &str) -> String {
    // serde_json appends " at line L column C" to messages from text; values have none.
    let message = message.split(" at line ").next().unwrap_or(message);
    if let Some(rest) = message.strip_prefix("invalid type: ").or_else(|| message.strip_prefix("invalid value: ")) {
        if let Some((got, expected)) = rest.split_once(", expected ") {
            return format!("expected {}, got {}", expected_words(expected), got_words(got));
        }
    }
    if let Some(field) = message.strip_prefix("missing field `").and_then(|r| r.strip_suffix('`')) {
        return format!("\"{field}\" is required");
    }
    if let Some(rest) = message.strip_prefix("unknown variant `") {
        if let Some((got, expected)) = rest.split_once("`, expected ") {
            // serde lists them as "`a`", "`a` or `b`" or "one of `a`, `b`, `c`".
            let options: Vec<&str> = expected.trim_start_matches("one of ").split(", ").flat_map(|o| o.split(" or ")).map(|o| o.trim_matches('`')).collect();
            let quoted: Vec<String> = options.iter().map(|o| format!("\"{o}\"")).collect();
            let hint = closest(got, &options).map_or_else(String::new, |c| format!(" (did you mean \"{c}\"?)"));
            return format!("unknown value \"{got}\"{hint}; expected one of {}", quoted.join(", "));
        }
    }
    message.to_string()
}

fn expected_words(expected: &str) -> String {
    match expected {
        "usize" | "u64" | "u32" | "u16" | "u8" => "a non-negative integer".into(),
        "isize" | "i64" | "i32" => "an integer".into(),
        "f32" | "f64" => "a number".into(),
        "string or map" => "a string".into(),
        "a sequence" => "an array".into(),
        e if e.starts_with("struct ") || e.starts_with("internally tagged enum") || e.starts_with("a map") => "an object".into(),
        e => e.to_string(),
    }
}

fn got_words(got: &str) -> String {
    let inner = |s: &str| s.trim_matches('`').to_string();
    if let Some(v) = got.strip_prefix("floating point ").or_else(|| got.strip_prefix("integer ")).or_else(|| got.strip_prefix("boolean ")) {
        return inner(v);
    }
    if let Some(v) = got.strip_prefix("string ") {
        return format!("the string {v}");
    }
    match got {
        "map" => "an object".into(),
        "sequence" => "an array".into(),
        g => g.to_string(),
    }
}

/// A JSON value described for a message: `the string "x"`, `an array`, `null`, `1.5`.
pub fn describe(value: &Value) -> String {
    match value {
        Value::Null => "null".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => format!("the string {s:?}"),
        Value::Array(a) => format!("an array of length {}", a.len()),
        Value::Object(_) => "an object".into(),
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;
    use serde_json::json;

    use super::*;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "camelCase", deny_unknown_fields)]
    struct Example {
        units: usize,
        #[serde(default)]
        use_bias: bool,
        #[serde(default)]
        mode: Option<Mode>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "camelCase")]
    enum Mode {
        Fast,
        Exact,
    }

    /// Keys checked against `T`'s fields, then typed: what every `from_json` does.
    fn parse<T: DeserializeOwned>(value: &Value, what: &str) -> Result<T> {
        check_keys(object(value, what)?, fields::<T>(), what)?;
        typed(value, what)
    }

    #[test]
    fn fields_come_from_the_derive() {
        assert_eq!(fields::<Example>(), &["units", "useBias", "mode"]);
    }

    #[test]
    fn close_keys_are_suggested() {
        assert_eq!(closest("activaton", &["units", "activation"]), Some("activation"));
        assert_eq!(closest("epoch", &["epochs", "batchSize"]), Some("epochs"));
        assert_eq!(closest("lenghts", &["lengths"]), Some("lengths"));
        assert_eq!(closest("UNITS", &["units"]), Some("units"));
        assert_eq!(closest("zzz", &["units", "activation"]), None);
        assert_eq!(closest("adma", &["sgd", "adam"]), Some("adam"));
    }

    #[test]
    fn unknown_keys_and_bad_types_are_named() {
        let err = parse::<Example>(&json!({ "units": 3, "useBais": true }), "dense layer").unwrap_err();
        assert_eq!(err.code(), "ERR_INVALID_ARGUMENT");
        assert!(err.message.contains("unknown option \"useBais\"; did you mean \"useBias\"?"), "{err}");
        let err = parse::<Example>(&json!({ "units": 1.5 }), "dense layer").unwrap_err();
        assert_eq!(err.message, "dense layer: units: expected a non-negative integer, got 1.5");
        let err = parse::<Example>(&json!({ "units": "ten" }), "dense layer").unwrap_err();
        assert_eq!(err.message, "dense layer: units: expected a non-negative integer, got the string \"ten\"");
        let err = parse::<Example>(&json!({}), "dense layer").unwrap_err();
        assert_eq!(err.message, "dense layer: \"units\" is required");
        let err = parse::<Example>(&json!({ "units": 1, "mode": "fats" }), "x").unwrap_err();
        assert!(err.message.contains("mode: unknown value \"fats\" (did you mean \"fast\"?); expected one of \"fast\", \"exact\""), "{err}");
        let err = parse::<Example>(&json!([1]), "x").unwrap_err();
        assert_eq!(err.message, "x must be an object, got an array of length 1");
        assert_eq!(parse::<Example>(&json!({ "units": 2 }), "x").unwrap(), Example { units: 2, use_bias: false, mode: None });
    }
}
