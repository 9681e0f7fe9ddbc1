//! Each incident is visible in the generated data alone, and the ground truth agrees with it.

mod common;

use std::collections::HashMap;

use common::*;
use loqui_demo::{Batch, IncidentKind, IncidentTruth, LogRecord, SpanRecord, TraceId};

struct Case {
    truth: IncidentTruth,
    before: Batch,
    inside: Batch,
}

/// The incident's window and the hour before it, from a 24 h data set.
fn case(kind: IncidentKind) -> Case {
    let g = generator(7, 24);
    let truth = g
        .ground_truth()
        .incident(kind)
        .expect("incident in the last 24 h")
        .clone();
    let before = g.window(truth.start_ns - NS_HOUR, truth.start_ns);
    let inside = g.window(truth.start_ns, truth.end_ns);
    Case {
        truth,
        before,
        inside,
    }
}

fn select(b: &Batch, f: impl Fn(&SpanRecord) -> bool) -> Vec<&SpanRecord> {
    b.spans.iter().filter(|s| f(s)).collect()
}

fn error_rate(spans: &[&SpanRecord]) -> f64 {
    spans.iter().filter(|s| s.is_error()).count() as f64 / spans.len().max(1) as f64
}

fn p50_ms(spans: &[&SpanRecord]) -> f64 {
    let mut d: Vec<i64> = spans.iter().map(|s| s.duration_ns).collect();
    d.sort_unstable();
    d.get(d.len() / 2).copied().unwrap_or(0) as f64 / 1e6
}

fn ok<'a>(v: &[&'a SpanRecord]) -> Vec<&'a SpanRecord> {
    v.iter().filter(|s| !s.is_error()).copied().collect()
}

fn per_minute(spans: &[&SpanRecord], window_ns: i64) -> f64 {
    spans.len() as f64 / (window_ns as f64 / NS_MIN as f64)
}

/// For every trace whose root span failed, the deepest erroring span.
fn deepest_errors(b: &Batch) -> Vec<&SpanRecord> {
    let mut by_trace: HashMap<TraceId, Vec<&SpanRecord>> = HashMap::new();
    for s in &b.spans {
        by_trace.entry(s.trace_id).or_default().push(s);
    }
    let mut out = Vec::new();
    for spans in by_trace.values() {
        let Some(root) = spans.iter().find(|s| s.parent_span_id.is_none()) else {
            continue;
        };
        if !root.is_error() {
            continue;
        }
        let by_id: HashMap<_, _> = spans.iter().map(|s| (s.span_id, *s)).collect();
        let depth = |s: &SpanRecord| {
            let (mut d, mut p) = (0, s.parent_span_id);
            while let Some(id) = p {
                d += 1;
                p = by_id.get(&id).and_then(|s| s.parent_span_id);
            }
            d
        };
        let deepest = spans
            .iter()
            .filter(|s| s.is_error())
            .max_by_key(|s| (depth(s), s.start_ns))
            .unwrap();
        out.push(*deepest);
    }
    out
}

fn check_origin(c: &Case) {
    let deepest = deepest_errors(&c.inside);
    assert!(
        deepest.len() >= 10,
        "{}: only {} failing traces",
        c.truth.id,
        deepest.len()
    );
    for s in deepest {
        assert!(
            c.truth
                .originating_services
                .iter()
                .any(|o| o == s.service()),
            "{}: deepest error in {} ({})",
            c.truth.id,
            s.service(),
            s.name
        );
        if let Some(dep) = &c.truth.root_cause_dependency {
            assert_eq!(
                s.attr("peer.service").map(|v| v.to_string()).as_deref(),
                Some(dep.as_str()),
                "{}: {}",
                c.truth.id,
                s.name
            );
        }
        if c.truth.root_cause_operation != "*" && c.truth.root_cause_dependency.is_none() {
            assert_eq!(s.name, c.truth.root_cause_operation);
        }
    }
}

fn message(l: &LogRecord) -> String {
    if l.line.starts_with('{') {
        let v: serde_json::Value = serde_json::from_str(&l.line).unwrap();
        v["msg"].as_str().unwrap().to_owned()
    } else {
        field(&parse_logfmt(&l.line).unwrap(), "msg")
            .unwrap()
            .to_owned()
    }
}

/// Does `msg` match `template`, where `<...>` stands for any text?
fn matches(template: &str, msg: &str) -> bool {
    let mut rest = msg;
    let mut first = true;
    for (i, piece) in template.split('<').enumerate() {
        let lit = if i == 0 {
            piece
        } else {
            piece.split_once('>').map_or(piece, |(_, l)| l)
        };
        if lit.is_empty() {
            first = false;
            continue;
        }
        match rest.find(lit) {
            Some(p) if !first || p == 0 => rest = &rest[p + lit.len()..],
            _ => return false,
        }
        first = false;
    }
    true
}

fn check_truth(c: &Case) {
    let msgs: Vec<String> = c.inside.logs.iter().map(message).collect();
    for t in &c.truth.expected_messages {
        assert!(
            msgs.iter().any(|m| matches(t, m)),
            "{}: no line matches {t:?}",
            c.truth.id
        );
    }
    assert!(!c.truth.example_trace_ids.is_empty());
    for id in &c.truth.example_trace_ids {
        let spans: Vec<_> = c
            .inside
            .spans
            .iter()
            .filter(|s| &s.trace_id.to_string() == id)
            .collect();
        assert!(
            !spans.is_empty(),
            "{}: example {id} not in the window",
            c.truth.id
        );
        assert!(
            spans.iter().any(|s| s.is_error()
                && c.truth
                    .originating_services
                    .iter()
                    .any(|o| o == s.service())),
            "{}: example {id} has no error in an originating service",
            c.truth.id
        );
    }
    assert!(
        c.truth.end_ns - c.truth.start_ns >= 10 * NS_MIN
            && c.truth.end_ns - c.truth.start_ns <= 30 * NS_MIN
    );
}

#[test]
fn payment_provider_timeout() {
    let c = case(IncidentKind::PaymentProviderTimeout);
    let charge = |s: &SpanRecord| s.service() == "payment-service" && s.name == "POST /v1/charges";
    let (b, i) = (select(&c.before, charge), select(&c.inside, charge));
    assert!(
        error_rate(&i) > 0.4 && error_rate(&i) > 5.0 * error_rate(&b),
        "{} vs {}",
        error_rate(&i),
        error_rate(&b)
    );
    assert!(p50_ms(&i) > 4000.0 && p50_ms(&b) < 1000.0);
    let gw = |s: &SpanRecord| s.name == "POST /api/checkout";
    assert!(error_rate(&select(&c.inside, gw)) > 0.3 && error_rate(&select(&c.before, gw)) == 0.0);
    check_origin(&c);
    check_truth(&c);
}

#[test]
fn database_failover() {
    let c = case(IncidentKind::DatabaseFailover);
    let db = |s: &SpanRecord| {
        s.attr("peer.service")
            .is_some_and(|v| v.to_string() == "mysql-booking")
    };
    let (b, i) = (select(&c.before, db), select(&c.inside, db));
    assert!(error_rate(&i) > 0.1 && error_rate(&b) == 0.0);
    assert!(
        p50_ms(&ok(&i)) > 5.0 * p50_ms(&ok(&b)),
        "{} vs {}",
        p50_ms(&ok(&i)),
        p50_ms(&ok(&b))
    );
    // The catalog database is not involved.
    let catalog = |s: &SpanRecord| {
        s.attr("peer.service")
            .is_some_and(|v| v.to_string() == "mysql-catalog")
    };
    assert_eq!(error_rate(&select(&c.inside, catalog)), 0.0);
    check_origin(&c);
    check_truth(&c);
}

#[test]
fn redis_pool_exhausted() {
    let c = case(IncidentKind::RedisPoolExhausted);
    let set = |s: &SpanRecord| s.service() == "reservation-service" && s.name == "redis SET";
    let (b, i) = (select(&c.before, set), select(&c.inside, set));
    assert!(error_rate(&i) > 0.3 && error_rate(&b) == 0.0);
    assert!(p50_ms(&i) > 10.0 * p50_ms(&b));
    // queue-service uses the same Redis without trouble: the pool, not Redis, is the cause.
    let queue = |s: &SpanRecord| s.service() == "queue-service" && s.name.starts_with("redis ");
    assert_eq!(error_rate(&select(&c.inside, queue)), 0.0);
    check_origin(&c);
    check_truth(&c);
}

#[test]
fn traffic_spike() {
    let c = case(IncidentKind::TrafficSpike);
    let len = c.truth.end_ns - c.truth.start_ns;
    let enter = |s: &SpanRecord| s.service() == "queue-service" && s.name == "POST /queue/enter";
    let (b, i) = (select(&c.before, enter), select(&c.inside, enter));
    assert!(
        per_minute(&i, len) > 4.0 * per_minute(&b, NS_HOUR),
        "{} vs {}",
        per_minute(&i, len),
        per_minute(&b, NS_HOUR)
    );
    assert!(p50_ms(&i) > 3.0 * p50_ms(&b));
    assert!(error_rate(&i) > 0.05 && error_rate(&b) == 0.0);
    let gw = |s: &SpanRecord| s.service() == "gateway" && s.parent_span_id.is_none();
    let status = |s: &&SpanRecord| s.attr("http.response.status_code").map(|v| v.to_string());
    assert!(
        select(&c.inside, gw)
            .iter()
            .any(|s| status(s).as_deref() == Some("429"))
    );
    assert!(
        !select(&c.before, gw)
            .iter()
            .any(|s| status(s).as_deref() == Some("429"))
    );
    check_origin(&c);
    check_truth(&c);
}

#[test]
fn bad_deploy() {
    let c = case(IncidentKind::BadDeploy);
    let detail = |s: &SpanRecord| s.service() == "show-service" && s.name == "GET /shows/{id}";
    let (b, i) = (select(&c.before, detail), select(&c.inside, detail));
    assert!(error_rate(&i) > 0.15 && error_rate(&b) == 0.0);
    // Only that route breaks.
    let other = |s: &SpanRecord| s.service() == "show-service" && s.name == "GET /shows";
    assert_eq!(error_rate(&select(&c.inside, other)), 0.0);
    // Every show-service span inside runs the new version, none before.
    let (from, to) = c.truth.version_change.clone().unwrap();
    let version = |s: &&SpanRecord| s.resource.service_version;
    assert!(
        select(&c.inside, |s| s.service() == "show-service")
            .iter()
            .all(|s| version(s) == to)
    );
    assert!(
        select(&c.before, |s| s.service() == "show-service")
            .iter()
            .all(|s| version(s) == from)
    );
    check_origin(&c);
    check_truth(&c);
}

#[test]
fn volume_and_bad_deploy_template_over_a_day() {
    let g = generator(7, 24);
    let truth = g.ground_truth();
    let deploy = truth.incident(IncidentKind::BadDeploy).unwrap();
    let (mut lines, mut spans, mut roots) = (0usize, 0usize, 0usize);
    let mut npe = 0;
    for b in g.batches() {
        lines += b.logs.len();
        spans += b.spans.len();
        roots += b
            .spans
            .iter()
            .filter(|s| s.parent_span_id.is_none())
            .count();
        for l in &b.logs {
            if l.line.contains("failed to render show detail") {
                npe += 1;
                assert!(
                    l.time_ns >= deploy.start_ns && l.time_ns < deploy.end_ns + NS_MIN,
                    "template before the deploy"
                );
            }
        }
    }
    assert!((700_000..=1_500_000).contains(&lines), "{lines} lines");
    assert!((90_000..=115_000).contains(&roots), "{roots} traces");
    let per_trace = spans as f64 / roots as f64;
    assert!(
        (5.0..=15.0).contains(&per_trace),
        "{per_trace} spans per trace"
    );
    assert!(npe > 20);
}
