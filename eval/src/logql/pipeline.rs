//! A compiled log pipeline: the selector's matchers and the stages, run over one entry at a
//! time. Line filters that come before any other stage run on the stored line before anything
//! is allocated.

use std::borrow::Cow;

use loqui_core::Labels;
use loqui_query::logql::{LogExpr, NamedMatcher, Stage};

use super::EvalError;
use super::filters::{CompiledLineFilter, LabelMatcher, compile_matchers};
use super::input::Entry;
use super::label_filter::CompiledLabelFilter;
use super::labels::{ERR_TEMPLATE, ERROR_DETAILS_LABEL, ERROR_LABEL, LabelsBuilder};
use super::parsers::ParserStage;
use super::template::Template;

#[derive(Debug)]
enum CompiledStage {
    Line(CompiledLineFilter),
    Parser(ParserStage),
    Labels(CompiledLabelFilter),
    LineFormat(Template),
    LabelFormat(Vec<(String, Format)>),
    Decolorize,
    Drop(Vec<NameOrMatcher>),
    Keep(Vec<NameOrMatcher>),
}

#[derive(Debug)]
enum Format {
    Rename(String),
    Template(Template),
}

#[derive(Debug)]
enum NameOrMatcher {
    Name(String),
    Matcher(LabelMatcher),
}

impl NameOrMatcher {
    fn name(&self) -> &str {
        match self {
            NameOrMatcher::Name(n) => n,
            NameOrMatcher::Matcher(m) => &m.name,
        }
    }

    /// Whether this item selects the label `name` with value `value`.
    fn selects(&self, name: &str, value: &str) -> bool {
        match self {
            NameOrMatcher::Name(n) => n == name,
            NameOrMatcher::Matcher(m) => m.name == name && m.matches(Some(value)),
        }
    }
}

/// The result of running an entry through the pipeline.
pub(crate) struct Processed<'e> {
    pub line: Cow<'e, str>,
    pub labels: LabelsBuilder<'e>,
}

#[derive(Debug)]
pub(crate) struct Pipeline {
    matchers: Vec<LabelMatcher>,
    /// Line filters that run before anything else.
    prefilters: Vec<CompiledLineFilter>,
    stages: Vec<CompiledStage>,
}

impl Pipeline {
    pub fn new(expr: &LogExpr) -> Result<Pipeline, EvalError> {
        let mut prefilters = Vec::new();
        let mut stages = Vec::new();
        for stage in &expr.pipeline {
            let compiled = compile_stage(stage)?;
            match compiled {
                CompiledStage::Line(f) if stages.is_empty() => prefilters.push(f),
                other => stages.push(other),
            }
        }
        Ok(Pipeline {
            matchers: compile_matchers(&expr.selector)?,
            prefilters,
            stages,
        })
    }

    /// The pipeline Loki runs when a query needs no labels at all (`sum(count_over_time(...))`):
    /// its parser hints then skip every parser, so a line a parser cannot read is no error. Only
    /// possible when no stage reads labels; `None` otherwise.
    pub fn without_labels(expr: &LogExpr) -> Result<Option<Pipeline>, EvalError> {
        let needs_labels = expr.pipeline.iter().any(|s| {
            !matches!(
                s,
                Stage::LineFilter(_) | Stage::Parser(_) | Stage::Decolorize
            )
        });
        if needs_labels {
            return Ok(None);
        }
        let stages = LogExpr {
            selector: expr.selector.clone(),
            pipeline: expr
                .pipeline
                .iter()
                .filter(|s| !matches!(s, Stage::Parser(_)))
                .cloned()
                .collect(),
        };
        Pipeline::new(&stages).map(Some)
    }

    /// Whether the stream labels satisfy the selector.
    pub fn selects(&self, stream: &Labels) -> bool {
        self.matchers
            .iter()
            .all(|m| m.matches(stream.get(&m.name).map(String::as_str)))
    }

    /// Runs one entry; `None` when the selector or a stage drops it.
    pub fn process<'e>(&self, e: &'e Entry) -> Result<Option<Processed<'e>>, EvalError> {
        if !self.selects(&e.labels) || !self.prefilters.iter().all(|f| f.keep(&e.line)) {
            return Ok(None);
        }
        let mut line = Cow::Borrowed(e.line.as_str());
        let mut lbs = LabelsBuilder::new(&e.labels, &e.metadata);
        for stage in &self.stages {
            if !run_stage(stage, e.ts_ns, &mut line, &mut lbs)? {
                return Ok(None);
            }
        }
        Ok(Some(Processed { line, labels: lbs }))
    }
}

fn compile_stage(stage: &Stage) -> Result<CompiledStage, EvalError> {
    Ok(match stage {
        Stage::LineFilter(f) => CompiledStage::Line(CompiledLineFilter::new(f)?),
        Stage::Parser(p) => CompiledStage::Parser(ParserStage::new(p)?),
        Stage::LabelFilter(f) => CompiledStage::Labels(CompiledLabelFilter::new(f)?),
        Stage::LineFormat(t) => CompiledStage::LineFormat(Template::parse(t)?),
        Stage::LabelFormat(items) => CompiledStage::LabelFormat(
            items
                .iter()
                .map(|f| match f {
                    loqui_query::logql::LabelFormat::Rename { dst, src } => {
                        Ok((dst.clone(), Format::Rename(src.clone())))
                    }
                    loqui_query::logql::LabelFormat::Template { dst, template } => {
                        Ok((dst.clone(), Format::Template(Template::parse(template)?)))
                    }
                })
                .collect::<Result<_, EvalError>>()?,
        ),
        Stage::Decolorize => CompiledStage::Decolorize,
        Stage::Drop(items) => CompiledStage::Drop(named(items)?),
        Stage::Keep(items) => CompiledStage::Keep(named(items)?),
    })
}

fn named(items: &[NamedMatcher]) -> Result<Vec<NameOrMatcher>, EvalError> {
    items
        .iter()
        .map(|i| match i {
            NamedMatcher::Name(n) => Ok(NameOrMatcher::Name(n.clone())),
            NamedMatcher::Matcher(m) => Ok(NameOrMatcher::Matcher(LabelMatcher::new(m)?)),
        })
        .collect()
}

/// Runs one stage; false when it drops the entry.
fn run_stage<'e>(
    stage: &CompiledStage,
    ts_ns: i64,
    line: &mut Cow<'e, str>,
    lbs: &mut LabelsBuilder<'e>,
) -> Result<bool, EvalError> {
    match stage {
        CompiledStage::Line(f) => return Ok(f.keep(line)),
        CompiledStage::Parser(p) => p.apply(line, lbs),
        CompiledStage::Labels(f) => return Ok(f.keep(lbs)),
        CompiledStage::LineFormat(t) => match t.render(line, ts_ns, lbs) {
            Ok(out) => *line = Cow::Owned(out),
            Err(details) => lbs.set_err(ERR_TEMPLATE, &details),
        },
        CompiledStage::LabelFormat(formats) => label_format(formats, ts_ns, line, lbs),
        CompiledStage::Decolorize => {
            if line.contains('\u{1b}') {
                *line = Cow::Owned(decolorize(line));
            }
        }
        CompiledStage::Drop(items) => drop_labels(items, lbs),
        CompiledStage::Keep(items) => keep_labels(items, lbs),
    }
    Ok(true)
}

/// Every template sees the labels as they were before this stage, as in Loki.
fn label_format(formats: &[(String, Format)], ts_ns: i64, line: &str, lbs: &mut LabelsBuilder<'_>) {
    let mut results = Vec::with_capacity(formats.len());
    for (_, f) in formats {
        results.push(match f {
            // Renaming a label that is absent does nothing, as in Loki.
            Format::Rename(src) => lbs.get(src).map(str::to_owned).ok_or_else(String::new),
            Format::Template(t) => t.render(line, ts_ns, lbs),
        });
    }
    for ((dst, f), value) in formats.iter().zip(results) {
        match value {
            Err(details) if details.is_empty() => {}
            Ok(value) => {
                if let Format::Rename(src) = f {
                    lbs.delete(src);
                }
                lbs.set(dst, &value);
            }
            Err(details) => lbs.set_err(ERR_TEMPLATE, &details),
        }
    }
}

fn drop_labels(items: &[NameOrMatcher], lbs: &mut LabelsBuilder<'_>) {
    for item in items {
        let name = item.name();
        if let Some(v) = lbs.get(name) {
            if item.selects(name, v) {
                lbs.delete(name);
            }
        }
    }
}

fn keep_labels(items: &[NameOrMatcher], lbs: &mut LabelsBuilder<'_>) {
    for name in lbs.names() {
        if name == ERROR_LABEL || name == ERROR_DETAILS_LABEL {
            continue;
        }
        let v = lbs.get(&name).unwrap_or("").to_owned();
        if !items.iter().any(|i| i.selects(&name, &v)) {
            lbs.delete(&name);
        }
    }
}

/// Removes ANSI colour sequences (`ESC [ ... m`).
fn decolorize(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(i) = rest.find('\u{1b}') {
        out.push_str(&rest[..i]);
        let tail = &rest[i + 1..];
        match tail.strip_prefix('[') {
            Some(seq) => {
                let end = seq.find(|c: char| !(c.is_ascii_digit() || c == ';'));
                match end {
                    Some(e) if seq[e..].starts_with('m') => rest = &seq[e + 1..],
                    _ => rest = tail,
                }
            }
            None => rest = tail,
        }
    }
    out.push_str(rest);
    out
}
