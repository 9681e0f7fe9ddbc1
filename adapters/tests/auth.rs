//! Credentials, tenants and named sources: sent where they belong, never shown anywhere else.

mod common;

use std::time::Duration;

use common::{Reply, serve};
use loqui_adapters::{
    AuthConfig, LogSource, LokiClient, Secret, SecretSource, SourceConfig, log_sources,
    trace_sources,
};
use loqui_core::ErrorCode;

const LABELS: &str = r#"{"status":"success","data":["service_name"]}"#;

fn bearer(url: &str, token: SecretSource) -> SourceConfig {
    let mut cfg = SourceConfig::new("prod", url);
    cfg.auth = Some(AuthConfig::Bearer { token });
    cfg
}

#[tokio::test]
async fn a_token_file_is_reread_after_rotation() {
    let dir = std::env::temp_dir().join(format!("loqui-token-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("token");
    std::fs::write(&file, "first-token\n").unwrap();
    let server = serve(|_, _| Reply::json(200, LABELS)).await;
    let client = LokiClient::new(&bearer(&server.url, SecretSource::File(file.clone()))).unwrap();
    client.labels(None).await.unwrap();
    // Write the new token and move the mtime on, as a secret mount would.
    std::thread::sleep(Duration::from_millis(20));
    std::fs::write(&file, "second-token").unwrap();
    tokio::time::sleep(Duration::from_millis(1100)).await;
    client.labels(None).await.unwrap();
    let seen: Vec<_> = server
        .requests()
        .iter()
        .map(|r| r.header("authorization").unwrap().to_string())
        .collect();
    assert_eq!(seen, ["Bearer first-token", "Bearer second-token"]);
    std::fs::remove_dir_all(dir).unwrap();
}

#[tokio::test]
async fn env_tokens_basic_auth_tenant_and_extra_headers_are_sent() {
    // Setting a variable needs `unsafe` in edition 2024 (forbidden here), so read one that
    // every environment has.
    let var = "PATH";
    let expected = format!("Bearer {}", std::env::var(var).unwrap().trim());
    let server = serve(|_, _| Reply::json(200, LABELS)).await;
    let mut cfg = bearer(&server.url, SecretSource::Env(var.into()));
    cfg.tenant = Some("team-a|team-b".into());
    cfg.headers.insert("X-Grafana-Org-Id".into(), "3".into());
    LokiClient::new(&cfg).unwrap().labels(None).await.unwrap();
    let mut cfg = SourceConfig::new("prod", &server.url);
    cfg.auth = Some(AuthConfig::Basic {
        username: "loqui".into(),
        password: SecretSource::Value(Secret::new("s3cret")),
    });
    LokiClient::new(&cfg).unwrap().labels(None).await.unwrap();
    let seen = server.requests();
    assert_eq!(seen[0].header("authorization"), Some(expected.as_str()));
    assert_eq!(seen[0].header("x-scope-orgid"), Some("team-a|team-b"));
    assert_eq!(seen[0].header("x-grafana-org-id"), Some("3"));
    // base64("loqui:s3cret")
    assert_eq!(
        seen[1].header("authorization"),
        Some("Basic bG9xdWk6czNjcmV0")
    );
}

#[tokio::test]
async fn a_missing_env_token_says_which_variable_without_sending() {
    let server = serve(|_, _| Reply::json(200, LABELS)).await;
    let cfg = bearer(
        &server.url,
        SecretSource::Env("LOQUI_TEST_SURELY_UNSET_VAR".into()),
    );
    let err = LokiClient::new(&cfg)
        .unwrap()
        .labels(None)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains("`LOQUI_TEST_SURELY_UNSET_VAR`"),
        "{err}"
    );
    assert!(server.requests().is_empty());
}

#[tokio::test]
async fn secrets_never_appear_in_debug_output_or_errors() {
    let server = serve(|_, _| Reply::text(401, "no org id / invalid token")).await;
    let cfg = bearer(
        &server.url,
        SecretSource::Value(Secret::new("tok-very-secret")),
    );
    assert!(!format!("{cfg:?}").contains("tok-very-secret"));
    let client = LokiClient::new(&cfg).unwrap();
    assert!(!format!("{client:?}").contains("tok-very-secret"));
    let err = client.labels(None).await.unwrap_err();
    assert_eq!(err.code(), ErrorCode::Unauthenticated);
    assert!(!err.to_string().contains("tok-very-secret"));
    assert!(!format!("{err:?}").contains("tok-very-secret"));
    assert!(err.to_string().contains("check the token"), "{err}");
}

#[test]
fn credentials_in_the_url_are_refused() {
    let err = LokiClient::new(&SourceConfig::new("prod", "http://user:pw@loki:3100")).unwrap_err();
    assert!(err.to_string().contains("put credentials in `auth`"));
    assert!(!err.to_string().contains("pw"));
}

#[test]
fn named_sources_pick_the_marked_default() {
    let mut eu = SourceConfig::new("prod-eu", "http://loki-eu:3100");
    let us = SourceConfig::new("prod-us", "http://loki-us:3100");
    eu.default = false;
    let mut us_default = us.clone();
    us_default.default = true;
    let sources = log_sources(&[eu.clone(), us_default]).unwrap();
    assert_eq!(sources.default_name(), Some("prod-us"));
    assert_eq!(sources.get(Some("prod-eu")).unwrap().name(), "prod-eu");
    assert_eq!(sources.get(None).unwrap().name(), "prod-us");
    let err = sources.get(Some("staging")).err().unwrap();
    assert_eq!(err.code(), ErrorCode::NotFound);
    assert!(log_sources(&[eu.clone(), eu]).is_err(), "duplicate names");
    assert!(trace_sources(&[us]).unwrap().get(None).is_ok());
}

#[test]
fn config_reads_from_toml_like_json() {
    let cfg: SourceConfig = serde_json::from_str(
        r#"{"name":"prod","url":"https://loki.example","tenant":"shop",
            "auth":{"bearer":{"token":{"file":"/var/run/secrets/loki-token"}}},
            "limits":{"timeout":2.5,"max_lines":1000}}"#,
    )
    .unwrap();
    assert_eq!(cfg.limits.timeout, Duration::from_millis(2500));
    assert_eq!(cfg.limits.max_lines, 1000);
    assert_eq!(cfg.limits.max_retries, 2);
    assert!(cfg.categorize_labels);
    assert!(matches!(
        cfg.auth,
        Some(AuthConfig::Bearer {
            token: SecretSource::File(_)
        })
    ));
}

#[tokio::test]
async fn a_refused_token_file_is_reread_once_before_giving_up() {
    let dir = std::env::temp_dir().join(format!("loqui-token-401-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("token");
    std::fs::write(&file, "old-token").unwrap();
    let server = serve(|_, seen| match seen.header("authorization") {
        Some("Bearer new-token") => Reply::json(200, LABELS),
        _ => Reply::text(401, "invalid token"),
    })
    .await;
    let client = LokiClient::new(&bearer(&server.url, SecretSource::File(file.clone()))).unwrap();
    client.labels(None).await.unwrap_err();
    assert_eq!(
        server.requests().len(),
        2,
        "one re-read, then the 401 stands"
    );
    // Rotated within the mtime check interval: the 401 itself triggers the re-read.
    std::fs::write(&file, "new-token").unwrap();
    client.labels(None).await.unwrap();
    std::fs::remove_dir_all(dir).unwrap();
}

#[test]
fn tls_settings_are_checked_when_the_client_is_built() {
    let mut cfg = SourceConfig::new("prod", "https://loki.example");
    cfg.tls.ca_file = Some("/nonexistent/ca.pem".into());
    let err = LokiClient::new(&cfg).unwrap_err();
    assert_eq!(err.code(), ErrorCode::Internal);
    assert!(
        err.to_string()
            .contains("cannot read CA file /nonexistent/ca.pem"),
        "{err}"
    );

    let dir = std::env::temp_dir().join(format!("loqui-ca-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let not_pem = dir.join("ca.pem");
    std::fs::write(&not_pem, "not a certificate").unwrap();
    cfg.tls.ca_file = Some(not_pem);
    let err = LokiClient::new(&cfg).unwrap_err();
    assert!(
        err.to_string().contains("holds no PEM certificate"),
        "{err}"
    );
    cfg.tls.ca_file = None;
    cfg.tls.insecure_skip_verify = true;
    assert!(LokiClient::new(&cfg).is_ok());
    std::fs::remove_dir_all(dir).unwrap();
}
