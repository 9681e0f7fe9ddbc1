//! The subset of Go's `text/template` that `line_format` and `label_format` use: text, `{{.label}}`,
//! pipelines with functions (`{{ .msg | ToUpper }}`, `printf`, `default`, ...), `if`/`else if`/
//! `else`/`end`, literals, parentheses and `{{-`/`-}}` trimming. Anything else (`range`, `with`,
//! variables, unknown functions) is refused when the query is compiled, never rendered wrongly.

use super::EvalError;
use super::labels::LabelsBuilder;
use super::template_exec::{Ctx, Value, is_known_function};

#[derive(Debug, Clone)]
pub(crate) enum Node {
    Text(String),
    Action(Pipe),
    If(Vec<(Pipe, Vec<Node>)>, Vec<Node>),
}

pub(crate) type Pipe = Vec<Cmd>;

/// A command: a function call with arguments, or a single operand.
#[derive(Debug, Clone)]
pub(crate) struct Cmd {
    pub args: Vec<Arg>,
}

#[derive(Debug, Clone)]
pub(crate) enum Arg {
    Field(String),
    Dot,
    Func(String),
    Lit(Value),
    Sub(Pipe),
}

#[derive(Debug, Clone)]
pub(crate) struct Template {
    nodes: Vec<Node>,
}

impl Template {
    pub fn parse(src: &str) -> Result<Template, EvalError> {
        let tokens = split_actions(src)?;
        let mut pos = 0;
        let (nodes, end) = parse_nodes(&tokens, &mut pos)?;
        if end.is_some() {
            return Err(bad(src, "unexpected {{end}} or {{else}}"));
        }
        Ok(Template { nodes })
    }

    /// Renders with the entry's labels; `Err` carries the details Loki puts in
    /// `__error_details__`.
    pub fn render(
        &self,
        line: &str,
        ts_ns: i64,
        lbs: &LabelsBuilder<'_>,
    ) -> Result<String, String> {
        let ctx = Ctx { line, ts_ns, lbs };
        let mut out = String::new();
        ctx.exec(&self.nodes, &mut out)?;
        Ok(out)
    }
}

fn bad(src: &str, why: &str) -> EvalError {
    EvalError::BadQuery(format!("invalid template `{src}`: {why}"))
}

enum Tok {
    Text(String),
    Action(String),
}

/// Splits text from `{{ ... }}` actions, applying `{{-` and `-}}` trimming.
fn split_actions(src: &str) -> Result<Vec<Tok>, EvalError> {
    let mut out = Vec::new();
    let mut rest = src;
    let mut trim_next = false;
    while let Some(open) = rest.find("{{") {
        let mut text = &rest[..open];
        if trim_next {
            text = text.trim_start();
        }
        let after = &rest[open + 2..];
        let close = find_close(after).ok_or_else(|| bad(src, "unclosed action"))?;
        let mut inner = &after[..close];
        if let Some(i) = inner.strip_prefix("- ") {
            text = text.trim_end();
            inner = i;
        }
        trim_next = inner.ends_with(" -");
        if trim_next {
            inner = &inner[..inner.len() - 2];
        }
        out.push(Tok::Text(text.to_owned()));
        out.push(Tok::Action(inner.trim().to_owned()));
        rest = &after[close + 2..];
    }
    out.push(Tok::Text(
        if trim_next { rest.trim_start() } else { rest }.to_owned(),
    ));
    Ok(out)
}

/// The end of an action, skipping `}}` inside quoted strings.
fn find_close(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut i = 0;
    let mut quote: Option<u8> = None;
    while i < b.len() {
        match (quote, b[i]) {
            (Some(b'"'), b'\\') => i += 1,
            (Some(q), c) if c == q => quote = None,
            (None, c @ (b'"' | b'`')) => quote = Some(c),
            (None, b'}') if b.get(i + 1) == Some(&b'}') => return Some(i),
            _ => {}
        }
        i += 1;
    }
    None
}

/// The keyword that ended a list of nodes (`end`, `else`, `else if ...`).
enum End {
    End,
    Else(Option<Pipe>),
}

fn parse_nodes(toks: &[Tok], pos: &mut usize) -> Result<(Vec<Node>, Option<End>), EvalError> {
    let mut nodes = Vec::new();
    while let Some(t) = toks.get(*pos) {
        *pos += 1;
        let action = match t {
            Tok::Text(s) if s.is_empty() => continue,
            Tok::Text(s) => {
                nodes.push(Node::Text(s.clone()));
                continue;
            }
            Tok::Action(a) => a.as_str(),
        };
        if action.starts_with("/*") {
            continue;
        }
        let word = action.split_whitespace().next().unwrap_or("");
        match word {
            "end" => return Ok((nodes, Some(End::End))),
            "else" => {
                let rest = action[4..].trim();
                let cond = match rest.strip_prefix("if") {
                    Some(c) => Some(parse_pipe(c)?),
                    None if rest.is_empty() => None,
                    None => {
                        return Err(EvalError::Unsupported(format!(
                            "template `{{{{{action}}}}}`"
                        )));
                    }
                };
                return Ok((nodes, Some(End::Else(cond))));
            }
            "if" => nodes.push(parse_if(parse_pipe(&action[2..])?, toks, pos)?),
            "range" | "with" | "define" | "template" | "block" | "break" | "continue" => {
                return Err(EvalError::Unsupported(format!("template action `{word}`")));
            }
            _ => nodes.push(Node::Action(parse_pipe(action)?)),
        }
    }
    Ok((nodes, None))
}

fn parse_if(first: Pipe, toks: &[Tok], pos: &mut usize) -> Result<Node, EvalError> {
    let mut branches = Vec::new();
    let mut cond = first;
    loop {
        let (body, end) = parse_nodes(toks, pos)?;
        branches.push((cond, body));
        match end {
            Some(End::End) => return Ok(Node::If(branches, Vec::new())),
            Some(End::Else(Some(next))) => cond = next,
            Some(End::Else(None)) => {
                let (body, end) = parse_nodes(toks, pos)?;
                if !matches!(end, Some(End::End)) {
                    return Err(EvalError::BadQuery("template: missing {{end}}".into()));
                }
                return Ok(Node::If(branches, body));
            }
            None => return Err(EvalError::BadQuery("template: missing {{end}}".into())),
        }
    }
}

/// Parses `cmd | cmd ...`.
fn parse_pipe(src: &str) -> Result<Pipe, EvalError> {
    let words = lex(src)?;
    let mut pos = 0;
    let pipe = pipe_from(&words, &mut pos)?;
    if pos != words.len() {
        return Err(EvalError::BadQuery(format!(
            "template: unexpected `)` in `{src}`"
        )));
    }
    Ok(pipe)
}

fn pipe_from(words: &[String], pos: &mut usize) -> Result<Pipe, EvalError> {
    let mut pipe = vec![Cmd { args: Vec::new() }];
    while let Some(w) = words.get(*pos) {
        *pos += 1;
        let arg = match w.as_str() {
            "|" => {
                pipe.push(Cmd { args: Vec::new() });
                continue;
            }
            ")" => {
                *pos -= 1;
                break;
            }
            "(" => {
                let sub = pipe_from(words, pos)?;
                *pos += 1;
                Arg::Sub(sub)
            }
            _ => operand(w)?,
        };
        pipe.last_mut().expect("a command").args.push(arg);
    }
    if pipe.iter().any(|c| c.args.is_empty()) {
        return Err(EvalError::BadQuery(
            "template: missing value in pipeline".into(),
        ));
    }
    Ok(pipe)
}

fn operand(w: &str) -> Result<Arg, EvalError> {
    let first = w.chars().next().unwrap_or(' ');
    Ok(match first {
        '.' if w == "." => Arg::Dot,
        '.' => {
            if w[1..].contains('.') {
                return Err(EvalError::Unsupported(format!(
                    "template field chain `{w}`"
                )));
            }
            Arg::Field(w[1..].to_owned())
        }
        '"' => Arg::Lit(Value::Str(go_unquote(w)?)),
        '`' => Arg::Lit(Value::Str(w.trim_matches('`').to_owned())),
        '$' => return Err(EvalError::Unsupported(format!("template variable `{w}`"))),
        '0'..='9' | '-' | '+' => match w.parse::<i64>() {
            Ok(i) => Arg::Lit(Value::Int(i)),
            Err(_) => {
                Arg::Lit(Value::Float(w.parse().map_err(|_| {
                    EvalError::BadQuery(format!("template: bad number `{w}`"))
                })?))
            }
        },
        _ if w == "true" || w == "false" => Arg::Lit(Value::Bool(w == "true")),
        _ if w == "nil" => Arg::Lit(Value::Nil),
        _ if is_known_function(w) => Arg::Func(w.to_owned()),
        _ => return Err(EvalError::Unsupported(format!("template function {w}"))),
    })
}

fn go_unquote(w: &str) -> Result<String, EvalError> {
    serde_json::from_str::<String>(w)
        .map_err(|_| EvalError::BadQuery(format!("template: bad string {w}")))
}

/// Splits an action into words: strings, `(`, `)`, `|` and everything else.
fn lex(src: &str) -> Result<Vec<String>, EvalError> {
    let mut out = Vec::new();
    let mut chars = src.char_indices().peekable();
    while let Some(&(i, c)) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if matches!(c, '(' | ')' | '|') {
            out.push(c.to_string());
            chars.next();
        } else if c == '"' || c == '`' {
            let end = string_end(&src[i..], c).ok_or_else(|| {
                EvalError::BadQuery(format!("template: unterminated string in `{src}`"))
            })?;
            out.push(src[i..i + end].to_owned());
            while chars.peek().is_some_and(|&(j, _)| j < i + end) {
                chars.next();
            }
        } else {
            let mut end = src.len();
            while let Some(&(j, c)) = chars.peek() {
                if c.is_whitespace() || matches!(c, '(' | ')' | '|') {
                    end = j;
                    break;
                }
                chars.next();
            }
            out.push(src[i..end].to_owned());
        }
    }
    Ok(out)
}

fn string_end(s: &str, q: char) -> Option<usize> {
    let mut esc = false;
    for (i, c) in s.char_indices().skip(1) {
        match c {
            _ if esc => esc = false,
            '\\' if q == '"' => esc = true,
            c if c == q => return Some(i + 1),
            _ => {}
        }
    }
    None
}
