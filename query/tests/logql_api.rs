//! The helpers later loqui code relies on: selector access, metric detection, diagnostics.

use loqui_query::logql::{self, Expr, MatchOp, Matcher, MetricExpr, RangeOp};

#[test]
fn log_query_helpers() {
    let tree = logql::parse(r#"{app="api", env=~"prod|stage"} |= "error""#)
        .into_result()
        .unwrap();
    assert!(!tree.is_metric());
    let logs = tree.log_exprs();
    assert_eq!(logs.len(), 1);
    assert_eq!(logs[0].selector_value("app"), Some("api"));
    assert_eq!(logs[0].selector_value("env"), None);
    assert_eq!(
        logs[0].matchers()[1],
        Matcher::new("env", MatchOp::Re, "prod|stage")
    );
    assert!(logs[0].has_pipeline());
}

#[test]
fn metric_query_helpers() {
    let tree = logql::parse(r#"sum(rate({a="1"}[5m])) / sum(rate({b="2"}[5m]))"#)
        .into_result()
        .unwrap();
    assert!(tree.is_metric());
    let names: Vec<_> = tree
        .log_exprs()
        .iter()
        .map(|l| l.selector[0].name.clone())
        .collect();
    assert_eq!(names, ["a", "b"]);
    let Expr::Metric(MetricExpr::Binary(bin)) = &tree else {
        panic!("binary expected")
    };
    let MetricExpr::Vector(sum) = &bin.lhs else {
        panic!("sum expected")
    };
    let MetricExpr::Range(rate) = sum.expr.as_ref() else {
        panic!("rate expected")
    };
    assert_eq!(rate.op, RangeOp::Rate);
    assert_eq!(rate.range.range.nanos(), 300_000_000_000);
}

#[test]
fn checks_keep_the_tree_but_syntax_errors_do_not() {
    let checked = logql::parse(r#"rate({a="1"}[5m]) by (pod)"#);
    assert!(checked.tree.is_some());
    assert_eq!(checked.diagnostics.len(), 1);
    let broken = logql::parse(r#"rate({a="1"}"#);
    assert!(broken.tree.is_none());
    assert_eq!(broken.diagnostics.len(), 1);
}

#[test]
fn overlong_queries_are_refused_like_loki() {
    let long = format!(r#"{{app="api"}} |= "{}""#, "x".repeat(5200));
    let parsed = logql::parse(&long);
    assert!(
        parsed.diagnostics[0]
            .message
            .starts_with("input size too long")
    );
}
