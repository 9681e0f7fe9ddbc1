//! The trace side: the store as the TraceQL evaluator's input, and [`EmbeddedTraces`] as a
//! `TraceSource`.

use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use loqui_core::{
    AttrValue, BackendError, MetricsQuery, MetricsResult, SearchResult, Span, StatusCode, TagNames,
    TagScope, TagValue, TagValueType, TimeRange, Trace, TraceSearch, TraceSource, VectorSample,
};
use loqui_eval::traceql::{self, Condition, EvalError, TraceInput, TraceSelection};
use loqui_query::traceql::{
    BinaryOp, CmpOp, Expr, Field, Intrinsic, Scope, Static, Status as QStatus,
};

use super::{DEFAULT_NAME, backend_error, blocking, invalid_query, store_error};
use crate::traces::{AttrFilter, AttrScope, SpanSelect, TraceStore};
use crate::{Store, StoreError};

/// How far outside the asked range a span of an overlapping trace may start, by default:
/// the store finds spans by start time, so the range is widened by this much on both sides.
const DEFAULT_MAX_TRACE_NS: i64 = 10 * 60 * 1_000_000_000;

/// The store as a [`TraceInput`], with bounds, remembering the first store error met while
/// handing traces in (the evaluator's iterator cannot carry one), for the caller to return.
///
/// Traces whose spans start more than `max_trace_ns` outside the asked range may be handed in
/// cut (without condition) or missed (with one); Tempo has the same edge by block time.
pub struct TraceReader<'a> {
    store: &'a TraceStore,
    max_traces: usize,
    max_trace_ns: i64,
    failed: Mutex<Option<StoreError>>,
}

impl<'a> TraceReader<'a> {
    pub fn new(store: &'a TraceStore, max_traces: usize) -> Self {
        Self {
            store,
            max_traces,
            max_trace_ns: DEFAULT_MAX_TRACE_NS,
            failed: Mutex::new(None),
        }
    }

    /// The first store error met while iterating, if any: an answer computed alongside it is
    /// incomplete and must not be returned.
    pub fn take_error(&self) -> Option<StoreError> {
        self.failed.lock().expect("error slot").take()
    }

    fn fail(&self, e: StoreError) {
        tracing::error!(error = %e, "reading the embedded trace store failed");
        self.failed.lock().expect("error slot").get_or_insert(e);
    }

    fn widened(&self, range: TimeRange) -> TimeRange {
        TimeRange {
            start_ns: range.start_ns.saturating_sub(self.max_trace_ns),
            end_ns: range.end_ns.saturating_add(self.max_trace_ns),
        }
    }

    fn too_many(&self) -> EvalError {
        EvalError::LimitExceeded {
            what: "candidate traces",
            limit: self.max_traces,
        }
    }
}

impl TraceInput for TraceReader<'_> {
    fn traces(
        &self,
        sel: &TraceSelection,
    ) -> Result<Box<dyn Iterator<Item = Arc<[Span]>> + '_>, EvalError> {
        let range = sel.range;
        let input = |e: StoreError| EvalError::Input(e.to_string());
        if let Some(id) = sel.trace_id() {
            let trace = self.store.trace(&id).map_err(input)?;
            let spans = trace.map(|t| Arc::<[Span]>::from(t.spans));
            return Ok(Box::new(
                spans.into_iter().filter(move |t| overlaps(t, range)),
            ));
        }
        let mut select = best_condition(&sel.conditions).unwrap_or_default();
        select.range = Some(self.widened(range));
        select.limit = Some(self.max_traces);
        let has_condition = is_narrowed(&select);
        let found = self.store.spans(&select).map_err(input)?;
        if found.truncated {
            return Err(self.too_many());
        }
        if !has_condition {
            // Every span in the widened range: the groups are the whole traces.
            return Ok(Box::new(
                found
                    .traces
                    .into_iter()
                    .map(|t| Arc::<[Span]>::from(t.spans))
                    .filter(move |t| overlaps(t, range)),
            ));
        }
        // The matched spans only name candidates; each is read whole when the evaluator asks.
        Ok(Box::new(found.traces.into_iter().filter_map(
            move |t| match self.store.trace(&t.trace_id) {
                Ok(Some(trace)) => {
                    Some(Arc::<[Span]>::from(trace.spans)).filter(|t| overlaps(t, range))
                }
                Ok(None) => None,
                Err(e) => {
                    self.fail(e);
                    None
                }
            },
        )))
    }
}

/// With the evaluator's default bound on traces scanned. A store error in the middle of the
/// iteration is logged and ends it; [`EmbeddedTraces`] uses a [`TraceReader`] and fails instead.
impl TraceInput for TraceStore {
    fn traces(
        &self,
        sel: &TraceSelection,
    ) -> Result<Box<dyn Iterator<Item = Arc<[Span]>> + '_>, EvalError> {
        let reader = TraceReader::new(self, traceql::Limits::default().max_traces_scanned);
        // The reader borrows `self` only; collect so it can go out of scope.
        let traces: Vec<Arc<[Span]>> = reader.traces(sel)?.collect();
        Ok(Box::new(traces.into_iter()))
    }
}

/// Tempo's overlap test on whole traces (bounds included).
fn overlaps(spans: &[Span], range: TimeRange) -> bool {
    let start = spans.iter().map(|s| s.start_ns).min().unwrap_or(0);
    let end = spans.iter().map(Span::end_ns).max().unwrap_or(0);
    !spans.is_empty() && start <= range.end_ns && end >= range.start_ns
}

fn is_narrowed(s: &SpanSelect) -> bool {
    s.service.is_some()
        || s.name.is_some()
        || s.status.is_some()
        || s.kind.is_some()
        || s.min_duration_ns.is_some()
        || s.max_duration_ns.is_some()
        || !s.attributes.is_empty()
}

/// One condition as a span filter, the most selective first. Only one: each condition holds on
/// some span of a matching trace, not necessarily the same one.
fn best_condition(conditions: &[Condition]) -> Option<SpanSelect> {
    conditions
        .iter()
        .filter_map(span_filter)
        .min_by_key(|(rank, _)| *rank)
        .map(|(_, s)| s)
}

/// The filter for one condition and its rank (lower is more selective), if the store has one.
fn span_filter(c: &Condition) -> Option<(u8, SpanSelect)> {
    let mut s = SpanSelect::default();
    let eq = c.op == BinaryOp::Cmp(CmpOp::Eq);
    let rank = match (&c.field, &c.value) {
        (Field::Intrinsic(Intrinsic::Status), Static::Status(QStatus::Error)) if eq => {
            s.status = Some(StatusCode::Error);
            0
        }
        (Field::Intrinsic(Intrinsic::Name), Static::String(v)) if eq => {
            s.name = Some(v.clone());
            10
        }
        (Field::Attribute(a), Static::String(v)) if eq && !a.parent => {
            match (a.scope, a.name.as_str()) {
                (Some(Scope::Resource), "service.name") => {
                    s.service = Some(v.clone());
                    30
                }
                (Some(Scope::Resource), key) => {
                    s.attributes.push(attr(AttrScope::Resource, key, v));
                    20
                }
                (Some(Scope::Span), key) => {
                    s.attributes.push(attr(AttrScope::Span, key, v));
                    20
                }
                _ => return None,
            }
        }
        (Field::Intrinsic(Intrinsic::Duration), Static::Duration(d)) => {
            match c.op {
                BinaryOp::Cmp(CmpOp::Gt) => s.min_duration_ns = Some(d.saturating_add(1)),
                BinaryOp::Cmp(CmpOp::Gte) => s.min_duration_ns = Some(*d),
                BinaryOp::Cmp(CmpOp::Lt) => s.max_duration_ns = Some(d.saturating_sub(1)),
                BinaryOp::Cmp(CmpOp::Lte) => s.max_duration_ns = Some(*d),
                _ => return None,
            }
            // Spans of a second or more are the slow tail: rarer than any one service's spans.
            if s.min_duration_ns.is_some_and(|d| d >= 1_000_000_000) {
                15
            } else {
                40
            }
        }
        _ => return None,
    };
    Some((rank, s))
}

fn attr(scope: AttrScope, key: &str, value: &str) -> AttrFilter {
    AttrFilter {
        scope,
        key: key.to_string(),
        value: AttrValue::String(value.to_string()),
    }
}

/// The embedded store's spans as a `TraceSource`, answering TraceQL like Tempo.
#[derive(Clone)]
pub struct EmbeddedTraces {
    store: Arc<Store>,
    name: String,
    limits: traceql::Limits,
}

impl EmbeddedTraces {
    pub fn new(store: Arc<Store>) -> Self {
        Self {
            store,
            name: DEFAULT_NAME.to_string(),
            limits: traceql::Limits::default(),
        }
    }

    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    pub fn with_limits(mut self, limits: traceql::Limits) -> Self {
        self.limits = limits;
        self
    }

    fn parse(&self, src: &str) -> Result<Expr, BackendError> {
        let parsed = loqui_query::traceql::parse(src);
        match parsed.tree {
            Some(tree) if parsed.diagnostics.is_empty() => Ok(tree),
            _ => Err(invalid_query(&self.name, src, &parsed.diagnostics)),
        }
    }

    /// Runs `f` over a fresh reader in a blocking task; a store error met mid-way wins over the
    /// (then incomplete) answer.
    async fn eval<T: Send + 'static>(
        &self,
        f: impl FnOnce(&TraceReader<'_>, &traceql::Limits) -> Result<T, EvalError> + Send + 'static,
    ) -> Result<T, BackendError> {
        let this = self.clone();
        blocking(&self.name, move || {
            let reader = TraceReader::new(&this.store.traces, this.limits.max_traces_scanned);
            let answer = f(&reader, &this.limits);
            if let Some(e) = reader.take_error() {
                return Err(store_error(&this.name, &e));
            }
            answer.map_err(|e| backend_error(&this.name, e.code(), e.to_string()))
        })
        .await
    }
}

#[async_trait]
impl TraceSource for EmbeddedTraces {
    fn name(&self) -> &str {
        &self.name
    }

    /// The whole trace; `range` is not needed (the id is indexed).
    async fn trace(&self, trace_id: &str, range: Option<TimeRange>) -> Result<Trace, BackendError> {
        let _ = range;
        let (store, name, id) = (self.store.clone(), self.name.clone(), trace_id.to_string());
        blocking(&self.name, move || match store.traces.trace(&id) {
            Ok(Some(t)) => Ok(t),
            Ok(None) => Err(BackendError::NotFound {
                backend: name,
                what: format!("trace {id}"),
            }),
            Err(e) => Err(store_error(&name, &e)),
        })
        .await
    }

    /// At most `search.limit` traces, `spans_per_spanset` spans each (3 by default, as Tempo).
    async fn search(&self, search: &TraceSearch) -> Result<SearchResult, BackendError> {
        let expr = self.parse(&search.query)?;
        let (range, limit) = (search.range, search.limit);
        let spss = search.spans_per_spanset.unwrap_or(3);
        self.eval(move |input, limits| {
            traceql::search_limited(&expr, input, range, limit, spss, limits)
        })
        .await
    }

    /// Names by scope from the store's index; `range` is ignored (the index is not by time).
    async fn tag_names(
        &self,
        scope: Option<TagScope>,
        range: Option<TimeRange>,
    ) -> Result<TagNames, BackendError> {
        let _ = range;
        let names = self
            .store
            .traces
            .tag_names()
            .map_err(|e| store_error(&self.name, &e))?;
        Ok(names
            .into_iter()
            .filter(|(s, _)| scope.is_none_or(|want| want == *s))
            .map(|(s, v)| (s.as_str().to_string(), v))
            .collect())
    }

    /// Without a filter: the values in the store's index (attribute values are reported as
    /// strings, since the index keeps their text). With one: the values on the spans the filter
    /// matches in `range` (the last hour when `None`), typed.
    async fn tag_values(
        &self,
        tag: &str,
        filter: Option<&str>,
        range: Option<TimeRange>,
    ) -> Result<Vec<TagValue>, BackendError> {
        let tag = TagRef::parse(tag);
        let Some(filter) = filter.filter(|f| !f.trim().is_empty() && f.trim() != "{}") else {
            return indexed_values(&self.store.traces, &tag)
                .map_err(|e| store_error(&self.name, &e));
        };
        let expr = self.parse(&format!("{filter} | select({})", tag.text))?;
        let range = range.unwrap_or_else(last_hour);
        let found = self
            .eval(move |input, limits| {
                traceql::search_limited(&expr, input, range, usize::MAX, usize::MAX, limits)
            })
            .await?;
        let mut values: Vec<TagValue> = found
            .traces
            .iter()
            .flat_map(|t| t.spans.iter())
            .filter_map(|s| tag.value_of(s))
            .collect();
        values.sort_by(|a, b| a.value.cmp(&b.value));
        values.dedup();
        Ok(values)
    }

    async fn metrics_range(&self, query: &MetricsQuery) -> Result<MetricsResult, BackendError> {
        let expr = self.parse(&query.query)?;
        let range = query.range;
        let step = query
            .step
            .map_or_else(|| super::default_step_ns(&range), |s| s.as_nanos() as i64);
        self.eval(move |input, limits| {
            traceql::metrics_range_limited(&expr, input, range, step, limits)
        })
        .await
    }

    async fn metrics_instant(
        &self,
        query: &MetricsQuery,
    ) -> Result<Vec<VectorSample>, BackendError> {
        let expr = self.parse(&query.query)?;
        let range = query.range;
        self.eval(move |input, limits| {
            traceql::metrics_instant_limited(&expr, input, range, limits)
        })
        .await
    }
}

fn last_hour() -> TimeRange {
    let now = crate::now_ns();
    TimeRange {
        start_ns: now - 3_600_000_000_000,
        end_ns: now,
    }
}

/// A tag as the trait names it: `resource.x`, `span.x`, `.x` (either scope) or an intrinsic.
struct TagRef {
    text: String,
    scope: Option<TagScope>,
    key: String,
}

impl TagRef {
    fn parse(tag: &str) -> Self {
        let tag = tag.trim();
        let (scope, key) = if let Some(k) = tag.strip_prefix("resource.") {
            (Some(TagScope::Resource), k)
        } else if let Some(k) = tag.strip_prefix("span.") {
            (Some(TagScope::Span), k)
        } else if let Some(k) = tag.strip_prefix('.') {
            (None, k)
        } else {
            (Some(TagScope::Intrinsic), tag)
        };
        Self {
            text: tag.to_string(),
            scope,
            key: key.to_string(),
        }
    }

    fn value_of(&self, s: &Span) -> Option<TagValue> {
        let keyword = |v: &str| TagValue {
            value_type: TagValueType::Keyword,
            value: v.to_string(),
        };
        match (self.scope, self.key.as_str()) {
            (Some(TagScope::Intrinsic), "name") => Some(typed(&AttrValue::String(s.name.clone()))),
            (Some(TagScope::Intrinsic), "status") => Some(keyword(match s.status.code {
                StatusCode::Unset => "unset",
                StatusCode::Ok => "ok",
                StatusCode::Error => "error",
            })),
            (Some(TagScope::Intrinsic), "kind") => {
                let k = serde_json::to_value(s.kind).ok()?;
                Some(keyword(k.as_str()?))
            }
            (Some(TagScope::Intrinsic), _) => None,
            (Some(TagScope::Resource), "service.name") if !s.service_name.is_empty() => {
                Some(typed(&AttrValue::String(s.service_name.clone())))
            }
            (Some(TagScope::Resource), k) => s.resource.get(k).map(typed),
            (Some(TagScope::Span), k) => s.attributes.get(k).map(typed),
            (_, k) => s.attributes.get(k).or_else(|| s.resource.get(k)).map(typed),
        }
    }
}

fn typed(v: &AttrValue) -> TagValue {
    let value_type = match v {
        AttrValue::String(_) => TagValueType::String,
        AttrValue::Int(_) => TagValueType::Int,
        AttrValue::Double(_) => TagValueType::Float,
        AttrValue::Bool(_) => TagValueType::Bool,
        _ => TagValueType::Other,
    };
    TagValue {
        value_type,
        value: v.to_string(),
    }
}

fn indexed_values(store: &TraceStore, tag: &TagRef) -> Result<Vec<TagValue>, StoreError> {
    let (value_type, scopes): (TagValueType, &[TagScope]) = match tag.scope {
        Some(TagScope::Intrinsic) if tag.key == "name" => {
            (TagValueType::String, &[TagScope::Intrinsic])
        }
        Some(TagScope::Intrinsic) => (TagValueType::Keyword, &[TagScope::Intrinsic]),
        Some(s @ (TagScope::Span | TagScope::Resource)) => (
            TagValueType::String,
            if s == TagScope::Span {
                &[TagScope::Span]
            } else {
                &[TagScope::Resource]
            },
        ),
        _ => (TagValueType::String, &[TagScope::Span, TagScope::Resource]),
    };
    let mut values = Vec::new();
    for scope in scopes {
        values.extend(store.tag_values(*scope, &tag.key)?);
    }
    values.sort();
    values.dedup();
    Ok(values
        .into_iter()
        .map(|value| TagValue { value_type, value })
        .collect())
}
