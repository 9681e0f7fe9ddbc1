//! A small JSON reader for the `json` and `unpack` stages. It keeps numbers as written
//! (`12.50` stays `12.50`, as Loki's jsonparser does) and the raw text of nested values, which
//! `serde_json::Value` would not.

use std::borrow::Cow;

#[derive(Debug, Clone, PartialEq)]
pub(crate) enum JVal<'a> {
    Str(Cow<'a, str>),
    Num(&'a str),
    Bool(bool),
    Null,
    Obj(Vec<(Cow<'a, str>, JVal<'a>)>, &'a str),
    Arr(Vec<JVal<'a>>, &'a str),
}

impl JVal<'_> {
    /// The text Loki stores for a value picked by a JSON path: strings unquoted, the rest raw.
    pub fn text(&self) -> Cow<'_, str> {
        match self {
            JVal::Str(s) => Cow::Borrowed(s.as_ref()),
            JVal::Num(n) => Cow::Borrowed(n),
            JVal::Bool(b) => Cow::Borrowed(if *b { "true" } else { "false" }),
            JVal::Null => Cow::Borrowed(""),
            JVal::Obj(_, raw) | JVal::Arr(_, raw) => Cow::Borrowed(raw),
        }
    }
}

/// Parses one JSON value at the start of `s`; trailing text is ignored, as Loki does.
pub(crate) fn parse(s: &str) -> Result<JVal<'_>, String> {
    let mut r = Reader {
        s,
        pos: 0,
        depth: 0,
    };
    r.value()
}

struct Reader<'a> {
    s: &'a str,
    pos: usize,
    depth: usize,
}

const MAX_DEPTH: usize = 128;

impl<'a> Reader<'a> {
    fn ws(&mut self) {
        let b = self.s.as_bytes();
        while self.pos < b.len() && matches!(b[self.pos], b' ' | b'\t' | b'\n' | b'\r') {
            self.pos += 1;
        }
    }

    fn err<T>(&self, what: &str) -> Result<T, String> {
        Err(format!("{what} at offset {}", self.pos))
    }

    fn value(&mut self) -> Result<JVal<'a>, String> {
        self.ws();
        let Some(&c) = self.s.as_bytes().get(self.pos) else {
            return self.err("unexpected end of input");
        };
        match c {
            b'{' => self.object(),
            b'[' => self.array(),
            b'"' => Ok(JVal::Str(self.string()?)),
            b't' => self.word("true", JVal::Bool(true)),
            b'f' => self.word("false", JVal::Bool(false)),
            b'n' => self.word("null", JVal::Null),
            b'-' | b'0'..=b'9' => Ok(JVal::Num(self.number())),
            _ => self.err("unexpected character"),
        }
    }

    fn word(&mut self, w: &str, v: JVal<'a>) -> Result<JVal<'a>, String> {
        if self.s[self.pos..].starts_with(w) {
            self.pos += w.len();
            Ok(v)
        } else {
            self.err("unknown value")
        }
    }

    fn number(&mut self) -> &'a str {
        let start = self.pos;
        let b = self.s.as_bytes();
        while self.pos < b.len()
            && matches!(b[self.pos], b'-' | b'+' | b'.' | b'e' | b'E' | b'0'..=b'9')
        {
            self.pos += 1;
        }
        &self.s[start..self.pos]
    }

    fn enter(&mut self) -> Result<(), String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return self.err("nesting too deep");
        }
        self.pos += 1;
        Ok(())
    }

    fn object(&mut self) -> Result<JVal<'a>, String> {
        let start = self.pos;
        self.enter()?;
        let mut fields = Vec::new();
        self.ws();
        if self.eat(b'}') {
            self.depth -= 1;
            return Ok(JVal::Obj(fields, &self.s[start..self.pos]));
        }
        loop {
            self.ws();
            if self.s.as_bytes().get(self.pos) != Some(&b'"') {
                return self.err("expected a key");
            }
            let key = self.string()?;
            self.ws();
            if !self.eat(b':') {
                return self.err("expected ':'");
            }
            fields.push((key, self.value()?));
            self.ws();
            if self.eat(b',') {
                continue;
            }
            if self.eat(b'}') {
                self.depth -= 1;
                return Ok(JVal::Obj(fields, &self.s[start..self.pos]));
            }
            return self.err("Value looks like object, but can't find closing '}' symbol");
        }
    }

    fn array(&mut self) -> Result<JVal<'a>, String> {
        let start = self.pos;
        self.enter()?;
        let mut items = Vec::new();
        self.ws();
        if self.eat(b']') {
            self.depth -= 1;
            return Ok(JVal::Arr(items, &self.s[start..self.pos]));
        }
        loop {
            items.push(self.value()?);
            self.ws();
            if self.eat(b',') {
                continue;
            }
            if self.eat(b']') {
                self.depth -= 1;
                return Ok(JVal::Arr(items, &self.s[start..self.pos]));
            }
            return self.err("expected ',' or ']'");
        }
    }

    fn eat(&mut self, c: u8) -> bool {
        let hit = self.s.as_bytes().get(self.pos) == Some(&c);
        self.pos += usize::from(hit);
        hit
    }

    fn string(&mut self) -> Result<Cow<'a, str>, String> {
        self.pos += 1;
        let start = self.pos;
        let b = self.s.as_bytes();
        let mut escaped = false;
        while self.pos < b.len() {
            match b[self.pos] {
                b'"' => {
                    let raw = &self.s[start..self.pos];
                    self.pos += 1;
                    return if escaped {
                        unescape(raw)
                            .map(Cow::Owned)
                            .ok_or_else(|| "invalid escape".into())
                    } else {
                        Ok(Cow::Borrowed(raw))
                    };
                }
                b'\\' => {
                    escaped = true;
                    self.pos += 2;
                }
                _ => self.pos += 1,
            }
        }
        self.err("unterminated string")
    }
}

fn unescape(raw: &str) -> Option<String> {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next()? {
            '"' => out.push('"'),
            '\\' => out.push('\\'),
            '/' => out.push('/'),
            'b' => out.push('\u{8}'),
            'f' => out.push('\u{c}'),
            'n' => out.push('\n'),
            'r' => out.push('\r'),
            't' => out.push('\t'),
            'u' => out.push(unicode_escape(&mut chars)?),
            _ => return None,
        }
    }
    Some(out)
}

fn unicode_escape(chars: &mut std::str::Chars<'_>) -> Option<char> {
    let hex = |chars: &mut std::str::Chars<'_>| -> Option<u32> {
        let s: String = chars.take(4).collect();
        u32::from_str_radix(&s, 16).ok().filter(|_| s.len() == 4)
    };
    let hi = hex(chars)?;
    if (0xD800..0xDC00).contains(&hi) {
        let rest = chars.as_str();
        if let Some(r) = rest.strip_prefix("\\u") {
            *chars = r.chars();
            let lo = hex(chars)?;
            let c = 0x10000 + ((hi - 0xD800) << 10) + (lo.wrapping_sub(0xDC00) & 0x3FF);
            return char::from_u32(c);
        }
        return Some('\u{FFFD}');
    }
    char::from_u32(hi)
}

/// One step of a JSON path (`a.b[0]`, `["a b"]`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum PathStep {
    Key(String),
    Index(usize),
}

/// Parses a `json` extraction expression such as `request.headers["user-agent"][0]`.
pub(crate) fn parse_path(src: &str) -> Option<Vec<PathStep>> {
    let mut steps = Vec::new();
    let mut rest = src.trim();
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('[') {
            let end = r.find(']')?;
            let inner = r[..end].trim();
            steps.push(
                match inner.strip_prefix('"').and_then(|s| s.strip_suffix('"')) {
                    Some(key) => PathStep::Key(key.to_owned()),
                    None => PathStep::Index(inner.parse().ok()?),
                },
            );
            rest = &r[end + 1..];
        } else {
            rest = rest.strip_prefix('.').unwrap_or(rest);
            let end = rest.find(['.', '[']).unwrap_or(rest.len());
            if end == 0 {
                return None;
            }
            steps.push(PathStep::Key(rest[..end].to_owned()));
            rest = &rest[end..];
        }
    }
    (!steps.is_empty()).then_some(steps)
}

/// The value at `path`, if any.
pub(crate) fn lookup<'v, 'a>(mut v: &'v JVal<'a>, path: &[PathStep]) -> Option<&'v JVal<'a>> {
    for step in path {
        v = match (step, v) {
            (PathStep::Key(k), JVal::Obj(fields, _)) => {
                &fields.iter().rev().find(|(name, _)| name == k)?.1
            }
            (PathStep::Index(i), JVal::Arr(items, _)) => items.get(*i)?,
            _ => return None,
        };
    }
    Some(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_numbers_and_raw_nested_text() {
        let v = parse(r#"{"a":12.50,"b":{"c":[1, 2]},"s":"x\"y\u00e9"}"#).unwrap();
        let path = parse_path("b.c").unwrap();
        assert_eq!(lookup(&v, &path).unwrap().text(), "[1, 2]");
        assert_eq!(
            lookup(&v, &parse_path("b.c[1]").unwrap()).unwrap().text(),
            "2"
        );
        assert_eq!(
            lookup(&v, &parse_path("a").unwrap()).unwrap().text(),
            "12.50"
        );
        assert_eq!(
            lookup(&v, &parse_path(r#"["s"]"#).unwrap()).unwrap().text(),
            "x\"yé"
        );
        assert!(parse("{\"a\":1").is_err());
    }
}
