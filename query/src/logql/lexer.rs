//! The LogQL lexer. It follows Loki's (Go `text/scanner` plus Loki's rules for durations, byte
//! sizes, ranges and parser flags) and never allocates per token: a token is a kind and a span.

use crate::diag::Span;

use super::units::{Bytes, Duration};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tok {
    Ident,
    Kw(Kw),
    /// `"..."` or `` `...` ``.
    Str,
    /// `'...'`: not LogQL, kept to give a precise hint.
    SingleQuoted,
    Number,
    Duration,
    Bytes,
    /// `[5m]`, the whole bracketed range.
    Range,
    /// `--strict`, `--keep-empty`.
    Flag,
    LBrace,
    RBrace,
    LParen,
    RParen,
    Comma,
    Dot,
    /// `=`
    Eq,
    /// `!=`
    Neq,
    /// `=~`
    Re,
    /// `!~`
    Nre,
    /// `|=`
    PipeExact,
    /// `|~`
    PipeMatch,
    /// `|>`
    PipePattern,
    /// `!>`
    Npa,
    Pipe,
    /// `==`
    CmpEq,
    Gt,
    Gte,
    Lt,
    Lte,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
    /// A character LogQL has no use for, or an unterminated literal.
    Illegal,
    Eof,
}

/// Words that are always keywords (case-insensitive), whatever follows them. Function names
/// (`rate`, `ip`, `label_replace`, ...) are identifiers to the lexer: as in Loki, they only act as
/// functions when `(` follows, so they stay usable as label names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kw {
    By,
    Without,
    Bool,
    On,
    Ignoring,
    GroupLeft,
    GroupRight,
    Offset,
    Or,
    And,
    Unless,
    Json,
    Logfmt,
    Regexp,
    Pattern,
    Unpack,
    LineFormat,
    LabelFormat,
    Decolorize,
    Drop,
    Keep,
    Unwrap,
}

const KEYWORDS: [(&str, Kw); 22] = [
    ("by", Kw::By),
    ("without", Kw::Without),
    ("bool", Kw::Bool),
    ("on", Kw::On),
    ("ignoring", Kw::Ignoring),
    ("group_left", Kw::GroupLeft),
    ("group_right", Kw::GroupRight),
    ("offset", Kw::Offset),
    ("or", Kw::Or),
    ("and", Kw::And),
    ("unless", Kw::Unless),
    ("json", Kw::Json),
    ("logfmt", Kw::Logfmt),
    ("regexp", Kw::Regexp),
    ("pattern", Kw::Pattern),
    ("unpack", Kw::Unpack),
    ("line_format", Kw::LineFormat),
    ("label_format", Kw::LabelFormat),
    ("decolorize", Kw::Decolorize),
    ("drop", Kw::Drop),
    ("keep", Kw::Keep),
    ("unwrap", Kw::Unwrap),
];

pub fn keyword_name(kw: Kw) -> &'static str {
    KEYWORDS
        .iter()
        .find(|(_, k)| *k == kw)
        .map_or("?", |(n, _)| n)
}

#[derive(Debug, Clone, Copy)]
pub struct Token {
    pub tok: Tok,
    pub span: Span,
}

/// Splits `src` into tokens; the last one is always `Eof`. Comments (`#`, `//`, `/* */`) are
/// skipped like Loki's scanner skips them.
pub fn lex(src: &str) -> Vec<Token> {
    let mut lx = Lexer {
        src,
        b: src.as_bytes(),
        pos: 0,
    };
    let mut out = Vec::with_capacity(src.len() / 3 + 2);
    loop {
        let t = lx.next();
        out.push(t);
        if t.tok == Tok::Eof {
            return out;
        }
    }
}

struct Lexer<'a> {
    src: &'a str,
    b: &'a [u8],
    pos: usize,
}

impl Lexer<'_> {
    fn peek_at(&self, i: usize) -> u8 {
        self.b.get(self.pos + i).copied().unwrap_or(0)
    }

    fn skip_trivia(&mut self) {
        loop {
            match (self.peek_at(0), self.peek_at(1)) {
                (b' ' | b'\t' | b'\n' | b'\r', _) => self.pos += 1,
                (b'#', _) | (b'/', b'/') => {
                    while self.pos < self.b.len() && self.b[self.pos] != b'\n' {
                        self.pos += 1;
                    }
                }
                (b'/', b'*') => match self.src[self.pos + 2..].find("*/") {
                    Some(i) => self.pos += i + 4,
                    None => self.pos = self.b.len(),
                },
                _ => return,
            }
        }
    }

    fn next(&mut self) -> Token {
        self.skip_trivia();
        let start = self.pos;
        let tok = self.scan();
        Token {
            tok,
            span: Span::new(start, self.pos),
        }
    }

    fn scan(&mut self) -> Tok {
        let Some(c) = self.src[self.pos..].chars().next() else {
            return Tok::Eof;
        };
        if c == '_' || c.is_alphabetic() {
            return self.ident();
        }
        if c.is_ascii_digit() || (c == '.' && self.peek_at(1).is_ascii_digit()) {
            return self.number();
        }
        self.pos += c.len_utf8();
        match c {
            '"' => self.string(b'"'),
            '`' => self.raw_string(),
            '\'' => self.single_quoted(),
            '[' => self.range(),
            '-' => self.minus(),
            _ => self.punct(c),
        }
    }

    fn punct(&mut self, c: char) -> Tok {
        let next = self.peek_at(0);
        let (tok, extra) = match (c, next) {
            ('{', _) => (Tok::LBrace, 0),
            ('}', _) => (Tok::RBrace, 0),
            ('(', _) => (Tok::LParen, 0),
            (')', _) => (Tok::RParen, 0),
            (',', _) => (Tok::Comma, 0),
            ('.', _) => (Tok::Dot, 0),
            ('=', b'~') => (Tok::Re, 1),
            ('=', b'=') => (Tok::CmpEq, 1),
            ('=', _) => (Tok::Eq, 0),
            ('!', b'=') => (Tok::Neq, 1),
            ('!', b'~') => (Tok::Nre, 1),
            ('!', b'>') => (Tok::Npa, 1),
            ('|', b'=') => (Tok::PipeExact, 1),
            ('|', b'~') => (Tok::PipeMatch, 1),
            ('|', b'>') => (Tok::PipePattern, 1),
            ('|', _) => (Tok::Pipe, 0),
            ('>', b'=') => (Tok::Gte, 1),
            ('>', _) => (Tok::Gt, 0),
            ('<', b'=') => (Tok::Lte, 1),
            ('<', _) => (Tok::Lt, 0),
            ('+', _) => (Tok::Add, 0),
            ('*', _) => (Tok::Mul, 0),
            ('/', _) => (Tok::Div, 0),
            ('%', _) => (Tok::Mod, 0),
            ('^', _) => (Tok::Pow, 0),
            _ => (Tok::Illegal, 0),
        };
        self.pos += extra;
        tok
    }

    fn ident(&mut self) -> Tok {
        let start = self.pos;
        let len = self.src[start..]
            .char_indices()
            .find(|&(_, c)| !(c == '_' || c.is_alphanumeric()))
            .map_or(self.src.len() - start, |(i, _)| i);
        self.pos += len;
        let word = &self.src[start..self.pos];
        KEYWORDS
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(word))
            .map_or(Tok::Ident, |(_, kw)| Tok::Kw(*kw))
    }

    /// A number, or a duration (`5m`, `1.5h`) or byte size (`10KB`) glued to it.
    fn number(&mut self) -> Tok {
        let start = self.pos;
        let numeric = numeric_prefix(&self.src[start..]);
        self.pos = start + numeric;
        let rest = &self.src[self.pos..];
        // Loki tries the glued unit text as a duration, then as a byte size.
        let glued = glued_len(rest, is_duration_char);
        if glued > 0 && Duration::parse_loki(&self.src[start..self.pos + glued]).is_some() {
            self.pos += glued;
            return Tok::Duration;
        }
        let glued = glued_len(rest, is_bytes_char);
        if glued > 0 && Bytes::parse(&self.src[start..self.pos + glued]).is_some() {
            self.pos += glued;
            return Tok::Bytes;
        }
        Tok::Number
    }

    fn minus(&mut self) -> Tok {
        let rest = &self.src[self.pos..];
        if rest.starts_with('-') {
            let len = rest
                .bytes()
                .take_while(|b| b.is_ascii_alphabetic() || *b == b'-')
                .count();
            if matches!(&rest[..len], "-strict" | "-keep-empty") {
                self.pos += len;
                return Tok::Flag;
            }
        }
        let glued = glued_len(rest, is_duration_char);
        if glued > 0 && Duration::parse_loki(&self.src[self.pos - 1..self.pos + glued]).is_some() {
            self.pos += glued;
            return Tok::Duration;
        }
        Tok::Sub
    }

    fn string(&mut self, quote: u8) -> Tok {
        while self.pos < self.b.len() {
            match self.b[self.pos] {
                b'\\' => self.pos += 2,
                b'\n' => return Tok::Illegal,
                c if c == quote => {
                    self.pos += 1;
                    return Tok::Str;
                }
                _ => self.pos += 1,
            }
        }
        self.pos = self.b.len();
        Tok::Illegal
    }

    fn raw_string(&mut self) -> Tok {
        match self.src[self.pos..].find('`') {
            Some(i) => {
                self.pos += i + 1;
                Tok::Str
            }
            None => {
                self.pos = self.b.len();
                Tok::Illegal
            }
        }
    }

    fn single_quoted(&mut self) -> Tok {
        match self.string(b'\'') {
            Tok::Str => Tok::SingleQuoted,
            t => t,
        }
    }

    fn range(&mut self) -> Tok {
        match self.src[self.pos..].find(']') {
            Some(i) => {
                self.pos += i + 1;
                Tok::Range
            }
            None => {
                self.pos = self.b.len();
                Tok::Illegal
            }
        }
    }
}

/// Length of the leading part of a number token that Go's scanner reads as a number.
fn numeric_prefix(text: &str) -> usize {
    let b = text.as_bytes();
    if b.len() > 1 && b[0] == b'0' && matches!(b[1], b'x' | b'X') {
        return 2 + b[2..].iter().take_while(|c| c.is_ascii_hexdigit()).count();
    }
    let mut i = b
        .iter()
        .take_while(|c| c.is_ascii_digit() || **c == b'_')
        .count();
    if b.get(i) == Some(&b'.') {
        i += 1;
        i += b[i..]
            .iter()
            .take_while(|c| c.is_ascii_digit() || **c == b'_')
            .count();
    }
    if matches!(b.get(i), Some(b'e' | b'E')) {
        let mut j = i + 1;
        if matches!(b.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        let digits = b[j..].iter().take_while(|c| c.is_ascii_digit()).count();
        if digits > 0 {
            i = j + digits;
        }
    }
    i
}

/// Length of the run of `accept` characters (or digits and dots) up to a space, as Loki scans it.
fn glued_len(rest: &str, accept: fn(char) -> bool) -> usize {
    rest.char_indices()
        .find(|&(_, c)| !(c.is_ascii_digit() || c == '.' || accept(c)))
        .map_or(rest.len(), |(i, _)| i)
}

fn is_duration_char(c: char) -> bool {
    matches!(c, 'n' | 'u' | 'µ' | 'm' | 's' | 'h' | 'd' | 'w' | 'y')
}

fn is_bytes_char(c: char) -> bool {
    matches!(c, 'B' | 'i' | 'k' | 'K' | 'M' | 'G' | 'T' | 'P')
}
