//! loqui's verdicts against the verdicts real Loki and Tempo servers gave on the same queries
//! (see `server_verdicts.txt`): same accept/reject, and the same position for syntax errors.

use loqui_query::{Language, check};

#[test]
fn loqui_agrees_with_the_real_servers() {
    let table = include_str!("server_verdicts.txt");
    let mut disagreements = Vec::new();
    let mut total = 0;
    for line in table
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
    {
        let cols: Vec<&str> = line.splitn(4, '\t').collect();
        let [lang, verdict, position, query] = cols[..] else {
            panic!("malformed verdict line: {line:?}");
        };
        let lang: Language = lang.parse().expect("language column");
        let checked = check(lang, query);
        total += 1;
        let want_valid = verdict == "accept";
        if checked.is_valid() != want_valid {
            disagreements.push(format!(
                "{lang} server says {verdict}, loqui says {:?}: {query}",
                checked.diagnostics
            ));
            continue;
        }
        if position != "-" {
            let got = checked.diagnostics.first().map(|d| {
                let (l, c) = d.line_col(query);
                format!("{l}:{c}")
            });
            if got.as_deref() != Some(position) {
                disagreements.push(format!(
                    "{lang} server points at {position}, loqui at {got:?}: {query}"
                ));
            }
        }
    }
    assert!(
        disagreements.is_empty(),
        "{} of {total} disagree:\n{}",
        disagreements.len(),
        disagreements.join("\n")
    );
}
