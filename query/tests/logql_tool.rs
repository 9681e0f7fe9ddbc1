//! A manual tool, ignored by default: parses every line of the file named by `LOGQL_QUERIES`
//! and prints the verdict, one line per query (used for conformance runs outside the repo).
//!
//! `LOGQL_QUERIES=/path/queries.txt cargo test -p loqui-query --test logql_tool -- --ignored --nocapture`
//!
//! Each input line is `valid<TAB>query` or `invalid<TAB>query` (the expected verdict), or just a
//! query; the output is `agree|DISAGREE<TAB>expected<TAB>query<TAB>canonical or first diagnostic`.

use loqui_query::logql;

#[test]
#[ignore]
fn verdicts() {
    let Ok(path) = std::env::var("LOGQL_QUERIES") else {
        return;
    };
    let text = std::fs::read_to_string(path).expect("queries file");
    let (mut agree, mut total) = (0, 0);
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let (expected, query) = match line.split_once('\t') {
            Some((e @ ("valid" | "invalid"), q)) => (e, q),
            _ => ("?", line),
        };
        let q = query.replace("\\n", "\n");
        let parsed = logql::parse(&q);
        let verdict = if parsed.is_valid() {
            "valid"
        } else {
            "invalid"
        };
        let detail = match (&parsed.tree, parsed.diagnostics.first()) {
            (_, Some(d)) => d.to_line(&q),
            (Some(t), None) => t.to_string(),
            (None, None) => String::new(),
        };
        if expected != "?" {
            total += 1;
            if expected == verdict {
                agree += 1;
            }
        }
        let mark = if expected == verdict || expected == "?" {
            "agree"
        } else {
            "DISAGREE"
        };
        println!("{mark}\t{expected}\t{query}\t{detail}");
    }
    println!("agreement: {agree}/{total}");
}

/// Parsing throughput over the valid golden corpus; a measurement, not a pass/fail check.
///
/// `cargo test --release -p loqui-query --test logql_tool throughput -- --ignored --nocapture`
#[test]
#[ignore]
fn throughput() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/logql/ok");
    let mut queries = Vec::new();
    for entry in std::fs::read_dir(dir).expect("corpus dir") {
        let path = entry.expect("entry").path();
        if path.extension().is_some_and(|e| e == "txt") {
            let text = std::fs::read_to_string(path).expect("corpus file");
            queries.extend(
                text.lines()
                    .filter(|l| !l.is_empty() && !l.starts_with('#'))
                    .map(str::to_owned),
            );
        }
    }
    let bytes: usize = queries.iter().map(String::len).sum();
    let rounds = 300;
    let start = std::time::Instant::now();
    let mut valid = 0usize;
    for _ in 0..rounds {
        for q in &queries {
            valid += usize::from(std::hint::black_box(logql::parse(q)).is_valid());
        }
    }
    let elapsed = start.elapsed();
    let n = (rounds * queries.len()) as f64;
    println!(
        "{} queries (mean {} bytes), {valid} valid parses: {:.0} queries/s, {:.2} us/query",
        queries.len(),
        bytes / queries.len(),
        n / elapsed.as_secs_f64(),
        elapsed.as_secs_f64() * 1e6 / n
    );
}
