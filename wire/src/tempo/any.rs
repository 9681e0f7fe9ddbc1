//! OTLP JSON `AnyValue`s and key/value lists, as proto3 JSON writes them.

use loqui_core::{AttrValue, Attributes};
use serde::Serialize;
use serde::ser::{SerializeMap, SerializeSeq, SerializeStruct, Serializer};

pub(crate) struct Any<'a>(pub &'a AttrValue);

impl Serialize for Any<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(1))?;
        match self.0 {
            AttrValue::String(v) => m.serialize_entry("stringValue", v)?,
            // int64 is a string in proto3 JSON.
            AttrValue::Int(v) => m.serialize_entry("intValue", &v.to_string())?,
            AttrValue::Double(v) => m.serialize_entry("doubleValue", &Double(*v))?,
            AttrValue::Bool(v) => m.serialize_entry("boolValue", v)?,
            AttrValue::Bytes { base64 } => m.serialize_entry("bytesValue", base64)?,
            AttrValue::Array(items) => m.serialize_entry("arrayValue", &ArrayOut(items))?,
            AttrValue::KvList(kv) => m.serialize_entry("kvlistValue", &KvListOut(kv))?,
        }
        m.end()
    }
}

/// proto3 JSON writes the special doubles as strings, and Go writes whole numbers without a
/// fraction (`2`, not `2.0`).
pub(crate) struct Double(pub f64);

impl Serialize for Double {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let v = self.0;
        if v.is_nan() {
            s.serialize_str("NaN")
        } else if v.is_infinite() {
            s.serialize_str(if v > 0.0 { "Infinity" } else { "-Infinity" })
        } else if v.fract() == 0.0 && v.abs() < 9.0e15 {
            s.serialize_i64(v as i64)
        } else {
            s.serialize_f64(v)
        }
    }
}

struct ArrayOut<'a>(&'a [AttrValue]);

impl Serialize for ArrayOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(1))?;
        let values: Vec<Any<'_>> = self.0.iter().map(Any).collect();
        m.serialize_entry("values", &values)?;
        m.end()
    }
}

struct KvListOut<'a>(&'a Attributes);

impl Serialize for KvListOut<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(1))?;
        m.serialize_entry("values", &Kvs(self.0))?;
        m.end()
    }
}

/// `[{"key":…,"value":{…}}, …]`.
pub(crate) struct Kvs<'a>(pub &'a Attributes);

impl Serialize for Kvs<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for (k, v) in self.0.iter() {
            seq.serialize_element(&Kv(k, v))?;
        }
        seq.end()
    }
}

pub(crate) struct Kv<'a>(pub &'a str, pub &'a AttrValue);

impl Serialize for Kv<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("KeyValue", 2)?;
        st.serialize_field("key", self.0)?;
        st.serialize_field("value", &Any(self.1))?;
        st.end()
    }
}
