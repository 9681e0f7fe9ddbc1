//! Label matchers, evaluated on the stream table rather than on lines.

use loqui_core::Labels;
use regex::Regex;

use crate::error::{Result, StoreError};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MatchOp {
    Eq,
    Ne,
    Re,
    NotRe,
}

/// `name op value`, with Prometheus semantics: a missing label has the value `""`, and regexes
/// are anchored at both ends.
#[derive(Debug, Clone)]
pub struct LabelMatcher {
    pub name: String,
    pub op: MatchOp,
    pub value: String,
    regex: Option<Regex>,
}

impl LabelMatcher {
    pub fn new(name: impl Into<String>, op: MatchOp, value: impl Into<String>) -> Result<Self> {
        let (name, value) = (name.into(), value.into());
        let regex = match op {
            MatchOp::Re | MatchOp::NotRe => {
                Some(Regex::new(&format!("^(?:{value})$")).map_err(|e| {
                    StoreError::InvalidArgument(format!(
                        "label matcher `{name}` has an invalid regex `{value}`: {e}"
                    ))
                })?)
            }
            MatchOp::Eq | MatchOp::Ne => None,
        };
        Ok(Self {
            name,
            op,
            value,
            regex,
        })
    }

    pub fn eq(name: impl Into<String>, value: impl Into<String>) -> Self {
        Self::new(name, MatchOp::Eq, value).expect("equality matchers always build")
    }

    pub fn matches(&self, labels: &Labels) -> bool {
        let v = labels.get(&self.name).map_or("", String::as_str);
        match (self.op, &self.regex) {
            (MatchOp::Eq, _) => v == self.value,
            (MatchOp::Ne, _) => v != self.value,
            (MatchOp::Re, Some(r)) => r.is_match(v),
            (MatchOp::NotRe, Some(r)) => !r.is_match(v),
            (_, None) => unreachable!("regex matchers are built with their regex"),
        }
    }
}

pub fn matches_all(matchers: &[LabelMatcher], labels: &Labels) -> bool {
    matchers.iter().all(|m| m.matches(labels))
}
