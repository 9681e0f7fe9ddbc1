//! The HTTP plumbing both clients share: headers and auth, the time limit, retries with jitter,
//! reading a body under a byte cap, and mapping failures to [`BackendError`].

use std::time::Duration;

use loqui_core::BackendError;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Client, Url};
use tokio::time::Instant;

use crate::auth::Auth;
use crate::config::{Limits, SourceConfig};
use crate::retry::{self, Failure};

/// Error bodies are only read this far: they are messages, not data.
const MAX_ERROR_BODY: u64 = 64 * 1024;

/// A GET to send: path segments under the base URL, query parameters and extra headers.
#[derive(Debug, Default)]
pub(crate) struct Call {
    pub segments: Vec<String>,
    pub params: Vec<(&'static str, String)>,
    pub headers: Vec<(&'static str, &'static str)>,
    /// Send the parameters as a POST form body instead of the URL (for very long queries).
    pub form: bool,
}

impl Call {
    pub fn new(path: &str) -> Self {
        let segments = path
            .split('/')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        Self {
            segments,
            ..Self::default()
        }
    }

    pub fn segment(mut self, s: &str) -> Self {
        self.segments.push(s.to_string());
        self
    }

    pub fn param(mut self, key: &'static str, value: impl ToString) -> Self {
        self.params.push((key, value.to_string()));
        self
    }

    pub fn param_opt(self, key: &'static str, value: Option<impl ToString>) -> Self {
        match value {
            Some(v) => self.param(key, v),
            None => self,
        }
    }

    pub fn header(mut self, name: &'static str, value: &'static str) -> Self {
        self.headers.push((name, value));
        self
    }
}

/// A successful (2xx) or not-found (404) answer; every other status becomes an error.
#[derive(Debug)]
pub(crate) struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
}

/// One configured backend endpoint.
pub(crate) struct HttpClient {
    /// How errors and logs name this source, e.g. `loki "prod"`.
    pub backend: String,
    base: Url,
    client: Client,
    headers: HeaderMap,
    auth: Option<Auth>,
    pub limits: Limits,
}

impl HttpClient {
    pub fn new(kind: &str, cfg: &SourceConfig) -> Result<Self, BackendError> {
        let backend = format!("{kind} \"{}\"", cfg.name);
        let bad = |message: String| BackendError::Config { message };
        let base = Url::parse(&cfg.url)
            .map_err(|e| bad(format!("{backend}: url `{}` is not valid: {e}", cfg.url)))?;
        if !base.username().is_empty() || base.password().is_some() {
            return Err(bad(format!(
                "{backend}: put credentials in `auth`, not in the url, so they are never logged"
            )));
        }
        let headers = fixed_headers(cfg).map_err(|m| bad(format!("{backend}: {m}")))?;
        let client = build_client(cfg).map_err(|m| bad(format!("{backend}: {m}")))?;
        let auth = cfg.auth.clone().map(Auth::new);
        Ok(Self {
            backend,
            base,
            client,
            headers,
            auth,
            limits: cfg.limits.clone(),
        })
    }

    /// Sends `call`, retrying idempotent failures, all within the source's time limit.
    pub async fn send(&self, call: &Call, max_bytes: u64) -> Result<Answer, BackendError> {
        let started = Instant::now();
        let deadline = started + self.limits.timeout;
        let mut attempt = 0;
        let mut reread_credentials = false;
        loop {
            let outcome = tokio::time::timeout_at(deadline, self.attempt(call, max_bytes)).await;
            let failure = match outcome {
                Ok(Ok(answer)) => {
                    tracing::debug!(backend = %self.backend, path = %call.segments.join("/"),
                        status = answer.status, bytes = answer.body.len(),
                        elapsed_ms = started.elapsed().as_millis() as u64, "backend call");
                    return Ok(answer);
                }
                Ok(Err(failure)) => failure,
                Err(_) => {
                    tracing::warn!(backend = %self.backend, limit_ms = self.limits.timeout.as_millis() as u64,
                        path = %call.segments.join("/"), "backend call timed out");
                    return Err(self.timeout());
                }
            };
            // A refused token may just have been rotated: read it again and retry once.
            if matches!(failure.error, BackendError::Unauthenticated { .. })
                && !reread_credentials
                && self.auth.as_ref().is_some_and(Auth::forget)
            {
                reread_credentials = true;
                continue;
            }
            let Some(wait) = retry::next_wait(&failure, attempt, &self.limits, deadline) else {
                return Err(failure.error);
            };
            tracing::warn!(backend = %self.backend, attempt, wait_ms = wait.as_millis() as u64,
                error = %failure.error, "retrying backend call");
            tokio::time::sleep(wait).await;
            attempt += 1;
        }
    }

    fn timeout(&self) -> BackendError {
        BackendError::Timeout {
            backend: self.backend.clone(),
            limit: self.limits.timeout,
        }
    }

    async fn attempt(&self, call: &Call, max_bytes: u64) -> Result<Answer, Failure> {
        let request = self.request(call).map_err(Failure::fatal)?;
        let mut response = request.send().await.map_err(|e| self.transport(&e))?;
        let status = response.status().as_u16();
        if (200..300).contains(&status) || status == 404 {
            let body = self.read_body(&mut response, max_bytes).await?;
            return Ok(Answer { status, body });
        }
        let retry_after = retry::retry_after(response.headers());
        let body = error_body(&mut response).await;
        let error = self.status_error(status, &body);
        Err(Failure {
            error,
            retry_after,
            retryable: false,
        })
    }

    fn request(&self, call: &Call) -> Result<reqwest::RequestBuilder, BackendError> {
        let mut url = self.base.clone();
        url.path_segments_mut()
            .map_err(|_| BackendError::Config {
                message: format!("{}: url cannot have a path", self.backend),
            })?
            .pop_if_empty()
            .extend(&call.segments);
        let pairs = call.params.iter().map(|(k, v)| (*k, v.as_str()));
        let form = if call.form {
            let mut encoded = Url::parse("form:").expect("static url");
            encoded.query_pairs_mut().extend_pairs(pairs);
            Some(encoded.query().unwrap_or_default().to_string())
        } else {
            if !call.params.is_empty() {
                url.query_pairs_mut().extend_pairs(pairs);
            }
            None
        };
        let mut headers = self.headers.clone();
        for (name, value) in &call.headers {
            headers.insert(*name, HeaderValue::from_static(value));
        }
        if let Some(auth) = &self.auth {
            headers.insert(reqwest::header::AUTHORIZATION, auth.header()?);
        }
        Ok(match form {
            // A read-only query sent as a form: as idempotent as the GET it replaces.
            Some(body) => {
                headers.insert(
                    reqwest::header::CONTENT_TYPE,
                    HeaderValue::from_static("application/x-www-form-urlencoded"),
                );
                self.client.post(url).headers(headers).body(body)
            }
            None => self.client.get(url).headers(headers),
        })
    }

    /// Reads the body chunk by chunk, failing as soon as it passes `max_bytes`.
    async fn read_body(
        &self,
        response: &mut reqwest::Response,
        max_bytes: u64,
    ) -> Result<Vec<u8>, Failure> {
        let too_large = || {
            Failure::fatal(BackendError::ResponseTooLarge {
                backend: self.backend.clone(),
                limit_bytes: max_bytes,
            })
        };
        let announced = response.content_length();
        if announced.is_some_and(|n| n > max_bytes) {
            return Err(too_large());
        }
        let mut body = Vec::with_capacity(announced.unwrap_or(64 * 1024) as usize);
        while let Some(chunk) = response.chunk().await.map_err(|e| self.transport(&e))? {
            if (body.len() + chunk.len()) as u64 > max_bytes {
                return Err(too_large());
            }
            body.extend_from_slice(&chunk);
        }
        Ok(body)
    }

    fn transport(&self, e: &reqwest::Error) -> Failure {
        let message = error_chain(e);
        let hint = if e.is_connect() {
            "; check the url and that the server is up"
        } else {
            "; the connection broke before the full answer arrived"
        };
        Failure::retryable(BackendError::Unavailable {
            backend: self.backend.clone(),
            message: format!("{message}{hint}"),
        })
    }

    fn status_error(&self, status: u16, body: &[u8]) -> BackendError {
        let backend = self.backend.clone();
        let message = server_message(body);
        match status {
            400 | 422 => BackendError::BadQuery { backend, message },
            401 => BackendError::Unauthenticated { backend, status },
            403 => BackendError::PermissionDenied { backend, status },
            429 => BackendError::TooManyRequests { backend, message },
            _ => BackendError::Upstream {
                backend,
                status,
                message,
            },
        }
    }
}

/// The start of an error body: enough for the message, never an error of its own.
async fn error_body(response: &mut reqwest::Response) -> Vec<u8> {
    let mut body = Vec::new();
    while let Ok(Some(chunk)) = response.chunk().await {
        body.extend_from_slice(&chunk);
        if body.len() as u64 >= MAX_ERROR_BODY {
            body.truncate(MAX_ERROR_BODY as usize);
            break;
        }
    }
    body
}

fn fixed_headers(cfg: &SourceConfig) -> Result<HeaderMap, String> {
    let mut headers = HeaderMap::new();
    headers.insert(
        reqwest::header::ACCEPT,
        HeaderValue::from_static("application/json"),
    );
    for (name, value) in &cfg.headers {
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| format!("header name `{name}` is not valid"))?;
        let value = HeaderValue::from_str(value)
            .map_err(|_| format!("value of header `{name}` is not valid"))?;
        headers.insert(name, value);
    }
    if let Some(tenant) = &cfg.tenant {
        let value =
            HeaderValue::from_str(tenant).map_err(|_| format!("tenant `{tenant}` is not valid"))?;
        headers.insert("x-scope-orgid", value);
    }
    Ok(headers)
}

fn build_client(cfg: &SourceConfig) -> Result<Client, String> {
    let mut builder = Client::builder()
        .connect_timeout(cfg.limits.connect_timeout)
        .pool_idle_timeout(Duration::from_secs(60))
        .user_agent(concat!("loqui/", env!("CARGO_PKG_VERSION")));
    if let Some(path) = &cfg.tls.ca_file {
        let pem = std::fs::read(path)
            .map_err(|e| format!("cannot read CA file {}: {e}", path.display()))?;
        let certs = reqwest::Certificate::from_pem_bundle(&pem)
            .map_err(|e| format!("CA file {} is not PEM: {e}", path.display()))?;
        if certs.is_empty() {
            return Err(format!(
                "CA file {} holds no PEM certificate",
                path.display()
            ));
        }
        for cert in certs {
            builder = builder.add_root_certificate(cert);
        }
    }
    if cfg.tls.insecure_skip_verify {
        builder = builder.danger_accept_invalid_certs(true);
    }
    builder
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {}", error_chain(&e)))
}

/// The error and its causes, without the URL (which could carry a tenant or proxy path the
/// user did not mean to show) and never with headers.
fn error_chain(e: &reqwest::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    parts.join(": ")
}

/// The backend's own message: the `error` field of a JSON body, else the text, shortened.
pub(crate) fn server_message(body: &[u8]) -> String {
    #[derive(serde::Deserialize)]
    struct JsonError {
        error: Option<String>,
        message: Option<String>,
    }
    let text = match serde_json::from_slice::<JsonError>(body) {
        Ok(
            JsonError { error: Some(m), .. }
            | JsonError {
                message: Some(m), ..
            },
        ) => m,
        _ => String::from_utf8_lossy(body).into_owned(),
    };
    let text = text.trim();
    if text.is_empty() {
        return "no message in the response".to_string();
    }
    match text.char_indices().nth(1000) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}
