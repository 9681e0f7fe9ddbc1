//! The clients against servers that misbehave: each case must end in a clear error or a
//! correct retry, within the call's time limit.

mod common;

use std::time::{Duration, Instant};

use common::{Reply, peak_rss_kib, refused_url, serve};
use loqui_adapters::{LogSource, LokiClient, SourceConfig, TempoClient, TraceSource};
use loqui_core::{ErrorCode, LogQuery, TimeRange};

const OK_BODY: &str = r#"{"status":"success","data":{"resultType":"streams","result":[{"stream":{"a":"b"},"values":[["1795315307201044124","hello"]]}]}}"#;

fn config(url: &str, timeout: Duration) -> SourceConfig {
    let mut cfg = SourceConfig::new("prod", url);
    cfg.limits.timeout = timeout;
    cfg
}

fn loki(url: &str, timeout: Duration) -> LokiClient {
    LokiClient::new(&config(url, timeout)).unwrap()
}

fn query() -> LogQuery {
    LogQuery::new(
        r#"{service_name="gateway"}"#,
        TimeRange::from_secs(1_795_313_900, 1_795_315_809),
        100,
    )
}

#[tokio::test]
async fn connection_refused_is_unavailable_after_retries() {
    let url = refused_url().await;
    let started = Instant::now();
    let err = loki(&url, Duration::from_secs(5))
        .query_range(&query())
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Unavailable);
    let text = err.to_string();
    assert!(text.starts_with("loki \"prod\" is unavailable"), "{text}");
    assert!(
        text.contains("check the url and that the server is up"),
        "{text}"
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "two short backoffs only"
    );
}

#[tokio::test]
async fn a_stalled_server_hits_the_time_limit() {
    let server = serve(|_, _| Reply::Stall(Duration::from_secs(10))).await;
    let started = Instant::now();
    let err = loki(&server.url, Duration::from_secs(1))
        .query_range(&query())
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    assert_eq!(err.code(), ErrorCode::Timeout);
    assert!(
        err.to_string().contains("did not answer within 1s"),
        "{err}"
    );
    assert!(
        elapsed >= Duration::from_millis(950) && elapsed < Duration::from_millis(1500),
        "{elapsed:?}"
    );
}

#[tokio::test]
async fn a_500_is_retried_and_the_retry_succeeds() {
    let server = serve(|n, _| match n {
        0 => Reply::text(500, "internal error: too many outstanding requests"),
        _ => Reply::json(200, OK_BODY),
    })
    .await;
    let res = loki(&server.url, Duration::from_secs(5))
        .query_range(&query())
        .await
        .unwrap();
    assert_eq!(res.total_lines, 1);
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn persistent_5xx_gives_up_after_two_retries_with_the_servers_message() {
    let server = serve(|_, _| Reply::text(503, "too many unhealthy instances in the ring")).await;
    let err = loki(&server.url, Duration::from_secs(5))
        .query_range(&query())
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Unavailable);
    assert!(
        err.to_string()
            .contains("503: too many unhealthy instances in the ring"),
        "{err}"
    );
    assert_eq!(server.requests().len(), 3);
}

#[tokio::test]
async fn a_429_with_retry_after_waits_then_retries() {
    let server = serve(|n, _| match n {
        0 => Reply::text(429, "rate limited").with_header("Retry-After", "1"),
        _ => Reply::json(200, OK_BODY),
    })
    .await;
    let started = Instant::now();
    let res = loki(&server.url, Duration::from_secs(5))
        .query_range(&query())
        .await
        .unwrap();
    assert_eq!(res.total_lines, 1);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "honours Retry-After"
    );
    assert_eq!(server.requests().len(), 2);
}

#[tokio::test]
async fn retry_after_beyond_the_time_limit_is_not_waited_for() {
    let server =
        serve(|_, _| Reply::text(429, "per-tenant rate limit").with_header("Retry-After", "30"))
            .await;
    let started = Instant::now();
    let err = loki(&server.url, Duration::from_secs(2))
        .query_range(&query())
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::TooManyRequests);
    assert!(err.to_string().contains("per-tenant rate limit"), "{err}");
    assert!(started.elapsed() < Duration::from_millis(500));
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn a_truncated_body_is_a_clear_error() {
    let server = serve(|_, _| Reply::Truncated {
        announced: 10_000,
        body: OK_BODY.as_bytes()[..60].to_vec(),
    })
    .await;
    let started = Instant::now();
    let err = loki(&server.url, Duration::from_secs(5))
        .query_range(&query())
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Unavailable);
    assert!(
        err.to_string()
            .contains("connection broke before the full answer arrived"),
        "{err}"
    );
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn a_200_mb_body_stops_at_the_byte_cap_with_bounded_memory() {
    let server = serve(|_, _| Reply::Huge {
        total: 200 * 1024 * 1024,
    })
    .await;
    let mut cfg = config(&server.url, Duration::from_secs(20));
    cfg.limits.max_response_bytes = 8 * 1024 * 1024;
    let client = LokiClient::new(&cfg).unwrap();
    let before = peak_rss_kib();
    let err = client.query_range(&query()).await.unwrap_err();
    let peak = peak_rss_kib();
    assert_eq!(err.code(), ErrorCode::LimitExceeded);
    assert!(
        err.to_string()
            .contains("response too large (over 8388608 bytes)"),
        "{err}"
    );
    assert_eq!(server.requests().len(), 1, "not retried");
    assert!(
        peak < 80 * 1024,
        "peak RSS {peak} KiB (before the call: {before} KiB)"
    );
}

#[tokio::test]
async fn a_content_length_over_the_cap_is_refused_before_reading() {
    let big = format!(
        "{{\"status\":\"success\",\"data\":[\"{}\"]}}",
        "x".repeat(2048)
    );
    let server = serve(move |_, _| Reply::json(200, &big)).await;
    let mut cfg = config(&server.url, Duration::from_secs(5));
    cfg.limits.max_response_bytes = 1024;
    let err = LokiClient::new(&cfg)
        .unwrap()
        .labels(None)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::LimitExceeded);
}

#[tokio::test]
async fn invalid_json_is_an_error_that_says_what_was_wrong() {
    let server = serve(|_, _| {
        Reply::json(
            200,
            r#"{"status":"success","data":{"resultType":"streams","result":[{"stream":"#,
        )
    })
    .await;
    let err = loki(&server.url, Duration::from_secs(5))
        .query_range(&query())
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Internal);
    assert!(
        err.to_string()
            .starts_with("loki \"prod\" sent an answer loqui cannot read: EOF"),
        "{err}"
    );
    assert_eq!(server.requests().len(), 1);

    let server = serve(|_, _| Reply::Full {
        status: 200,
        content_type: Some("text/html".into()),
        headers: vec![],
        body: b"<html>sign in</html>".to_vec(),
    })
    .await;
    let err = loki(&server.url, Duration::from_secs(5))
        .labels(None)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("got HTML"), "{err}");
}

#[tokio::test]
async fn a_parse_error_400_keeps_the_message_and_is_not_retried() {
    let msg = "parse error at line 1, col 30: syntax error: unexpected $end, expecting } or ,";
    let server = serve(move |_, _| Reply::text(400, msg)).await;
    let err = loki(&server.url, Duration::from_secs(5))
        .query_range(&query())
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::BadRequest);
    assert!(err.to_string().ends_with(msg));
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn tempo_faults_map_the_same_way() {
    let server = serve(|n, _| match n {
        0 => Reply::text(502, "bad gateway"),
        _ => Reply::json(200, r#"{"traces":[]}"#),
    })
    .await;
    let client = TempoClient::new(&config(&server.url, Duration::from_secs(5))).unwrap();
    let search = loqui_core::TraceSearch {
        query: "{ }".into(),
        range: TimeRange::from_secs(1, 2),
        limit: 5,
        spans_per_spanset: None,
    };
    assert!(client.search(&search).await.unwrap().traces.is_empty());
    assert_eq!(server.requests().len(), 2);

    let server = serve(|_, _| Reply::Stall(Duration::from_secs(10))).await;
    let client = TempoClient::new(&config(&server.url, Duration::from_secs(1))).unwrap();
    let err = client
        .trace("6934b484e73cf575dcad6ba2b0aee0ca", None)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::Timeout);
}

#[tokio::test]
async fn a_huge_error_body_is_cut_to_a_readable_message() {
    let text = format!("parse error : {}", "x".repeat(200_000));
    let server = serve(move |_, _| Reply::text(400, &text)).await;
    let err = loki(&server.url, Duration::from_secs(5))
        .query_range(&query())
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::BadRequest);
    let message = err.to_string();
    assert!(
        message.contains("parse error : xxx") && message.ends_with('…'),
        "{message}"
    );
    assert!(message.len() < 1200);
}
