//! Golden corpora: `tests/golden/<lang>/ok/*.txt` must parse cleanly, `err/*.txt` must not.
//!
//! Each corpus file holds one query per line (`#` starts a comment line, blank lines are
//! skipped). Next to it, `NAME.expected` records what loqui makes of every query: the canonical
//! text for `ok/`, the diagnostics for `err/`. Run with `UPDATE_EXPECT=1` to rewrite the
//! expectations after a deliberate change, and review the diff.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

use expect_test::expect_file;
use loqui_query::{Diagnostic, Parse, logql, traceql};

fn corpus_files(lang: &str, kind: &str) -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(lang)
        .join(kind);
    let mut files: Vec<PathBuf> = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", dir.display()))
        .map(|entry| entry.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .collect();
    files.sort();
    files
}

fn queries(path: &Path) -> Vec<String> {
    fs::read_to_string(path)
        .expect("corpus file")
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(str::to_owned)
        .collect()
}

fn render_diags(out: &mut String, src: &str, diags: &[Diagnostic]) {
    for d in diags {
        let (line, col) = d.line_col(src);
        let _ = write!(
            out,
            "  !! {line}:{col} [{}..{}] {}",
            d.span.start, d.span.end, d.message
        );
        match &d.hint {
            Some(h) => {
                let _ = writeln!(out, " (hint: {h})");
            }
            None => out.push('\n'),
        }
    }
}

/// Runs one language's corpora; returns the number of ok and err cases.
fn run<T>(lang: &str, parse: fn(&str) -> Parse<T>) -> (usize, usize)
where
    T: std::fmt::Display + std::fmt::Debug + PartialEq,
{
    let mut failures = Vec::new();
    let mut counts = (0, 0);
    for (kind, want_valid) in [("ok", true), ("err", false)] {
        for file in corpus_files(lang, kind) {
            let mut out = String::new();
            for q in queries(&file) {
                let parsed = parse(&q);
                let _ = writeln!(out, "{q}");
                match (&parsed.tree, parsed.diagnostics.is_empty(), want_valid) {
                    (Some(tree), true, true) => {
                        let canonical = tree.to_string();
                        let _ = writeln!(out, "  => {canonical}");
                        let again = parse(&canonical);
                        if again.tree.as_ref() != Some(tree) || !again.diagnostics.is_empty() {
                            failures.push(format!(
                                "{}: canonical text does not round-trip\n  query:     {q}\n  canonical: {canonical}\n  diagnostics: {:?}",
                                file.display(),
                                again.diagnostics
                            ));
                        }
                    }
                    (_, _, true) => {
                        render_diags(&mut out, &q, &parsed.diagnostics);
                        failures.push(format!("{}: expected valid: {q}\n{out}", file.display()));
                    }
                    (_, true, false) => {
                        failures.push(format!("{}: expected an error: {q}", file.display()))
                    }
                    (_, false, false) => render_diags(&mut out, &q, &parsed.diagnostics),
                }
                if want_valid {
                    counts.0 += 1
                } else {
                    counts.1 += 1
                }
            }
            expect_file![file.with_extension("expected")].assert_eq(&out);
        }
    }
    assert!(
        failures.is_empty(),
        "{} golden failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    counts
}

#[test]
fn logql_golden() {
    let (ok, err) = run("logql", logql::parse);
    eprintln!("logql golden corpus: {ok} valid, {err} invalid");
    assert!(
        ok + err >= 300,
        "the LogQL corpus must keep at least 300 queries, found {}",
        ok + err
    );
}

#[test]
fn traceql_golden() {
    let (ok, err) = run("traceql", traceql::parse);
    eprintln!("traceql golden corpus: {ok} valid, {err} invalid");
    assert!(
        ok + err >= 200,
        "the TraceQL corpus must keep at least 200 queries, found {}",
        ok + err
    );
}
