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
