//! OTLP JSON `AnyValue`s and attribute lists, decoded straight into loqui's [`AttrValue`]
//! (one intermediate struct per attribute would add up over thousands of spans).

use std::fmt;

use loqui_core::{AttrValue, Attributes, SmallMap};
use serde::Deserialize;
use serde::de::{self, Deserializer, IgnoredAny, MapAccess, Visitor};

/// `[{"key":…,"value":{…}}]` into a sorted map (a later duplicate key wins); `null` is empty.
pub(crate) fn attributes<'de, D: Deserializer<'de>>(d: D) -> Result<Attributes, D::Error> {
    let kvs: Option<Vec<KeyValueJson>> = Deserialize::deserialize(d)?;
    Ok(kvs
        .unwrap_or_default()
        .into_iter()
        .map(|kv| (kv.key, kv.value.0))
        .collect())
}

#[derive(Deserialize)]
struct KeyValueJson {
    key: String,
    #[serde(default)]
    value: Any,
}

/// An `AnyValue`; `{}` or `null` (no value set) reads as an empty string, as Tempo shows it.
struct Any(AttrValue);

impl Default for Any {
    fn default() -> Self {
        Any(AttrValue::String(String::new()))
    }
}

impl<'de> Deserialize<'de> for Any {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Ok(d.deserialize_option(AnyVisitor)?.unwrap_or_default())
    }
}

pub(crate) fn opt_any_value<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<AttrValue>, D::Error> {
    Ok(d.deserialize_option(AnyVisitor)?.map(|a| a.0))
}

struct AnyVisitor;

#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "camelCase")]
enum Field {
    StringValue,
    BoolValue,
    IntValue,
    DoubleValue,
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
        struct V;
        impl Visitor<'_> for V {
            type Value = i64;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an int64 as a string or a number")
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<i64, E> {
                Ok(v)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<i64, E> {
                i64::try_from(v).map_err(|_| E::custom(format!("intValue {v} overflows int64")))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<i64, E> {
                v.parse()
                    .map_err(|_| E::custom(format!("intValue `{v}` is not an int64")))
            }
        }
        d.deserialize_any(V).map(Int)
    }
}

struct Float(f64);

impl<'de> Deserialize<'de> for Float {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = f64;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a double, or \"NaN\" / \"Infinity\" / \"-Infinity\"")
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<f64, E> {
                Ok(v)
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<f64, E> {
                Ok(v as f64)
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<f64, E> {
                Ok(v as f64)
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<f64, E> {
                v.parse()
                    .map_err(|_| E::custom(format!("doubleValue `{v}` is not a number")))
            }
        }
        d.deserialize_any(V).map(Float)
    }
}

impl<'de> Visitor<'de> for AnyVisitor {
    type Value = Option<Any>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an OTLP AnyValue object such as {\"stringValue\":\"x\"}")
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_map(self)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = Any::default();
        while let Some(field) = map.next_key::<Field>()? {
            out.0 = match field {
                Field::StringValue => AttrValue::String(map.next_value()?),
                Field::BoolValue => AttrValue::Bool(map.next_value()?),
                Field::IntValue => AttrValue::Int(map.next_value::<Int>()?.0),
                Field::DoubleValue => AttrValue::Double(map.next_value::<Float>()?.0),
                Field::BytesValue => AttrValue::Bytes {
                    base64: map.next_value()?,
                },
                Field::ArrayValue => {
                    let v: Option<Values<Any>> = map.next_value()?;
                    AttrValue::Array(
                        v.map(|v| v.values)
                            .unwrap_or_default()
                            .into_iter()
                            .map(|a| a.0)
                            .collect(),
                    )
                }
                Field::KvlistValue => {
                    let v: Option<Values<KeyValueJson>> = map.next_value()?;
                    let kv: SmallMap<AttrValue> = v
                        .map(|v| v.values)
                        .unwrap_or_default()
                        .into_iter()
                        .map(|kv| (kv.key, kv.value.0))
                        .collect();
                    AttrValue::KvList(kv)
                }
                Field::Other => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
        }
        Ok(Some(out))
    }
}
