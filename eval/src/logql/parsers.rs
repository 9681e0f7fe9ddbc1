//! The parser stages: `json`, `logfmt`, `regexp`, `pattern` and `unpack`. Each adds labels to the
//! entry (renamed `x_extracted` when `x` is a stream label or structured metadata) and records
//! `__error__` when the line cannot be read, keeping the line, as Loki does.

use std::borrow::Cow;

use loqui_query::logql::{Extraction, Parser};
use regex::Regex;

use super::EvalError;
use super::filters::compile_regex;
use super::json::{self, JVal, PathStep};
use super::labels::{ERR_JSON, ERR_LOGFMT, LabelsBuilder, parsed_name, sanitize_label_key};
use super::logfmt::Decoder;
use super::pattern::Pattern;

#[derive(Debug, Clone)]
pub(crate) enum ParserStage {
    Json,
    JsonPaths(Vec<(String, Vec<PathStep>)>),
    Logfmt { strict: bool, keep_empty: bool },
    LogfmtFields(Vec<(String, String)>),
    Regexp(Regex, Vec<(usize, String)>),
    Pattern(Pattern),
    Unpack,
}

impl ParserStage {
    pub fn new(p: &Parser) -> Result<ParserStage, EvalError> {
        Ok(match p {
            Parser::Json(ex) if ex.is_empty() => ParserStage::Json,
            Parser::Json(ex) => ParserStage::JsonPaths(json_paths(ex)?),
            Parser::Logfmt {
                strict,
                keep_empty,
                params,
            } if params.is_empty() => ParserStage::Logfmt {
                strict: *strict,
                keep_empty: *keep_empty,
            },
            Parser::Logfmt { params, .. } => ParserStage::LogfmtFields(
                params
                    .iter()
                    .map(|e| {
                        (
                            e.label.clone(),
                            e.expr.clone().unwrap_or_else(|| e.label.clone()),
                        )
                    })
                    .collect(),
            ),
            Parser::Regexp(re) => regexp(re)?,
            Parser::Pattern(src) => {
                let p = Pattern::parse(src)?;
                if !p.has_named() {
                    return Err(EvalError::BadQuery(format!(
                        "pattern `{src}` needs at least one named capture"
                    )));
                }
                ParserStage::Pattern(p)
            }
            Parser::Unpack => ParserStage::Unpack,
        })
    }

    /// Adds what the line holds to `lbs`; `unpack` may replace the line.
    pub fn apply(&self, line: &mut Cow<'_, str>, lbs: &mut LabelsBuilder<'_>) {
        match self {
            ParserStage::Json => parse_json(line, lbs),
            ParserStage::JsonPaths(paths) => json_fields(line, paths, lbs),
            ParserStage::Logfmt { strict, keep_empty } => logfmt(line, *strict, *keep_empty, lbs),
            ParserStage::LogfmtFields(fields) => logfmt_fields(line, fields, lbs),
            ParserStage::Regexp(re, names) => {
                if let Some(caps) = re.captures(line) {
                    for (i, name) in names {
                        let v = caps.get(*i).map_or("", |m| m.as_str());
                        let key = parsed_name(lbs, sanitize_label_key(name, true));
                        lbs.set(&key, v);
                    }
                }
            }
            ParserStage::Pattern(p) => {
                for (name, v) in p.captures(line) {
                    let key = parsed_name(lbs, name.to_owned());
                    lbs.set(&key, v);
                }
            }
            ParserStage::Unpack => unpack(line, lbs),
        }
    }
}

fn json_paths(ex: &[Extraction]) -> Result<Vec<(String, Vec<PathStep>)>, EvalError> {
    ex.iter()
        .map(|e| {
            let src = e.expr.as_deref().unwrap_or(&e.label);
            let path = json::parse_path(src).ok_or_else(|| {
                EvalError::BadQuery(format!("cannot parse json expression `{src}`"))
            })?;
            Ok((e.label.clone(), path))
        })
        .collect()
}

fn regexp(re: &str) -> Result<ParserStage, EvalError> {
    let compiled = compile_regex(re, re)?;
    let names: Vec<(usize, String)> = compiled
        .capture_names()
        .enumerate()
        .filter_map(|(i, n)| n.map(|n| (i, n.to_owned())))
        .collect();
    if names.is_empty() {
        return Err(EvalError::BadQuery(format!(
            "regexp `{re}` needs at least one named capture"
        )));
    }
    Ok(ParserStage::Regexp(compiled, names))
}

fn parse_json(line: &str, lbs: &mut LabelsBuilder<'_>) {
    match json::parse(line) {
        Ok(JVal::Obj(fields, _)) => flatten(&fields, "", lbs),
        Ok(_) => lbs.set_err(ERR_JSON, "expecting json object, but it is not"),
        Err(e) => lbs.set_err(ERR_JSON, &e),
    }
}

/// Nested objects become `outer_inner`; arrays and nulls are skipped, as in Loki. A top-level
/// field is named with `sanitizeLabelKey`, nested parts byte by byte (`appendSanitized`).
fn flatten(fields: &[(Cow<'_, str>, JVal<'_>)], prefix: &str, lbs: &mut LabelsBuilder<'_>) {
    for (key, value) in fields {
        match value {
            JVal::Str(_) | JVal::Num(_) | JVal::Bool(_) => {
                let name = if prefix.is_empty() {
                    sanitize_label_key(key, true)
                } else {
                    format!("{prefix}_{}", sanitize_bytes(key))
                };
                let name = parsed_name(lbs, name);
                lbs.set(&name, &value.text());
            }
            JVal::Obj(inner, _) if prefix.is_empty() => flatten(inner, &sanitize_bytes(key), lbs),
            JVal::Obj(inner, _) => {
                flatten(inner, &format!("{prefix}_{}", sanitize_bytes(key)), lbs)
            }
            JVal::Null | JVal::Arr(..) => {}
        }
    }
}

/// Loki's `appendSanitized`: every byte outside `[a-zA-Z0-9]` becomes `_`.
fn sanitize_bytes(key: &str) -> String {
    key.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() {
                b as char
            } else {
                '_'
            }
        })
        .collect()
}

fn json_fields(line: &str, paths: &[(String, Vec<PathStep>)], lbs: &mut LabelsBuilder<'_>) {
    if line.is_empty() {
        return;
    }
    // Like Loki: a line that cannot start a JSON value gets the error and no labels.
    if !matches!(line.as_bytes()[0], b'{' | b'[' | b'"') {
        return lbs.set_err(ERR_JSON, "");
    }
    let parsed = json::parse(line);
    if let Err(e) = &parsed {
        lbs.set_err(ERR_JSON, e);
    }
    for (label, path) in paths {
        let value = parsed.as_ref().ok().and_then(|v| json::lookup(v, path));
        let key = parsed_name(lbs, label.clone());
        lbs.set(&key, &value.map(JVal::text).unwrap_or_default());
    }
}

fn logfmt(line: &str, strict: bool, keep_empty: bool, lbs: &mut LabelsBuilder<'_>) {
    let mut dec = Decoder::new(line);
    while !dec.eol() {
        if !dec.scan() {
            if strict && dec.err.is_some() {
                break;
            }
            continue;
        }
        let Some(key) = dec.key else { continue };
        let name = sanitize_label_key(key, true);
        if name.is_empty() {
            continue;
        }
        let value = dec.value.as_deref().unwrap_or("");
        if value.is_empty() && !keep_empty {
            continue;
        }
        let name = parsed_name(lbs, name);
        lbs.set(&name, value);
    }
    if strict {
        if let Some(err) = dec.err {
            lbs.set_err(ERR_LOGFMT, &err);
        }
    }
}

fn logfmt_fields(line: &str, fields: &[(String, String)], lbs: &mut LabelsBuilder<'_>) {
    for (label, _) in fields {
        if !lbs.base_has(label) {
            lbs.set(label, "");
        }
    }
    let mut dec = Decoder::new(line);
    while !dec.eol() {
        if !dec.scan() {
            continue;
        }
        let Some(key) = dec.key else { continue };
        let key = sanitize_label_key(key, true);
        let value = dec.value.as_deref().unwrap_or("");
        for (label, src) in fields.iter().filter(|(_, src)| *src == key) {
            let _ = src;
            let name = parsed_name(lbs, label.clone());
            lbs.set(&name, value);
        }
    }
}

/// `unpack`: a JSON object of strings becomes labels; `_entry` becomes the line.
fn unpack(line: &mut Cow<'_, str>, lbs: &mut LabelsBuilder<'_>) {
    if line.is_empty() {
        return;
    }
    let fields = match json::parse(line) {
        Ok(JVal::Obj(fields, _)) => fields,
        Ok(_) => return lbs.set_err(ERR_JSON, "expecting json object, but it is not"),
        Err(e) => return lbs.set_err(ERR_JSON, &e),
    };
    let mut entry = None;
    for (key, value) in &fields {
        let JVal::Str(s) = value else { continue };
        if key == "_entry" {
            entry = Some(s.to_string());
            continue;
        }
        let name = parsed_name(lbs, sanitize_label_key(key, true));
        lbs.set(&name, s);
    }
    if let Some(e) = entry {
        *line = Cow::Owned(e);
    }
}
