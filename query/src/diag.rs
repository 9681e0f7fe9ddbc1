//! Diagnostics shared by both languages.
//!
//! Parsers never fail: they return whatever tree they could build plus a list of
//! diagnostics. A query is valid exactly when that list is empty.

use std::fmt;

/// A half-open byte range `start..end` into the query text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub const fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }

    /// The smallest span covering both.
    pub fn cover(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }
}

/// One problem found in a query: where, what, and (when it helps) what to do instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub span: Span,
    pub message: String,
    pub hint: Option<String>,
}

impl Diagnostic {
    pub fn new(span: Span, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            span,
            message: message.into(),
            hint: None,
        }
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Diagnostic {
        self.hint = Some(hint.into());
        self
    }

    /// 1-based line and column (in characters) of the start of the span.
    pub fn line_col(&self, src: &str) -> (usize, usize) {
        line_col(src, self.span.start)
    }

    /// A one-line form: `line 1, col 5: message (hint: ...)`.
    pub fn to_line(&self, src: &str) -> String {
        let (line, col) = self.line_col(src);
        match &self.hint {
            Some(hint) => format!("line {line}, col {col}: {}; hint: {hint}", self.message),
            None => format!("line {line}, col {col}: {}", self.message),
        }
    }

    /// A multi-line form for terminals: the message, the offending line and a caret under the span.
    pub fn render(&self, src: &str) -> String {
        self.render_as("error", src)
    }

    /// [`Diagnostic::render`] for something that does not make the query invalid.
    pub fn render_warning(&self, src: &str) -> String {
        self.render_as("warning", src)
    }

    fn render_as(&self, severity: &str, src: &str) -> String {
        let (line_no, col) = self.line_col(src);
        let line_start = src[..self.span.start.min(src.len())]
            .rfind('\n')
            .map_or(0, |i| i + 1);
        let line_end = src[line_start..]
            .find('\n')
            .map_or(src.len(), |i| line_start + i);
        let line = &src[line_start..line_end];
        let width = src
            .get(self.span.start.min(line_end)..self.span.end.min(line_end))
            .map_or(1, |s| s.chars().count().max(1));
        let mut out = format!(
            "{severity} at line {line_no}, col {col}: {}\n",
            self.message
        );
        out.push_str(&format!("  | {line}\n"));
        out.push_str(&format!(
            "  | {}{}\n",
            " ".repeat(col - 1),
            "^".repeat(width)
        ));
        if let Some(hint) = &self.hint {
            out.push_str(&format!("  = hint: {hint}\n"));
        }
        out
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}..{}: {}",
            self.span.start, self.span.end, self.message
        )?;
        if let Some(hint) = &self.hint {
            write!(f, "; hint: {hint}")?;
        }
        Ok(())
    }
}

/// 1-based line and column (in characters) of a byte offset; offsets past the end or inside a
/// character are clamped.
pub fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let mut offset = offset.min(src.len());
    while !src.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &src[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[line_start..].chars().count() + 1)
}

/// The result of parsing: the tree (when one could be built) and every diagnostic.
#[derive(Debug, Clone, PartialEq)]
pub struct Parse<T> {
    pub tree: Option<T>,
    pub diagnostics: Vec<Diagnostic>,
}

impl<T> Parse<T> {
    /// Valid means: a tree was built and nothing was reported.
    pub fn is_valid(&self) -> bool {
        self.tree.is_some() && self.diagnostics.is_empty()
    }

    pub fn into_result(self) -> Result<T, Vec<Diagnostic>> {
        match self.tree {
            Some(tree) if self.diagnostics.is_empty() => Ok(tree),
            _ => Err(self.diagnostics),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters_not_bytes() {
        assert_eq!(line_col("{a=\"한글\"} x", 12), (1, 9));
        assert_eq!(line_col("a\nbc", 3), (2, 2));
        assert_eq!(line_col("abc", 99), (1, 4));
    }

    #[test]
    fn render_points_at_the_span() {
        let d = Diagnostic::new(Span::new(5, 7), "unexpected `[3h]`").with_hint("drop the range");
        let out = d.render("{a=\"b\"}[3h]");
        assert!(out.contains("line 1, col 6"), "{out}");
        assert!(out.contains("  |      ^^"), "{out}");
        assert!(out.contains("hint: drop the range"), "{out}");
    }
}
