//! Loki stream labels: Prometheus label-name rules, the `{a="b", c="d"}` text of Loki's
//! protobuf push, and the checks a stream's label set must pass.

use loqui_core::Labels;

use crate::Limits;
use crate::ids::truncate;

/// Why a label set was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct LabelError(pub String);

/// Prometheus label names: `[a-zA-Z_][a-zA-Z0-9_]*`.
pub fn validate_label_name(name: &str) -> Result<(), LabelError> {
    let mut bytes = name.bytes();
    let ok = match bytes.next() {
        Some(b) if b.is_ascii_alphabetic() || b == b'_' => {
            bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_')
        }
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(LabelError(format!(
            "invalid label name `{}`: use letters, digits and `_`, not starting with a digit",
            truncate(name, 64)
        )))
    }
}

/// The checks Loki applies to a stream's labels before it accepts the stream.
pub(crate) fn validate_stream_labels(labels: &Labels, limits: &Limits) -> Result<(), LabelError> {
    if labels.is_empty() {
        return Err(LabelError(
            "stream has no labels; add at least one, e.g. service_name".into(),
        ));
    }
    if labels.len() > limits.max_labels_per_stream {
        return Err(LabelError(format!(
            "stream has {} labels, over the limit of {}; move high-cardinality ones to structured metadata",
            labels.len(),
            limits.max_labels_per_stream
        )));
    }
    for (name, value) in labels {
        validate_label_name(name)?;
        if name.len() > limits.max_label_name_bytes {
            return Err(LabelError(format!(
                "label name `{}…` is over {} bytes",
                truncate(name, 32),
                limits.max_label_name_bytes
            )));
        }
        if value.len() > limits.max_label_value_bytes {
            return Err(LabelError(format!(
                "value of label `{name}` is over {} bytes",
                limits.max_label_value_bytes
            )));
        }
    }
    Ok(())
}

/// Turns an OpenTelemetry attribute name into a label name the way Loki's OTLP ingest does:
/// `service.name` becomes `service_name`; other invalid characters become `_` too.
pub(crate) fn normalize_label_name(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if out.is_empty() || out.as_bytes()[0].is_ascii_digit() {
        out.insert(0, '_');
    }
    out
}

/// Parses Loki's label text `{a="b", c="d"}` (Go string escapes in values).
pub fn parse_labels(text: &str) -> Result<Labels, LabelError> {
    let err = |what: &str| {
        LabelError(format!(
            "cannot read labels `{}`: {what}; write them as {{name=\"value\", …}}",
            truncate(text, 120)
        ))
    };
    let mut rest = text.trim();
    rest = rest
        .strip_prefix('{')
        .and_then(|r| r.strip_suffix('}'))
        .ok_or_else(|| err("expected braces"))?;
    let mut labels = Labels::new();
    loop {
        rest = rest.trim_start();
        if rest.is_empty() {
            return Ok(labels);
        }
        let eq = rest.find('=').ok_or_else(|| err("expected `=`"))?;
        let name = rest[..eq].trim();
        validate_label_name(name)?;
        let (value, after) = quoted(rest[eq + 1..].trim_start()).ok_or_else(|| err("bad value"))?;
        if labels.insert(name.to_string(), value).is_some() {
            return Err(err(&format!("label `{name}` appears twice")));
        }
        rest = after.trim_start();
        match rest.strip_prefix(',') {
            Some(r) => rest = r,
            None if rest.is_empty() => return Ok(labels),
            None => return Err(err("expected `,` between labels")),
        }
    }
}

/// A double-quoted Go string at the start of `s` (the escapes of Go's `strconv.Unquote`),
/// and what follows it.
fn quoted(s: &str) -> Option<(String, &str)> {
    let body = s.strip_prefix('"')?;
    let bytes = body.as_bytes();
    let mut out: Vec<u8> = Vec::new();
    let mut i = 0;
    let hex = |from: usize, n: usize| -> Option<u32> {
        u32::from_str_radix(body.get(from..from + n)?, 16).ok()
    };
    while i < bytes.len() {
        match bytes[i] {
            b'"' => return Some((String::from_utf8(out).ok()?, &body[i + 1..])),
            b'\\' => {
                let esc = *bytes.get(i + 1)?;
                i += 2;
                let simple = match esc {
                    b'a' => Some(7),
                    b'b' => Some(8),
                    b'f' => Some(12),
                    b'n' => Some(b'\n'),
                    b'r' => Some(b'\r'),
                    b't' => Some(b'\t'),
                    b'v' => Some(11),
                    b'\\' | b'"' | b'\'' => Some(esc),
                    _ => None,
                };
                if let Some(b) = simple {
                    out.push(b);
                    continue;
                }
                let (code, len) = match esc {
                    b'x' => (hex(i, 2)?, 2),
                    b'u' => (hex(i, 4)?, 4),
                    b'U' => (hex(i, 8)?, 8),
                    b'0'..=b'7' => (u32::from_str_radix(body.get(i - 1..i + 2)?, 8).ok()?, 2),
                    _ => return None,
                };
                i += len;
                if matches!(esc, b'x' | b'0'..=b'7') {
                    out.push(u8::try_from(code).ok()?);
                } else {
                    let mut buf = [0; 4];
                    out.extend_from_slice(char::from_u32(code)?.encode_utf8(&mut buf).as_bytes());
                }
            }
            b => {
                out.push(b);
                i += 1;
            }
        }
    }
    None
}

/// Writes labels the way Loki prints them: `{a="b", c="d"}`, values escaped.
pub fn format_labels(labels: &Labels) -> String {
    let parts: Vec<String> = labels
        .iter()
        .map(|(k, v)| format!("{k}={}", serde_json::Value::String(v.clone())))
        .collect();
    format!("{{{}}}", parts.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn label_text_round_trips_and_bad_text_says_why() {
        let text = r#"{app="a \"q\"\n", service_name="order-service"}"#;
        let labels = parse_labels(text).unwrap();
        assert_eq!(labels["app"], "a \"q\"\n");
        assert_eq!(parse_labels(&format_labels(&labels)).unwrap(), labels);
        assert_eq!(parse_labels("{}").unwrap(), Labels::new());
        for bad in [
            "app=\"a\"",
            "{app=a}",
            "{app=\"a\" b=\"c\"}",
            "{1app=\"a\"}",
            "{app=\"a\",app=\"b\"}",
            "{app=\"a}",
        ] {
            assert!(parse_labels(bad).is_err(), "{bad}");
        }
        assert_eq!(normalize_label_name("service.name"), "service_name");
        assert_eq!(normalize_label_name("1x"), "_1x");
    }
}
