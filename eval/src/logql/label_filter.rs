//! Label filters after the pipe: string matchers, numbers, durations, byte sizes, `ip()`, and
//! their `and`/`or` combinations, with Loki's error behaviour: a value that does not convert
//! keeps the line and sets `__error__="LabelFilterErr"`; once an error is set, only string
//! matchers can drop the line.

use loqui_query::logql::{Bytes, CmpOp, Duration, LabelFilter};

use super::EvalError;
use super::filters::LabelMatcher;
use super::ip::IpMatcher;
use super::labels::{ERR_LABEL_FILTER, LabelsBuilder};

#[derive(Debug, Clone)]
pub(crate) enum CompiledLabelFilter {
    Matcher(LabelMatcher),
    Ip {
        name: String,
        negated: bool,
        ip: IpMatcher,
    },
    Number {
        name: String,
        op: CmpOp,
        value: f64,
    },
    Duration {
        name: String,
        op: CmpOp,
        value: i64,
    },
    Bytes {
        name: String,
        op: CmpOp,
        value: u64,
    },
    And(Box<CompiledLabelFilter>, Box<CompiledLabelFilter>),
    Or(Box<CompiledLabelFilter>, Box<CompiledLabelFilter>),
}

impl CompiledLabelFilter {
    pub fn new(f: &LabelFilter) -> Result<CompiledLabelFilter, EvalError> {
        use CompiledLabelFilter as C;
        Ok(match f {
            LabelFilter::Matcher(m) => C::Matcher(LabelMatcher::new(m)?),
            LabelFilter::Ip {
                name,
                negated,
                cidr,
            } => C::Ip {
                name: name.clone(),
                negated: *negated,
                ip: IpMatcher::parse(cidr)?,
            },
            LabelFilter::Number { name, op, value } => C::Number {
                name: name.clone(),
                op: *op,
                value: *value,
            },
            LabelFilter::Duration { name, op, value } => C::Duration {
                name: name.clone(),
                op: *op,
                value: value.nanos(),
            },
            LabelFilter::Bytes { name, op, value } => C::Bytes {
                name: name.clone(),
                op: *op,
                value: value.0,
            },
            LabelFilter::And(a, b) => C::And(Box::new(C::new(a)?), Box::new(C::new(b)?)),
            LabelFilter::Or(a, b) => C::Or(Box::new(C::new(a)?), Box::new(C::new(b)?)),
        })
    }

    /// Whether the entry passes; may set `__error__` on `lbs`.
    pub fn keep(&self, lbs: &mut LabelsBuilder<'_>) -> bool {
        use CompiledLabelFilter as C;
        match self {
            C::Matcher(m) => m.matches(lbs.get(&m.name)),
            C::Ip { name, negated, ip } => {
                let hit = lbs.get(name).is_some_and(|v| ip.matches_value(v));
                hit != *negated
            }
            C::Number { name, op, value } => {
                compare(lbs, name, |v| parse_float(v).map(|x| cmp(*op, x, *value)))
            }
            C::Duration { name, op, value } => compare(lbs, name, |v| {
                parse_duration(v).map(|x| cmp(*op, x, *value))
            }),
            C::Bytes { name, op, value } => {
                compare(lbs, name, |v| parse_bytes(v).map(|x| cmp(*op, x, *value)))
            }
            C::And(a, b) => {
                let left = a.keep(lbs);
                let right = b.keep(lbs);
                left && right
            }
            C::Or(a, b) => a.keep(lbs) || b.keep(lbs),
        }
    }
}

/// A typed comparison: passes on an earlier error, drops on a missing label, and marks a value
/// that does not convert.
fn compare(
    lbs: &mut LabelsBuilder<'_>,
    name: &str,
    test: impl Fn(&str) -> Result<bool, String>,
) -> bool {
    if lbs.has_err() {
        return true;
    }
    let Some(v) = lbs.get(name) else {
        return false;
    };
    match test(v) {
        Ok(keep) => keep,
        Err(details) => {
            lbs.set_err(ERR_LABEL_FILTER, &details);
            true
        }
    }
}

fn cmp<T: PartialOrd>(op: CmpOp, a: T, b: T) -> bool {
    match op {
        CmpOp::Eq => a == b,
        CmpOp::Neq => a != b,
        CmpOp::Gt => a > b,
        CmpOp::Gte => a >= b,
        CmpOp::Lt => a < b,
        CmpOp::Lte => a <= b,
    }
}

/// Go's `strconv.ParseFloat` for the values logs hold.
pub(crate) fn parse_float(v: &str) -> Result<f64, String> {
    v.parse::<f64>()
        .map_err(|_| format!("strconv.ParseFloat: parsing {v:?}: invalid syntax"))
}

/// Go's `time.ParseDuration`, in nanoseconds.
pub(crate) fn parse_duration(v: &str) -> Result<i64, String> {
    let go_only = !v.contains(['d', 'w', 'y']);
    match Duration::parse_loki(v) {
        Some(d) if go_only => Ok(d.nanos()),
        _ => Err(format!("time: invalid duration {v:?}")),
    }
}

/// humanize's `ParseBytes`: `1.5KB`, `2 KiB`, `100`.
pub(crate) fn parse_bytes(v: &str) -> Result<u64, String> {
    let compact: String = v.chars().filter(|c| !c.is_whitespace()).collect();
    if let Ok(n) = compact.parse::<f64>() {
        if n >= 0.0 {
            return Ok(n as u64);
        }
    }
    Bytes::parse(&compact)
        .or_else(|| Bytes::parse(&compact.to_ascii_uppercase().replace("IB", "iB")))
        .map(|b| b.0)
        .ok_or_else(|| format!("strconv.ParseFloat: parsing {v:?}: invalid syntax"))
}
