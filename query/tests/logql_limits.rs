//! Pathological LogQL: deep nesting and long chains are handled or refused with a diagnostic,
//! never a stack overflow, on a test thread's small (2 MiB) stack.

use loqui_query::logql::parse;

fn round_trips(src: &str) {
    let parsed = parse(src);
    assert!(parsed.diagnostics.is_empty(), "{:?}", parsed.diagnostics);
    let tree = parsed.tree.expect("tree");
    let again = parse(&tree.to_string());
    assert_eq!(again.tree, Some(tree));
}

fn refused(src: &str, message: &str) {
    let parsed = parse(src);
    assert!(parsed.tree.is_none(), "{src:.80}");
    assert!(
        parsed.diagnostics[0].message.contains(message),
        "{:?}",
        parsed.diagnostics
    );
}

#[test]
fn long_chains_within_the_size_limit_round_trip() {
    round_trips(&format!("1{}", " + 1".repeat(1200)));
    round_trips(&format!(
        "{{a=\"b\"}} | a=\"1\"{}",
        " or a=\"1\"".repeat(400)
    ));
    round_trips(&format!("{{a=\"b\"}}{}", " |= \"x\"".repeat(600)));
}

#[test]
fn nesting_within_the_limit_round_trips() {
    round_trips(&format!("{}1{}", "(".repeat(60), ")".repeat(60)));
    round_trips(&format!(
        "{}rate({{a=\"b\"}}[5m]){}",
        "sum(".repeat(60),
        ")".repeat(60)
    ));
    round_trips(&format!("2{}", "^2".repeat(60)));
}

#[test]
fn deeper_inputs_are_refused_with_a_diagnostic() {
    refused(
        &format!("{}1{}", "(".repeat(2000), ")".repeat(2000)),
        "nests deeper than 64",
    );
    refused(
        &format!(
            "{}rate({{a=\"b\"}}[5m]){}",
            "sum(".repeat(1000),
            ")".repeat(1000)
        ),
        "nests deeper",
    );
    refused(&format!("2{}", "^2".repeat(2000)), "nests deeper");
    refused(
        &format!(
            "{{a=\"b\"}} | {}a=\"1\"{}",
            "(".repeat(2000),
            ")".repeat(2000)
        ),
        "nests deeper",
    );
}

#[test]
fn oversized_inputs_are_refused_before_parsing() {
    refused(&"(".repeat(100_000), "input size too long");
    refused(
        &format!("{{a=\"b\"}}{}", " |= \"x\"".repeat(100_000)),
        "input size too long",
    );
}

#[test]
fn long_fractional_durations_do_not_overflow() {
    // Found by the fuzzer: a 30-digit fraction of an hour overflowed the nanosecond sum.
    let q = format!("{{a=\"b\"}} | logfmt | d > 0.{}h", "7".repeat(40));
    let parsed = parse(&q);
    assert!(parsed.is_valid(), "{:?}", parsed.diagnostics);
    round_trips(&q);
}
