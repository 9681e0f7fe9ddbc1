//! Literal values: durations, byte sizes, numbers and strings, parsed the way Loki's lexer does
//! and printed in a canonical form that parses back to the same value.

use std::fmt;

/// A duration in nanoseconds (Go's `time.Duration`). Negative only in label filters and offsets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Duration(pub i64);

const NS: i64 = 1;
const US: i64 = 1_000;
const MS: i64 = 1_000_000;
const SEC: i64 = 1_000_000_000;
const MIN: i64 = 60 * SEC;
const HOUR: i64 = 60 * MIN;
const DAY: i64 = 24 * HOUR;
const WEEK: i64 = 7 * DAY;
const YEAR: i64 = 365 * DAY;

/// Prometheus units in the only order Prometheus accepts them.
const PROM_UNITS: [(&str, i64); 7] = [
    ("y", YEAR),
    ("w", WEEK),
    ("d", DAY),
    ("h", HOUR),
    ("m", MIN),
    ("s", SEC),
    ("ms", MS),
];

/// Go units, largest first (Go also spells microseconds `µs` and `μs`).
const GO_UNITS: [(&str, i64); 6] = [
    ("h", HOUR),
    ("m", MIN),
    ("s", SEC),
    ("ms", MS),
    ("us", US),
    ("ns", NS),
];

impl Duration {
    pub fn from_secs(secs: i64) -> Duration {
        Duration(secs.saturating_mul(SEC))
    }

    pub fn nanos(self) -> i64 {
        self.0
    }

    /// Parses a range duration (`5m`, `1h30m`, `1d`): Prometheus syntax only, as inside `[...]`.
    pub fn parse_prometheus(s: &str) -> Option<Duration> {
        if s == "0" {
            return Some(Duration(0));
        }
        if s.is_empty() {
            return None;
        }
        let (mut rest, mut total, mut next_unit) = (s, 0i64, 0usize);
        while !rest.is_empty() {
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                return None;
            }
            let n: i64 = rest[..digits].parse().ok()?;
            rest = &rest[digits..];
            let idx = (next_unit..PROM_UNITS.len()).find(|&i| unit_at(rest, PROM_UNITS[i].0))?;
            rest = &rest[PROM_UNITS[idx].0.len()..];
            total = total.checked_add(n.checked_mul(PROM_UNITS[idx].1)?)?;
            next_unit = idx + 1;
        }
        Some(Duration(total))
    }

    /// Parses a duration the way Loki's lexer does outside ranges: Prometheus first, then Go.
    pub fn parse_loki(s: &str) -> Option<Duration> {
        Duration::parse_prometheus(s).or_else(|| parse_go(s))
    }
}

/// Whether `rest` starts with `unit` and not with a longer unit (`m` must not eat `ms`).
fn unit_at(rest: &str, unit: &str) -> bool {
    rest.starts_with(unit) && !(unit == "m" && rest.starts_with("ms"))
}

/// Go's `time.ParseDuration`.
fn parse_go(s: &str) -> Option<Duration> {
    let (neg, mut rest) = match s.as_bytes().first()? {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if rest == "0" {
        return Some(Duration(0));
    }
    if rest.is_empty() {
        return None;
    }
    let mut total: i128 = 0;
    while !rest.is_empty() {
        let int_len = rest.bytes().take_while(u8::is_ascii_digit).count();
        let int_part = &rest[..int_len];
        rest = &rest[int_len..];
        let mut frac = "";
        if let Some(r) = rest.strip_prefix('.') {
            let n = r.bytes().take_while(u8::is_ascii_digit).count();
            frac = &r[..n];
            rest = &r[n..];
        }
        if int_part.is_empty() && frac.is_empty() {
            return None;
        }
        let unit_len = rest
            .char_indices()
            .find(|&(_, c)| c == '.' || c.is_ascii_digit())
            .map_or(rest.len(), |(i, _)| i);
        let unit = go_unit(&rest[..unit_len])?;
        rest = &rest[unit_len..];
        total += component(int_part, frac, unit)?;
        if total > i64::MAX as i128 + 1 {
            return None;
        }
    }
    let total = if neg { -total } else { total };
    i64::try_from(total).ok().map(Duration)
}

fn go_unit(unit: &str) -> Option<i64> {
    Some(match unit {
        "ns" => NS,
        "us" | "µs" | "μs" => US,
        "ms" => MS,
        "s" => SEC,
        "m" => MIN,
        "h" => HOUR,
        _ => return None,
    })
}

fn component(int_part: &str, frac: &str, unit: i64) -> Option<i128> {
    let whole: i128 = if int_part.is_empty() {
        0
    } else {
        int_part.parse::<i128>().ok()?
    };
    let mut value = whole.checked_mul(unit as i128)?;
    // Digits past the 18th are below a nanosecond for every unit and could overflow the
    // product below, so they are dropped (the fuzzer found `0.777…7h` overflowing at 30).
    let frac = &frac[..frac.len().min(18)];
    if !frac.is_empty() {
        let f: i128 = frac.parse().ok()?;
        let part = f.checked_mul(unit as i128)? / 10i128.pow(frac.len() as u32);
        value = value.checked_add(part)?;
    }
    Some(value)
}

impl fmt::Display for Duration {
    /// Prometheus form when whole milliseconds (`1h30m`), Go form otherwise (`1.5us` as `1us500ns`).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0;
        if n == 0 {
            return f.write_str("0s");
        }
        let (units, mut rest): (&[(&str, i64)], u128) = if n > 0 && n % MS == 0 {
            (&PROM_UNITS, n as u128)
        } else {
            if n < 0 {
                f.write_str("-")?;
            }
            (&GO_UNITS, n.unsigned_abs() as u128)
        };
        for (name, size) in units {
            let size = *size as u128;
            if rest >= size {
                write!(f, "{}{name}", rest / size)?;
                rest %= size;
            }
        }
        Ok(())
    }
}

/// A byte size in bytes (`10KB` is 10000, `10KiB` is 10240, as go-humanize reads them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Bytes(pub u64);

const BYTE_UNITS: [(&str, u64); 10] = [
    ("PiB", 1 << 50),
    ("PB", 1_000_000_000_000_000),
    ("TiB", 1 << 40),
    ("TB", 1_000_000_000_000),
    ("GiB", 1 << 30),
    ("GB", 1_000_000_000),
    ("MiB", 1 << 20),
    ("MB", 1_000_000),
    ("KiB", 1 << 10),
    ("KB", 1_000),
];

impl Bytes {
    /// go-humanize's `ParseBytes` on text such as `1.5MB`, `10KiB`, `5B`, `2G`.
    pub fn parse(s: &str) -> Option<Bytes> {
        let num_len = s
            .bytes()
            .take_while(|b| b.is_ascii_digit() || *b == b'.')
            .count();
        let value: f64 = s[..num_len].parse().ok()?;
        let suffix = s[num_len..].to_ascii_lowercase();
        let mult: u64 = match suffix.as_str() {
            "" | "b" => 1,
            "k" | "kb" => 1_000,
            "ki" | "kib" => 1 << 10,
            "m" | "mb" => 1_000_000,
            "mi" | "mib" => 1 << 20,
            "g" | "gb" => 1_000_000_000,
            "gi" | "gib" => 1 << 30,
            "t" | "tb" => 1_000_000_000_000,
            "ti" | "tib" => 1 << 40,
            "p" | "pb" => 1_000_000_000_000_000,
            "pi" | "pib" => 1 << 50,
            _ => return None,
        };
        let total = value * mult as f64;
        (total < u64::MAX as f64).then_some(Bytes(total as u64))
    }
}

impl fmt::Display for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0;
        match BYTE_UNITS.iter().find(|(_, size)| n != 0 && n % size == 0) {
            Some((name, size)) => write!(f, "{}{name}", n / size),
            None => write!(f, "{n}B"),
        }
    }
}

/// Prints a number so that it lexes back to the same `f64`.
pub fn fmt_number(f: &mut fmt::Formatter<'_>, v: f64) -> fmt::Result {
    let a = v.abs();
    if a != 0.0 && !(1e-6..1e21).contains(&a) {
        write!(f, "{v:e}")
    } else {
        write!(f, "{v}")
    }
}

/// Decodes a Go string literal (`"..."` with escapes or `` `...` `` raw).
pub fn unquote(text: &str) -> Result<String, String> {
    if let Some(raw) = text.strip_prefix('`') {
        return Ok(raw.strip_suffix('`').unwrap_or(raw).to_owned());
    }
    let body = text.strip_prefix('"').unwrap_or(text);
    let body = body.strip_suffix('"').unwrap_or(body);
    if !body.contains('\\') {
        return Ok(body.to_owned());
    }
    let mut out: Vec<u8> = Vec::with_capacity(body.len());
    let mut chars = body.char_indices();
    while let Some((_, c)) = chars.next() {
        if c != '\\' {
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            continue;
        }
        let Some((_, e)) = chars.next() else {
            return Err("unterminated escape sequence".into());
        };
        unescape(e, &mut chars, &mut out)?;
    }
    String::from_utf8(out).map_err(|_| "escape sequence produces invalid utf-8".into())
}

fn unescape(
    e: char,
    chars: &mut std::str::CharIndices<'_>,
    out: &mut Vec<u8>,
) -> Result<(), String> {
    let simple = match e {
        'a' => Some(0x07),
        'b' => Some(0x08),
        'f' => Some(0x0c),
        'n' => Some(b'\n'),
        'r' => Some(b'\r'),
        't' => Some(b'\t'),
        'v' => Some(0x0b),
        '\\' => Some(b'\\'),
        '"' => Some(b'"'),
        _ => None,
    };
    if let Some(b) = simple {
        out.push(b);
        return Ok(());
    }
    let (radix, len) = match e {
        '0'..='7' => (8, 2),
        'x' => (16, 2),
        'u' => (16, 4),
        'U' => (16, 8),
        _ => return Err(format!("invalid escape sequence `\\{e}`")),
    };
    let mut digits: String = if radix == 8 {
        e.to_string()
    } else {
        String::new()
    };
    for _ in 0..len {
        match chars.next() {
            Some((_, d)) if d.is_digit(radix) => digits.push(d),
            _ => return Err(format!("invalid escape sequence `\\{e}{digits}`")),
        }
    }
    let value = u32::from_str_radix(&digits, radix).map_err(|e| e.to_string())?;
    if matches!(e, 'u' | 'U') {
        let c = char::from_u32(value).ok_or("escape sequence is not a valid unicode code point")?;
        let mut buf = [0u8; 4];
        out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
    } else {
        out.push(u8::try_from(value).map_err(|_| "octal escape value above 255")?);
    }
    Ok(())
}

/// Writes `s` as a double-quoted Go string literal.
pub fn write_quoted(f: &mut fmt::Formatter<'_>, s: &str) -> fmt::Result {
    use fmt::Write as _;
    f.write_char('"')?;
    for c in s.chars() {
        match c {
            '"' => f.write_str("\\\"")?,
            '\\' => f.write_str("\\\\")?,
            '\n' => f.write_str("\\n")?,
            '\r' => f.write_str("\\r")?,
            '\t' => f.write_str("\\t")?,
            c if (c as u32) < 0x20 || c as u32 == 0x7f => write!(f, "\\x{:02x}", c as u32)?,
            c if c.is_control() => write!(f, "\\u{:04x}", c as u32)?,
            c => f.write_char(c)?,
        }
    }
    f.write_char('"')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_round_trip() {
        for (text, nanos) in [
            ("5m", 5 * MIN),
            ("1h30m", 90 * MIN),
            ("1d", DAY),
            ("1.5h", 90 * MIN),
            ("250ms", 250 * MS),
            ("-1s", -SEC),
            ("1us500ns", 1500),
        ] {
            let d = Duration::parse_loki(text).unwrap();
            assert_eq!(d.0, nanos, "{text}");
            assert_eq!(Duration::parse_loki(&d.to_string()), Some(d), "{text}");
        }
        assert_eq!(Duration::parse_prometheus("1.5h"), None);
        assert_eq!(Duration::parse_prometheus("5 m"), None);
        assert_eq!(Duration::parse_prometheus("1m1h"), None);
    }

    #[test]
    fn bytes_follow_humanize() {
        assert_eq!(Bytes::parse("10KB"), Some(Bytes(10_000)));
        assert_eq!(Bytes::parse("10KiB"), Some(Bytes(10_240)));
        assert_eq!(Bytes::parse("1.5MB"), Some(Bytes(1_500_000)));
        assert_eq!(Bytes(10_240).to_string(), "10KiB");
        assert_eq!(Bytes(7).to_string(), "7B");
    }

    #[test]
    fn strings_unquote() {
        assert_eq!(unquote(r#""a\"b\n""#).unwrap(), "a\"b\n");
        assert_eq!(unquote(r#""\u00e9\x41""#).unwrap(), "éA");
        assert_eq!(unquote("`a\\b`").unwrap(), "a\\b");
        assert!(unquote(r#""\q""#).is_err());
    }
}
