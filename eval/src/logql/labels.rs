//! The labels of one entry while it moves through a pipeline: stream labels and structured
//! metadata borrowed from the entry, and what parsers and formatters add or remove on top.
//!
//! Nothing is copied until a stage changes something, so a line that a filter drops costs no
//! allocation here.

use loqui_core::{Labels, LineLabels};

/// Loki's label for pipeline errors, and its details.
pub const ERROR_LABEL: &str = "__error__";
pub const ERROR_DETAILS_LABEL: &str = "__error_details__";

/// Error values Loki sets in `__error__`.
pub const ERR_JSON: &str = "JSONParserErr";
pub const ERR_LOGFMT: &str = "LogfmtParserErr";
pub const ERR_LABEL_FILTER: &str = "LabelFilterErr";
pub const ERR_SAMPLE: &str = "SampleExtractionErr";
pub const ERR_TEMPLATE: &str = "TemplateFormatErr";

pub(crate) struct LabelsBuilder<'e> {
    stream: &'e Labels,
    metadata: &'e LineLabels,
    /// Labels set by stages, in the order first set; a later set replaces the value.
    added: Vec<(String, String)>,
    /// Stream or metadata labels removed by `drop`, `keep` or a rename.
    removed: Vec<String>,
}

impl<'e> LabelsBuilder<'e> {
    pub fn new(stream: &'e Labels, metadata: &'e LineLabels) -> LabelsBuilder<'e> {
        LabelsBuilder {
            stream,
            metadata,
            added: Vec::new(),
            removed: Vec::new(),
        }
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        if let Some((_, v)) = self.added.iter().find(|(k, _)| k == name) {
            return Some(v);
        }
        if self.removed.iter().any(|k| k == name) {
            return None;
        }
        self.metadata
            .get(name)
            .or_else(|| self.stream.get(name))
            .map(String::as_str)
    }

    /// Whether `name` is an index or metadata label; parsers then write `name_extracted`.
    pub fn base_has(&self, name: &str) -> bool {
        self.stream.contains_key(name) || self.metadata.contains_key(name)
    }

    pub fn set(&mut self, name: &str, value: &str) {
        match self.added.iter_mut().find(|(k, _)| k == name) {
            Some((_, v)) => {
                v.clear();
                v.push_str(value);
            }
            None => self.added.push((name.to_owned(), value.to_owned())),
        }
    }

    pub fn delete(&mut self, name: &str) {
        self.added.retain(|(k, _)| k != name);
        if self.base_has(name) && !self.removed.iter().any(|k| k == name) {
            self.removed.push(name.to_owned());
        }
    }

    pub fn has_err(&self) -> bool {
        self.get(ERROR_LABEL).is_some_and(|v| !v.is_empty())
    }

    /// Records a pipeline error; a later error replaces an earlier one, as Loki's `SetErr` does.
    pub fn set_err(&mut self, err: &str, details: &str) {
        self.set(ERROR_LABEL, err);
        if !details.is_empty() {
            self.set(ERROR_DETAILS_LABEL, details);
        }
    }

    /// Every label name currently present.
    pub fn names(&self) -> Vec<String> {
        let mut out: Vec<String> = self.stream.keys().cloned().collect();
        out.extend(self.metadata.keys().map(str::to_owned));
        out.extend(self.added.iter().map(|(k, _)| k.clone()));
        out.sort();
        out.dedup();
        out.retain(|n| self.get(n).is_some());
        out
    }

    /// The full label set: stream labels, structured metadata and added labels, as Loki returns
    /// them without `categorize-labels`.
    pub fn to_labels(&self) -> Labels {
        let mut out = Labels::new();
        for (k, v) in self.stream {
            out.insert(k.clone(), v.clone());
        }
        for (k, v) in self.metadata.iter() {
            out.insert(k.to_owned(), v.clone());
        }
        for k in &self.removed {
            out.remove(k);
        }
        for (k, v) in &self.added {
            out.insert(k.clone(), v.clone());
        }
        out
    }
}

/// Loki's `sanitizeLabelKey`: trims, prefixes a leading digit with `_` and turns every character
/// outside `[a-zA-Z0-9_]` into `_`.
pub(crate) fn sanitize_label_key(key: &str, is_prefix: bool) -> String {
    let key = key.trim();
    let mut out = String::with_capacity(key.len() + 1);
    if is_prefix && key.starts_with(|c: char| c.is_ascii_digit()) {
        out.push('_');
    }
    out.extend(key.chars().map(|c| {
        if c.is_ascii_alphanumeric() || c == '_' {
            c
        } else {
            '_'
        }
    }));
    out
}

/// The label name a parser writes for `name`: with `_extracted` when an index or metadata label
/// of that name exists.
pub(crate) fn parsed_name(lbs: &LabelsBuilder<'_>, name: String) -> String {
    if lbs.base_has(&name) {
        name + "_extracted"
    } else {
        name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitizes_like_loki() {
        assert_eq!(sanitize_label_key("http.status", true), "http_status");
        assert_eq!(sanitize_label_key(" 1a-b ", true), "_1a_b");
        assert_eq!(sanitize_label_key("1a", false), "1a");
    }
}
