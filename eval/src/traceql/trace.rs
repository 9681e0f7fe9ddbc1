//! One candidate trace with the links between its spans resolved once: parents, children,
//! root, and the trace's time bounds.

use std::collections::HashMap;

use loqui_core::Span;

/// Spans are referred to by their index in `spans` everywhere in the evaluator.
pub(crate) struct TraceCtx<'a> {
    pub spans: &'a [Span],
    /// Index of each span's parent, when the parent is in the trace.
    pub parent: Vec<Option<usize>>,
    pub child_count: Vec<usize>,
    /// The first span without a parent id, if any.
    pub root: Option<usize>,
    pub start_ns: i64,
    pub end_ns: i64,
}

impl<'a> TraceCtx<'a> {
    pub fn new(spans: &'a [Span]) -> Self {
        let by_id: HashMap<&str, usize> = spans
            .iter()
            .enumerate()
            .map(|(i, s)| (s.span_id.as_str(), i))
            .collect();
        let parent: Vec<Option<usize>> = spans
            .iter()
            .map(|s| {
                let p = s.parent_span_id.as_deref()?;
                by_id.get(p).copied()
            })
            .collect();
        let mut child_count = vec![0; spans.len()];
        for p in parent.iter().flatten() {
            child_count[*p] += 1;
        }
        let root = spans.iter().position(is_root);
        let start_ns = spans.iter().map(|s| s.start_ns).min().unwrap_or(0);
        let end_ns = spans.iter().map(Span::end_ns).max().unwrap_or(0);
        Self {
            spans,
            parent,
            child_count,
            root,
            start_ns,
            end_ns,
        }
    }

    pub fn trace_id(&self) -> &str {
        self.spans.first().map_or("", |s| s.trace_id.as_str())
    }

    pub fn root_span(&self) -> Option<&'a Span> {
        self.root.map(|i| &self.spans[i])
    }

    pub fn duration_ns(&self) -> i64 {
        self.end_ns - self.start_ns
    }
}

/// A root span has no parent id (an empty or all-zero id counts as none, as in OTLP).
pub(crate) fn is_root(s: &Span) -> bool {
    match s.parent_span_id.as_deref() {
        None => true,
        Some(p) => p.is_empty() || p.bytes().all(|b| b == b'0'),
    }
}
