//! What an ingest decoder returns: the records it kept, the ones it rejected and why, and the
//! limits it enforced while reading.

use loqui_core::ErrorCode;

/// Bounds applied while a push body is decoded. The defaults follow Loki's and Tempo's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest body accepted, after any decompression (snappy included).
    pub max_body_bytes: usize,
    /// Most records (log lines or spans) in one request.
    pub max_records: usize,
    /// Longest log line; longer lines are rejected one by one (Loki: 256 KiB).
    pub max_line_bytes: usize,
    /// Most labels on one stream (Loki: 15).
    pub max_labels_per_stream: usize,
    /// Longest label name (Loki: 1024).
    pub max_label_name_bytes: usize,
    /// Longest label value (Loki: 2048).
    pub max_label_value_bytes: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_body_bytes: 64 << 20,
            max_records: 1_000_000,
            max_line_bytes: 256 << 10,
            max_labels_per_stream: 15,
            max_label_name_bytes: 1024,
            max_label_value_bytes: 2048,
        }
    }
}

impl Limits {
    pub(crate) fn check_body(&self, len: usize) -> Result<(), WireError> {
        if len > self.max_body_bytes {
            return Err(WireError::TooLarge {
                actual: len,
                limit: self.max_body_bytes,
            });
        }
        Ok(())
    }
}

/// A request that cannot be read at all, or that breaks a limit as a whole.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WireError {
    #[error("request body is {actual} bytes, over the {limit}-byte limit; send smaller batches")]
    TooLarge { actual: usize, limit: usize },
    #[error("request holds more than {limit} {what}; split it into smaller batches")]
    TooManyRecords { limit: usize, what: &'static str },
    #[error("malformed {format} body: {message}")]
    Malformed {
        format: &'static str,
        message: String,
    },
}

impl WireError {
    /// The shared code `server` maps to a status (400, or 413 for limits).
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::TooLarge { .. } | Self::TooManyRecords { .. } => ErrorCode::LimitExceeded,
            Self::Malformed { .. } => ErrorCode::BadRequest,
        }
    }

    pub(crate) fn malformed(format: &'static str, message: impl ToString) -> Self {
        Self::Malformed {
            format,
            message: message.to_string(),
        }
    }
}

/// One rejected record (or group of records, e.g. a stream whose labels are invalid).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// Where in the request, e.g. `streams[2].values[5]` or `resourceSpans[0].scopeSpans[1].spans[3]`.
    pub path: String,
    /// How many records this rejection covers.
    pub records: usize,
    /// What is wrong and what to do about it.
    pub reason: String,
}

impl std::fmt::Display for Rejection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.path, self.reason)
    }
}

/// The result of decoding a push: good records are kept even when others are rejected.
#[derive(Debug, Clone, PartialEq)]
pub struct PushOutcome<T> {
    pub accepted: Vec<T>,
    /// Records (lines or spans) in `accepted`.
    pub accepted_records: usize,
    /// The first [`PushOutcome::MAX_REPORTED`] rejections; `rejected_records` counts them all.
    pub rejections: Vec<Rejection>,
    pub rejected_records: usize,
}

impl<T> Default for PushOutcome<T> {
    fn default() -> Self {
        PushOutcome {
            accepted: Vec::new(),
            accepted_records: 0,
            rejections: Vec::new(),
            rejected_records: 0,
        }
    }
}

impl<T> PushOutcome<T> {
    /// A batch of bad records must not make the answer (or memory) grow without bound.
    pub const MAX_REPORTED: usize = 100;

    pub fn is_complete(&self) -> bool {
        self.rejected_records == 0
    }

    pub(crate) fn reject(&mut self, path: String, records: usize, reason: impl Into<String>) {
        self.rejected_records += records;
        if self.rejections.len() < Self::MAX_REPORTED {
            self.rejections.push(Rejection {
                path,
                records,
                reason: reason.into(),
            });
        }
    }

    /// One message for the caller: how many records were rejected and the first reasons.
    /// `None` when everything was accepted.
    pub fn error_message(&self) -> Option<String> {
        if self.is_complete() {
            return None;
        }
        const SHOWN: usize = 10;
        let total = self.accepted_records + self.rejected_records;
        let mut msg = format!("{} of {} records rejected: ", self.rejected_records, total);
        let parts: Vec<String> = self
            .rejections
            .iter()
            .take(SHOWN)
            .map(ToString::to_string)
            .collect();
        msg.push_str(&parts.join("; "));
        if self.rejections.len() > SHOWN {
            msg.push_str(&format!("; and {} more", self.rejections.len() - SHOWN));
        }
        Some(msg)
    }
}

/// serde reads a struct from a JSON array too; a push body that is not an object is a mistake
/// worth naming rather than an empty request.
pub(crate) fn json_object(body: &[u8], format: &'static str) -> Result<(), WireError> {
    match body.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => Ok(()),
        _ => Err(WireError::malformed(
            format,
            "expected a JSON object; is the Content-Type right?",
        )),
    }
}
