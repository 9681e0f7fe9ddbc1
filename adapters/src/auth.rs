//! The `Authorization` header, built from secrets read at call time.

use base64::Engine as _;
use loqui_core::BackendError;
use reqwest::header::HeaderValue;

use crate::config::AuthConfig;
use crate::secret::SecretReader;

pub(crate) enum Auth {
    Bearer(SecretReader),
    Basic {
        username: String,
        password: SecretReader,
    },
}

impl Auth {
    pub fn new(cfg: AuthConfig) -> Self {
        match cfg {
            AuthConfig::Bearer { token } => Auth::Bearer(SecretReader::new(token)),
            AuthConfig::Basic { username, password } => Auth::Basic {
                username,
                password: SecretReader::new(password),
            },
        }
    }

    /// Drops a cached file secret; true when there was one to re-read.
    pub fn forget(&self) -> bool {
        match self {
            Auth::Bearer(r) | Auth::Basic { password: r, .. } => r.forget(),
        }
    }

    /// The header value, marked sensitive so HTTP tooling never prints it.
    pub fn header(&self) -> Result<HeaderValue, BackendError> {
        let text = match self {
            Auth::Bearer(token) => format!("Bearer {}", token.current()?.expose()),
            Auth::Basic { username, password } => {
                let pair = format!("{username}:{}", password.current()?.expose());
                format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(pair)
                )
            }
        };
        let mut value = HeaderValue::from_str(&text).map_err(|_| BackendError::Config {
            message: "a configured credential contains characters not allowed in a header".into(),
        })?;
        value.set_sensitive(true);
        Ok(value)
    }
}
