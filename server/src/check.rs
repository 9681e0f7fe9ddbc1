//! `loqui check logql|traceql [QUERY] [--jsonl]`.

use std::io::{self, BufRead, Read, Write};
use std::process::ExitCode;

use anyhow::Context;
use clap::Args;
use loqui_query::{Checked, Language};
use serde::{Deserialize, Serialize};

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The query language: logql or traceql.
    language: Language,
    /// The query; read from standard input when absent.
    query: Option<String>,
    /// Read `{"query": "..."}` lines from standard input and write one verdict line per query.
    #[arg(long, conflicts_with = "query")]
    jsonl: bool,
}

pub fn run(args: CheckArgs) -> anyhow::Result<ExitCode> {
    let stdout = io::stdout();
    let mut out = stdout.lock();
    if args.jsonl {
        let all_valid = check_jsonl(args.language, io::stdin().lock(), &mut out)?;
        return Ok(if all_valid {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        });
    }
    let query = match args.query {
        Some(q) => q,
        None => {
            let mut buf = String::new();
            io::stdin()
                .read_to_string(&mut buf)
                .context("reading the query from standard input")?;
            buf.trim_end_matches(['\n', '\r']).to_owned()
        }
    };
    let checked = loqui_query::check(args.language, &query);
    write_verdict(&mut out, args.language, &query, &checked)?;
    Ok(if checked.is_valid() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn write_verdict(
    out: &mut impl Write,
    lang: Language,
    query: &str,
    checked: &Checked,
) -> io::Result<()> {
    if let (true, Some(canonical)) = (checked.is_valid(), &checked.canonical) {
        writeln!(out, "valid {lang}: {canonical}")?;
        for w in &checked.warnings {
            write!(out, "{}", w.render_warning(query))?;
        }
        return Ok(());
    }
    if checked.diagnostics.is_empty() {
        return writeln!(out, "invalid {lang}: the query could not be parsed");
    }
    writeln!(out, "invalid {lang}:")?;
    for d in &checked.diagnostics {
        write!(out, "{}", d.render(query))?;
    }
    Ok(())
}

#[derive(Deserialize)]
struct JsonlIn {
    query: String,
}

#[derive(Serialize)]
struct JsonlOut<'a> {
    query: Option<&'a str>,
    valid: bool,
    error: Option<String>,
}

/// Checks each `{"query": ...}` line; a line that is not such an object gets a verdict line of
/// its own saying so, and the run goes on. Returns whether every query was valid.
fn check_jsonl(lang: Language, input: impl BufRead, out: &mut impl Write) -> anyhow::Result<bool> {
    let mut all_valid = true;
    for (n, line) in input.lines().enumerate() {
        let line = line.context("reading standard input")?;
        if line.trim().is_empty() {
            continue;
        }
        let verdict = match serde_json::from_str::<JsonlIn>(&line) {
            Ok(JsonlIn { query }) => {
                let checked = loqui_query::check(lang, &query);
                let error = first_error(&query, &checked);
                all_valid &= error.is_none();
                serde_json::to_string(&JsonlOut {
                    query: Some(&query),
                    valid: error.is_none(),
                    error,
                })?
            }
            Err(e) => {
                all_valid = false;
                let error = format!(
                    "input line {}: expected a JSON object like {{\"query\": \"...\"}}: {e}",
                    n + 1
                );
                serde_json::to_string(&JsonlOut {
                    query: None,
                    valid: false,
                    error: Some(error),
                })?
            }
        };
        writeln!(out, "{verdict}")?;
    }
    Ok(all_valid)
}

fn first_error(query: &str, checked: &Checked) -> Option<String> {
    if checked.is_valid() {
        return None;
    }
    Some(match checked.diagnostics.first() {
        Some(d) => d.to_line(query),
        None => "the query could not be parsed".to_owned(),
    })
}
