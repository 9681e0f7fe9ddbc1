//! Trace and span ids: bytes on the protobuf wire, hex in OTLP/HTTP JSON (base64 from some
//! senders and from Tempo's answers), lowercase hex in loqui-core.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

const HEX: &[u8; 16] = b"0123456789abcdef";

pub(crate) fn to_hex(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(HEX[usize::from(b >> 4)] as char);
        out.push(HEX[usize::from(b & 15)] as char);
    }
    out
}

fn from_hex(text: &str) -> Option<Vec<u8>> {
    let digit = |c: u8| (c as char).to_digit(16).map(|d| d as u8);
    text.as_bytes()
        .chunks(2)
        .map(|p| Some(digit(p[0])? << 4 | digit(*p.get(1)?)?))
        .collect()
}

/// An id from protobuf bytes: empty is "absent"; any other length than `width` is an error.
pub(crate) fn id_from_bytes(
    bytes: &[u8],
    width: usize,
    what: &str,
) -> Result<Option<String>, String> {
    match bytes.len() {
        0 => Ok(None),
        n if n == width => Ok(Some(to_hex(bytes))),
        n => Err(format!("{what} has {n} bytes; it must have {width}")),
    }
}

/// An id from JSON text: hex (`2 * width` digits, the OTLP/HTTP rule) or base64 of `width`
/// bytes (what some senders and Tempo write). Empty is "absent".
pub(crate) fn id_from_text(text: &str, width: usize, what: &str) -> Result<Option<String>, String> {
    if text.is_empty() {
        return Ok(None);
    }
    if text.len() == width * 2 {
        if let Some(bytes) = from_hex(text) {
            return Ok(Some(to_hex(&bytes)));
        }
    }
    match STANDARD.decode(text) {
        Ok(bytes) if bytes.len() == width => Ok(Some(to_hex(&bytes))),
        _ => Err(format!(
            "{what} `{}` is neither {} hex digits nor base64 of {width} bytes",
            truncate(text, 64),
            width * 2
        )),
    }
}

/// A present id must not be all zeros (the OTLP spec calls that invalid).
pub(crate) fn required(id: Option<String>, what: &str) -> Result<String, String> {
    match id {
        None => Err(format!("{what} is missing")),
        Some(id) if id.bytes().all(|b| b == b'0') => Err(format!("{what} is all zeros")),
        Some(id) => Ok(id),
    }
}

/// Lowercase hex (as in loqui-core) to base64, as Tempo's trace-by-id answers write ids.
pub(crate) fn hex_to_base64(hex: &str) -> String {
    match from_hex(hex) {
        Some(bytes) if hex.len() % 2 == 0 => STANDARD.encode(bytes),
        // Not hex: nothing sensible to convert, so the text goes out unchanged.
        _ => hex.to_string(),
    }
}

pub(crate) fn truncate(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_read_hex_and_base64_and_reject_the_rest() {
        let hex = "6934b484e73cf575dcad6ba2b0aee0ca";
        assert_eq!(id_from_text(hex, 16, "traceId").unwrap().unwrap(), hex);
        assert_eq!(
            id_from_text(&hex.to_uppercase(), 16, "traceId")
                .unwrap()
                .unwrap(),
            hex
        );
        assert_eq!(
            id_from_text("aTS0hOc89XXcrWuisK7gyg==", 16, "traceId")
                .unwrap()
                .unwrap(),
            hex
        );
        assert_eq!(id_from_text("", 8, "spanId").unwrap(), None);
        let err = id_from_text("abc", 8, "spanId").unwrap_err();
        assert!(err.contains("16 hex digits"), "{err}");
        assert!(id_from_bytes(&[1, 2, 3], 8, "spanId").is_err());
        assert_eq!(hex_to_base64(hex), "aTS0hOc89XXcrWuisK7gyg==");
        assert!(required(Some("0".repeat(32)), "traceId").is_err());
    }
}
