//! Decode throughput and per-call overhead of the Loki and Tempo clients.
//!
//! Run: `cargo bench -p loqui-adapters --bench decode`. Prints figures; asserts nothing.

use std::sync::Arc;
use std::time::{Duration, Instant};

use loqui_adapters::{LogSource, LokiClient, SourceConfig, decode};
use loqui_core::{LogQuery, TimeRange};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if let Some(i) = args.iter().position(|a| a == "--peak") {
        return peak_child(&args[i + 1]);
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let loki_body = loki_streams_body(10 * 1024 * 1024);
    let trace_body = tempo_trace_body(5 * 1024 * 1024);

    let (lines, _) = measure(
        "loki query_range (streams, categorize-labels)",
        &loki_body,
        |b| decode::loki_query(b).unwrap().total_lines,
    );
    println!("  {lines} lines");
    let (spans, _) = measure("tempo trace (v2 OTLP JSON, base64 ids)", &trace_body, |b| {
        decode::tempo_trace(b).unwrap().spans.len()
    });
    println!("  {spans} spans");

    rt.block_on(async {
        let big = serve(Arc::new(loki_body.clone())).await;
        let client = make_client(&big);
        let q = LogQuery::new("{a=\"b\"}", TimeRange::from_secs(0, 1), 5000);
        let mut best = Duration::MAX;
        for _ in 0..5 {
            let t = Instant::now();
            client.query_range(&q).await.unwrap();
            best = best.min(t.elapsed());
        }
        let mb = loki_body.len() as f64 / 1e6;
        println!(
            "loki query_range over loopback (request + read + decode + limit): {:.1} MB in {:.1} ms = {:.0} MB/s",
            mb, best.as_secs_f64() * 1e3, mb / best.as_secs_f64()
        );

        let small = serve(Arc::new(br#"{"status":"success","data":["service_name","pod"]}"#.to_vec())).await;
        let client = make_client(&small);
        for _ in 0..200 {
            client.labels(None).await.unwrap();
        }
        let n = 3000;
        let t = Instant::now();
        for _ in 0..n {
            client.labels(None).await.unwrap();
        }
        println!(
            "per-call overhead (labels, keep-alive loopback, {n} sequential calls): {:.0} µs/call",
            t.elapsed().as_secs_f64() * 1e6 / n as f64
        );
    });
}

fn make_client(url: &str) -> LokiClient {
    let mut cfg = SourceConfig::new("bench", url);
    cfg.limits.max_lines = 1_000_000;
    cfg.limits.server_max_entries = 1_000_000;
    LokiClient::new(&cfg).unwrap()
}

/// Best-of-10 decode throughput, and the extra resident memory of one decode.
fn measure(what: &str, body: &[u8], run: impl Fn(&[u8]) -> usize) -> (usize, f64) {
    let mut best = Duration::MAX;
    let mut count = 0;
    for _ in 0..10 {
        let t = Instant::now();
        count = run(body);
        best = best.min(t.elapsed());
    }
    let kind = if what.starts_with("loki") {
        "loki"
    } else {
        "tempo"
    };
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--peak", kind])
        .output()
        .unwrap();
    let extra_kib: f64 = String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .unwrap_or(f64::NAN);
    let mb = body.len() as f64 / 1e6;
    let extra = extra_kib * 1024.0;
    println!(
        "{what}: {mb:.1} MB decoded in {:.1} ms = {:.0} MB/s; peak memory while decoding: body {mb:.1} MB + {:.1} MB decoded = {:.2}x the body",
        best.as_secs_f64() * 1e3,
        mb / best.as_secs_f64(),
        extra / 1e6,
        (body.len() as f64 + extra) / body.len() as f64
    );
    (count, extra)
}

/// In a fresh process (no freed heap from earlier runs): the memory one decode adds.
fn peak_child(kind: &str) {
    let (before, peak) = if kind == "loki" {
        let body = loki_streams_body(10 * 1024 * 1024);
        peak_of(|| decode::loki_query(&body).unwrap())
    } else {
        let body = tempo_trace_body(5 * 1024 * 1024);
        peak_of(|| decode::tempo_trace(&body).unwrap())
    };
    println!("{}", peak.saturating_sub(before));
}

/// Resident KiB before `f`, and the high-water mark while `f`'s result was alive.
fn peak_of<T>(f: impl FnOnce() -> T) -> (u64, u64) {
    // Writing 5 to clear_refs resets VmHWM to the current RSS (Linux).
    let _ = std::fs::write("/proc/self/clear_refs", "5");
    let before = status_kib("VmRSS:");
    let kept = f();
    let peak = status_kib("VmHWM:");
    drop(kept);
    (before, peak)
}

fn status_kib(key: &str) -> u64 {
    let s = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    s.lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// A keep-alive HTTP/1.1 server answering every request with `body`.
async fn serve(body: Arc<Vec<u8>>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        loop {
            let (mut socket, _) = listener.accept().await.unwrap();
            socket.set_nodelay(true).unwrap();
            let body = Arc::clone(&body);
            tokio::spawn(async move {
                let mut buf = Vec::new();
                let mut chunk = [0u8; 8192];
                loop {
                    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
                        match socket.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buf.extend_from_slice(&chunk[..n]),
                        }
                    }
                    let end = buf.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
                    buf.drain(..end);
                    let head = format!(
                        "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                        body.len()
                    );
                    let mut reply = head.into_bytes();
                    reply.extend_from_slice(&body);
                    if socket.write_all(&reply).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    url
}

/// A categorized streams answer of about `size` bytes: 40 streams of JSON log lines.
fn loki_streams_body(size: usize) -> Vec<u8> {
    let mut out = String::with_capacity(size + 4096);
    out.push_str(r#"{"status":"success","data":{"resultType":"streams","encodingFlags":["categorize-labels"],"result":["#);
    let per_stream = size / 40;
    for s in 0..40 {
        if s > 0 {
            out.push(',');
        }
        let start = out.len();
        out.push_str(&format!(
            r#"{{"stream":{{"cluster":"prod-eu-1","env":"prod","namespace":"shop","pod":"order-service-7d9f8b6c5-{s:05}","service_name":"order-service"}},"values":["#
        ));
        let mut i: u64 = 0;
        while out.len() - start < per_stream {
            if i > 0 {
                out.push(',');
            }
            let ts = 1_795_315_307_201_044_124u64 - i * 1_000_003;
            let trace = format!("{:032x}", (s as u64) << 40 | i);
            out.push_str(&format!(
                r#"["{ts}","{{\"ts\":\"2026-11-22T02:41:47.201044Z\",\"level\":\"error\",\"logger\":\"OrderService\",\"msg\":\"payment failed\",\"order_id\":\"ord-{i}\",\"error\":\"payment-service returned 504 Gateway Timeout\",\"http\":{{\"method\":\"POST\",\"path\":\"/orders\",\"status\":502}},\"trace_id\":\"{trace}\"}}",{{"structuredMetadata":{{"detected_level":"error","span_id":"6a5c9cfc4b1d85a6","trace_id":"{trace}"}}}}]"#
            ));
            i += 1;
        }
        out.push_str("]}");
    }
    out.push_str(r#"],"stats":{"summary":{"execTime":0.1,"totalLinesProcessed":1000}}}}"#);
    out.into_bytes()
}

/// A v2 trace of about `size` bytes: 20 services, spans with eight attributes, some events.
fn tempo_trace_body(size: usize) -> Vec<u8> {
    let mut out = String::with_capacity(size + 4096);
    out.push_str(r#"{"trace":{"resourceSpans":["#);
    let per_resource = size / 20;
    let mut span_no: u64 = 0;
    for r in 0..20 {
        if r > 0 {
            out.push(',');
        }
        let start = out.len();
        out.push_str(&format!(
            r#"{{"resource":{{"attributes":[{{"key":"service.name","value":{{"stringValue":"service-{r}"}}}},{{"key":"k8s.pod.name","value":{{"stringValue":"service-{r}-7d9f8b6c5-x2k4p"}}}},{{"key":"service.version","value":{{"stringValue":"1.14.0"}}}}]}},"scopeSpans":[{{"scope":{{"name":"io.opentelemetry"}},"spans":["#
        ));
        let mut first = true;
        while out.len() - start < per_resource {
            if !first {
                out.push(',');
            }
            first = false;
            span_no += 1;
            let event = if span_no % 10 == 0 {
                r#","events":[{"timeUnixNano":"1795314003949453248","name":"exception","attributes":[{"key":"exception.type","value":{"stringValue":"java.net.SocketTimeoutException"}}]}]"#
            } else {
                ""
            };
            out.push_str(&format!(
                r#"{{"traceId":"aTS0hOc89XXcrWuisK7gyg==","spanId":"kjcyiBWE2MQ=","parentSpanId":"+igV0oAoJyg=","name":"GET /api/products/{{id}}","kind":"SPAN_KIND_SERVER","startTimeUnixNano":"1795313998923033948","endTimeUnixNano":"1795314003952822999","attributes":[{{"key":"http.method","value":{{"stringValue":"GET"}}}},{{"key":"http.route","value":{{"stringValue":"/api/products/{{id}}"}}}},{{"key":"http.status_code","value":{{"intValue":"200"}}}},{{"key":"http.url","value":{{"stringValue":"http://product-service:8080/products/{span_no}"}}}},{{"key":"net.peer.ip","value":{{"stringValue":"10.42.6.55"}}}},{{"key":"db.rows_returned","value":{{"intValue":"{span_no}"}}}},{{"key":"payment.amount","value":{{"doubleValue":12.5}}}},{{"key":"cache.hit","value":{{"boolValue":true}}}}],"status":{{"code":"STATUS_CODE_OK"}}{event}}}"#
            ));
        }
        out.push_str("]}]}");
    }
    out.push_str(r#"]},"metrics":{"inspectedBytes":"1000"}}"#);
    out.into_bytes()
}
