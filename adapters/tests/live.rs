//! Against real Loki and Tempo servers (e.g. the compose/ stack). Ignored by default:
//! `LOQUI_TEST_LOKI_URL=http://127.0.0.1:3100 LOQUI_TEST_TEMPO_URL=http://127.0.0.1:3200 \
//!  cargo nextest run -p loqui-adapters --test live --run-ignored only`

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use loqui_adapters::{LogSource, LokiClient, SourceConfig, TempoClient, TraceSource};
use loqui_core::{ErrorCode, LogQuery, MetricsQuery, TimeRange, TraceSearch};

fn last_hour() -> TimeRange {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    TimeRange::from_secs(now - 3600, now)
}

fn url(var: &str) -> String {
    std::env::var(var).unwrap_or_else(|_| panic!("set {var} to run the live tests"))
}

#[tokio::test]
#[ignore = "needs a running Loki: set LOQUI_TEST_LOKI_URL"]
async fn live_loki_answers_every_call() {
    let client = LokiClient::new(&SourceConfig::new("live", url("LOQUI_TEST_LOKI_URL"))).unwrap();
    let range = last_hour();
    let labels = client.labels(Some(range)).await.unwrap();
    let label = labels
        .first()
        .expect("the live Loki has data in the last hour");
    let values = client.label_values(label, None, Some(range)).await.unwrap();
    let selector = format!("{{{label}=\"{}\"}}", values[0]);
    let res = client
        .query_range(&LogQuery::new(&selector, range, 10))
        .await
        .unwrap();
    assert!(res.total_lines <= 10);
    client
        .series(std::slice::from_ref(&selector), Some(range))
        .await
        .unwrap();
    client.index_stats(&selector, range).await.unwrap();
    if let Err(e) = client
        .patterns(&selector, range, Some(Duration::from_secs(300)))
        .await
    {
        assert_eq!(e.code(), ErrorCode::NotImplemented, "{e}");
    }
    let err = client
        .query_range(&LogQuery::new("{", range, 10))
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::BadRequest, "{err}");
}

#[tokio::test]
#[ignore = "needs a running Tempo: set LOQUI_TEST_TEMPO_URL"]
async fn live_tempo_answers_every_call() {
    let client = TempoClient::new(&SourceConfig::new("live", url("LOQUI_TEST_TEMPO_URL"))).unwrap();
    let range = last_hour();
    let tags = client.tag_names(None, Some(range)).await.unwrap();
    assert!(!tags.is_empty());
    let search = TraceSearch {
        query: "{}".into(),
        range,
        limit: 5,
        spans_per_spanset: None,
    };
    let found = client.search(&search).await.unwrap();
    let first = found
        .traces
        .first()
        .expect("the live Tempo has traces in the last hour");
    let trace = client.trace(&first.trace_id, Some(range)).await.unwrap();
    assert!(trace.spans.iter().all(|s| s.trace_id == first.trace_id));
    client
        .tag_values("status", None, Some(range))
        .await
        .unwrap();
    let mq = MetricsQuery {
        query: "{} | rate()".into(),
        range,
        step: None,
    };
    if let Err(e) = client.metrics_range(&mq).await {
        assert!(
            matches!(e.code(), ErrorCode::NotImplemented | ErrorCode::BadRequest),
            "{e}"
        );
    }
    let err = client
        .trace("0123456789abcdef0123456789abcdef", None)
        .await
        .unwrap_err();
    assert_eq!(err.code(), ErrorCode::NotFound);
}
