//! Decoding helpers shared by the Loki and Tempo wire formats.

use loqui_core::BackendError;
use serde::de::{self, DeserializeOwned, Deserializer, Visitor};

/// Decodes a JSON body, saying what was expected when it is not.
pub(crate) fn decode<T: DeserializeOwned>(backend: &str, body: &[u8]) -> Result<T, BackendError> {
    serde_json::from_slice(body).map_err(|e| {
        let hint = if body.first() == Some(&b'<') {
            "; got HTML: is the url pointing at a proxy or login page instead of the API?"
        } else {
            ""
        };
        BackendError::InvalidResponse {
            backend: backend.to_string(),
            message: format!("{e}{hint}"),
        }
    })
}

/// An integer written as a JSON string (`"1795314000000"`, proto3 int64) or a number.
pub(crate) fn int<'de, D: Deserializer<'de>>(d: D) -> Result<i64, D::Error> {
    d.deserialize_any(IntVisitor)
}

/// Like [`int`], for optional fields.
pub(crate) fn opt_int<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    d.deserialize_any(IntVisitor).map(Some)
}

pub(crate) struct IntVisitor;

impl Visitor<'_> for IntVisitor {
    type Value = i64;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("an integer or a string holding one")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<i64, E> {
        Ok(v)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<i64, E> {
        i64::try_from(v).map_err(E::custom)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<i64, E> {
        Ok(v.round() as i64)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<i64, E> {
        v.parse()
            .map_err(|_| E::custom(format!("`{v}` is not an integer")))
    }
}

/// A float written as a JSON number or a string (`"NaN"`, `"+Inf"`, `"0.5"`).
pub(crate) struct FloatVisitor;

impl Visitor<'_> for FloatVisitor {
    type Value = f64;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a number or a string holding one")
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<f64, E> {
        Ok(v as f64)
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<f64, E> {
        Ok(v as f64)
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<f64, E> {
        Ok(v)
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<f64, E> {
        v.parse()
            .map_err(|_| E::custom(format!("`{v}` is not a number")))
    }
}

/// Seconds as a float (`1795314000.5`) to nanoseconds, kept exact to the microsecond.
pub(crate) fn secs_to_ns(secs: f64) -> i64 {
    ((secs * 1e6).round() as i64).saturating_mul(1000)
}
