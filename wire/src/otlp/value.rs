//! Protobuf `AnyValue`s to and from loqui's [`AttrValue`].

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use loqui_core::{AttrValue, Attributes};

use super::proto::{AnyValue, ArrayValue, KeyValue, KeyValueList, any_value::Value};

pub(crate) fn attr(v: Option<AnyValue>) -> AttrValue {
    match v.and_then(|v| v.value) {
        None => AttrValue::String(String::new()),
        Some(Value::StringValue(s)) => AttrValue::String(s),
        Some(Value::BoolValue(b)) => AttrValue::Bool(b),
        Some(Value::IntValue(i)) => AttrValue::Int(i),
        Some(Value::DoubleValue(d)) => AttrValue::Double(d),
        Some(Value::BytesValue(b)) => AttrValue::Bytes {
            base64: STANDARD.encode(b),
        },
        Some(Value::ArrayValue(a)) => {
            AttrValue::Array(a.values.into_iter().map(|v| attr(Some(v))).collect())
        }
        Some(Value::KvlistValue(kv)) => AttrValue::KvList(attributes(kv.values)),
    }
}

pub(crate) fn attributes(kvs: Vec<KeyValue>) -> Attributes {
    kvs.into_iter().map(|kv| (kv.key, attr(kv.value))).collect()
}

pub(crate) fn any_value(v: &AttrValue) -> AnyValue {
    let value = match v {
        AttrValue::String(s) => Value::StringValue(s.clone()),
        AttrValue::Bool(b) => Value::BoolValue(*b),
        AttrValue::Int(i) => Value::IntValue(*i),
        AttrValue::Double(d) => Value::DoubleValue(*d),
        AttrValue::Bytes { base64 } => {
            Value::BytesValue(STANDARD.decode(base64).unwrap_or_default())
        }
        AttrValue::Array(items) => Value::ArrayValue(ArrayValue {
            values: items.iter().map(any_value).collect(),
        }),
        AttrValue::KvList(kv) => Value::KvlistValue(KeyValueList {
            values: key_values(kv),
        }),
    };
    AnyValue { value: Some(value) }
}

pub(crate) fn key_values(attrs: &Attributes) -> Vec<KeyValue> {
    attrs
        .iter()
        .map(|(k, v)| KeyValue {
            key: k.to_string(),
            value: Some(any_value(v)),
        })
        .collect()
}

/// An attribute as the text Loki stores for it: strings as they are, maps and lists as JSON.
pub(crate) fn text(v: &AttrValue) -> String {
    match v {
        AttrValue::String(s) => s.clone(),
        AttrValue::Array(_) | AttrValue::KvList(_) => {
            serde_json::to_string(v).unwrap_or_else(|_| v.to_string())
        }
        other => other.to_string(),
    }
}
