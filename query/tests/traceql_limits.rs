//! Pathological inputs: deep nesting and long operator chains are either handled or refused
//! with a diagnostic, never a stack overflow, on a test thread's small (2 MiB) stack.

use loqui_query::traceql::parse;

fn round_trips(src: &str) {
    let parsed = parse(src);
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    let tree = parsed.tree.expect("tree");
    let again = parse(&tree.to_string());
    assert_eq!(again.tree, Some(tree));
}

fn refused(src: &str, message: &str) {
    let parsed = parse(src);
    assert!(parsed.tree.is_none());
    assert!(
        parsed.diagnostics[0].message.contains(message),
        "{:?}",
        parsed.diagnostics
    );
}

#[test]
fn long_chains_within_the_limit_round_trip() {
    round_trips(&vec!["{ .a }"; 500].join(" && "));
    round_trips(&format!("{{ {} }}", vec![".a = 1"; 250].join(" || ")));
    round_trips(&vec!["{ .a }"; 500].join(" | "));
}

#[test]
fn nesting_within_the_limit_round_trips() {
    round_trips(&format!("{}{{ .a }}{}", "(".repeat(100), ")".repeat(100)));
    round_trips(&format!("{{ {}.a }}", "!".repeat(100)));
    round_trips(&format!("{{ {} = 1 }}", vec!["2"; 100].join(" ^ ")));
}

#[test]
fn deeper_inputs_are_refused_with_a_diagnostic() {
    refused(
        &format!("{}{{ .a }}{}", "(".repeat(100_000), ")".repeat(100_000)),
        "nests too deeply",
    );
    refused(
        &format!("{{ {}true }}", "-".repeat(500)),
        "nests too deeply",
    );
    refused(&vec!["{ .a }"; 600].join(" >> "), "too many operators");
}
