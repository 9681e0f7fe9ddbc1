//! Secrets that never print, and readers that pick up rotated tokens.

use std::path::PathBuf;
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use loqui_core::BackendError;
use serde::Deserialize;

/// A secret string. Its `Debug` is redacted so it cannot leak through logs or error chains.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(s: impl Into<String>) -> Self {
        Self(s.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// Where a secret comes from.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum SecretSource {
    /// An environment variable, read on every call.
    Env(String),
    /// A file (e.g. a mounted Kubernetes secret), re-read when its modification time changes.
    File(PathBuf),
    /// Inline in the configuration.
    Value(Secret),
}

/// How often a secret file's modification time is checked.
const RECHECK: Duration = Duration::from_secs(1);

/// Reads a [`SecretSource`], caching file contents until the file changes.
#[derive(Debug)]
pub struct SecretReader {
    source: SecretSource,
    cache: Mutex<Option<Cached>>,
}

#[derive(Debug)]
struct Cached {
    value: Secret,
    mtime: Option<SystemTime>,
    checked: Instant,
}

impl SecretReader {
    pub fn new(source: SecretSource) -> Self {
        Self {
            source,
            cache: Mutex::new(None),
        }
    }

    /// The current value. Errors name the variable or file, never the value.
    pub fn current(&self) -> Result<Secret, BackendError> {
        match &self.source {
            SecretSource::Value(s) => Ok(s.clone()),
            SecretSource::Env(var) => match std::env::var(var) {
                Ok(v) if !v.trim().is_empty() => Ok(Secret(v.trim().to_string())),
                _ => Err(config_error(format!(
                    "environment variable `{var}` holding a credential is unset or empty; set it"
                ))),
            },
            SecretSource::File(path) => self.read_file(path),
        }
    }

    /// Drops a cached file value so the next use reads the file; true for file sources.
    pub(crate) fn forget(&self) -> bool {
        if !matches!(self.source, SecretSource::File(_)) {
            return false;
        }
        *self.cache.lock().unwrap_or_else(|p| p.into_inner()) = None;
        true
    }

    fn read_file(&self, path: &PathBuf) -> Result<Secret, BackendError> {
        let mut cache = self.cache.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(c) = cache.as_mut() {
            if c.checked.elapsed() < RECHECK {
                return Ok(c.value.clone());
            }
            let mtime = std::fs::metadata(path).and_then(|m| m.modified()).ok();
            if mtime.is_some() && mtime == c.mtime {
                c.checked = Instant::now();
                return Ok(c.value.clone());
            }
        }
        let unreadable = |e: std::io::Error| {
            config_error(format!(
                "cannot read credential file {}: {e}",
                path.display()
            ))
        };
        let mtime = std::fs::metadata(path)
            .and_then(|m| m.modified())
            .map_err(unreadable)?;
        let text = std::fs::read_to_string(path).map_err(unreadable)?;
        let value = Secret(text.trim().to_string());
        tracing::debug!(file = %path.display(), "credential file (re)read");
        *cache = Some(Cached {
            value: value.clone(),
            mtime: Some(mtime),
            checked: Instant::now(),
        });
        Ok(value)
    }
}

fn config_error(message: String) -> BackendError {
    BackendError::Config { message }
}
