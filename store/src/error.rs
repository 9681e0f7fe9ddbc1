//! The store's errors, each mapped to one of core's shared codes.

use loqui_core::ErrorCode;

/// What went wrong in the embedded store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The caller asked for something invalid (a bad regex, an inverted time range...).
    #[error("{0}")]
    InvalidArgument(String),
    /// The data directory could not be read or written.
    #[error(
        "embedded store io error at {path}: {source}; check the data directory's permissions and free space"
    )]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// tantivy failed; the message is tantivy's own.
    #[error("embedded store index error: {0}")]
    Index(#[from] tantivy::TantivyError),
    /// Stored bytes could not be decoded: the data directory is damaged or from another version.
    #[error(
        "embedded store data at {path} is damaged: {message}; move the data directory aside to start empty"
    )]
    Corrupt { path: String, message: String },
}

impl StoreError {
    /// The shared code this error maps to.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::InvalidArgument(_) => ErrorCode::BadRequest,
            Self::Io { .. } => ErrorCode::Unavailable,
            Self::Index(_) | Self::Corrupt { .. } => ErrorCode::Internal,
        }
    }

    pub(crate) fn io(path: impl AsRef<std::path::Path>, source: std::io::Error) -> Self {
        Self::Io {
            path: path.as_ref().display().to_string(),
            source,
        }
    }
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// One record of a batch that was refused, with the reason and what to do about it. The rest of
/// the batch is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejected {
    /// Position of the record in the batch as given (for logs: the line's index counted over all
    /// streams of the batch, in order).
    pub index: usize,
    pub reason: String,
}

/// What a write stored and what it refused.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WriteReport {
    /// The batch's sequence number in the write-ahead log; `None` when nothing was accepted.
    pub seq: Option<u64>,
    pub accepted: usize,
    pub rejected: Vec<Rejected>,
}
