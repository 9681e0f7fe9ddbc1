//! TraceQL search: one summary per matching trace, shaped like Tempo's `/api/search` answer as
//! loqui's Tempo adapter reads it.

use std::collections::BTreeMap;

use loqui_core::{
    AttrValue, Attributes, SearchResult, ServiceStats, Span, SpanKind, SpanStatus, StatusCode,
    TimeRange, TraceSummary,
};
use loqui_query::traceql::{Attribute, BinaryOp, Expr, Field, Intrinsic, Static};

use super::field::{At, field, regex_holds};
use super::hints::search_hints;
use super::input::{TraceInput, TraceSelection};
use super::plan::{Plan, Shown, plan_search, search_body};
use super::spanset::{Eval, Set};
use super::trace::TraceCtx;
use super::value::{Value, compare, compare_nil};
use super::{EvalError, Limits};

/// What Tempo reports as the root service of a trace whose root span is missing.
pub const ROOT_SPAN_NOT_YET_RECEIVED: &str = "<root span not yet received>";

/// Runs a search with default [`Limits`].
pub fn search(
    expr: &Expr,
    input: &dyn TraceInput,
    range: TimeRange,
    limit: usize,
    spans_per_spanset: usize,
) -> Result<SearchResult, EvalError> {
    search_limited(
        expr,
        input,
        range,
        limit,
        spans_per_spanset,
        &Limits::default(),
    )
}

/// Runs a search: every candidate trace is checked exactly; the newest `limit` matching traces
/// (by start time) come back, each with at most `spans_per_spanset` spans per spanset.
pub fn search_limited(
    expr: &Expr,
    input: &dyn TraceInput,
    range: TimeRange,
    limit: usize,
    spans_per_spanset: usize,
    limits: &Limits,
) -> Result<SearchResult, EvalError> {
    let body = search_body(expr)?;
    let mut plan = Plan::default();
    plan_search(body, &mut plan)?;
    let sel = TraceSelection {
        range,
        conditions: search_hints(body),
    };
    let mut found = Newest::new(limit);
    for (n, spans) in input.traces(&sel)?.enumerate() {
        limits.check_traces(n + 1)?;
        if spans.is_empty() || !super::input::overlaps(&spans, range) {
            continue;
        }
        let trace = TraceCtx::new(&spans);
        let sets = Eval {
            re: &plan.regexes,
            trace: &trace,
        }
        .search(body);
        if !sets.is_empty() {
            found.push(summary(&trace, &sets, &plan, spans_per_spanset));
        }
    }
    let (traces, truncated) = found.finish();
    Ok(SearchResult {
        traces,
        truncated,
        inspected_bytes: None,
    })
}

/// The newest `limit` traces seen so far; memory stays within twice the limit however many
/// traces match.
struct Newest {
    limit: usize,
    traces: Vec<TraceSummary>,
    dropped: bool,
}

impl Newest {
    fn new(limit: usize) -> Self {
        Self {
            limit,
            traces: Vec::new(),
            dropped: false,
        }
    }

    fn push(&mut self, t: TraceSummary) {
        self.traces.push(t);
        if self.traces.len() >= self.limit.saturating_mul(2).max(64) {
            self.cut();
        }
    }

    /// Newest first, like Tempo; ties broken by id so the answer is stable.
    fn cut(&mut self) {
        self.traces.sort_by(|a, b| {
            b.start_ns
                .cmp(&a.start_ns)
                .then(a.trace_id.cmp(&b.trace_id))
        });
        if self.traces.len() > self.limit {
            self.dropped = true;
            self.traces.truncate(self.limit);
        }
    }

    fn finish(mut self) -> (Vec<TraceSummary>, bool) {
        self.cut();
        (self.traces, self.dropped)
    }
}

fn summary(trace: &TraceCtx<'_>, sets: &[Set], plan: &Plan, spss: usize) -> TraceSummary {
    let root = trace.root_span();
    let mut spans: Vec<Span> = Vec::new();
    for set in sets {
        for &i in shown_spans(trace, set, spss).iter() {
            let span = shaped_span(trace, i, plan);
            if !spans.iter().any(|s| s.span_id == span.span_id) {
                spans.push(span);
            }
        }
    }
    TraceSummary {
        trace_id: trace.trace_id().to_string(),
        root_service: Some(root.map_or(ROOT_SPAN_NOT_YET_RECEIVED.to_string(), |r| {
            r.service_name.clone()
        })),
        root_name: root.map(|r| r.name.clone()),
        start_ns: trace.start_ns,
        // Tempo reports whole milliseconds.
        duration_ns: trace.duration_ns() / 1_000_000 * 1_000_000,
        spans,
        matched_spans: sets.iter().map(|s| s.len() as u64).sum(),
        service_stats: service_stats(trace.spans),
    }
}

/// The first `spss` spans of a spanset by start time.
fn shown_spans(trace: &TraceCtx<'_>, set: &Set, spss: usize) -> Vec<usize> {
    let mut order = set.clone();
    order.sort_by_key(|&i| (trace.spans[i].start_ns, i));
    order.truncate(spss);
    order
}

fn service_stats(spans: &[Span]) -> BTreeMap<String, ServiceStats> {
    let mut out: BTreeMap<String, ServiceStats> = BTreeMap::new();
    for s in spans {
        let e = out.entry(s.service_name.clone()).or_default();
        e.span_count += 1;
        e.error_count += u64::from(s.is_error());
    }
    out
}

/// A matched span as Tempo returns it: ids and times, plus only the attributes the query
/// compared (where the comparison held) or selected (`"nil"` when missing).
fn shaped_span(trace: &TraceCtx<'_>, idx: usize, plan: &Plan) -> Span {
    let src = &trace.spans[idx];
    let at = At {
        trace,
        idx,
        event: None,
    };
    let mut attrs = Attributes::new();
    for Shown { field: f, pred } in &plan.shown {
        let Some(key) = answer_key(f) else { continue };
        let v = field(f, at);
        let holds = match pred {
            Some((op, s)) => predicate_holds(*op, &v, s, plan),
            None => !v.is_nil(),
        };
        if holds && let Some(a) = v.to_attr() {
            attrs.insert(key, a);
        }
    }
    for f in &plan.selected {
        let Some(key) = answer_key(f) else { continue };
        let v = field(f, at)
            .to_attr()
            .unwrap_or(AttrValue::String("nil".to_string()));
        attrs.insert(key, v);
    }
    let mut span = from_answer_attrs(src, attrs);
    // Tempo returns the name in the span's own field, never among the attributes.
    let named = |f: &Field| *f == Field::Intrinsic(Intrinsic::Name);
    if plan.shown.iter().any(|s| named(&s.field)) || plan.selected.iter().any(named) {
        span.name = src.name.clone();
    }
    span
}

fn predicate_holds(op: BinaryOp, v: &Value, s: &Static, plan: &Plan) -> bool {
    match (op, v, s) {
        (BinaryOp::Cmp(c), _, Static::Nil) => compare_nil(c, v) && !v.is_nil(),
        (BinaryOp::Cmp(c), _, _) => compare(c, v, &Value::from_static(s)),
        (_, v, Static::String(p)) => regex_holds(op, v, p, &plan.regexes),
        _ => false,
    }
}

/// The key Tempo uses for a field in a search answer's span attributes; `None` for fields it
/// leaves out (the name has its own field; durations, trace-level fields and ids are left out).
fn answer_key(f: &Field) -> Option<&str> {
    match f {
        Field::Attribute(Attribute { name, .. }) => Some(name),
        Field::Intrinsic(Intrinsic::Status) => Some("status"),
        Field::Intrinsic(Intrinsic::StatusMessage) => Some("statusMessage"),
        Field::Intrinsic(Intrinsic::Kind) => Some("kind"),
        Field::Intrinsic(_) => None,
    }
}

/// Fills the span's fields from the answer attributes the way loqui's Tempo adapter does, so
/// both backends produce equal spans.
fn from_answer_attrs(src: &Span, attributes: Attributes) -> Span {
    let text = |k: &str| {
        attributes
            .get(k)
            .and_then(AttrValue::as_str)
            .map(str::to_string)
    };
    let kind = match text("kind").as_deref() {
        Some("server") => SpanKind::Server,
        Some("client") => SpanKind::Client,
        Some("internal") => SpanKind::Internal,
        Some("producer") => SpanKind::Producer,
        Some("consumer") => SpanKind::Consumer,
        _ => SpanKind::Unspecified,
    };
    let code = match text("status").as_deref() {
        Some("error") => StatusCode::Error,
        Some("ok") => StatusCode::Ok,
        _ => StatusCode::Unset,
    };
    Span {
        trace_id: src.trace_id.clone(),
        span_id: src.span_id.clone(),
        parent_span_id: None,
        service_name: text("service.name").unwrap_or_default(),
        name: String::new(),
        kind,
        status: SpanStatus {
            code,
            message: text("statusMessage"),
        },
        start_ns: src.start_ns,
        duration_ns: src.duration_ns,
        attributes,
        resource: Default::default(),
        events: Vec::new(),
    }
}
