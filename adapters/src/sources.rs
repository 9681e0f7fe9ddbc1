//! Building the named data sources from configuration.

use std::sync::Arc;

use loqui_core::{BackendError, LogSource, Sources, TraceSource};

use crate::config::SourceConfig;
use crate::{LokiClient, TempoClient};

/// Loki sources by name; the one marked `default` (else the first) answers unnamed questions.
pub fn log_sources(configs: &[SourceConfig]) -> Result<Sources<dyn LogSource>, BackendError> {
    build(configs, |c| {
        Ok(Arc::new(LokiClient::new(c)?) as Arc<dyn LogSource>)
    })
}

/// Tempo sources by name, like [`log_sources`].
pub fn trace_sources(configs: &[SourceConfig]) -> Result<Sources<dyn TraceSource>, BackendError> {
    build(configs, |c| {
        Ok(Arc::new(TempoClient::new(c)?) as Arc<dyn TraceSource>)
    })
}

fn build<T: ?Sized>(
    configs: &[SourceConfig],
    make: impl Fn(&SourceConfig) -> Result<Arc<T>, BackendError>,
) -> Result<Sources<T>, BackendError> {
    let mut sources = Sources::new();
    for cfg in configs {
        if sources.names().any(|n| n == cfg.name) {
            return Err(BackendError::Config {
                message: format!(
                    "two data sources are named `{}`; names must be unique",
                    cfg.name
                ),
            });
        }
        sources.insert(cfg.name.clone(), make(cfg)?);
    }
    let defaults: Vec<_> = configs.iter().filter(|c| c.default).collect();
    match defaults.as_slice() {
        [] => {}
        [one] => sources.set_default(&one.name)?,
        _ => {
            return Err(BackendError::Config {
                message: "more than one data source of a kind is marked `default`; keep one".into(),
            });
        }
    }
    Ok(sources)
}
