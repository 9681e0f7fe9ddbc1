//! LogQL: a hand-written lexer and recursive-descent parser that accepts what Loki 3.x accepts,
//! a typed tree ([`Expr`]), a canonical printer (`Display`) and Loki's static checks.
//!
//! ```
//! let parsed = loqui_query::logql::parse(r#"sum by (pod) (rate({app="api"} |= "error" [5m]))"#);
//! assert!(parsed.is_valid());
//! assert_eq!(
//!     parsed.tree.unwrap().to_string(),
//!     r#"sum by (pod) (rate({app="api"} |= "error" [5m]))"#
//! );
//! ```
//!
//! Layout: `lexer` (tokens as spans), `parser` (cursor and errors), `expr` (operands and
//! operators), `aggregations` (function calls), `log` (selectors, pipelines, log ranges),
//! `stages` (pipeline stages and label filters), `check` (static checks), `hints` (advice for
//! common mistakes), `print`, `units`.

mod aggregations;
mod ast;
mod check;
mod expr;
mod hints;
mod lexer;
mod log;
mod names;
mod parser;
mod print;
mod stages;
mod units;

pub use ast::*;
pub use units::{Bytes, Duration};

use crate::diag::Parse;

/// Parses and statically checks a LogQL query. Never panics.
///
/// On a syntax error the tree is `None` and the single diagnostic points at the offending token.
/// When only static checks fail, the tree is returned together with their diagnostics.
pub fn parse(src: &str) -> Parse<Expr> {
    let (result, checks) = parser::parse_query(src);
    match result {
        Ok(tree) => Parse {
            tree: Some(tree),
            diagnostics: checks,
        },
        Err(syntax) => Parse {
            tree: None,
            diagnostics: vec![syntax],
        },
    }
}
