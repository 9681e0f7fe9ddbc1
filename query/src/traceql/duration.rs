//! Durations the way Tempo reads them: Prometheus syntax first (`1d`, `1h30m`, `2w`), then Go's
//! `time.ParseDuration` (`1.5s`, `300us`, `2µs`). Values are nanoseconds.

const NS: i64 = 1;
const US: i64 = 1_000;
const MS: i64 = 1_000_000;
const S: i64 = 1_000_000_000;
const M: i64 = 60 * S;
const H: i64 = 60 * M;
const D: i64 = 24 * H;

/// Parses a duration; `None` when neither syntax accepts the text.
pub(crate) fn parse(text: &str) -> Option<i64> {
    prometheus(text).or_else(|| go(text))
}

/// `[0-9]+y? [0-9]+w? [0-9]+d? [0-9]+h? [0-9]+m? [0-9]+s? [0-9]+ms?`, each unit at most once
/// and in this order.
fn prometheus(text: &str) -> Option<i64> {
    const UNITS: [(&str, i64); 7] = [
        ("y", 365 * D),
        ("w", 7 * D),
        ("d", D),
        ("h", H),
        ("m", M),
        ("s", S),
        ("ms", MS),
    ];
    let mut rest = text;
    let mut next_unit = 0;
    let mut total: i64 = 0;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits == 0 {
            return None;
        }
        let value: i64 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit = &rest[..unit_len];
        let idx = UNITS[next_unit..].iter().position(|(u, _)| *u == unit)? + next_unit;
        total = total.checked_add(value.checked_mul(UNITS[idx].1)?)?;
        next_unit = idx + 1;
        rest = &rest[unit_len..];
    }
    (!text.is_empty()).then_some(total)
}

/// Go's `time.ParseDuration` for unsigned input: `(digits[.digits]unit)+`.
fn go(text: &str) -> Option<i64> {
    let mut rest = text;
    let mut total: i64 = 0;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let (value, after) = go_component(rest)?;
        total = total.checked_add(value)?;
        rest = after;
    }
    Some(total)
}

/// One `digits[.digits]unit` part and what follows it.
fn go_component(text: &str) -> Option<(i64, &str)> {
    let int_len = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (int_part, mut rest) = text.split_at(int_len);
    let mut frac = "";
    if let Some(after) = rest.strip_prefix('.') {
        let len = after
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(after.len());
        (frac, rest) = after.split_at(len);
    }
    if int_part.is_empty() && frac.is_empty() {
        return None;
    }
    let unit_len = rest
        .find(|c: char| c == '.' || c.is_ascii_digit())
        .unwrap_or(rest.len());
    let (unit, rest) = rest.split_at(unit_len);
    let unit = match unit {
        "ns" => NS,
        "us" | "µs" | "μs" => US,
        "ms" => MS,
        "s" => S,
        "m" => M,
        "h" => H,
        _ => return None,
    };
    let whole: i64 = if int_part.is_empty() {
        0
    } else {
        int_part.parse().ok()?
    };
    let mut value = whole.checked_mul(unit)?;
    if !frac.is_empty() {
        // Go scales the fraction in floating point, and so do we, to agree to the nanosecond.
        let digits = &frac[..frac.len().min(18)];
        let f: i64 = digits.parse().ok()?;
        let scale = 10f64.powi(digits.len() as i32);
        value = value.checked_add((f as f64 * (unit as f64 / scale)) as i64)?;
    }
    Some((value, rest))
}

/// Shortest text in one unit that parses back to exactly `nanos`.
pub(crate) fn format(nanos: i64) -> String {
    if nanos == 0 {
        return "0s".to_string();
    }
    let sign = if nanos < 0 { "-" } else { "" };
    let abs = nanos.unsigned_abs();
    for (unit, size) in [("h", H), ("m", M), ("s", S), ("ms", MS), ("us", US)] {
        if abs % size as u64 == 0 {
            return format!("{sign}{}{unit}", abs / size as u64);
        }
    }
    format!("{sign}{abs}ns")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_both_syntaxes() {
        assert_eq!(parse("1s"), Some(S));
        assert_eq!(parse("1h30m"), Some(H + 30 * M));
        assert_eq!(parse("1.5s"), Some(1_500 * MS));
        assert_eq!(parse("2d"), Some(2 * D));
        assert_eq!(parse("300us"), Some(300 * US));
        assert_eq!(parse("5"), None);
        assert_eq!(parse("1.5d"), None);
        assert_eq!(parse("1sx"), None);
    }

    #[test]
    fn formats_round_trip() {
        for n in [1, 999, 1_000, 1_500 * MS, 90 * M, 25 * H, -3 * S, i64::MAX] {
            assert_eq!(
                parse(format(n).trim_start_matches('-')),
                Some(n.abs()),
                "{n}"
            );
        }
    }
}
