//! Spans: durable ingest, trace by id, and span search narrowed by the index and verified.

use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;
use std::path::Path;

use loqui_core::{
    AttrValue, Span, SpanKind, StatusCode, TagScope, TimeRange, Trace, normalize_trace_id,
};
use tantivy::query::{AllQuery, Query, RangeQuery};
use tantivy::schema::{FAST, Field, INDEXED, STORED, STRING, Schema, Value};
use tantivy::{IndexWriter, Searcher, TantivyDocument, Term};

use crate::codec::StoredSpan;
use crate::error::{Rejected, Result, StoreError, WriteReport};
use crate::hits::{Hit, Hits, sort_hits};
use crate::logs::decode;
use crate::narrow::{all_of, term_set};
use crate::table::{Table, TableOptions};
use crate::tags::{attr_keys, attr_values, terms};
use crate::validate;

/// Attribute values longer than this are stored but not indexed: filters on them scan.
const MAX_INDEXED_VALUE: usize = 256;

#[derive(Clone, Copy)]
struct Fields {
    trace_id: Field,
    start: Field,
    dur: Field,
    seq: Field,
    service: Field,
    name: Field,
    status: Field,
    kind: Field,
    span_attr: Field,
    res_attr: Field,
    blob: Field,
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let fields = Fields {
        trace_id: b.add_text_field("trace_id", STRING),
        start: b.add_i64_field("start", INDEXED | FAST),
        dur: b.add_i64_field("dur", INDEXED | FAST),
        seq: b.add_u64_field("seq", FAST),
        service: b.add_text_field("service", STRING),
        name: b.add_text_field("name", STRING),
        status: b.add_text_field("status", STRING),
        kind: b.add_text_field("kind", STRING),
        span_attr: b.add_text_field("span_attr", STRING),
        res_attr: b.add_text_field("res_attr", STRING),
        blob: b.add_bytes_field("blob", STORED),
    };
    (b.build(), fields)
}

/// Where an attribute filter looks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttrScope {
    Span,
    Resource,
}

#[derive(Debug, Clone, PartialEq)]
pub struct AttrFilter {
    pub scope: AttrScope,
    pub key: String,
    pub value: AttrValue,
}

/// Which spans to find: those starting in `range` that pass every given filter. Traces come
/// newest matched span first; `limit` counts traces.
#[derive(Debug, Clone, Default)]
pub struct SpanSelect {
    pub range: Option<TimeRange>,
    pub service: Option<String>,
    pub name: Option<String>,
    pub status: Option<StatusCode>,
    pub kind: Option<SpanKind>,
    /// Inclusive bounds on the span's duration.
    pub min_duration_ns: Option<i64>,
    pub max_duration_ns: Option<i64>,
    pub attributes: Vec<AttrFilter>,
    pub limit: Option<usize>,
}

/// The matched spans of one trace, in start order.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceMatch {
    pub trace_id: String,
    pub spans: Vec<Span>,
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct SpanResult {
    pub traces: Vec<TraceMatch>,
    /// More traces matched than `limit`.
    pub truncated: bool,
}

pub struct TraceStore {
    table: Table,
    fields: Fields,
}

impl TraceStore {
    pub(crate) fn open(dir: &Path, options: TableOptions) -> Result<Self> {
        std::fs::create_dir_all(dir).map_err(|e| StoreError::io(dir, e))?;
        let (schema, fields) = schema();
        let table = Table::open(
            dir,
            schema,
            options,
            |writer: &IndexWriter, seq, payload| {
                let spans: Vec<StoredSpan> = decode(dir, payload)?;
                let spans: Vec<Span> = spans.into_iter().map(StoredSpan::into_span).collect();
                for doc in build_docs(&fields, &spans, seq) {
                    writer.add_document(doc)?;
                }
                Ok(())
            },
        )?;
        let store = Self { table, fields };
        store.commit()?;
        Ok(store)
    }

    /// Stores the valid spans (ids normalized) and reports the others.
    pub fn push(&self, spans: &[Span]) -> Result<WriteReport> {
        let mut accepted = Vec::with_capacity(spans.len());
        let mut rejected = Vec::new();
        for (index, span) in spans.iter().enumerate() {
            match validate::span(span) {
                Ok(s) => accepted.push(s),
                Err(reason) => rejected.push(Rejected { index, reason }),
            }
        }
        if accepted.is_empty() {
            return Ok(WriteReport {
                seq: None,
                accepted: 0,
                rejected,
            });
        }
        let stored: Vec<StoredSpan> = accepted.iter().map(StoredSpan::from_span).collect();
        let payload = serde_json::to_vec(&stored).expect("spans serialize");
        let seq = self
            .table
            .write(&payload, |seq| build_docs(&self.fields, &accepted, seq))?;
        Ok(WriteReport {
            seq: Some(seq),
            accepted: accepted.len(),
            rejected,
        })
    }

    pub fn commit(&self) -> Result<bool> {
        self.table.commit(|| Ok(()))
    }

    /// The whole trace in start order, or `None` when no span of it is stored.
    pub fn trace(&self, id: &str) -> Result<Option<Trace>> {
        let Some(id) = normalize_trace_id(id) else {
            return Err(StoreError::InvalidArgument(format!(
                "trace id `{id}` is invalid; send 1 to 32 hex digits"
            )));
        };
        let searcher = self.table.searcher();
        let q = term_set([Term::from_field_text(self.fields.trace_id, &id)]);
        let mut hits = searcher.search(q.as_ref(), &self.hits())?;
        if hits.is_empty() {
            return Ok(None);
        }
        sort_hits(&mut hits, false, None);
        let spans = hits
            .iter()
            .map(|h| self.load(&searcher, h))
            .collect::<Result<Vec<_>>>()?;
        Ok(Some(Trace {
            trace_id: id,
            total_spans: spans.len(),
            spans,
            truncated: false,
        }))
    }

    /// Spans matching `select`, grouped by trace.
    pub fn spans(&self, select: &SpanSelect) -> Result<SpanResult> {
        let searcher = self.table.searcher();
        let query = self.query(select);
        let mut hits = searcher.search(query.as_ref(), &self.hits())?;
        sort_hits(&mut hits, true, None);
        let limit = select.limit.unwrap_or(usize::MAX);
        let mut order: Vec<String> = Vec::new();
        let mut groups: HashMap<String, Vec<Span>> = HashMap::new();
        let mut truncated = false;
        for hit in &hits {
            let span = self.load(&searcher, hit)?;
            if !verify(select, &span) {
                continue;
            }
            if !groups.contains_key(&span.trace_id) {
                if order.len() == limit {
                    truncated = true;
                    break;
                }
                order.push(span.trace_id.clone());
            }
            groups.entry(span.trace_id.clone()).or_default().push(span);
        }
        let traces = order
            .into_iter()
            .map(|trace_id| {
                let mut spans = groups.remove(&trace_id).unwrap_or_default();
                spans.sort_by_key(|s| s.start_ns);
                TraceMatch { trace_id, spans }
            })
            .collect();
        Ok(SpanResult { traces, truncated })
    }

    /// Attribute names by scope (span, resource, intrinsic). Names of deleted spans may linger
    /// until their segment is merged.
    pub fn tag_names(&self) -> Result<BTreeMap<TagScope, Vec<String>>> {
        let searcher = self.table.searcher();
        let mut out = BTreeMap::new();
        out.insert(TagScope::Span, attr_keys(&searcher, self.fields.span_attr)?);
        out.insert(
            TagScope::Resource,
            attr_keys(&searcher, self.fields.res_attr)?,
        );
        let intrinsic = [
            "duration",
            "kind",
            "name",
            "status",
            "statusMessage",
            "traceDuration",
            "rootName",
            "rootServiceName",
        ];
        out.insert(TagScope::Intrinsic, intrinsic.map(String::from).to_vec());
        Ok(out)
    }

    /// Indexed values of a tag: attributes by scope, or the intrinsics `name`, `status`,
    /// `kind`, and `service.name` (resource scope).
    pub fn tag_values(&self, scope: TagScope, key: &str) -> Result<Vec<String>> {
        let searcher = self.table.searcher();
        let f = &self.fields;
        match (scope, key) {
            (TagScope::Intrinsic, "name") => terms(&searcher, f.name, b"", None),
            (TagScope::Intrinsic, "status") => terms(&searcher, f.status, b"", None),
            (TagScope::Intrinsic, "kind") => terms(&searcher, f.kind, b"", None),
            (TagScope::Span, _) => attr_values(&searcher, f.span_attr, key),
            (TagScope::Resource, _) => attr_values(&searcher, f.res_attr, key),
            _ => Ok(Vec::new()),
        }
    }

    pub(crate) fn delete_before(&self, cutoff_ns: i64) -> Result<()> {
        let q = RangeQuery::new(
            Bound::Unbounded,
            Bound::Excluded(Term::from_field_i64(self.fields.start, cutoff_ns)),
        );
        self.table
            .with_writer(|w| Ok(w.delete_query(Box::new(q)).map(|_| ())?))
    }

    pub(crate) fn all_times(&self) -> Result<Vec<i64>> {
        let hits = self.table.searcher().search(&AllQuery, &self.hits())?;
        Ok(hits.into_iter().map(|h| h.ts).collect())
    }

    pub(crate) fn table(&self) -> &Table {
        &self.table
    }

    fn hits(&self) -> Hits {
        Hits {
            ts: "start",
            seq: "seq",
            tag: "seq",
        }
    }

    fn load(&self, searcher: &Searcher, hit: &Hit) -> Result<Span> {
        let doc: TantivyDocument = searcher.doc(hit.addr)?;
        let bytes = doc
            .get_first(self.fields.blob)
            .and_then(|v| v.as_bytes())
            .unwrap_or_default();
        let stored: StoredSpan =
            serde_json::from_slice(bytes).map_err(|e| StoreError::Corrupt {
                path: "traces".into(),
                message: format!("span: {e}"),
            })?;
        Ok(stored.into_span())
    }

    fn query(&self, s: &SpanSelect) -> Box<dyn Query> {
        let f = &self.fields;
        let mut parts: Vec<Box<dyn Query>> = Vec::new();
        let text = |field, v: &str| term_set([Term::from_field_text(field, v)]);
        if let Some(r) = &s.range {
            parts.push(Box::new(RangeQuery::new(
                Bound::Included(Term::from_field_i64(f.start, r.start_ns)),
                Bound::Excluded(Term::from_field_i64(f.start, r.end_ns)),
            )));
        }
        if s.min_duration_ns.is_some() || s.max_duration_ns.is_some() {
            let lo = s.min_duration_ns.map_or(Bound::Unbounded, |d| {
                Bound::Included(Term::from_field_i64(f.dur, d))
            });
            let hi = s.max_duration_ns.map_or(Bound::Unbounded, |d| {
                Bound::Included(Term::from_field_i64(f.dur, d))
            });
            parts.push(Box::new(RangeQuery::new(lo, hi)));
        }
        if let Some(v) = &s.service {
            parts.push(text(f.service, v));
        }
        if let Some(v) = &s.name {
            parts.push(text(f.name, v));
        }
        if let Some(v) = s.status {
            parts.push(text(f.status, status_str(v)));
        }
        if let Some(v) = s.kind {
            parts.push(text(f.kind, kind_str(v)));
        }
        for a in &s.attributes {
            if let Some(t) = attr_term(&a.key, &a.value) {
                let field = match a.scope {
                    AttrScope::Span => f.span_attr,
                    AttrScope::Resource => f.res_attr,
                };
                parts.push(text(field, &t));
            }
        }
        all_of(parts)
    }
}

/// Exact check after the index narrowed (attribute values are compared typed).
fn verify(s: &SpanSelect, span: &Span) -> bool {
    s.attributes.iter().all(|a| {
        let attrs = match a.scope {
            AttrScope::Span => &span.attributes,
            AttrScope::Resource => span.resource.as_ref(),
        };
        attrs.get(&a.key) == Some(&a.value)
    })
}

fn status_str(s: StatusCode) -> &'static str {
    match s {
        StatusCode::Unset => "unset",
        StatusCode::Ok => "ok",
        StatusCode::Error => "error",
    }
}

fn kind_str(k: SpanKind) -> &'static str {
    match k {
        SpanKind::Unspecified => "unspecified",
        SpanKind::Internal => "internal",
        SpanKind::Server => "server",
        SpanKind::Client => "client",
        SpanKind::Producer => "producer",
        SpanKind::Consumer => "consumer",
    }
}

/// The index term of a scalar attribute, `key \0 value`; `None` for lists, maps and long values.
fn attr_term(key: &str, v: &AttrValue) -> Option<String> {
    let text = match v {
        AttrValue::Array(_) | AttrValue::KvList(_) => return None,
        other => other.to_string(),
    };
    (text.len() <= MAX_INDEXED_VALUE).then(|| format!("{key}\u{0}{text}"))
}

fn build_docs(f: &Fields, spans: &[Span], seq: u64) -> Vec<TantivyDocument> {
    spans
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let mut doc = TantivyDocument::new();
            doc.add_text(f.trace_id, &s.trace_id);
            doc.add_i64(f.start, s.start_ns);
            doc.add_i64(f.dur, s.duration_ns);
            doc.add_u64(f.seq, (seq << 20) | i as u64);
            doc.add_text(f.service, &s.service_name);
            doc.add_text(f.name, &s.name);
            doc.add_text(f.status, status_str(s.status.code));
            doc.add_text(f.kind, kind_str(s.kind));
            for (k, v) in &s.attributes {
                if let Some(t) = attr_term(k, v) {
                    doc.add_text(f.span_attr, t);
                }
            }
            for (k, v) in s.resource.iter() {
                if let Some(t) = attr_term(k, v) {
                    doc.add_text(f.res_attr, t);
                }
            }
            let blob = serde_json::to_vec(&StoredSpan::from_span(s)).expect("span serializes");
            doc.add_bytes(f.blob, &blob);
            doc
        })
        .collect()
}
