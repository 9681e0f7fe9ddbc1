//! Compiled matchers and line filters: regexes are built once per query.

use loqui_query::logql::{FilterValue, LineFilter, LineFilterOp, MatchOp, Matcher};
use regex::Regex;

use super::EvalError;
use super::ip::IpMatcher;
use super::pattern::Pattern;

/// A label matcher with its regex compiled; regexes match the whole value, as in Prometheus.
#[derive(Debug, Clone)]
pub(crate) struct LabelMatcher {
    pub name: String,
    op: MatchOp,
    value: String,
    re: Option<Regex>,
}

impl LabelMatcher {
    pub fn new(m: &Matcher) -> Result<LabelMatcher, EvalError> {
        let re = match m.op {
            MatchOp::Re | MatchOp::Nre => Some(anchored(&m.value)?),
            MatchOp::Eq | MatchOp::Neq => None,
        };
        Ok(LabelMatcher {
            name: m.name.clone(),
            op: m.op,
            value: m.value.clone(),
            re,
        })
    }

    /// Whether a label value matches; a missing label is the empty string.
    pub fn matches(&self, value: Option<&str>) -> bool {
        let v = value.unwrap_or("");
        match (self.op, &self.re) {
            (MatchOp::Eq, _) => v == self.value,
            (MatchOp::Neq, _) => v != self.value,
            (MatchOp::Re, Some(re)) => re.is_match(v),
            (MatchOp::Nre, Some(re)) => !re.is_match(v),
            _ => false,
        }
    }
}

pub(crate) fn compile_matchers(ms: &[Matcher]) -> Result<Vec<LabelMatcher>, EvalError> {
    ms.iter().map(LabelMatcher::new).collect()
}

/// A regex that must match the whole value.
pub(crate) fn anchored(re: &str) -> Result<Regex, EvalError> {
    // Prometheus anchors matcher regexes and lets `.` match newlines: `^(?s:re)$`.
    compile_regex(&format!("^(?s:{re})$"), re)
}

/// Compiles a regex, naming the query's text in the error.
pub(crate) fn compile_regex(src: &str, shown: &str) -> Result<Regex, EvalError> {
    Regex::new(&go_classes(src)).map_err(|e| {
        EvalError::BadQuery(format!(
            "error parsing regexp `{shown}`: {}",
            e.to_string().lines().last().unwrap_or("invalid")
        ))
    })
}

/// Go's RE2 gives `\d`, `\w`, `\s` and `\b` their ASCII meaning where Rust's are Unicode-aware;
/// rewriting them keeps, say, `\berror` matching after a Korean word as it does in Loki.
fn go_classes(re: &str) -> String {
    let mut out = String::with_capacity(re.len() + 16);
    let mut chars = re.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        let Some(n) = chars.next() else {
            out.push(c);
            break;
        };
        match n {
            'd' => out.push_str("[0-9]"),
            'D' => out.push_str("[^0-9]"),
            'w' => out.push_str("[0-9A-Za-z_]"),
            'W' => out.push_str("[^0-9A-Za-z_]"),
            's' => out.push_str(r"[\t\n\f\r ]"),
            'S' => out.push_str(r"[^\t\n\f\r ]"),
            'b' => out.push_str(r"(?-u:\b)"),
            'B' => out.push_str(r"(?-u:\B)"),
            _ => {
                out.push(c);
                out.push(n);
            }
        }
    }
    out
}

/// One alternative of a line filter.
#[derive(Debug, Clone)]
enum Needle {
    Text(String),
    Regex(Regex),
    Pattern(Pattern),
    Ip(IpMatcher),
}

impl Needle {
    fn matches(&self, line: &str) -> bool {
        match self {
            Needle::Text(t) => line.contains(t.as_str()),
            Needle::Regex(re) => re.is_match(line),
            Needle::Pattern(p) => p.test(line),
            Needle::Ip(ip) => ip.matches_line(line),
        }
    }
}

/// `|= "a" or "b"`, `!~ "x"`, `|> "<_> error <_>"`, `|= ip("10.0.0.0/8")`.
#[derive(Debug, Clone)]
pub(crate) struct CompiledLineFilter {
    negated: bool,
    needles: Vec<Needle>,
}

impl CompiledLineFilter {
    pub fn new(f: &LineFilter) -> Result<CompiledLineFilter, EvalError> {
        let negated = matches!(
            f.op,
            LineFilterOp::NotContains | LineFilterOp::NotMatch | LineFilterOp::NotPattern
        );
        let needles = f
            .values
            .iter()
            .map(|v| needle(f.op, v))
            .collect::<Result<_, _>>()?;
        Ok(CompiledLineFilter { negated, needles })
    }

    /// Whether the line passes. `or` alternatives match when any does; a negated filter passes
    /// when none does.
    pub fn keep(&self, line: &str) -> bool {
        self.needles.iter().any(|n| n.matches(line)) != self.negated
    }
}

fn needle(op: LineFilterOp, v: &FilterValue) -> Result<Needle, EvalError> {
    let text = match v {
        FilterValue::Ip(cidr) => return Ok(Needle::Ip(IpMatcher::parse(cidr)?)),
        FilterValue::Text(t) => t,
    };
    Ok(match op {
        LineFilterOp::Contains | LineFilterOp::NotContains => Needle::Text(text.clone()),
        LineFilterOp::Match | LineFilterOp::NotMatch => Needle::Regex(compile_regex(text, text)?),
        LineFilterOp::Pattern | LineFilterOp::NotPattern => Needle::Pattern(Pattern::parse(text)?),
    })
}
