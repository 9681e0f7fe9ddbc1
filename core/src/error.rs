//! The error every backend call returns, and the small code set surfaces map to statuses.

use std::time::Duration;

use serde::Serialize;

/// A small, stable set of error codes. Only `server` turns them into HTTP statuses or JSON-RPC
/// codes; everything else just picks one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The query or its parameters are wrong; retrying the same call will not help.
    BadRequest,
    /// The thing asked for (a trace, a data source) does not exist.
    NotFound,
    /// The backend does not offer this call (e.g. Loki without the pattern ingester).
    NotImplemented,
    /// The call ran out of time.
    Timeout,
    /// The backend could not be reached or failed on its side.
    Unavailable,
    /// The backend asked us to slow down.
    TooManyRequests,
    /// Credentials are missing or were refused.
    Unauthenticated,
    /// Credentials were accepted but do not allow this call.
    PermissionDenied,
    /// The answer was larger than loqui is configured to read.
    LimitExceeded,
    /// Anything else: a bug, or a backend answer loqui cannot read.
    Internal,
}

impl ErrorCode {
    /// The code's stable snake_case name, as sent to clients.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::BadRequest => "bad_request",
            Self::NotFound => "not_found",
            Self::NotImplemented => "not_implemented",
            Self::Timeout => "timeout",
            Self::Unavailable => "unavailable",
            Self::TooManyRequests => "too_many_requests",
            Self::Unauthenticated => "unauthenticated",
            Self::PermissionDenied => "permission_denied",
            Self::LimitExceeded => "limit_exceeded",
            Self::Internal => "internal",
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What went wrong in a backend call. `backend` names the data source (e.g. `loki "prod"`), so a
/// person reading the message knows where to look. Messages never contain credentials.
#[derive(Debug, Clone, thiserror::Error)]
pub enum BackendError {
    /// The backend rejected the query; `message` is the backend's own text, kept verbatim.
    #[error("{backend} rejected the query: {message}")]
    BadQuery { backend: String, message: String },
    /// A request parameter was invalid before anything was sent.
    #[error("{message}")]
    InvalidArgument { message: String },
    #[error("{backend}: {what} not found")]
    NotFound { backend: String, what: String },
    #[error("{backend} does not offer {what}; {hint}")]
    NotAvailable {
        backend: String,
        what: String,
        hint: String,
    },
    #[error("no data source named `{name}`; known sources: {known}")]
    UnknownSource { name: String, known: String },
    #[error("{backend} did not answer within {limit:?}; narrow the time range or the query")]
    Timeout { backend: String, limit: Duration },
    #[error("{backend} is unavailable: {message}")]
    Unavailable { backend: String, message: String },
    #[error("{backend} is rate limiting loqui (429); retry later: {message}")]
    TooManyRequests { backend: String, message: String },
    #[error(
        "{backend} refused loqui's credentials ({status}); check the token or password configured for it"
    )]
    Unauthenticated { backend: String, status: u16 },
    #[error("{backend} denied access ({status}); check the tenant and the token's permissions")]
    PermissionDenied { backend: String, status: u16 },
    #[error(
        "{backend}: response too large (over {limit_bytes} bytes); narrow the time range or lower the limit"
    )]
    ResponseTooLarge { backend: String, limit_bytes: u64 },
    #[error("{backend} sent an answer loqui cannot read: {message}")]
    InvalidResponse { backend: String, message: String },
    #[error("{backend} failed with status {status}: {message}")]
    Upstream {
        backend: String,
        status: u16,
        message: String,
    },
    #[error("{message}")]
    Config { message: String },
}

impl BackendError {
    /// The shared code this error maps to.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::BadQuery { .. } | Self::InvalidArgument { .. } => ErrorCode::BadRequest,
            Self::NotFound { .. } | Self::UnknownSource { .. } => ErrorCode::NotFound,
            Self::NotAvailable { .. } => ErrorCode::NotImplemented,
            Self::Timeout { .. } => ErrorCode::Timeout,
            Self::Unavailable { .. } => ErrorCode::Unavailable,
            Self::Upstream { status, .. } if *status >= 500 => ErrorCode::Unavailable,
            Self::TooManyRequests { .. } => ErrorCode::TooManyRequests,
            Self::Unauthenticated { .. } => ErrorCode::Unauthenticated,
            Self::PermissionDenied { .. } => ErrorCode::PermissionDenied,
            Self::ResponseTooLarge { .. } => ErrorCode::LimitExceeded,
            Self::InvalidResponse { .. } | Self::Upstream { .. } | Self::Config { .. } => {
                ErrorCode::Internal
            }
        }
    }

    /// Whether trying the same idempotent call again may succeed.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::Unavailable { .. } | Self::TooManyRequests { .. }
        ) || matches!(self, Self::Upstream { status, .. } if *status >= 500)
    }
}
