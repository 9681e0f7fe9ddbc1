//! Loki's pattern expressions (`<name>` captures, `<_>` to skip, literals in between), used by
//! the `| pattern "..."` parser and the `|> "..."` line filter.

use super::EvalError;

#[derive(Debug, Clone, PartialEq)]
enum Node {
    Literal(String),
    /// `None` for `<_>`.
    Capture(Option<String>),
}

#[derive(Debug, Clone)]
pub(crate) struct Pattern {
    nodes: Vec<Node>,
}

impl Pattern {
    pub fn parse(src: &str) -> Result<Pattern, EvalError> {
        let mut nodes = Vec::new();
        let mut lit = String::new();
        let mut rest = src;
        while let Some(c) = rest.chars().next() {
            if let Some(name) = capture_at(rest) {
                if !lit.is_empty() {
                    nodes.push(Node::Literal(std::mem::take(&mut lit)));
                }
                if matches!(nodes.last(), Some(Node::Capture(_))) {
                    return Err(bad(src, "consecutive captures are not allowed"));
                }
                rest = &rest[name.len() + 2..];
                let cap = (name != "_").then(|| name.to_owned());
                nodes.push(Node::Capture(cap));
                continue;
            }
            lit.push(c);
            rest = &rest[c.len_utf8()..];
        }
        if !lit.is_empty() {
            nodes.push(Node::Literal(lit));
        }
        let mut names: Vec<&str> = Vec::new();
        for n in &nodes {
            if let Node::Capture(Some(name)) = n {
                if names.contains(&name.as_str()) {
                    return Err(bad(src, &format!("duplicate capture name ({name})")));
                }
                names.push(name);
            }
        }
        if !nodes.iter().any(|n| matches!(n, Node::Capture(_))) {
            return Err(bad(src, "at least one capture is required"));
        }
        Ok(Pattern { nodes })
    }

    /// Whether a parser pattern has a named capture (Loki requires one).
    pub fn has_named(&self) -> bool {
        self.nodes
            .iter()
            .any(|n| matches!(n, Node::Capture(Some(_))))
    }

    /// Loki's `Matches`: the named captures found, in order; the last capture runs to the end of
    /// the line when its following literal is missing.
    pub fn captures<'l>(&'l self, line: &'l str) -> Vec<(&'l str, &'l str)> {
        let mut out = Vec::new();
        if line.is_empty() {
            return out;
        }
        let mut nodes = self.nodes.as_slice();
        let mut input = line;
        if let Some(Node::Literal(l)) = nodes.first() {
            if !input.starts_with(l.as_str()) {
                return out;
            }
            input = &input[l.len()..];
            nodes = &nodes[1..];
        }
        while let Some(Node::Capture(cap)) = nodes.first() {
            let Some(Node::Literal(lit)) = nodes.get(1) else {
                if let Some(name) = cap {
                    out.push((name.as_str(), input));
                }
                return out;
            };
            nodes = &nodes[2..];
            let Some(i) = input.find(lit.as_str()) else {
                if let Some(name) = cap {
                    out.push((name.as_str(), input));
                }
                return out;
            };
            if let Some(name) = cap {
                out.push((name.as_str(), &input[..i]));
            }
            input = &input[i + lit.len()..];
        }
        out
    }

    /// Loki's `Test` for `|>`: literals in order, captures non-empty, the whole line consumed.
    pub fn test(&self, line: &str) -> bool {
        if line.is_empty() || self.nodes.is_empty() {
            return line.is_empty() && self.nodes.is_empty();
        }
        let mut off = 0;
        for (i, node) in self.nodes.iter().enumerate() {
            let Node::Literal(lit) = node else { continue };
            let Some(j) = line[off..].find(lit.as_str()) else {
                return false;
            };
            if (i != 0 && j == 0) || (i == 0 && j != 0) {
                return false;
            }
            off += j + lit.len();
        }
        let ends_on_literal = matches!(self.nodes.last(), Some(Node::Literal(_)));
        ends_on_literal == (off == line.len())
    }
}

/// The capture name when `rest` starts with `<name>` or `<_>`.
fn capture_at(rest: &str) -> Option<&str> {
    let inner = rest.strip_prefix('<')?;
    let end = inner.find('>')?;
    let name = &inner[..end];
    let valid = name == "_"
        || (name.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
    valid.then_some(name)
}

fn bad(src: &str, why: &str) -> EvalError {
    EvalError::BadQuery(format!("invalid pattern `{src}`: {why}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn captures_and_test() {
        let p = Pattern::parse("<ip> - <_> \"<method> <path> <_>\" <status>").unwrap();
        let line = "10.0.0.1 - - \"GET /a HTTP/1.1\" 200";
        assert_eq!(
            p.captures(line),
            vec![
                ("ip", "10.0.0.1"),
                ("method", "GET"),
                ("path", "/a"),
                ("status", "200")
            ]
        );
        assert!(p.test(line));
        assert!(!p.test("nothing here"));
        assert!(Pattern::parse("<a><b>").is_err());
    }
}
