//! Error messages and hints for the mistakes people and LLMs make most often when writing LogQL:
//! ranges on log queries, single quotes, PromQL and SQL habits, unknown function names.

use crate::diag::{Diagnostic, Span};

use super::ast::{CmpOp, MatchOp};
use super::expr::function_names;
use super::lexer::{Kw, Tok, Token};
use super::parser::Parser;

/// A hint suggested by the offending token alone.
pub(super) fn for_token(p: &Parser<'_>, t: Token) -> Option<String> {
    let text = p.text(t);
    Some(match t.tok {
        Tok::SingleQuoted => format!(
            "LogQL strings use double quotes or backticks: \"{}\"",
            text.trim_matches('\'')
        ),
        Tok::Illegal if text.starts_with(['"', '`']) => "close the string with a matching quote".into(),
        Tok::Illegal if text.starts_with('[') => "close the range with `]`, e.g. [5m]".into(),
        Tok::Range => "a range such as [5m] goes right after the log selector and pipeline inside a range aggregation, e.g. count_over_time({app=\"api\"} |= \"error\" [5m])".into(),
        Tok::Dot => "label names cannot contain dots; Loki stores `service.name` as `service_name`".into(),
        Tok::Ident => return sql_hint(text),
        _ => return None,
    })
}

fn sql_hint(word: &str) -> Option<String> {
    let lower = word.to_ascii_lowercase();
    Some(match lower.as_str() {
        "where" | "select" | "from" => "LogQL is not SQL: select streams with {label=\"value\"} and filter with |= \"text\" or | label=\"value\"".into(),
        "like" | "contains" | "ilike" => "to search the log line write |= \"text\" (contains) or |~ \"regex\"".into(),
        "not" => "negate filters with != \"text\", !~ \"regex\" or label!=\"value\"".into(),
        "grep" => "filter lines with |= \"text\" or |~ \"regex\"".into(),
        "limit" => "LogQL has no limit clause; the line limit is a parameter of the request".into(),
        "true" | "false" | "null" => "compare labels with strings or numbers, e.g. | level=\"error\"".into(),
        _ => return None,
    })
}

/// Advice when no operand can start at the current token.
pub(super) fn operand(p: &Parser<'_>, d: Diagnostic) -> Diagnostic {
    let t = p.peek();
    let prev = p.prev().map(|t| t.tok);
    let line_filter = matches!(
        t.tok,
        Tok::Str | Tok::PipeExact | Tok::PipeMatch | Tok::Nre | Tok::Neq
    );
    match prev {
        None if line_filter => d.with_hint("a log query starts with a stream selector: {app=\"api\"} |= \"error\""),
        None => d.with_hint("a query starts with a stream selector such as {app=\"api\"}, or with a function such as rate({app=\"api\"}[5m])"),
        Some(Tok::Kw(Kw::And)) if t.tok == Tok::Str => d.with_hint("line filters do not combine with `and`; chain them: |= \"a\" |= \"b\""),
        _ => d,
    }
}

pub(super) fn log_range(range: &str, span: Span, log: &str) -> Diagnostic {
    Diagnostic::new(span, format!("a log query cannot take a range `{range}`")).with_hint(format!(
        "use the time range of the request, or wrap it in count_over_time(...): count_over_time({log} {range})"
    ))
}

pub(super) fn unknown_function(name: &str, span: Span) -> Diagnostic {
    let d = Diagnostic::new(span, format!("unknown function `{name}`"));
    let lower = name.to_ascii_lowercase();
    let promql = match lower.as_str() {
        "increase" | "delta" | "irate" | "deriv" => Some(
            "count lines with count_over_time({...}[5m]) or rate({...}[5m]); for values inside lines use sum_over_time({...} | unwrap x [5m])",
        ),
        "histogram_quantile" => Some(
            "LogQL computes quantiles from log values: quantile_over_time(0.99, {...} | logfmt | unwrap duration [5m])",
        ),
        "count_values" | "group" | "quantile" => Some(
            "use sum, avg, min, max, count, topk or bottomk, or quantile_over_time for quantiles",
        ),
        "abs" | "ceil" | "floor" | "round" | "sqrt" | "exp" | "ln" | "clamp" | "clamp_min"
        | "clamp_max" => {
            Some("LogQL has no math functions; use arithmetic operators such as * 100")
        }
        "count_distinct" | "distinct" => {
            Some("count distinct values with count(count by (label) (count_over_time({...}[5m])))")
        }
        _ => None,
    };
    if let Some(h) = promql {
        return d.with_hint(format!("`{name}` is not a LogQL function; {h}"));
    }
    match nearest(&lower, function_names()) {
        Some(best) => d.with_hint(format!("did you mean `{best}`?")),
        None => d.with_hint("LogQL functions: rate, count_over_time, bytes_rate, sum_over_time, quantile_over_time, sum, avg, topk, ..."),
    }
}

/// The closest candidate by edit distance, when it is close enough to be a typo.
pub(super) fn nearest<'n>(
    word: &str,
    candidates: impl Iterator<Item = &'n str>,
) -> Option<&'n str> {
    let (dist, best) = candidates.map(|c| (edit_distance(word, c), c)).min()?;
    let limit = (word.len() / 3).max(2);
    (dist <= limit || best.starts_with(word) && word.len() >= 3).then_some(best)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cur = row[j + 1];
            row[j + 1] = (prev + usize::from(ca != *cb)).min(row[j] + 1).min(cur + 1);
            prev = cur;
        }
    }
    row[b.len()]
}

pub(super) fn matcher_op(p: &Parser<'_>, name: &str, in_selector: bool) -> Diagnostic {
    let t = p.peek();
    let d = p.unexpected("`=`, `!=`, `=~` or `!~`");
    match t.tok {
        Tok::CmpEq if in_selector => d.with_hint(format!("stream selectors compare with a single `=`: {{{name}=\"...\"}}")),
        Tok::Sub => {
            let rest = match p.peek_n(1).tok {
                Tok::Ident => p.text(p.peek_n(1)),
                _ => "...",
            };
            d.with_hint(format!("label names may contain only letters, digits and underscores; did you mean `{name}_{rest}`?"))
        }
        Tok::Gt | Tok::Lt | Tok::Gte | Tok::Lte if in_selector => d.with_hint("stream selectors only take =, !=, =~ and !~ with a string; compare numbers in a label filter after the pipe: | status >= 500"),
        _ => d,
    }
}

pub(super) fn matcher_value(p: &Parser<'_>, name: &str, op: MatchOp) -> Diagnostic {
    let t = p.peek();
    let d = p.unexpected("a string");
    if matches!(t.tok, Tok::Ident | Tok::Number | Tok::Duration | Tok::Bytes) {
        return d.with_hint(format!(
            "quote the value: {name}{}\"{}\"",
            op.as_str(),
            p.text(t)
        ));
    }
    d
}

pub(super) fn missing_selector(p: &Parser<'_>, func: &str) -> Diagnostic {
    p.unexpected("a stream selector `{`").with_hint(format!(
        "{func} needs a log query that starts with a stream selector: {func}({{app=\"api\"}} |= \"error\" [5m])"
    ))
}

pub(super) fn missing_range(p: &Parser<'_>, func: &str) -> Diagnostic {
    let d = p.unexpected("a range such as `[5m]`");
    if func.is_empty() {
        return d;
    }
    d.with_hint(format!(
        "{func} needs a range after the log query, e.g. {func}({{app=\"api\"}} |= \"error\" [5m])"
    ))
}

pub(super) fn unwrap_outside(p: &Parser<'_>) -> Diagnostic {
    let t = p.peek_n(1);
    Diagnostic::new(t.span, "unwrap is only allowed inside a range aggregation").with_hint(
        "wrap the query in an aggregation over unwrapped values, e.g. sum_over_time({app=\"api\"} | logfmt | unwrap bytes [5m])",
    )
}

pub(super) fn bad_stage(p: &Parser<'_>) -> Diagnostic {
    let t = p.peek();
    let d = p.unexpected(
        "a parser, a label filter, line_format, label_format, drop, keep or decolorize",
    );
    if d.hint.is_some() {
        return d;
    }
    match t.tok {
        Tok::Str => d.with_hint(
            "a line filter has no `|` of its own: write |= \"text\" rather than | \"text\"",
        ),
        Tok::Kw(Kw::Unwrap) => d,
        Tok::Eq | Tok::Re => d.with_hint("to filter the line write |= \"text\" or |~ \"regex\""),
        _ => d,
    }
}

pub(super) fn label_filter_op(p: &Parser<'_>, name: &str, span: Span) -> Diagnostic {
    let d = p.unexpected("a comparison such as `=`, `!=`, `=~`, `>` or `<=`");
    let lower = name.to_ascii_lowercase();
    let special = match lower.as_str() {
        "seconds" | "second" | "secs" | "sec" | "minutes" | "minute" | "mins" | "hours"
        | "hour" | "days" | "day" => {
            return d.with_hint(
                "write durations with a unit suffix and no space: 5s, 250ms, 1m30s, 2h",
            );
        }
        "xml" => Some(
            "Loki has no xml parser; extract fields with regexp \"...\" or pattern \"...\""
                .to_owned(),
        ),
        "sort" | "order" => Some(
            "log lines come back in time order; the request's direction (forward/backward) sets it"
                .to_owned(),
        ),
        "count" | "sum" | "avg" | "rate" | "max" | "min" if p.peek().tok == Tok::LParen => {
            Some(format!(
                "functions wrap the whole query: sum(count_over_time({{app=\"api\"}} |= \"error\" [5m])), not | {lower}()"
            ))
        }
        _ => sql_hint(name),
    };
    if let Some(h) = special {
        return Diagnostic::new(span, format!("unknown pipeline stage `{name}`")).with_hint(h);
    }
    let known_stage = [
        "json",
        "logfmt",
        "regexp",
        "pattern",
        "unpack",
        "line_format",
        "label_format",
        "drop",
        "keep",
        "decolorize",
    ];
    if let Some(best) = nearest(&name.to_ascii_lowercase(), known_stage.into_iter()) {
        return Diagnostic::new(span, format!("unknown pipeline stage `{name}`"))
            .with_hint(format!("did you mean `{best}`?"));
    }
    d
}

pub(super) fn label_filter_value(p: &Parser<'_>, name: &str, op: Tok) -> Diagnostic {
    let t = p.peek();
    let d = p.unexpected("a number, a duration or a byte size");
    match (op, t.tok) {
        (Tok::CmpEq, Tok::Str) => d.with_hint(format!(
            "compare strings with a single `=`: {name}={}",
            p.text(t)
        )),
        (_, Tok::Str) => d.with_hint(format!(
            "numeric comparisons take a bare number: {name} {} {}",
            cmp_text(op),
            p.text(t).trim_matches(['"', '`'])
        )),
        _ => d,
    }
}

fn cmp_text(op: Tok) -> &'static str {
    match op {
        Tok::Gt => CmpOp::Gt.as_str(),
        Tok::Gte => CmpOp::Gte.as_str(),
        Tok::Lt => CmpOp::Lt.as_str(),
        Tok::Lte => CmpOp::Lte.as_str(),
        Tok::Neq => CmpOp::Neq.as_str(),
        _ => CmpOp::Eq.as_str(),
    }
}
