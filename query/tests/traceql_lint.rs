//! `lint` flags valid-but-suspicious queries without changing what `parse` accepts.

use expect_test::expect;
use loqui_query::traceql::{lint, parse};

fn check(src: &str, want: expect_test::Expect) {
    assert!(parse(src).is_valid(), "lint cases must stay valid: {src}");
    let out: Vec<String> = lint(src).iter().map(|d| d.to_line(src)).collect();
    want.assert_eq(&out.join("\n"));
}

#[test]
fn a_duration_compared_with_a_bare_number() {
    check(
        "{ duration > 2 }",
        expect![
            "line 1, col 14: 2 without a unit means 2 nanoseconds here; hint: add a unit, e.g. 2ms or 2s"
        ],
    );
    check(
        "{ 500 < span:duration }",
        expect![
            "line 1, col 3: 500 without a unit means 500 nanoseconds here; hint: add a unit, e.g. 500ms or 500s"
        ],
    );
}

#[test]
fn nothing_to_say_about_ordinary_queries() {
    check("{ duration > 2s }", expect![""]);
    check("{ span.http.status_code >= 500 }", expect![""]);
    check("{ } | rate() > 2", expect![""]);
}

#[test]
fn invalid_queries_get_no_lints() {
    assert!(lint("{ duration > 2 && 3 }").is_empty());
}
