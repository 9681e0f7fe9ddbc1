//! How candidate traces reach the evaluator: the store implements [`TraceInput`], narrowing with
//! its index as far as the [`TraceSelection`] hints allow. The evaluator re-checks everything.

use std::sync::Arc;

use loqui_core::{Span, TimeRange, normalize_trace_id};
use loqui_query::traceql::{BinaryOp, CmpOp, Field, Intrinsic, Static};

use super::EvalError;

/// `field op value` that some span of every matching trace satisfies (each condition possibly on
/// a different span). `op` is a comparison, `=~` or `!~` (regexes match the whole value).
#[derive(Debug, Clone, PartialEq)]
pub struct Condition {
    pub field: Field,
    pub op: BinaryOp,
    pub value: Static,
}

/// What to hand in. A store may use any subset of the hints, or none; traces it hands in that
/// do not match are dropped by the evaluator.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceSelection {
    /// Traces overlapping this range (a trace's span from its first start to its last end).
    pub range: TimeRange,
    /// Every condition holds on at least one span of every matching trace.
    pub conditions: Vec<Condition>,
}

impl TraceSelection {
    /// The trace id the query pins with `trace:id = "..."`, normalized to 32 hex characters.
    pub fn trace_id(&self) -> Option<String> {
        self.conditions
            .iter()
            .find_map(|c| match (&c.field, c.op, &c.value) {
                (
                    Field::Intrinsic(Intrinsic::TraceId),
                    BinaryOp::Cmp(CmpOp::Eq),
                    Static::String(id),
                ) => normalize_trace_id(id),
                _ => None,
            })
    }
}

/// Whole traces, each as all of its spans. A store that cut a trace (span limits) hands in what
/// it has; the answer is then computed over those spans.
pub trait TraceInput {
    fn traces(
        &self,
        sel: &TraceSelection,
    ) -> Result<Box<dyn Iterator<Item = Arc<[Span]>> + '_>, EvalError>;
}

/// Traces held in memory, grouped by trace id; for tests and small data sets. It only applies
/// the time range; the evaluator does the rest.
#[derive(Debug, Clone, Default)]
pub struct VecTraceInput {
    traces: Vec<Arc<[Span]>>,
}

impl VecTraceInput {
    /// Groups spans by trace id, keeping their order within each trace.
    pub fn from_spans(spans: impl IntoIterator<Item = Span>) -> Self {
        let mut by_id: Vec<(String, Vec<Span>)> = Vec::new();
        let mut index = std::collections::HashMap::new();
        for s in spans {
            let slot = *index.entry(s.trace_id.clone()).or_insert_with(|| {
                by_id.push((s.trace_id.clone(), Vec::new()));
                by_id.len() - 1
            });
            by_id[slot].1.push(s);
        }
        Self {
            traces: by_id.into_iter().map(|(_, v)| Arc::from(v)).collect(),
        }
    }

    pub fn len(&self) -> usize {
        self.traces.len()
    }

    pub fn is_empty(&self) -> bool {
        self.traces.is_empty()
    }
}

impl TraceInput for VecTraceInput {
    fn traces(
        &self,
        sel: &TraceSelection,
    ) -> Result<Box<dyn Iterator<Item = Arc<[Span]>> + '_>, EvalError> {
        let range = sel.range;
        Ok(Box::new(
            self.traces
                .iter()
                .filter(move |t| overlaps(t, range))
                .cloned(),
        ))
    }
}

/// Whether a trace's time span overlaps `range`, bounds included: the test Tempo applies to whole
/// traces (`traceStart <= end && traceEnd >= start`).
pub(crate) fn overlaps(spans: &[Span], range: TimeRange) -> bool {
    let start = spans.iter().map(|s| s.start_ns).min().unwrap_or(0);
    let end = spans.iter().map(Span::end_ns).max().unwrap_or(0);
    start <= range.end_ns && end >= range.start_ns
}
