//! What the evaluator reads: candidate log entries that a store hands in through [`LogInput`].
//!
//! The store may narrow with its index however it likes (the [`Selection`] carries hints for
//! that); the evaluator re-checks every matcher and filter itself, so a hint a store ignores or
//! applies loosely never changes an answer.

use std::sync::Arc;

use loqui_core::{Direction, Labels, LineLabels, TimeRange};
use loqui_query::logql::{LabelFilter, LineFilterOp, LogExpr, MatchOp, Matcher, Stage};

use super::EvalError;

/// One log entry as stored: its stream's labels (shared by every entry of the stream), the line
/// and its structured metadata.
#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub ts_ns: i64,
    pub labels: Arc<Labels>,
    pub line: String,
    pub metadata: LineLabels,
}

/// What the evaluator asks a store for.
#[derive(Debug, Clone)]
pub struct Selection<'a> {
    /// The stream selector. Entries of other streams may be returned; they are dropped.
    pub matchers: &'a [Matcher],
    /// Entries with `start_ns <= ts_ns < end_ns`. For metric queries the evaluator has already
    /// widened it by the largest range and offset.
    pub range: TimeRange,
    /// The order the evaluator prefers; it sorts itself when it matters.
    pub direction: Direction,
    pub hints: Hints,
}

/// Narrowing hints a store may use or ignore: every entry of the answer satisfies them all.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Hints {
    /// Substrings every matching line contains (case-sensitive), from leading `|= "..."` filters.
    pub line_contains: Vec<String>,
    /// `(name, value)` pairs every matching entry carries, as a stream label or as structured
    /// metadata (e.g. `trace_id="..."` written right after the selector).
    pub label_equals: Vec<(String, String)>,
}

impl Hints {
    /// The hints a log expression allows: only stages before the first parser, formatter or
    /// `decolorize` are read, since later ones may test labels and lines those stages create.
    pub fn of(expr: &LogExpr) -> Hints {
        let mut hints = Hints::default();
        for stage in &expr.pipeline {
            match stage {
                Stage::LineFilter(f) if f.op == LineFilterOp::Contains => {
                    if let [loqui_query::logql::FilterValue::Text(t)] = f.values.as_slice() {
                        if !t.is_empty() {
                            hints.line_contains.push(t.clone());
                        }
                    }
                }
                Stage::LineFilter(_) => {}
                Stage::LabelFilter(f) => collect_equalities(f, &mut hints.label_equals),
                _ => break,
            }
        }
        hints
    }
}

fn collect_equalities(f: &LabelFilter, out: &mut Vec<(String, String)>) {
    match f {
        LabelFilter::Matcher(m)
            if m.op == MatchOp::Eq && !m.value.is_empty() && !m.name.starts_with("__") =>
        {
            out.push((m.name.clone(), m.value.clone()));
        }
        LabelFilter::And(a, b) => {
            collect_equalities(a, out);
            collect_equalities(b, out);
        }
        _ => {}
    }
}

/// A source of candidate entries: the embedded store, or [`VecInput`] in tests.
pub trait LogInput {
    /// Entries that may match `sel`, in any order. Returning more than needed is allowed.
    fn entries<'s>(
        &'s self,
        sel: &Selection<'_>,
    ) -> Result<Box<dyn Iterator<Item = Entry> + 's>, EvalError>;

    /// Calls `f` with each candidate entry until it returns `Ok(false)`. The evaluator reads
    /// through this method; the default goes through [`LogInput::entries`], and a store that can
    /// lend entries (or decode them into one reused buffer) overrides it to avoid a copy per entry.
    fn for_each_entry(&self, sel: &Selection<'_>, f: EntryFn<'_>) -> Result<(), EvalError> {
        for e in self.entries(sel)? {
            if !f(&e)? {
                break;
            }
        }
        Ok(())
    }
}

/// The callback of [`LogInput::for_each_entry`]: `Ok(false)` stops the scan.
pub type EntryFn<'f> = &'f mut dyn FnMut(&Entry) -> Result<bool, EvalError>;

/// Entries held in memory, sorted by time; it narrows by time range only.
#[derive(Debug, Clone, Default)]
pub struct VecInput {
    entries: Vec<Entry>,
}

impl VecInput {
    pub fn new(mut entries: Vec<Entry>) -> VecInput {
        entries.sort_by_key(|e| e.ts_ns);
        VecInput { entries }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

impl VecInput {
    fn slice(&self, range: TimeRange) -> &[Entry] {
        let lo = self.entries.partition_point(|e| e.ts_ns < range.start_ns);
        let hi = self.entries.partition_point(|e| e.ts_ns < range.end_ns);
        &self.entries[lo..hi.max(lo)]
    }
}

impl LogInput for VecInput {
    fn entries<'s>(
        &'s self,
        sel: &Selection<'_>,
    ) -> Result<Box<dyn Iterator<Item = Entry> + 's>, EvalError> {
        let slice = self.slice(sel.range);
        Ok(match sel.direction {
            Direction::Forward => Box::new(slice.iter().cloned()),
            Direction::Backward => Box::new(slice.iter().rev().cloned()),
        })
    }

    /// Lends the stored entries without copying them.
    fn for_each_entry(&self, sel: &Selection<'_>, f: EntryFn<'_>) -> Result<(), EvalError> {
        let slice = self.slice(sel.range);
        let stopped = match sel.direction {
            Direction::Forward => slice.iter().try_for_each(|e| stop(f(e))),
            Direction::Backward => slice.iter().rev().try_for_each(|e| stop(f(e))),
        };
        match stopped {
            Err(Some(err)) => Err(err),
            _ => Ok(()),
        }
    }
}

/// Maps the callback's answer to `try_for_each`: `Err(None)` stops, `Err(Some)` fails.
fn stop(r: Result<bool, EvalError>) -> Result<(), Option<EvalError>> {
    match r {
        Ok(true) => Ok(()),
        Ok(false) => Err(None),
        Err(e) => Err(Some(e)),
    }
}
