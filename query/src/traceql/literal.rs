//! Number and string literals as Go's `text/scanner` and `strconv.Unquote` read them.

use std::borrow::Cow;

use super::duration;
use super::lexer::{Lexer, Tok, Token};
use crate::diag::{Diagnostic, Span};

impl<'a> Lexer<'a> {
    pub(super) fn string(&mut self) -> Result<Token<'a>, Diagnostic> {
        let start = self.pos;
        let body_start = start + 1;
        let rest = &self.src[body_start..];
        let mut end = None;
        let mut escaped = false;
        let mut has_escape = false;
        for (i, c) in rest.char_indices() {
            match c {
                '\n' => break,
                '\\' if !escaped => {
                    escaped = true;
                    has_escape = true;
                    continue;
                }
                '"' if !escaped => {
                    end = Some(i);
                    break;
                }
                _ => {}
            }
            escaped = false;
        }
        let Some(len) = end else {
            let stop = rest.find('\n').map_or(self.src.len(), |i| body_start + i);
            return Err(self
                .err(start, stop, "string not terminated")
                .with_hint("close the string with a double quote"));
        };
        let body = &rest[..len];
        self.pos = body_start + len + 1;
        let value = if has_escape {
            Cow::Owned(
                unescape(body)
                    .map_err(|(i, msg)| self.err(body_start + i, body_start + i + 1, msg))?,
            )
        } else {
            Cow::Borrowed(body)
        };
        Ok(self.token(start, Tok::Str(value)))
    }

    pub(super) fn raw_string(&mut self) -> Result<Token<'a>, Diagnostic> {
        let start = self.pos;
        let rest = &self.src[start + 1..];
        let Some(len) = rest.find('`') else {
            return Err(self.err(start, self.src.len(), "raw string not terminated"));
        };
        self.pos = start + 1 + len + 1;
        let body = &rest[..len];
        let value = if body.contains('\r') {
            Cow::Owned(body.replace('\r', ""))
        } else {
            Cow::Borrowed(body)
        };
        Ok(self.token(start, Tok::Str(value)))
    }

    pub(super) fn number(&mut self) -> Result<Token<'a>, Diagnostic> {
        let start = self.pos;
        let text = scan_number(self.rest());
        self.pos += text.len();
        let end = start + text.len();
        let bad = |msg: &str| Diagnostic::new(Span::new(start, end), msg.to_string());
        let prefixed =
            text.len() > 1 && text.starts_with('0') && text[1..].starts_with(char::is_alphabetic);
        if text.contains('_') || prefixed {
            return Err(bad("number literals must be plain decimal numbers"));
        }
        let is_float = text.contains(['.', 'e', 'E']);
        if !is_float && text.len() > 1 && text.starts_with('0') && text.contains(['8', '9']) {
            return Err(bad("invalid digit in octal literal"));
        }
        if let Some(tok) = self.duration_suffix(start, text) {
            return Ok(tok);
        }
        let tok = if is_float {
            match text.parse::<f64>() {
                Ok(v) if v.is_finite() => Tok::Float(v),
                _ => return Err(bad("invalid number")),
            }
        } else {
            match text.parse::<i64>() {
                Ok(v) => Tok::Int(v),
                Err(_) => return Err(bad("integer out of range")),
            }
        };
        Ok(self.token(start, tok))
    }

    /// Tempo reads a number followed by digits, `.` and unit letters as a duration when the
    /// whole run parses as one; otherwise the number stands alone.
    fn duration_suffix(&mut self, start: usize, number: &str) -> Option<Token<'a>> {
        let rest = self.rest();
        let len = rest
            .find(|c: char| !(c.is_numeric() || c == '.' || "nsumhµdwy".contains(c)))
            .unwrap_or(rest.len());
        if len == 0 {
            return None;
        }
        let text = &self.src[start..start + number.len() + len];
        let nanos = duration::parse(text)?;
        self.pos += len;
        Some(self.token(start, Tok::Duration(nanos)))
    }
}

/// The longest prefix of `s` that Go's scanner reads as one number.
pub(crate) fn scan_number(s: &str) -> &str {
    let b = s.as_bytes();
    if b.len() > 1 && b[0] == b'0' && b"xXbBoO".contains(&b[1]) {
        let n = b[2..]
            .iter()
            .take_while(|c| c.is_ascii_alphanumeric() || **c == b'_')
            .count();
        return &s[..2 + n];
    }
    let digits = |i: usize| {
        i + b[i..]
            .iter()
            .take_while(|c| c.is_ascii_digit() || **c == b'_')
            .count()
    };
    let mut i = digits(0);
    if i < b.len() && b[i] == b'.' {
        i = digits(i + 1);
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        let mut j = i + 1;
        if j < b.len() && (b[j] == b'+' || b[j] == b'-') {
            j += 1;
        }
        if j < b.len() && b[j].is_ascii_digit() {
            i = digits(j);
        }
    }
    &s[..i]
}

/// Go's `strconv.Unquote` rules for the body of a double-quoted string.
pub(crate) fn unescape(body: &str) -> Result<String, (usize, &'static str)> {
    let mut out = String::with_capacity(body.len());
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some((_, e)) = chars.next() else {
            return Err((i, "invalid escape sequence"));
        };
        let c = match simple_escape(e) {
            Some(c) => c,
            None => numeric_escape(e, &mut chars).map_err(|msg| (i, msg))?,
        };
        out.push(c);
    }
    Ok(out)
}

fn simple_escape(e: char) -> Option<char> {
    Some(match e {
        'a' => '\x07',
        'b' => '\x08',
        'f' => '\x0c',
        'n' => '\n',
        'r' => '\r',
        't' => '\t',
        'v' => '\x0b',
        '\\' => '\\',
        '"' => '"',
        _ => return None,
    })
}

/// `\xHH`, `\uHHHH`, `\UHHHHHHHH` and octal `\NNN`, after the backslash and `e`.
fn numeric_escape(e: char, chars: &mut std::str::CharIndices<'_>) -> Result<char, &'static str> {
    let (len, radix) = match e {
        'x' => (2, 16),
        'u' => (4, 16),
        'U' => (8, 16),
        '0'..='7' => (2, 8),
        _ => return Err("invalid escape sequence"),
    };
    let mut v = if radix == 8 {
        e.to_digit(8).unwrap_or(0)
    } else {
        0
    };
    for _ in 0..len {
        let d = chars.next().and_then(|(_, d)| d.to_digit(radix));
        v = v * radix + d.ok_or("invalid escape sequence")?;
    }
    // Go keeps \x and octal escapes as raw bytes; only ASCII ones make valid UTF-8 text.
    if (e == 'x' || radix == 8) && v > 0x7f {
        return Err("byte escapes above \\x7f are not supported");
    }
    char::from_u32(v).ok_or("invalid unicode escape")
}
