//! Structural operators on a hand-built tree:
//!
//! ```text
//! 1
//! ├── 2
//! │   ├── 4
//! │   └── 5
//! └── 3
//!     └── 6
//! ```

mod traceql_support;

use loqui_core::Span;
use traceql_support::*;

fn tree() -> Vec<Span> {
    [
        (1, None),
        (2, Some(1)),
        (3, Some(1)),
        (4, Some(2)),
        (5, Some(2)),
        (6, Some(3)),
    ]
    .into_iter()
    .map(|(id, parent)| span(1, id, parent))
    .collect()
}

fn check(q: &str, want: &[u32]) {
    assert_eq!(matched(q, &tree()), ids(want), "{q}");
}

#[test]
fn child_and_parent() {
    check(r#"{ name = "s1" } > { }"#, &[2, 3]);
    check(r#"{ name = "s2" } < { }"#, &[1]);
    check(r#"{ name = "s4" } > { }"#, &[]);
}

#[test]
fn descendant_and_ancestor() {
    check(r#"{ name = "s1" } >> { }"#, &[2, 3, 4, 5, 6]);
    check(r#"{ name = "s4" } << { }"#, &[1, 2]);
    check(r#"{ name = "s2" } >> { name = "s6" }"#, &[]);
}

#[test]
fn sibling() {
    check(r#"{ name = "s4" } ~ { }"#, &[5]);
    check(r#"{ name = "s6" } ~ { }"#, &[]);
}

#[test]
fn negated_forms_keep_right_spans_without_the_relation() {
    check(r#"{ name = "s1" } !> { }"#, &[1, 4, 5, 6]);
    check(r#"{ name = "s4" } !< { }"#, &[1, 3, 4, 5, 6]);
    check(r#"{ name = "s2" } !>> { }"#, &[1, 2, 3, 6]);
    check(r#"{ name = "s4" } !<< { }"#, &[3, 4, 5, 6]);
    check(r#"{ name = "s4" } !~ { }"#, &[1, 2, 3, 4, 6]);
}

#[test]
fn union_forms_keep_both_sides_of_the_relation() {
    check(r#"{ name = "s1" } &> { }"#, &[1, 2, 3]);
    check(r#"{ name = "s2" } &< { }"#, &[1, 2]);
    check(r#"{ name = "s2" } &>> { }"#, &[2, 4, 5]);
    check(r#"{ name = "s6" } &<< { }"#, &[1, 3, 6]);
    check(r#"{ name = "s4" } &~ { }"#, &[4, 5]);
}

#[test]
fn spanset_and_needs_both_sides_and_or_needs_either() {
    check(r#"{ name = "s4" } && { name = "s6" }"#, &[4, 6]);
    check(r#"{ name = "s4" } && { name = "nope" }"#, &[]);
    check(r#"{ name = "s4" } || { name = "nope" }"#, &[4]);
}

#[test]
fn operators_between_pipelines() {
    check(
        r#"({ name =~ "s[23]" } | count() > 1) >> ({ })"#,
        &[4, 5, 6],
    );
    check(r#"({ name =~ "s[23]" } | count() > 2) >> ({ })"#, &[]);
}

#[test]
fn chained_structural_operators() {
    check(r#"{ name = "s1" } > { name = "s2" } > { }"#, &[4, 5]);
}
