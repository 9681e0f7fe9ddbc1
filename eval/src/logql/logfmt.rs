//! A port of Loki's logfmt decoder (itself adapted from go-logfmt), so keys, values and errors
//! come out exactly as Loki reads them.

use std::borrow::Cow;

pub(crate) struct Decoder<'l> {
    line: &'l str,
    pos: usize,
    pub key: Option<&'l str>,
    pub value: Option<Cow<'l, str>>,
    pub err: Option<String>,
}

impl<'l> Decoder<'l> {
    pub fn new(line: &'l str) -> Decoder<'l> {
        Decoder {
            line,
            pos: 0,
            key: None,
            value: None,
            err: None,
        }
    }

    pub fn eol(&self) -> bool {
        self.pos >= self.line.len()
    }

    /// Advances to the next pair; false at the end of the line or on a syntax error (then `err`
    /// is set and the decoder has skipped past the bad word).
    pub fn scan(&mut self) -> bool {
        self.key = None;
        self.value = None;
        let b = self.line.as_bytes();
        match b[self.pos.min(b.len())..].iter().position(|&c| c > b' ') {
            Some(p) => self.pos += p,
            None => {
                self.pos = b.len();
                return false;
            }
        }
        let start = self.pos;
        while self.pos < b.len() {
            let c = b[self.pos];
            if c == b'=' {
                if self.pos == start {
                    self.unexpected(c);
                    return self.skip_value();
                }
                self.key = Some(&self.line[start..self.pos]);
                return self.after_equal();
            }
            if c == b'"' {
                self.unexpected(c);
                return self.skip_value();
            }
            if c <= b' ' {
                self.key = Some(&self.line[start..self.pos]);
                return true;
            }
            self.pos += 1;
        }
        self.key = Some(&self.line[start..]);
        true
    }

    fn after_equal(&mut self) -> bool {
        let b = self.line.as_bytes();
        self.pos += 1;
        match b.get(self.pos) {
            None => return true,
            Some(&c) if c <= b' ' => return true,
            Some(b'"') => return self.quoted(),
            _ => {}
        }
        let start = self.pos;
        while self.pos < b.len() {
            let c = b[self.pos];
            if c == b'=' || c == b'"' {
                self.unexpected(c);
                return self.skip_value();
            }
            if c <= b' ' {
                break;
            }
            self.pos += 1;
        }
        if self.pos > start {
            self.value = Some(Cow::Borrowed(&self.line[start..self.pos]));
        }
        true
    }

    fn quoted(&mut self) -> bool {
        let b = self.line.as_bytes();
        let start = self.pos;
        let (mut esc, mut has_esc) = (false, false);
        let mut p = self.pos + 1;
        while p < b.len() {
            let c = b[p];
            if esc {
                esc = false;
            } else if c == b'\\' {
                (esc, has_esc) = (true, true);
            } else if c == b'"' {
                self.pos = p + 1;
                let inner = &self.line[start + 1..p];
                if !has_esc {
                    self.value = (!inner.is_empty()).then_some(Cow::Borrowed(inner));
                    return true;
                }
                match go_unquote(inner) {
                    Some(v) => self.value = Some(Cow::Owned(v)),
                    None => {
                        self.syntax_error("invalid quoted value");
                        return false;
                    }
                }
                return true;
            }
            p += 1;
        }
        self.pos = b.len();
        self.syntax_error("unterminated quoted value");
        false
    }

    fn skip_value(&mut self) -> bool {
        let b = self.line.as_bytes();
        self.pos = b[self.pos..]
            .iter()
            .position(|&c| c <= b' ')
            .map_or(b.len(), |p| self.pos + p);
        false
    }

    fn unexpected(&mut self, c: u8) {
        self.err = Some(format!(
            "logfmt syntax error at pos {} : unexpected '{}'",
            self.pos + 1,
            c as char
        ));
    }

    fn syntax_error(&mut self, msg: &str) {
        self.err = Some(format!(
            "logfmt syntax error at pos {} : {msg}",
            self.pos + 1
        ));
    }
}

/// The escapes go-logfmt accepts inside quotes (JSON-like).
fn go_unquote(s: &str) -> Option<String> {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
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
            'u' => {
                let hex: String = chars.by_ref().take(4).collect();
                out.push(char::from_u32(u32::from_str_radix(&hex, 16).ok()?).unwrap_or('\u{FFFD}'));
            }
            _ => return None,
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(line: &str) -> (Vec<(String, String)>, Option<String>) {
        let mut d = Decoder::new(line);
        let mut out = Vec::new();
        while !d.eol() {
            if d.scan() {
                let v = d.value.clone().unwrap_or_default().into_owned();
                out.push((d.key.unwrap_or_default().to_owned(), v));
            }
        }
        (out, d.err)
    }

    #[test]
    fn decodes_like_go_logfmt() {
        let (p, err) = pairs(r#"a=1 b="x y" c= d e="q\"q" =bad f=2"#);
        let want = [
            ("a", "1"),
            ("b", "x y"),
            ("c", ""),
            ("d", ""),
            ("e", "q\"q"),
            ("f", "2"),
        ];
        let want: Vec<(String, String)> = want
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(p, want);
        assert_eq!(
            err.unwrap(),
            "logfmt syntax error at pos 27 : unexpected '='"
        );
        let (_, err) = pairs(r#"a="open"#);
        assert!(err.unwrap().contains("unterminated quoted value"));
    }
}
