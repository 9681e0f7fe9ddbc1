//! When to try a failed call again, and how long to wait first.

use std::time::Duration;

use loqui_core::BackendError;
use reqwest::header::{HeaderMap, RETRY_AFTER};
use tokio::time::Instant;

use crate::config::Limits;

/// A failed attempt: the error, and what the server asked us to wait.
#[derive(Debug)]
pub(crate) struct Failure {
    pub error: BackendError,
    pub retry_after: Option<Duration>,
    pub retryable: bool,
}

impl Failure {
    pub fn fatal(error: BackendError) -> Self {
        Self {
            error,
            retry_after: None,
            retryable: false,
        }
    }

    pub fn retryable(error: BackendError) -> Self {
        Self {
            error,
            retry_after: None,
            retryable: true,
        }
    }
}

/// How long to wait before attempt `attempt + 1`, or `None` to give up: the error is not
/// retryable, the retries are used up, or the wait would run past the call's deadline.
pub(crate) fn next_wait(
    failure: &Failure,
    attempt: u32,
    limits: &Limits,
    deadline: Instant,
) -> Option<Duration> {
    if !(failure.retryable || failure.error.is_retryable()) || attempt >= limits.max_retries {
        return None;
    }
    let wait = match failure.retry_after {
        Some(asked) => asked.min(limits.max_retry_after),
        None => backoff(attempt),
    };
    (Instant::now() + wait < deadline).then_some(wait)
}

/// Exponential backoff from 100 ms with jitter, so many loqui replicas do not retry in step.
fn backoff(attempt: u32) -> Duration {
    let base = 100u64 << attempt.min(6);
    Duration::from_millis(base / 2 + fastrand::u64(0..=base / 2))
}

/// `Retry-After` in seconds (the HTTP-date form is rare from Loki/Tempo and their proxies).
pub(crate) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let text = headers.get(RETRY_AFTER)?.to_str().ok()?;
    text.trim()
        .parse::<f64>()
        .ok()
        .and_then(|s| Duration::try_from_secs_f64(s).ok())
}
