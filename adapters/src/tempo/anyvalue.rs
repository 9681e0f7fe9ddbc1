//! OTLP-JSON `AnyValue`, decoded straight into [`AttrValue`] with no intermediate struct
//! (one per attribute adds up in traces of thousands of spans).

use std::fmt;

use std::sync::Arc;

use loqui_core::{AttrValue, Key};
use serde::Deserialize;
use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};

use crate::json::{FloatVisitor, IntVisitor};

#[derive(Deserialize)]
pub(crate) struct KeyValue {
    #[serde(deserialize_with = "interned")]
    pub key: Arc<str>,
    #[serde(default = "empty", deserialize_with = "any_value")]
    pub value: AttrValue,
}

fn interned<'de, D: Deserializer<'de>>(d: D) -> Result<Arc<str>, D::Error> {
    Key::deserialize(d).map(|k| k.0)
}

fn empty() -> AttrValue {
    AttrValue::String(String::new())
}

fn any_value<'de, D: Deserializer<'de>>(d: D) -> Result<AttrValue, D::Error> {
    d.deserialize_map(AnyValueVisitor)
}

struct Value(AttrValue);

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        any_value(d).map(Value)
    }
}

#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "camelCase")]
enum Field {
    StringValue,
    IntValue,
    DoubleValue,
    BoolValue,
    ArrayValue,
    KvlistValue,
    BytesValue,
    #[serde(other)]
    Other,
}

#[derive(Deserialize)]
struct Values<T> {
    #[serde(default = "Vec::new")]
    values: Vec<T>,
}

struct Int(i64);

impl<'de> Deserialize<'de> for Int {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(IntVisitor).map(Int)
    }
}

struct Float(f64);

impl<'de> Deserialize<'de> for Float {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(FloatVisitor).map(Float)
    }
}

struct AnyValueVisitor;

impl<'de> Visitor<'de> for AnyValueVisitor {
    type Value = AttrValue;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an OTLP AnyValue object")
    }

    /// Exactly one field is set; `{}` is an empty value, read as an empty string.
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<AttrValue, A::Error> {
        let mut out = empty();
        while let Some(field) = map.next_key::<Field>()? {
            out = match field {
                Field::StringValue => AttrValue::String(map.next_value()?),
                Field::IntValue => AttrValue::Int(map.next_value::<Int>()?.0),
                Field::DoubleValue => AttrValue::Double(map.next_value::<Float>()?.0),
                Field::BoolValue => AttrValue::Bool(map.next_value()?),
                Field::BytesValue => AttrValue::Bytes {
                    base64: map.next_value()?,
                },
                Field::ArrayValue => {
                    let v: Values<Value> = map.next_value()?;
                    AttrValue::Array(v.values.into_iter().map(|v| v.0).collect())
                }
                Field::KvlistValue => {
                    let v: Values<KeyValue> = map.next_value()?;
                    AttrValue::KvList(v.values.into_iter().map(|kv| (kv.key, kv.value)).collect())
                }
                Field::Other => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value(json: &str) -> AttrValue {
        serde_json::from_str::<KeyValue>(&format!(r#"{{"key":"k","value":{json}}}"#))
            .unwrap()
            .value
    }

    #[test]
    fn every_otlp_type_decodes() {
        assert_eq!(
            value(r#"{"stringValue":"a"}"#),
            AttrValue::String("a".into())
        );
        assert_eq!(value(r#"{"intValue":"502"}"#), AttrValue::Int(502));
        assert_eq!(value(r#"{"intValue":7}"#), AttrValue::Int(7));
        assert_eq!(value(r#"{"doubleValue":0.5}"#), AttrValue::Double(0.5));
        assert_eq!(value(r#"{"boolValue":true}"#), AttrValue::Bool(true));
        assert_eq!(
            value(r#"{"bytesValue":"AAE="}"#),
            AttrValue::Bytes {
                base64: "AAE=".into()
            }
        );
        assert_eq!(value("{}"), AttrValue::String(String::new()));
        let arr = value(r#"{"arrayValue":{"values":[{"stringValue":"x"},{"intValue":"1"}]}}"#);
        assert_eq!(
            arr,
            AttrValue::Array(vec![AttrValue::String("x".into()), AttrValue::Int(1)])
        );
        let kv = value(r#"{"kvlistValue":{"values":[{"key":"b","value":{"boolValue":false}}]}}"#);
        assert_eq!(kv.to_string(), "{b=false}");
        assert_eq!(value(r#"{"arrayValue":{}}"#), AttrValue::Array(vec![]));
    }
}
