#![allow(dead_code)]

use loqui_demo::{Batch, Config, Generator, align_to_minute};

pub const NS_MIN: i64 = 60_000_000_000;
pub const NS_HOUR: i64 = 60 * NS_MIN;

/// A fixed end (2026-11-22T02:49:00Z) so failures reproduce.
pub fn end() -> i64 {
    align_to_minute(1_795_315_760_000_000_000)
}

pub fn generator(seed: u64, hours: i64) -> Generator {
    Generator::new(Config {
        seed,
        duration_ns: hours * NS_HOUR,
        ..Config::new(end())
    })
}

/// All batches of a run merged into one.
pub fn collect(g: &Generator) -> Batch {
    let mut all = Batch::default();
    for b in g.batches() {
        all.logs.extend(b.logs);
        all.spans.extend(b.spans);
    }
    all
}

/// A logfmt parser in the style of go-logfmt: `key=value` pairs separated by spaces, values bare
/// or double-quoted with backslash escapes. Returns None on any malformed input.
pub fn parse_logfmt(line: &str) -> Option<Vec<(String, String)>> {
    let mut out = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        while chars.peek() == Some(&' ') {
            chars.next();
        }
        if chars.peek().is_none() {
            return Some(out);
        }
        let mut key = String::new();
        while let Some(&c) = chars.peek() {
            if c == '=' || c == ' ' {
                break;
            }
            if c == '"' || c.is_control() {
                return None;
            }
            key.push(c);
            chars.next();
        }
        if key.is_empty() || chars.next() != Some('=') {
            return None;
        }
        let mut value = String::new();
        if chars.peek() == Some(&'"') {
            chars.next();
            loop {
                match chars.next()? {
                    '"' => break,
                    '\\' => match chars.next()? {
                        'n' => value.push('\n'),
                        't' => value.push('\t'),
                        'r' => value.push('\r'),
                        c @ ('"' | '\\') => value.push(c),
                        _ => return None,
                    },
                    c => value.push(c),
                }
            }
            if !matches!(chars.peek(), None | Some(' ')) {
                return None;
            }
        } else {
            while let Some(&c) = chars.peek() {
                if c == ' ' {
                    break;
                }
                if c == '"' || c == '=' || c.is_control() {
                    return None;
                }
                value.push(c);
                chars.next();
            }
        }
        out.push((key, value));
    }
}

pub fn field<'a>(kv: &'a [(String, String)], key: &str) -> Option<&'a str> {
    kv.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str())
}
