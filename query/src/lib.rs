//! LogQL and TraceQL for loqui.
//!
//! Every query loqui runs, whether its planner, an LLM or a person wrote it, goes through this
//! crate first: it is parsed into a typed tree, checked the way Loki and Tempo check it, and
//! printed back as canonical text. The crate does no IO.
//!
//! **Invariant:** parsers never panic and never fail; they return the tree they could build plus
//! diagnostics, and a query is valid exactly when there are none.

pub mod diag;
pub mod logql;
pub mod traceql;

pub use diag::{Diagnostic, Parse, Span};

use std::fmt;
use std::str::FromStr;

/// The two query languages loqui speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Language {
    LogQl,
    TraceQl,
}

impl Language {
    pub fn name(self) -> &'static str {
        match self {
            Language::LogQl => "logql",
            Language::TraceQl => "traceql",
        }
    }
}

impl fmt::Display for Language {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Language {
    type Err = String;

    fn from_str(s: &str) -> Result<Language, String> {
        match s.to_ascii_lowercase().as_str() {
            "logql" => Ok(Language::LogQl),
            "traceql" => Ok(Language::TraceQl),
            other => Err(format!(
                "unknown query language `{other}`; use logql or traceql"
            )),
        }
    }
}

/// The verdict on one query: its canonical text when it parsed, every diagnostic, and warnings
/// about valid constructs that rarely mean what was intended (they never make a query invalid).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub canonical: Option<String>,
    pub diagnostics: Vec<Diagnostic>,
    pub warnings: Vec<Diagnostic>,
}

impl Checked {
    pub fn is_valid(&self) -> bool {
        self.canonical.is_some() && self.diagnostics.is_empty()
    }
}

/// Parses and statically checks `src` in `lang`.
pub fn check(lang: Language, src: &str) -> Checked {
    fn from<T: fmt::Display>(parse: Parse<T>, warnings: Vec<Diagnostic>) -> Checked {
        Checked {
            canonical: parse.tree.as_ref().map(ToString::to_string),
            diagnostics: parse.diagnostics,
            warnings,
        }
    }
    match lang {
        Language::LogQl => from(logql::parse(src), Vec::new()),
        Language::TraceQl => {
            let (parse, lints) = traceql::parse_and_lint(src);
            from(parse, lints)
        }
    }
}
