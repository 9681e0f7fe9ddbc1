//! One `Config`, filled from `loqui.toml`, then `LOQUI_*` environment variables, then flags.
//!
//! Secrets (the callers' token, backend credentials, the LLM key) are held as
//! [`SecretSource`]s or [`Secret`]s, whose Debug output is redacted, so printing a `Config`
//! never leaks them.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use loqui_adapters::{AuthConfig, Secret, SecretSource, SourceConfig};
use serde::Deserialize;

pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";

/// What `loqui.toml` may hold. Every field is optional; unknown keys are an error so that a
/// typo does not silently fall back to a default.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileConfig {
    pub listen: Option<String>,
    pub data_dir: Option<PathBuf>,
    /// Callers' bearer token; prefer `token_file` or `LOQUI_TOKEN` over writing it here.
    pub token: Option<String>,
    pub token_file: Option<PathBuf>,
    pub grafana_url: Option<String>,
    #[serde(default)]
    pub loki: Vec<SourceConfig>,
    #[serde(default)]
    pub tempo: Vec<SourceConfig>,
    pub llm: Option<LlmFileConfig>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LlmFileConfig {
    pub base_url: Option<String>,
    pub model: Option<String>,
    pub api_key: Option<String>,
}

/// Flags that override everything else (`None` when not given).
#[derive(Debug, Default, Clone)]
pub struct Overrides {
    pub listen: Option<String>,
    pub data_dir: Option<PathBuf>,
}

// Read by the question-answering engine, which is the next stage of the plan; resolved and
// validated here already so that a bad LLM configuration fails at start-up.
#[allow(dead_code)]
#[derive(Debug)]
pub struct LlmConfig {
    pub base_url: String,
    pub model: String,
    pub api_key: Option<Secret>,
}

/// The resolved configuration.
#[derive(Debug)]
pub struct Config {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub token: Option<SecretSource>,
    /// For "open in Grafana" links, which the answers of the engine (next stage) carry.
    #[allow(dead_code)]
    pub grafana_url: Option<String>,
    /// Loki data sources; empty means the embedded store answers log queries.
    pub loki: Vec<SourceConfig>,
    /// Tempo data sources; empty means the embedded store answers trace queries.
    pub tempo: Vec<SourceConfig>,
    /// `None`: no LLM; the deterministic planner answers.
    #[allow(dead_code)]
    pub llm: Option<LlmConfig>,
}

impl Config {
    /// Reads `path` (when given), then the process environment, then `flags`.
    pub fn load(path: Option<&Path>, flags: &Overrides) -> anyhow::Result<Config> {
        let file = match path {
            Some(p) => {
                let text = std::fs::read_to_string(p)
                    .with_context(|| format!("reading the configuration file {}", p.display()))?;
                parse_file(&text).with_context(|| format!("in {}", p.display()))?
            }
            None => FileConfig::default(),
        };
        let env: BTreeMap<String, String> = std::env::vars()
            .filter(|(k, _)| k.starts_with("LOQUI_"))
            .collect();
        resolve(file, &env, flags)
    }

    /// Whether the listen address is reachable only from this machine.
    pub fn is_loopback(&self) -> bool {
        self.listen.ip().is_loopback()
    }
}

pub fn parse_file(text: &str) -> anyhow::Result<FileConfig> {
    toml::from_str(text).map_err(|e| anyhow::anyhow!("invalid configuration: {e}"))
}

/// The pure part of [`Config::load`]: file, then environment, then flags.
pub fn resolve(
    file: FileConfig,
    env: &BTreeMap<String, String>,
    flags: &Overrides,
) -> anyhow::Result<Config> {
    let var = |k: &str| env.get(k).filter(|v| !v.is_empty()).cloned();
    let listen_text = flags.listen.clone().or(var("LOQUI_LISTEN")).or(file.listen);
    let listen_text = listen_text.unwrap_or_else(|| DEFAULT_LISTEN.to_owned());
    let listen: SocketAddr = listen_text.parse().with_context(|| {
        format!("listen address `{listen_text}` is not IP:PORT, e.g. 127.0.0.1:8080")
    })?;
    let data_dir = flags
        .data_dir
        .clone()
        .or(var("LOQUI_DATA_DIR").map(PathBuf::from))
        .or(file.data_dir)
        .unwrap_or_else(default_data_dir);
    let token = if env.contains_key("LOQUI_TOKEN") {
        Some(SecretSource::Env("LOQUI_TOKEN".into()))
    } else if let Some(path) = file.token_file {
        Some(SecretSource::File(path))
    } else {
        file.token.map(|t| SecretSource::Value(Secret::new(t)))
    };
    let tenant = var("LOQUI_TENANT");
    let loki = sources(file.loki, env, "LOKI", tenant.as_deref())?;
    let tempo = sources(file.tempo, env, "TEMPO", tenant.as_deref())?;
    let llm = llm(file.llm, env)?;
    Ok(Config {
        listen,
        data_dir,
        token,
        grafana_url: var("LOQUI_GRAFANA_URL").or(file.grafana_url),
        loki,
        tempo,
        llm,
    })
}

/// `LOQUI_<KIND>_URL` adds (or replaces) a source named after the kind, made the default; its
/// credentials come from `LOQUI_<KIND>_TOKEN` or `LOQUI_<KIND>_USERNAME`/`_PASSWORD`, read
/// from the environment on every call so they can rotate.
fn sources(
    mut from_file: Vec<SourceConfig>,
    env: &BTreeMap<String, String>,
    kind: &str,
    tenant: Option<&str>,
) -> anyhow::Result<Vec<SourceConfig>> {
    let key = |suffix: &str| format!("LOQUI_{kind}_{suffix}");
    let Some(url) = env.get(&key("URL")).filter(|u| !u.is_empty()) else {
        return Ok(from_file);
    };
    let name = kind.to_ascii_lowercase();
    let mut source = SourceConfig::new(name.clone(), url.clone());
    source.default = true;
    source.tenant = tenant.map(str::to_owned);
    let has = |suffix: &str| env.get(&key(suffix)).is_some_and(|v| !v.is_empty());
    source.auth = match (has("TOKEN"), env.get(&key("USERNAME"))) {
        (true, Some(_)) => {
            bail!(
                "set either {} or {}/{}, not both",
                key("TOKEN"),
                key("USERNAME"),
                key("PASSWORD")
            )
        }
        (true, None) => Some(AuthConfig::Bearer {
            token: SecretSource::Env(key("TOKEN")),
        }),
        (false, Some(user)) => Some(AuthConfig::Basic {
            username: user.clone(),
            password: SecretSource::Env(key("PASSWORD")),
        }),
        (false, None) => None,
    };
    from_file.retain(|s| s.name != name);
    for s in &mut from_file {
        s.default = false;
    }
    from_file.insert(0, source);
    Ok(from_file)
}

fn llm(
    file: Option<LlmFileConfig>,
    env: &BTreeMap<String, String>,
) -> anyhow::Result<Option<LlmConfig>> {
    let file = file.unwrap_or_default();
    let var = |k: &str| env.get(k).filter(|v| !v.is_empty()).cloned();
    let base_url = var("LOQUI_LLM_BASE_URL").or(file.base_url);
    let model = var("LOQUI_LLM_MODEL").or(file.model);
    let api_key = var("LOQUI_LLM_API_KEY").or(file.api_key).map(Secret::new);
    match (base_url, model) {
        (None, None) => Ok(None),
        (Some(base_url), Some(model)) => Ok(Some(LlmConfig {
            base_url,
            model,
            api_key,
        })),
        (Some(_), None) => bail!(
            "LOQUI_LLM_BASE_URL is set but LOQUI_LLM_MODEL is not; set both, or neither to use the deterministic planner"
        ),
        (None, Some(_)) => bail!(
            "LOQUI_LLM_MODEL is set but LOQUI_LLM_BASE_URL is not; set both, or neither to use the deterministic planner"
        ),
    }
}

fn default_data_dir() -> PathBuf {
    if let Some(xdg) = std::env::var_os("XDG_DATA_HOME") {
        return PathBuf::from(xdg).join("loqui");
    }
    match std::env::var_os("HOME") {
        Some(home) => PathBuf::from(home).join(".local/share/loqui"),
        None => PathBuf::from("loqui-data"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn flags_beat_environment_beat_file() {
        let file = parse_file("listen = \"127.0.0.1:1\"\ndata_dir = \"/f\"").expect("toml");
        let cfg = resolve(
            file,
            &env(&[("LOQUI_LISTEN", "127.0.0.1:2")]),
            &Overrides::default(),
        )
        .expect("config");
        assert_eq!(cfg.listen.port(), 2);
        assert_eq!(cfg.data_dir, PathBuf::from("/f"));
        let flags = Overrides {
            listen: Some("127.0.0.1:3".into()),
            data_dir: Some("/x".into()),
        };
        let file = parse_file("listen = \"127.0.0.1:1\"").expect("toml");
        let cfg = resolve(file, &env(&[("LOQUI_LISTEN", "127.0.0.1:2")]), &flags).expect("config");
        assert_eq!((cfg.listen.port(), cfg.data_dir), (3, PathBuf::from("/x")));
    }

    #[test]
    fn unknown_keys_and_bad_addresses_are_clear_errors() {
        let err = parse_file("listn = \"x\"").expect_err("typo");
        assert!(err.to_string().contains("listn"), "{err}");
        let flags = Overrides {
            listen: Some("localhost".into()),
            ..Overrides::default()
        };
        let err = resolve(FileConfig::default(), &env(&[]), &flags).expect_err("no port");
        assert!(err.to_string().contains("IP:PORT"), "{err}");
    }

    #[test]
    fn env_backends_become_the_default_source_with_rotating_credentials() {
        let file = parse_file("[[loki]]\nname = \"loki\"\nurl = \"http://old\"\n[[loki]]\nname = \"eu\"\nurl = \"http://eu\"\ndefault = true").expect("toml");
        let vars = env(&[
            ("LOQUI_LOKI_URL", "http://loki:3100"),
            ("LOQUI_LOKI_TOKEN", "s3cret"),
            ("LOQUI_TENANT", "team-a"),
        ]);
        let cfg = resolve(file, &vars, &Overrides::default()).expect("config");
        assert_eq!(cfg.loki.len(), 2);
        assert_eq!(
            (cfg.loki[0].url.as_str(), cfg.loki[0].default),
            ("http://loki:3100", true)
        );
        assert_eq!(cfg.loki[0].tenant.as_deref(), Some("team-a"));
        assert!(!cfg.loki[1].default);
        assert!(
            matches!(&cfg.loki[0].auth, Some(AuthConfig::Bearer { token: SecretSource::Env(k) }) if k == "LOQUI_LOKI_TOKEN")
        );
        assert!(
            cfg.tempo.is_empty(),
            "no Tempo configured means the embedded store"
        );
        assert!(!format!("{cfg:?}").contains("s3cret"));
    }

    #[test]
    fn the_llm_needs_both_url_and_model_and_its_key_stays_hidden() {
        let none =
            resolve(FileConfig::default(), &env(&[]), &Overrides::default()).expect("config");
        assert!(none.llm.is_none());
        let vars = env(&[
            ("LOQUI_LLM_BASE_URL", "http://127.0.0.1:8081/v1"),
            ("LOQUI_LLM_API_KEY", "sk-very-secret"),
        ]);
        let err = resolve(FileConfig::default(), &vars, &Overrides::default())
            .expect_err("model missing");
        assert!(err.to_string().contains("LOQUI_LLM_MODEL"), "{err}");
        let mut vars = vars;
        vars.insert("LOQUI_LLM_MODEL".into(), "qwen".into());
        let cfg = resolve(FileConfig::default(), &vars, &Overrides::default()).expect("config");
        assert_eq!(cfg.llm.as_ref().map(|l| l.model.as_str()), Some("qwen"));
        assert!(!format!("{cfg:?}").contains("sk-very-secret"));
    }
}
