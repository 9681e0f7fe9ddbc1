//! Static checks Loki makes once the syntax is right: matchers that select everything, regexes,
//! aggregation parameters, unwrap and grouping rules. They add diagnostics and never stop parsing.

use std::net::IpAddr;

use regex_syntax::hir::Hir;

use crate::diag::Span;

use super::ast::*;
use super::parser::Parser;

const EMPTY_COMPATIBLE: &str = "queries require at least one regexp or equality matcher that does not have an empty-compatible value. For instance, app=~\".*\" does not meet this requirement, but app=~\".+\" will";

/// Parses a number token as Go's `strconv.ParseFloat` would.
pub(super) fn number(text: &str) -> Result<f64, String> {
    let bad = || format!("unable to parse literal as a float: `{text}` is not a decimal number");
    if text.contains('_') || text.starts_with("0x") || text.starts_with("0X") {
        return Err(bad());
    }
    let v: f64 = text.parse().map_err(|_| bad())?;
    if v.is_finite() {
        Ok(v)
    } else {
        Err(format!(
            "unable to parse literal as a float: `{text}` is out of range"
        ))
    }
}

/// Compiles `pattern` anchored as Prometheus does for matchers; returns the tree or a reason.
fn compile(pattern: &str) -> Result<Hir, String> {
    compile_raw(&format!("^(?:{pattern})$"))
}

/// Line filters and the regexp parser use the pattern as written (unanchored).
fn compile_raw(pattern: &str) -> Result<Hir, String> {
    regex_syntax::ParserBuilder::new()
        .build()
        .parse(pattern)
        .map_err(|e| match e {
            regex_syntax::Error::Parse(e) => e.kind().to_string(),
            regex_syntax::Error::Translate(e) => e.kind().to_string(),
            other => other.to_string(),
        })
}

fn regex_error(p: &mut Parser<'_>, span: Span, pattern: &str, why: &str) {
    p.check(
        span,
        format!("invalid regular expression `{pattern}`: {why}"),
    )
    .hint = Some(
        "Loki uses RE2 syntax; escape special characters with a backslash, e.g. \\\\. or \\\\("
            .into(),
    );
}

pub(super) fn matcher_regex(p: &mut Parser<'_>, m: &Matcher, span: Span) {
    if m.op.is_regex() {
        if let Err(why) = compile(&m.value) {
            regex_error(p, span, &m.value, &why);
        }
    }
}

/// Whether the matcher also matches streams that lack the label (an empty value).
fn matches_empty(m: &Matcher) -> bool {
    let regex_empty = || compile(&m.value).is_ok_and(|h| h.properties().minimum_len() == Some(0));
    match m.op {
        MatchOp::Eq => m.value.is_empty(),
        MatchOp::Neq => !m.value.is_empty(),
        MatchOp::Re => regex_empty(),
        MatchOp::Nre => compile(&m.value).is_ok() && !regex_empty(),
    }
}

pub(super) fn selector(p: &mut Parser<'_>, matchers: &[Matcher], span: Span) {
    if matchers.iter().all(matches_empty) {
        let hint = match matchers.first() {
            Some(m) if m.op == MatchOp::Re => format!(
                "select streams with a value, e.g. {}=~\".+\" or {}=\"<value>\"",
                m.name, m.name
            ),
            _ => "add a matcher that selects streams, e.g. {app=\"api\"} or {namespace=~\".+\"}"
                .to_owned(),
        };
        p.check(span, EMPTY_COMPATIBLE).hint = Some(hint);
    }
}

pub(super) fn line_filter(p: &mut Parser<'_>, op: LineFilterOp, text: &str, span: Span) {
    match op {
        LineFilterOp::Match | LineFilterOp::NotMatch => {
            if let Err(why) = compile_raw(text) {
                regex_error(p, span, text, &why);
            }
        }
        _ => {}
    }
}

pub(super) fn ip_line_filter(p: &mut Parser<'_>, op: LineFilterOp, cidr: &str, span: Span) {
    if !matches!(op, LineFilterOp::Contains | LineFilterOp::NotContains) {
        p.check(
            span,
            format!(
                "ip(...) line filters work only with |= and !=, not {}",
                op.as_str()
            ),
        );
    }
    ip(p, cidr, span);
}

/// `ip("...")` takes an address, a CIDR range or an `a-b` range.
pub(super) fn ip(p: &mut Parser<'_>, pattern: &str, span: Span) {
    let addr = |s: &str| s.trim().parse::<IpAddr>().is_ok();
    let ok = if let Some((a, bits)) = pattern.split_once('/') {
        addr(a)
            && bits
                .parse::<u8>()
                .is_ok_and(|b| b <= if a.contains(':') { 128 } else { 32 })
    } else if let Some((a, b)) = pattern.split_once('-') {
        addr(a) && addr(b)
    } else {
        addr(pattern)
    };
    if !ok {
        p.check(span, format!("invalid ip pattern `{pattern}`"))
            .hint = Some(
            "use an address (10.0.0.1), a CIDR range (10.0.0.0/8) or a range (10.0.0.1-10.0.0.9)"
                .into(),
        );
    }
}

pub(super) fn regexp_parser(p: &mut Parser<'_>, re: &str, span: Span) {
    match compile_raw(re) {
        Err(why) => regex_error(p, span, re, &why),
        Ok(_) if !re.contains("(?P<") && !re.contains("(?<") => {
            p.check(span, "at least one named capture must be supplied")
                .hint =
                Some("name the groups you want as labels: regexp \"(?P<status>\\\\d{3})\"".into());
        }
        Ok(_) => {}
    }
}

pub(super) fn pattern_parser(p: &mut Parser<'_>, pattern: &str, span: Span) {
    let has_named = pattern.split('<').skip(1).any(|part| {
        part.split_once('>').is_some_and(|(name, _)| {
            name != "_" && !name.is_empty() && name.chars().all(|c| c == '_' || c.is_alphanumeric())
        })
    });
    if !has_named {
        p.check(span, "at least one capture is required").hint =
            Some("name the parts you want as labels: pattern \"<ip> - <_> <status>\"".into());
    }
}

pub(super) fn range_aggregation(
    p: &mut Parser<'_>,
    agg: &RangeAggregation,
    name: &str,
    span: Span,
) {
    if agg.grouping.is_some() && !agg.op.allows_grouping() {
        p.check(span, format!("grouping not allowed for {name} aggregation"))
            .hint = Some(format!(
            "group with a vector aggregation around it: sum by (label) ({name}(...))"
        ));
    }
    let unwrap = agg.range.unwrap.is_some();
    if unwrap && !agg.op.allows_unwrap() {
        p.check(span, format!("invalid aggregation {name} with unwrap"))
            .hint = Some("count_over_time, bytes_over_time and bytes_rate count lines; use sum_over_time, avg_over_time, ... with unwrap".into());
    } else if !unwrap && agg.op.needs_unwrap() {
        p.check(span, format!("invalid aggregation {name} without unwrap"))
            .hint = Some(format!(
            "{name} needs sample values: add `| unwrap <label>` before the range, e.g. {name}({{app=\"api\"}} | logfmt | unwrap duration_ms [5m])"
        ));
    }
}

pub(super) fn vector_param(
    p: &mut Parser<'_>,
    op: VectorOp,
    name: &str,
    param: Option<(&str, Span)>,
    grouping: Option<&Grouping>,
    span: Span,
) -> Option<i64> {
    if matches!(op, VectorOp::Sort | VectorOp::SortDesc)
        && grouping.is_some_and(|g| !g.labels.is_empty())
    {
        p.check(span, "sort and sort_desc doesn't allow grouping by");
    }
    if op == VectorOp::ApproxTopk && grouping.is_some() {
        p.check(span, format!("grouping not allowed for {name} aggregation"));
    }
    let Some((text, pspan)) = param else {
        if op.takes_param() {
            p.check(span, format!("parameter required for operation {name}"))
                .hint = Some(format!("give the count first: {name}(5, <metric query>)"));
        }
        return None;
    };
    if !op.takes_param() {
        p.check(
            pspan,
            format!("unsupported parameter for operation {name}({text},"),
        );
        return None;
    }
    match text.parse::<i64>() {
        Ok(k) if k > 0 => Some(k),
        Ok(_) => {
            p.check(
                pspan,
                format!("invalid parameter (must be greater than 0) {name}({text}"),
            );
            None
        }
        Err(_) => {
            p.check(pspan, format!("invalid parameter {name}({text},"))
                .hint = Some("the count must be a whole number".into());
            None
        }
    }
}

pub(super) fn label_replace(p: &mut Parser<'_>, dst: &(String, Span), regex: &(String, Span)) {
    if let Err(why) = compile(&regex.0) {
        p.check(regex.1, format!("invalid regex in label_replace: {why}"));
    }
    let valid = dst
        .0
        .chars()
        .enumerate()
        .all(|(i, c)| c == '_' || c.is_ascii_alphabetic() || (i > 0 && c.is_ascii_digit()));
    if dst.0.is_empty() || !valid {
        p.check(
            dst.1,
            format!(
                "invalid destination label name in label_replace(): {}",
                dst.0
            ),
        );
    }
}
