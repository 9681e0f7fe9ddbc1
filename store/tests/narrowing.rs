//! The index only narrows: for random data and random queries, the store answers exactly what a
//! brute-force filter over the same records answers.

mod common;

use std::collections::BTreeMap;

use common::*;
use loqui_core::{AttrValue, Direction, Labels, LogLine, Span, SpanKind, StatusCode, TimeRange};
use loqui_store::{AttrFilter, AttrScope, LabelMatcher, LogSelect, MatchOp, SpanSelect, Store};

/// A line as ingested, with its ingest order.
struct Rec {
    labels: Labels,
    line: LogLine,
    order: (u64, usize),
}

type Matcher = (String, MatchOp, String, regex::Regex);

fn brute_match(m: &Matcher, labels: &Labels) -> bool {
    let v = labels.get(&m.0).map_or("", String::as_str);
    match m.1 {
        MatchOp::Eq => v == m.2,
        MatchOp::Ne => v != m.2,
        MatchOp::Re => m.3.is_match(v),
        MatchOp::NotRe => !m.3.is_match(v),
    }
}

fn random_range(rng: &mut fastrand::Rng, span_ns: i64) -> TimeRange {
    let a = T0 + rng.i64(-10..span_ns);
    let b = T0 + rng.i64(-10..span_ns + 10);
    TimeRange {
        start_ns: a.min(b),
        end_ns: a.max(b) + 1,
    }
}

fn random_matchers(rng: &mut fastrand::Rng) -> Vec<Matcher> {
    let pool = [
        ("service_name", MatchOp::Eq, "api"),
        ("service_name", MatchOp::Ne, "cart"),
        ("service_name", MatchOp::Re, "c.*|api"),
        ("service_name", MatchOp::NotRe, "db-.*"),
        ("level", MatchOp::Eq, "error"),
        ("level", MatchOp::Re, "warn|error"),
        ("pod", MatchOp::NotRe, "p1.*"),
        ("missing", MatchOp::Eq, ""),
        ("missing", MatchOp::Ne, ""),
    ];
    (0..rng.usize(0..3))
        .map(|_| {
            let (n, o, v) = pool[rng.usize(0..pool.len())];
            let re = regex::Regex::new(&format!("^(?:{v})$")).unwrap();
            (n.to_string(), o, v.to_string(), re)
        })
        .collect()
}

const NEEDLES: &[&str] = &[
    "timeout",
    "imeo",
    "out",
    "Error",
    "error",
    "user order",
    "=o",
    "r: t",
    "xdb",
    "cache1",
    "/",
    "retry2",
    "ok",
    "OK",
];

#[test]
fn log_selects_equal_brute_force() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let mut rng = fastrand::Rng::with_seed(7);
    let span_ns = 1_000_000;
    let mut recs = Vec::new();
    for _ in 0..4 {
        let batch = random_logs(&mut rng, 12, 150, span_ns);
        let seq = store.logs.push(&batch).unwrap().seq.unwrap();
        let mut i = 0;
        for s in &batch {
            for l in &s.lines {
                recs.push(Rec {
                    labels: s.labels.clone(),
                    line: l.clone(),
                    order: (seq, i),
                });
                i += 1;
            }
        }
        // Several segments, some committed together.
        if rng.bool() {
            store.commit().unwrap();
        }
    }
    store.commit().unwrap();
    let (mut nonempty, mut slowest) = (0, std::time::Duration::ZERO);
    for case in 0..300 {
        let matchers = random_matchers(&mut rng);
        let range = random_range(&mut rng, span_ns);
        let contains: Vec<String> = (0..rng.usize(0..3))
            .map(|_| NEEDLES[rng.usize(0..NEEDLES.len())].to_string())
            .collect();
        let metadata: Vec<(String, String)> = if rng.u8(0..4) == 0 {
            vec![("trace_id".into(), format!("{:032x}", rng.u8(0..8)))]
        } else {
            vec![]
        };
        let direction = if rng.bool() {
            Direction::Forward
        } else {
            Direction::Backward
        };
        let limit = rng.bool().then(|| rng.usize(0..40));

        let mut expected: Vec<&Rec> = recs
            .iter()
            .filter(|r| matchers.iter().all(|m| brute_match(m, &r.labels)))
            .filter(|r| range.contains(r.line.ts_ns))
            .filter(|r| contains.iter().all(|c| r.line.line.contains(c.as_str())))
            .filter(|r| {
                metadata
                    .iter()
                    .all(|(k, v)| r.line.structured_metadata.get(k) == Some(v))
            })
            .collect();
        expected.sort_by_key(|r| (r.line.ts_ns, r.order));
        if direction == Direction::Backward {
            expected.reverse();
        }
        expected.truncate(limit.unwrap_or(usize::MAX));

        let mut select = LogSelect::new(
            matchers
                .iter()
                .map(|(n, o, v, _)| LabelMatcher::new(n, *o, v).unwrap())
                .collect(),
            range,
        );
        select.contains = contains.clone();
        select.metadata = metadata.clone();
        select.direction = direction;
        select.limit = limit;
        let t = std::time::Instant::now();
        let got: Vec<(Labels, LogLine)> = store
            .logs
            .select(&select)
            .unwrap()
            .map(|l| l.map(|l| ((*l.labels).clone(), l.line)))
            .collect::<Result<_, _>>()
            .unwrap();
        nonempty += usize::from(!got.is_empty());
        slowest = slowest.max(t.elapsed());
        let want: Vec<(Labels, LogLine)> = expected
            .iter()
            .map(|r| (r.labels.clone(), r.line.clone()))
            .collect();
        assert_eq!(
            got.len(),
            want.len(),
            "case {case}: {matchers:?} {contains:?} {metadata:?}"
        );
        assert!(
            got == want,
            "case {case}: {matchers:?} {contains:?} {metadata:?}"
        );

        // Counts per step over the same selection (no limit).
        let step = rng.i64(1..200_000);
        let counts = store.logs.count_by_step(&select, step).unwrap();
        let mut want_counts: BTreeMap<Labels, BTreeMap<usize, u64>> = BTreeMap::new();
        for r in recs.iter().filter(|r| {
            matchers.iter().all(|m| brute_match(m, &r.labels))
                && range.contains(r.line.ts_ns)
                && contains.iter().all(|c| r.line.line.contains(c.as_str()))
                && metadata
                    .iter()
                    .all(|(k, v)| r.line.structured_metadata.get(k) == Some(v))
        }) {
            let b = ((r.line.ts_ns - range.start_ns) / step) as usize;
            *want_counts
                .entry(r.labels.clone())
                .or_default()
                .entry(b)
                .or_default() += 1;
        }
        let got_counts: BTreeMap<Labels, BTreeMap<usize, u64>> = counts
            .iter()
            .map(|c| {
                let nonzero = c
                    .counts
                    .iter()
                    .enumerate()
                    .filter(|(_, n)| **n > 0)
                    .map(|(i, n)| (i, *n))
                    .collect();
                ((*c.labels).clone(), nonzero)
            })
            .collect();
        assert_eq!(got_counts, want_counts, "case {case} counts");
    }
    // The comparison means something only if many answers are not empty.
    assert!(nonempty > 100, "only {nonempty} of 300 selects found lines");
    eprintln!("{nonempty} of 300 selects found lines; slowest select {slowest:?}");
}

#[test]
fn label_queries_equal_brute_force() {
    let dir = tempfile::tempdir().unwrap();
    let store = open(dir.path());
    let mut rng = fastrand::Rng::with_seed(11);
    let batch = random_logs(&mut rng, 30, 5, 1_000);
    store.logs.push(&batch).unwrap();
    store.commit().unwrap();
    for _ in 0..50 {
        let matchers = random_matchers(&mut rng);
        let built: Vec<_> = matchers
            .iter()
            .map(|(n, o, v, _)| LabelMatcher::new(n, *o, v).unwrap())
            .collect();
        let mut want: Vec<Labels> = batch
            .iter()
            .map(|s| s.labels.clone())
            .filter(|l| matchers.iter().all(|m| brute_match(m, l)))
            .collect();
        want.sort();
        let mut got: Vec<Labels> = store
            .logs
            .series(&built, None)
            .iter()
            .map(|l| (**l).clone())
            .collect();
        got.sort();
        assert_eq!(got, want);
        let mut values: Vec<String> = want.iter().filter_map(|l| l.get("pod").cloned()).collect();
        values.sort();
        values.dedup();
        assert_eq!(store.logs.label_values("pod", &built, None), values);
    }
    let out_of_range = TimeRange {
        start_ns: T0 + 10_000,
        end_ns: T0 + 20_000,
    };
    assert!(store.logs.series(&[], Some(&out_of_range)).is_empty());
}

fn span_matches(s: &SpanSelect, span: &Span) -> bool {
    s.range.is_none_or(|r| r.contains(span.start_ns))
        && s.service.as_ref().is_none_or(|v| *v == span.service_name)
        && s.name.as_ref().is_none_or(|v| *v == span.name)
        && s.status.is_none_or(|v| v == span.status.code)
        && s.kind.is_none_or(|v| v == span.kind)
        && s.min_duration_ns.is_none_or(|d| span.duration_ns >= d)
        && s.max_duration_ns.is_none_or(|d| span.duration_ns <= d)
        && s.attributes.iter().all(|a| {
            let attrs = match a.scope {
                AttrScope::Span => &span.attributes,
                AttrScope::Resource => span.resource.as_ref(),
            };
            attrs.get(&a.key) == Some(&a.value)
        })
}

#[test]
fn span_selects_and_trace_lookups_equal_brute_force() {
    let dir = tempfile::tempdir().unwrap();
    let store: Store = open(dir.path());
    let mut rng = fastrand::Rng::with_seed(3);
    let span_ns = 1_000_000;
    let mut all: Vec<(Span, (u64, usize))> = Vec::new();
    let spans = random_spans(&mut rng, 400, span_ns);
    for (b, chunk) in spans.chunks(97).enumerate() {
        let seq = store.traces.push(chunk).unwrap().seq.unwrap();
        all.extend(
            chunk
                .iter()
                .cloned()
                .enumerate()
                .map(|(i, s)| (s, (seq, i))),
        );
        if b % 3 == 0 {
            store.commit().unwrap();
        }
    }
    store.commit().unwrap();
    let attr_pool = [
        AttrFilter {
            scope: AttrScope::Span,
            key: "http.route".into(),
            value: AttrValue::String("/r1".into()),
        },
        AttrFilter {
            scope: AttrScope::Span,
            key: "http.response.status_code".into(),
            value: AttrValue::Int(500),
        },
        // Same text as the Int, different type: must not match.
        AttrFilter {
            scope: AttrScope::Span,
            key: "http.response.status_code".into(),
            value: AttrValue::String("500".into()),
        },
        AttrFilter {
            scope: AttrScope::Span,
            key: "retry".into(),
            value: AttrValue::Bool(true),
        },
        AttrFilter {
            scope: AttrScope::Resource,
            key: "k8s.namespace".into(),
            value: AttrValue::String("ns1".into()),
        },
        AttrFilter {
            scope: AttrScope::Resource,
            key: "http.route".into(),
            value: AttrValue::String("/r1".into()),
        },
    ];
    for case in 0..300 {
        let select = SpanSelect {
            range: rng.bool().then(|| random_range(&mut rng, span_ns)),
            service: rng
                .bool()
                .then(|| SERVICES[rng.usize(0..SERVICES.len())].to_string()),
            name: (rng.u8(0..3) == 0).then(|| format!("op{}", rng.u8(0..4))),
            status: (rng.u8(0..3) == 0)
                .then(|| [StatusCode::Unset, StatusCode::Ok, StatusCode::Error][rng.usize(0..3)]),
            kind: (rng.u8(0..3) == 0)
                .then(|| [SpanKind::Server, SpanKind::Client, SpanKind::Consumer][rng.usize(0..3)]),
            min_duration_ns: (rng.u8(0..3) == 0).then(|| rng.i64(0..10) * 1_000_000),
            max_duration_ns: (rng.u8(0..3) == 0).then(|| rng.i64(0..10) * 1_000_000),
            attributes: (0..rng.usize(0..3))
                .map(|_| attr_pool[rng.usize(0..attr_pool.len())].clone())
                .collect(),
            limit: rng.bool().then(|| rng.usize(1..20)),
        };
        let mut matched: Vec<&(Span, (u64, usize))> = all
            .iter()
            .filter(|(s, _)| span_matches(&select, s))
            .collect();
        matched.sort_by_key(|(s, o)| std::cmp::Reverse((s.start_ns, *o)));
        let mut order: Vec<String> = Vec::new();
        let mut groups: BTreeMap<String, Vec<Span>> = BTreeMap::new();
        let mut truncated = false;
        for (s, _) in matched {
            if !groups.contains_key(&s.trace_id) {
                if Some(order.len()) == select.limit {
                    truncated = true;
                    break;
                }
                order.push(s.trace_id.clone());
            }
            groups
                .entry(s.trace_id.clone())
                .or_default()
                .push(s.clone());
        }
        let got = store.traces.spans(&select).unwrap();
        assert_eq!(got.truncated, truncated, "case {case}: {select:?}");
        let got_ids: Vec<&String> = got.traces.iter().map(|t| &t.trace_id).collect();
        assert_eq!(
            got_ids,
            order.iter().collect::<Vec<_>>(),
            "case {case}: {select:?}"
        );
        for t in &got.traces {
            let mut want = groups[&t.trace_id].clone();
            want.sort_by_key(|s| s.start_ns);
            assert_eq!(t.spans, want, "case {case}");
        }
    }
    // Trace by id: every trace, and ids in other spellings.
    let mut by_trace: BTreeMap<&str, Vec<&Span>> = BTreeMap::new();
    for (s, _) in &all {
        by_trace.entry(&s.trace_id).or_default().push(s);
    }
    for (id, spans) in by_trace {
        let got = store
            .traces
            .trace(&id.trim_start_matches('0').to_uppercase())
            .unwrap()
            .unwrap();
        let mut want: Vec<Span> = spans.into_iter().cloned().collect();
        want.sort_by_key(|s| s.start_ns);
        assert_eq!(got.spans, want);
    }
}
