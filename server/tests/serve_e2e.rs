//! `loqui serve --demo` end to end: the real binary on a free loopback port, read through
//! loqui's own Loki and Tempo clients and written through the push APIs, as agents and Grafana
//! would.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use loqui_adapters::{LokiClient, SourceConfig, TempoClient};
use loqui_core::{LogQuery, LogSource, MetricsQuery, TimeRange, TraceSearch, TraceSource};

struct Server {
    child: Child,
    url: String,
    dir: std::path::PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn start(extra: &[&str], env: &[(&str, &str)]) -> Server {
    let dir = std::env::temp_dir().join(format!(
        "loqui-e2e-{}-{}",
        std::process::id(),
        fastrand_suffix()
    ));
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_loqui"));
    cmd.args(["serve", "--listen", "127.0.0.1:0", "--data-dir"])
        .arg(&dir)
        .args(extra)
        .env_remove("LOQUI_TOKEN")
        .env_remove("LOQUI_LOKI_URL")
        .env_remove("LOQUI_TEMPO_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.spawn().expect("start loqui serve");
    let stderr = child.stderr.take().expect("stderr");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if let Some(url) = line.strip_prefix("loqui listening on ") {
                let _ = tx.send(Ok(url.trim().to_owned()));
            } else if line.contains("Error") || line.starts_with("loqui:") {
                let _ = tx.send(Err(line));
            }
        }
    });
    let url = match rx.recv_timeout(Duration::from_secs(120)) {
        Ok(Ok(url)) => url,
        Ok(Err(line)) => panic!("loqui serve failed: {line}"),
        Err(_) => panic!("loqui serve did not start listening within 120 s"),
    };
    Server { child, url, dir }
}

fn fastrand_suffix() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos() as u64)
}

fn last(hours: i64) -> TimeRange {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_nanos() as i64;
    TimeRange {
        start_ns: now - hours * 3_600_000_000_000,
        end_ns: now + 60_000_000_000,
    }
}

fn truth(server: &Server) -> serde_json::Value {
    let text = std::fs::read_to_string(server.dir.join("demo/ground-truth.json"))
        .expect("ground truth beside the data");
    serde_json::from_str(&text).expect("ground truth JSON")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_demo_platform_answers_through_lokis_and_tempos_apis() {
    let server = start(&["--demo", "--demo-hours", "2"], &[]);
    let loki = LokiClient::new(&SourceConfig::new("e2e", &server.url)).expect("loki client");
    let tempo = TempoClient::new(&SourceConfig::new("e2e", &server.url)).expect("tempo client");

    let labels = loki.labels(Some(last(2))).await.expect("labels");
    assert!(labels.contains(&"service_name".to_owned()), "{labels:?}");
    let services = loki
        .label_values("service_name", None, Some(last(2)))
        .await
        .expect("label values");
    for s in [
        "gateway",
        "show-service",
        "payment-service",
        "queue-service",
    ] {
        assert!(
            services.iter().any(|v| v == s),
            "{s} missing from {services:?}"
        );
    }

    // The bad deploy 40 minutes before the end: a new NullPointerException on show-service.
    let npe = LogQuery::new(
        r#"{service_name="show-service"} |= "NullPointerException""#,
        last(2),
        50,
    );
    let lines = loki.query_range(&npe).await.expect("query_range");
    assert!(
        lines.total_lines > 0,
        "no NullPointerException lines: {lines:?}"
    );
    assert!(
        lines
            .lines()
            .all(|(_, l)| l.line.contains("NullPointerException"))
    );

    let truth = truth(&server);
    let deploy = truth["incidents"]
        .as_array()
        .expect("incidents")
        .iter()
        .find(|i| i["root_cause_service"] == "show-service")
        .expect("the bad deploy is in the last 2 hours")
        .clone();
    let example = deploy["example_trace_ids"][0]
        .as_str()
        .expect("an example trace id");

    let trace = tempo.trace(example, None).await.expect("trace by id");
    assert!(
        trace
            .spans
            .iter()
            .any(|s| s.service_name == "show-service" && s.is_error()),
        "{trace:?}"
    );

    let search = TraceSearch {
        query: r#"{ resource.service.name = "show-service" && status = error }"#.into(),
        range: last(2),
        limit: 100,
        spans_per_spanset: Some(3),
    };
    let found = tempo.search(&search).await.expect("search");
    assert!(!found.traces.is_empty(), "no failing show-service traces");

    let metrics = MetricsQuery {
        query: "{ status = error } | count_over_time() by (resource.service.name)".into(),
        range: last(2),
        step: Some(Duration::from_secs(300)),
    };
    let series = tempo.metrics_range(&metrics).await.expect("metrics");
    assert!(!series.series.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pushed_data_is_read_back_and_bad_records_are_named() {
    let server = start(&[], &[]);
    let http = reqwest::Client::new();
    let now = last(0).end_ns - 60_000_000_000;
    let body = serde_json::json!({"streams": [
        {"stream": {"service_name": "e2e-svc", "env": "test"}, "values": [[now.to_string(), "level=error msg=\"disk full\" trace_id=00000000000000000000000000abcdef"]]},
        {"stream": {"bad-label": "x"}, "values": [[now.to_string(), "never stored"]]}
    ]});
    let resp = http
        .post(format!("{}/loki/api/v1/push", server.url))
        .json(&body)
        .send()
        .await
        .expect("push");
    assert_eq!(resp.status(), 400, "a partly bad batch is reported");
    let text = resp.text().await.expect("body");
    assert!(text.contains("1 of 2 lines stored"), "{text}");
    assert!(text.contains("bad-label"), "{text}");

    let span = serde_json::json!({"resourceSpans": [{"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "e2e-svc"}}]},
        "scopeSpans": [{"spans": [{"traceId": "00000000000000000000000000abcdef", "spanId": "00000000000000aa", "name": "GET /disk",
        "kind": 2, "startTimeUnixNano": now.to_string(), "endTimeUnixNano": (now + 5_000_000).to_string(), "status": {"code": 2, "message": "disk full"}}]}]}]});
    let resp = http
        .post(format!("{}/v1/traces", server.url))
        .json(&span)
        .send()
        .await
        .expect("otlp push");
    assert_eq!(resp.status(), 200);

    // Pushes are searchable after the store's next commit (about a second).
    let loki = LokiClient::new(&SourceConfig::new("e2e", &server.url)).expect("loki client");
    let tempo = TempoClient::new(&SourceConfig::new("e2e", &server.url)).expect("tempo client");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let got = loki
            .query_range(&LogQuery::new(
                r#"{service_name="e2e-svc"} | logfmt | level="error""#,
                last(1),
                10,
            ))
            .await
            .expect("query");
        let trace = tempo.trace("abcdef", None).await;
        if got.total_lines == 1 && trace.as_ref().is_ok_and(|t| t.spans.len() == 1) {
            let (_, line) = got.lines().next().expect("a line");
            assert!(line.line.contains("disk full"));
            assert_eq!(
                trace.expect("trace").spans[0].status.message.as_deref(),
                Some("disk full")
            );
            break;
        }
        assert!(
            Instant::now() < deadline,
            "pushed data not readable after 20 s: {got:?} / {trace:?}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_queries_and_bodies_get_clear_errors() {
    let server = start(&[], &[]);
    let http = reqwest::Client::new();
    let resp = http
        .get(format!("{}/loki/api/v1/query_range", server.url))
        .query(&[("query", r#"{app="x"} |= "error" [3h]"#)])
        .send()
        .await
        .expect("query");
    assert_eq!(resp.status(), 400);
    let text = resp.text().await.expect("body");
    assert!(
        text.contains("line 1, col 22") && text.contains("hint"),
        "{text}"
    );

    let resp = http
        .get(format!("{}/api/search", server.url))
        .query(&[("q", "{ service.name = \"x\" }")])
        .send()
        .await
        .expect("search");
    assert_eq!(resp.status(), 400);

    let resp = http
        .post(format!("{}/loki/api/v1/push", server.url))
        .header("Content-Type", "application/json")
        .body("{not json")
        .send()
        .await
        .expect("push");
    assert_eq!(resp.status(), 400);
    assert!(resp.text().await.expect("body").contains("malformed"));

    let resp = http
        .post(format!("{}/v1/traces", server.url))
        .header("Content-Type", "text/csv")
        .body("a,b")
        .send()
        .await
        .expect("push");
    assert_eq!(resp.status(), 400);
    assert!(
        resp.text()
            .await
            .expect("body")
            .contains("application/json or application/x-protobuf")
    );

    let resp = http
        .get(format!("{}/api/traces/not-hex", server.url))
        .send()
        .await
        .expect("trace");
    assert_eq!(resp.status(), 400);
    let resp = http
        .get(format!(
            "{}/api/traces/0123456789abcdef0123456789abcdef",
            server.url
        ))
        .send()
        .await
        .expect("trace");
    assert_eq!(resp.status(), 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_token_guards_everything_but_health() {
    let server = start(&[], &[("LOQUI_TOKEN", "e2e-secret-token")]);
    let http = reqwest::Client::new();
    let health = http
        .get(format!("{}/health", server.url))
        .send()
        .await
        .expect("health");
    assert_eq!(health.status(), 200);
    let denied = http
        .get(format!("{}/loki/api/v1/labels", server.url))
        .send()
        .await
        .expect("labels");
    assert_eq!(denied.status(), 401);
    let wrong = http
        .get(format!("{}/loki/api/v1/labels", server.url))
        .bearer_auth("nope")
        .send()
        .await
        .expect("labels");
    assert_eq!(wrong.status(), 401);
    assert!(
        !wrong
            .text()
            .await
            .expect("body")
            .contains("e2e-secret-token")
    );
    let ok = http
        .get(format!("{}/loki/api/v1/labels", server.url))
        .bearer_auth("e2e-secret-token")
        .send()
        .await
        .expect("labels");
    assert_eq!(ok.status(), 200);
}

#[test]
fn listening_beyond_loopback_needs_a_token() {
    let out = Command::new(env!("CARGO_BIN_EXE_loqui"))
        .args(["serve", "--listen", "0.0.0.0:0", "--data-dir"])
        .arg(std::env::temp_dir().join("loqui-e2e-public"))
        .env_remove("LOQUI_TOKEN")
        .output()
        .expect("run loqui");
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("without a token") && err.contains("LOQUI_TOKEN"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn loqui_demo_pushes_through_the_loki_and_otlp_apis() {
    let server = start(&[], &[]);
    let out = Command::new(env!("CARGO_BIN_EXE_loqui"))
        .args([
            "demo",
            "--hours",
            "1",
            "--loki-url",
            &server.url,
            "--otlp-url",
            &server.url,
        ])
        .output()
        .expect("run loqui demo");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert!(err.contains("pushed"), "{err}");

    let loki = LokiClient::new(&SourceConfig::new("e2e", &server.url)).expect("loki client");
    let tempo = TempoClient::new(&SourceConfig::new("e2e", &server.url)).expect("tempo client");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let services = loki
            .label_values("service_name", None, Some(last(2)))
            .await
            .expect("label values");
        let search = TraceSearch {
            query: "{ status = error }".into(),
            range: last(2),
            limit: 5,
            spans_per_spanset: None,
        };
        let errors = tempo.search(&search).await.expect("search");
        if services.len() >= 9 && !errors.traces.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "pushed demo data not readable: {services:?}, {} error traces",
            errors.traces.len()
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

#[test]
fn loqui_demo_without_a_target_says_what_to_give() {
    let out = Command::new(env!("CARGO_BIN_EXE_loqui"))
        .args(["demo"])
        .output()
        .expect("run loqui demo");
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--loki-url"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn protobuf_pushes_are_stored_and_oversized_bodies_refused() {
    use loqui_core::{LogLine, LogStream, Span, SpanKind, SpanStatus, StatusCode};
    let server = start(&[], &[]);
    let http = reqwest::Client::new();
    let now = last(0).end_ns - 60_000_000_000;
    let stream = LogStream {
        labels: [("service_name".to_owned(), "proto-svc".to_owned())]
            .into_iter()
            .collect(),
        lines: vec![LogLine {
            ts_ns: now,
            line: "level=warn msg=\"via protobuf\"".into(),
            structured_metadata: Default::default(),
            parsed: Default::default(),
        }],
    };
    let resp = http
        .post(format!("{}/loki/api/v1/push", server.url))
        .header("Content-Type", "application/x-protobuf")
        .body(loqui_wire::loki::encode_push_proto(&[stream]))
        .send()
        .await
        .expect("push");
    assert_eq!(resp.status(), 204, "{:?}", resp.text().await);

    let resource: loqui_core::Attributes = [(
        "service.name".to_owned(),
        loqui_core::AttrValue::String("proto-svc".into()),
    )]
    .into_iter()
    .collect();
    let span = Span {
        trace_id: "0000000000000000000000000000f00d".into(),
        span_id: "00000000000000bb".into(),
        parent_span_id: None,
        service_name: "proto-svc".into(),
        name: "GET /proto".into(),
        kind: SpanKind::Server,
        status: SpanStatus {
            code: StatusCode::Ok,
            message: None,
        },
        start_ns: now,
        duration_ns: 1_000_000,
        attributes: Default::default(),
        resource: std::sync::Arc::new(resource),
        events: Vec::new(),
    };
    let resp = http
        .post(format!("{}/v1/traces", server.url))
        .header("Content-Type", "application/x-protobuf")
        .body(loqui_wire::otlp::encode_traces_proto(&[span]))
        .send()
        .await
        .expect("otlp push");
    assert_eq!(resp.status(), 200);

    let loki = LokiClient::new(&SourceConfig::new("e2e", &server.url)).expect("loki client");
    let tempo = TempoClient::new(&SourceConfig::new("e2e", &server.url)).expect("tempo client");
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let got = loki
            .query_range(&LogQuery::new(r#"{service_name="proto-svc"}"#, last(1), 10))
            .await
            .expect("query");
        let trace = tempo.trace("f00d", None).await;
        if got.total_lines == 1 && trace.as_ref().is_ok_and(|t| t.spans.len() == 1) {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "protobuf pushes not readable: {got:?} / {trace:?}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }

    let huge = vec![b'x'; 65 << 20];
    let resp = http
        .post(format!("{}/loki/api/v1/push", server.url))
        .header("Content-Type", "application/json")
        .body(huge)
        .send()
        .await
        .expect("huge push");
    assert_eq!(resp.status(), 413);
}
