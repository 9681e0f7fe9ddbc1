//! The log side: the store as the LogQL evaluator's input, and [`EmbeddedLogs`] as a
//! `LogSource`.

use std::collections::BTreeSet;
use std::sync::Arc;

use async_trait::async_trait;
use loqui_core::{
    BackendError, IndexStats, InstantQuery, Labels, LogQuery, LogQueryResult, LogSource, TimeRange,
};
use loqui_eval::logql::{self, Entry, EntryFn, EvalError, LogInput, Selection};
use loqui_query::logql::{Expr, MatchOp as QueryOp, Matcher};

use super::{DEFAULT_NAME, backend_error, blocking, default_step_ns, invalid_query, store_error};
use crate::logs::{LogSelect, LogStore, StoredLine};
use crate::matcher::{LabelMatcher, MatchOp};
use crate::{Store, StoreError};

impl LogInput for LogStore {
    /// Lines of the selection in its direction. An error of the store ends the iteration (it is
    /// logged); the evaluator reads through [`LogInput::for_each_entry`], which returns it.
    fn entries<'s>(
        &'s self,
        sel: &Selection<'_>,
    ) -> Result<Box<dyn Iterator<Item = Entry> + 's>, EvalError> {
        let lines = self.select(&self.log_select(sel)?).map_err(input_error)?;
        Ok(Box::new(lines.map_while(|r| match r {
            Ok(line) => Some(entry(line)),
            Err(e) => {
                tracing::error!(error = %e, "reading the embedded log store failed");
                None
            }
        })))
    }

    /// Moves each stored line into the entry (no copy of line, labels or metadata), and returns
    /// the store's errors.
    fn for_each_entry(&self, sel: &Selection<'_>, f: EntryFn<'_>) -> Result<(), EvalError> {
        for line in self.select(&self.log_select(sel)?).map_err(input_error)? {
            if !f(&entry(line.map_err(input_error)?))? {
                break;
            }
        }
        Ok(())
    }
}

impl LogStore {
    /// The store read for an evaluator's selection: its matchers, range, direction and the hints
    /// that are sound here.
    fn log_select(&self, sel: &Selection<'_>) -> Result<LogSelect, EvalError> {
        let matchers =
            store_matchers(sel.matchers).map_err(|e| EvalError::BadQuery(e.to_string()))?;
        let mut select = LogSelect::new(matchers, sel.range);
        select.direction = sel.direction;
        select.contains = sel.hints.line_contains.clone();
        // `name = value` holds as a stream label or as structured metadata. When no selected
        // stream has the label at all it can only be metadata, which the index filters exactly.
        // A label that streams do carry is left to the evaluator: metadata of the same name
        // could still satisfy it on a stream whose label differs.
        if !sel.hints.label_equals.is_empty() {
            let series = self.series(&select.matchers, Some(&sel.range));
            select.metadata = sel
                .hints
                .label_equals
                .iter()
                .filter(|(name, _)| !series.iter().any(|l| l.contains_key(name)))
                .cloned()
                .collect();
        }
        Ok(select)
    }
}

fn entry(stored: StoredLine) -> Entry {
    Entry {
        ts_ns: stored.line.ts_ns,
        labels: stored.labels,
        line: stored.line.line,
        metadata: stored.line.structured_metadata,
    }
}

fn input_error(e: StoreError) -> EvalError {
    EvalError::Input(e.to_string())
}

/// A LogQL stream selector as the store's matchers.
fn store_matchers(matchers: &[Matcher]) -> Result<Vec<LabelMatcher>, StoreError> {
    matchers
        .iter()
        .map(|m| {
            let op = match m.op {
                QueryOp::Eq => MatchOp::Eq,
                QueryOp::Neq => MatchOp::Ne,
                QueryOp::Re => MatchOp::Re,
                QueryOp::Nre => MatchOp::NotRe,
            };
            LabelMatcher::new(&m.name, op, &m.value)
        })
        .collect()
}

/// The embedded store's logs as a `LogSource`, answering LogQL like Loki.
#[derive(Clone)]
pub struct EmbeddedLogs {
    store: Arc<Store>,
    name: String,
    limits: logql::Limits,
}

impl EmbeddedLogs {
    pub fn new(store: Arc<Store>) -> Self {
        Self {
            store,
            name: DEFAULT_NAME.to_string(),
            limits: logql::Limits::default(),
        }
    }

    /// Reports `name` as the data source's name (e.g. in error messages).
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.name = name.into();
        self
    }

    pub fn with_limits(mut self, limits: logql::Limits) -> Self {
        self.limits = limits;
        self
    }

    fn parse(&self, src: &str) -> Result<Expr, BackendError> {
        let parsed = loqui_query::logql::parse(src);
        match parsed.tree {
            Some(tree) if parsed.diagnostics.is_empty() => Ok(tree),
            _ => Err(invalid_query(&self.name, src, &parsed.diagnostics)),
        }
    }

    /// The matchers of a stream selector (`None`: every stream).
    fn selector(&self, selector: Option<&str>) -> Result<Vec<LabelMatcher>, BackendError> {
        let Some(src) = selector.filter(|s| !s.trim().is_empty()) else {
            return Ok(Vec::new());
        };
        let Expr::Log(log) = self.parse(src)? else {
            return Err(BackendError::BadQuery {
                backend: self.name.clone(),
                message: format!(
                    "`{src}` is a metric query; send a stream selector like {{service_name=\"api\"}}"
                ),
            });
        };
        store_matchers(&log.selector).map_err(|e| store_error(&self.name, &e))
    }

    fn eval_error(&self, e: EvalError) -> BackendError {
        backend_error(&self.name, e.code(), e.to_string())
    }
}

#[async_trait]
impl LogSource for EmbeddedLogs {
    fn name(&self) -> &str {
        &self.name
    }

    /// Lines (at most `query.limit`) or a matrix; the step defaults to Loki's (range / 250).
    async fn query_range(&self, query: &LogQuery) -> Result<LogQueryResult, BackendError> {
        let expr = self.parse(&query.query)?;
        let (this, query) = (self.clone(), query.clone());
        blocking(&self.name, move || {
            let step = query
                .step
                .map_or_else(|| default_step_ns(&query.range), |s| s.as_nanos() as i64);
            logql::eval_range_with(
                &expr,
                &this.store.logs,
                query.range,
                step,
                query.limit,
                query.direction.unwrap_or_default(),
                &this.limits,
            )
            .map_err(|e| this.eval_error(e))
        })
        .await
    }

    async fn query_instant(&self, query: &InstantQuery) -> Result<LogQueryResult, BackendError> {
        let expr = self.parse(&query.query)?;
        let (this, query) = (self.clone(), query.clone());
        blocking(&self.name, move || {
            let limit = query.limit.unwrap_or(usize::MAX);
            logql::eval_instant(&expr, &this.store.logs, query.time_ns, limit)
                .map_err(|e| this.eval_error(e))
        })
        .await
    }

    async fn labels(&self, range: Option<TimeRange>) -> Result<Vec<String>, BackendError> {
        Ok(self.store.logs.label_names(&[], range.as_ref()))
    }

    async fn label_values(
        &self,
        name: &str,
        selector: Option<&str>,
        range: Option<TimeRange>,
    ) -> Result<Vec<String>, BackendError> {
        let matchers = self.selector(selector)?;
        Ok(self
            .store
            .logs
            .label_values(name, &matchers, range.as_ref()))
    }

    async fn series(
        &self,
        selectors: &[String],
        range: Option<TimeRange>,
    ) -> Result<Vec<Labels>, BackendError> {
        let mut out = BTreeSet::new();
        let all = [String::new()];
        let selectors = if selectors.is_empty() {
            &all[..]
        } else {
            selectors
        };
        for s in selectors {
            let matchers = self.selector(Some(s))?;
            for labels in self.store.logs.series(&matchers, range.as_ref()) {
                out.insert(labels.as_ref().clone());
            }
        }
        Ok(out.into_iter().collect())
    }

    /// Streams and entries are exact (entries counted in `range`). `bytes` is an estimate: the
    /// entries times the mean length of up to 1,000 of the newest lines; `chunks` is the number
    /// of streams, as the store has no chunks.
    async fn index_stats(
        &self,
        selector: &str,
        range: TimeRange,
    ) -> Result<IndexStats, BackendError> {
        let matchers = self.selector(Some(selector))?;
        let store = self.store.clone();
        let name = self.name.clone();
        blocking(&self.name, move || {
            index_stats(&store.logs, matchers, range).map_err(|e| store_error(&name, &e))
        })
        .await
    }
}

fn index_stats(
    logs: &LogStore,
    matchers: Vec<LabelMatcher>,
    range: TimeRange,
) -> Result<IndexStats, StoreError> {
    let streams = logs.series(&matchers, Some(&range)).len() as u64;
    let mut select = LogSelect::new(matchers, range);
    if range.len_ns() == 0 {
        return Ok(IndexStats::default());
    }
    let entries: u64 = logs
        .count_by_step(&select, range.len_ns())?
        .iter()
        .flat_map(|c| c.counts.iter())
        .sum();
    select.limit = Some(1_000);
    let (mut n, mut len) = (0u64, 0u64);
    for line in logs.select(&select)? {
        n += 1;
        len += line?.line.line.len() as u64;
    }
    let bytes = (entries * len).checked_div(n).unwrap_or(0);
    Ok(IndexStats {
        streams,
        chunks: streams,
        bytes,
        entries,
    })
}
