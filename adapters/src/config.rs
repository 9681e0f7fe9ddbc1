//! Per-data-source configuration: where the backend is, who we are to it, and our bounds.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Deserializer};

use crate::secret::SecretSource;

/// One Loki or Tempo data source (one per cluster or tenant).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceConfig {
    /// The name questions use to pick this source (e.g. `prod-eu`).
    pub name: String,
    /// Base URL, e.g. `http://loki:3100` or `https://grafana.example/api/datasources/proxy/uid/x`.
    pub url: String,
    /// Whether this source answers questions that name none.
    #[serde(default)]
    pub default: bool,
    /// Sent as `X-Scope-OrgID`.
    #[serde(default)]
    pub tenant: Option<String>,
    #[serde(default)]
    pub auth: Option<AuthConfig>,
    #[serde(default)]
    pub tls: TlsConfig,
    /// Extra headers sent with every call.
    #[serde(default)]
    pub headers: BTreeMap<String, String>,
    #[serde(default)]
    pub limits: Limits,
    /// Loki only: ask for structured metadata and parsed labels apart from stream labels
    /// (`X-Loki-Response-Encoding-Flags: categorize-labels`).
    #[serde(default = "yes")]
    pub categorize_labels: bool,
    /// Loki only: queries longer than this many bytes go as a POST form, because long
    /// filters (e.g. many trace ids) overflow the URL limits of proxies.
    #[serde(default = "post_over")]
    pub post_queries_over_bytes: usize,
}

fn post_over() -> usize {
    2048
}

impl SourceConfig {
    /// A source with default bounds and no auth.
    pub fn new(name: impl Into<String>, url: impl Into<String>) -> Self {
        Self {
            name: name.into(),
            url: url.into(),
            default: false,
            tenant: None,
            auth: None,
            tls: TlsConfig::default(),
            headers: BTreeMap::new(),
            limits: Limits::default(),
            categorize_labels: true,
            post_queries_over_bytes: post_over(),
        }
    }
}

fn yes() -> bool {
    true
}

/// How loqui proves who it is. Secrets are read from the environment or a file on use, so a
/// rotated token is picked up without a restart.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum AuthConfig {
    Bearer {
        token: SecretSource,
    },
    Basic {
        username: String,
        password: SecretSource,
    },
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    /// Extra PEM CA certificates to trust (besides the bundled web PKI roots).
    #[serde(default)]
    pub ca_file: Option<PathBuf>,
    /// Skip certificate checks. Only for test clusters.
    #[serde(default)]
    pub insecure_skip_verify: bool,
}

/// Bounds on every call to this source.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Limits {
    /// Time limit of one call, retries included.
    #[serde(deserialize_with = "secs")]
    pub timeout: Duration,
    #[serde(deserialize_with = "secs")]
    pub connect_timeout: Duration,
    /// Retries of a failed idempotent call (connection errors, 5xx, 429).
    pub max_retries: u32,
    /// The longest `Retry-After` loqui honours.
    #[serde(deserialize_with = "secs")]
    pub max_retry_after: Duration,
    /// Largest response body read, enforced while reading.
    pub max_response_bytes: u64,
    pub max_lines: usize,
    pub max_spans: usize,
    /// Loki's `max_entries_limit_per_query`; loqui never asks for more lines than this.
    pub server_max_entries: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(5),
            max_retries: 2,
            max_retry_after: Duration::from_secs(10),
            max_response_bytes: 64 * 1024 * 1024,
            max_lines: 5000,
            max_spans: 20_000,
            server_max_entries: 5000,
        }
    }
}

fn secs<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let s = f64::deserialize(d)?;
    Duration::try_from_secs_f64(s).map_err(serde::de::Error::custom)
}
