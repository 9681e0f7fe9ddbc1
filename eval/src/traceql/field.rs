//! Reading intrinsics and attributes from a span, and evaluating span filter expressions.

use std::collections::HashMap;

use loqui_core::{Span, normalize_span_id, normalize_trace_id};
use loqui_query::traceql::{
    Attribute, BinaryOp, Field, FieldExpr, Intrinsic, Scope, Static, UnaryOp,
};
use regex::Regex;

use super::trace::TraceCtx;
use super::value::{Value, arith, compare, compare_nil, negate};

/// Regexes of a query, compiled once. Tempo anchors them: `=~ "GET"` must match the whole value.
#[derive(Default)]
pub(crate) struct Regexes(HashMap<String, Regex>);

impl Regexes {
    pub fn insert(&mut self, pattern: &str) -> Result<(), regex::Error> {
        if !self.0.contains_key(pattern) {
            let re = Regex::new(&format!("^(?s:{pattern})$"))?;
            self.0.insert(pattern.to_string(), re);
        }
        Ok(())
    }

    pub fn is_match(&self, pattern: &str, text: &str) -> bool {
        self.0.get(pattern).is_some_and(|re| re.is_match(text))
    }
}

/// One span of a trace, with the event that event-scoped fields read (if any).
#[derive(Clone, Copy)]
pub(crate) struct At<'t, 'a> {
    pub trace: &'t TraceCtx<'a>,
    pub idx: usize,
    pub event: Option<usize>,
}

impl<'a> At<'_, 'a> {
    pub fn span(&self) -> &'a Span {
        &self.trace.spans[self.idx]
    }
}

/// Evaluates a filter expression; the span matches when the result is `true`. A filter that
/// reads event fields matches when it holds for any one of the span's events.
pub(crate) fn matches(expr: &FieldExpr, re: &Regexes, trace: &TraceCtx<'_>, idx: usize) -> bool {
    let at = |event| At { trace, idx, event };
    if reads_events(expr) && !trace.spans[idx].events.is_empty() {
        return (0..trace.spans[idx].events.len())
            .any(|e| eval(expr, re, at(Some(e))) == Value::Bool(true));
    }
    eval(expr, re, at(None)) == Value::Bool(true)
}

pub(crate) fn eval(expr: &FieldExpr, re: &Regexes, at: At<'_, '_>) -> Value {
    match expr {
        FieldExpr::Static(s) => Value::from_static(s),
        FieldExpr::Field(f) => field(f, at),
        FieldExpr::Unary { op, expr } => {
            let v = eval(expr, re, at);
            match (op, v) {
                (UnaryOp::Not, Value::Bool(b)) => Value::Bool(!b),
                (UnaryOp::Not, _) => Value::Nil,
                (UnaryOp::Neg, v) => negate(&v),
            }
        }
        FieldExpr::Binary { op, lhs, rhs } => binary(*op, lhs, rhs, re, at),
    }
}

fn binary(op: BinaryOp, lhs: &FieldExpr, rhs: &FieldExpr, re: &Regexes, at: At<'_, '_>) -> Value {
    match op {
        BinaryOp::And => {
            let l = eval(lhs, re, at) == Value::Bool(true);
            Value::Bool(l && eval(rhs, re, at) == Value::Bool(true))
        }
        BinaryOp::Or => {
            let l = eval(lhs, re, at) == Value::Bool(true);
            Value::Bool(l || eval(rhs, re, at) == Value::Bool(true))
        }
        BinaryOp::Cmp(c) if is_nil(rhs) => Value::Bool(compare_nil(c, &eval(lhs, re, at))),
        BinaryOp::Cmp(c) if is_nil(lhs) => Value::Bool(compare_nil(c, &eval(rhs, re, at))),
        BinaryOp::Cmp(c) => {
            let (l, r) = (id_aware(lhs, rhs, re, at), id_aware(rhs, lhs, re, at));
            Value::Bool(compare(c, &l, &r))
        }
        BinaryOp::Arith(a) => arith(a, &eval(lhs, re, at), &eval(rhs, re, at)),
        BinaryOp::Re | BinaryOp::NotRe => {
            let FieldExpr::Static(Static::String(p)) = rhs else {
                return Value::Bool(false);
            };
            Value::Bool(regex_holds(op, &eval(lhs, re, at), p, re))
        }
    }
}

fn is_nil(e: &FieldExpr) -> bool {
    matches!(e, FieldExpr::Static(Static::Nil))
}

/// Evaluates `e`; a string compared with `trace:id` or `span:id` is read as an id, so
/// `"61ce69…"` (leading zero stripped, as Tempo prints ids) equals `"061ce69…"`.
fn id_aware(e: &FieldExpr, other: &FieldExpr, re: &Regexes, at: At<'_, '_>) -> Value {
    let FieldExpr::Static(Static::String(text)) = e else {
        return eval(e, re, at);
    };
    let id = match other {
        FieldExpr::Field(Field::Intrinsic(Intrinsic::TraceId)) => normalize_trace_id(text),
        FieldExpr::Field(Field::Intrinsic(Intrinsic::SpanId | Intrinsic::ParentId)) => {
            normalize_span_id(text)
        }
        _ => None,
    };
    Value::Str(id.unwrap_or_else(|| text.clone()))
}

/// `v =~ p` or `v !~ p`; on arrays `=~` needs one element to match, `!~` all of them.
pub(crate) fn regex_holds(op: BinaryOp, v: &Value, p: &str, re: &Regexes) -> bool {
    let one = |v: &Value| match v {
        Value::Str(t) => re.is_match(p, t) == (op == BinaryOp::Re),
        _ => false,
    };
    match v {
        Value::Array(items) if op == BinaryOp::NotRe => items.iter().all(one),
        Value::Array(items) => items.iter().any(one),
        v => one(v),
    }
}

/// The value of one field for the span at `at`.
pub(crate) fn field(f: &Field, at: At<'_, '_>) -> Value {
    match f {
        Field::Intrinsic(i) => intrinsic(*i, at),
        Field::Attribute(a) => attribute(a, at),
    }
}

fn attribute(a: &Attribute, at: At<'_, '_>) -> Value {
    let span = at.span();
    match a.scope {
        Some(Scope::Span) => span_attr(span, &a.name),
        Some(Scope::Resource) => resource_attr(span, &a.name),
        Some(Scope::Event) => event_attr(at, &a.name),
        // Refused by `plan::check` before evaluation starts.
        Some(Scope::Link | Scope::Instrumentation) => Value::Nil,
        None => match span_attr(span, &a.name) {
            Value::Nil => resource_attr(span, &a.name),
            v => v,
        },
    }
}

fn span_attr(span: &Span, name: &str) -> Value {
    span.attributes
        .get(name)
        .map_or(Value::Nil, Value::from_attr)
}

/// Resource attributes; `service.name` falls back to the span's service when the store keeps
/// it only there.
fn resource_attr(span: &Span, name: &str) -> Value {
    match span.resource.get(name) {
        Some(v) => Value::from_attr(v),
        None if name == "service.name" && !span.service_name.is_empty() => {
            Value::Str(span.service_name.clone())
        }
        None => Value::Nil,
    }
}

fn event_attr(at: At<'_, '_>, name: &str) -> Value {
    let Some(e) = at.event else {
        return Value::Nil;
    };
    at.span().events[e]
        .attributes
        .get(name)
        .map_or(Value::Nil, Value::from_attr)
}

fn intrinsic(i: Intrinsic, at: At<'_, '_>) -> Value {
    let span = at.span();
    let trace = at.trace;
    match i {
        Intrinsic::Duration => Value::Duration(span.duration_ns),
        Intrinsic::Name => Value::Str(span.name.clone()),
        Intrinsic::Status => Value::from_status(span.status.code),
        Intrinsic::StatusMessage => Value::Str(span.status.message.clone().unwrap_or_default()),
        Intrinsic::Kind => Value::from_kind(span.kind),
        Intrinsic::RootName => trace
            .root_span()
            .map_or(Value::Nil, |r| Value::Str(r.name.clone())),
        Intrinsic::RootServiceName => trace
            .root_span()
            .map_or(Value::Nil, |r| Value::Str(r.service_name.clone())),
        Intrinsic::TraceDuration => Value::Duration(trace.duration_ns()),
        Intrinsic::TraceId => Value::Str(span.trace_id.clone()),
        Intrinsic::SpanId => Value::Str(span.span_id.clone()),
        Intrinsic::ParentId => span.parent_span_id.clone().map_or(Value::Nil, Value::Str),
        Intrinsic::ChildCount => Value::Int(trace.child_count[at.idx] as i64),
        Intrinsic::EventName => at
            .event
            .map_or(Value::Nil, |e| Value::Str(span.events[e].name.clone())),
        Intrinsic::EventTimeSinceStart => at.event.map_or(Value::Nil, |e| {
            Value::Duration(span.events[e].ts_ns - span.start_ns)
        }),
        // Refused by `plan::check` before evaluation starts.
        _ => Value::Nil,
    }
}

fn reads_events(expr: &FieldExpr) -> bool {
    match expr {
        FieldExpr::Static(_) => false,
        FieldExpr::Field(f) => is_event_field(f),
        FieldExpr::Unary { expr, .. } => reads_events(expr),
        FieldExpr::Binary { lhs, rhs, .. } => reads_events(lhs) || reads_events(rhs),
    }
}

pub(crate) fn is_event_field(f: &Field) -> bool {
    matches!(
        f,
        Field::Intrinsic(Intrinsic::EventName | Intrinsic::EventTimeSinceStart)
            | Field::Attribute(Attribute {
                scope: Some(Scope::Event),
                ..
            })
    )
}
