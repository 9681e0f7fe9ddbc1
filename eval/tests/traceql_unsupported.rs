//! Constructs the evaluator does not compute are refused by name, never answered wrongly; and
//! the narrowing hints handed to the store are only conditions every match satisfies.

mod traceql_support;

use std::cell::RefCell;
use std::sync::Arc;

use loqui_core::{ErrorCode, Span};
use loqui_eval::traceql::{
    Condition, EvalError, Limits, TraceInput, TraceSelection, VecTraceInput, metrics_range, search,
    search_limited,
};
use loqui_query::traceql::{BinaryOp, CmpOp, Field, Intrinsic, Static, Status};
use traceql_support::*;

fn search_err(q: &str) -> EvalError {
    let input = VecTraceInput::from_spans(vec![span(1, 1, None)]);
    search(&parse(q), &input, wide(), 10, 3).unwrap_err()
}

fn metrics_err(q: &str) -> EvalError {
    let input = VecTraceInput::from_spans(vec![span(1, 1, None)]);
    metrics_range(&parse(q), &input, wide(), 60_000_000_000).unwrap_err()
}

fn assert_unsupported(e: EvalError, names: &str) {
    assert_eq!(e.code(), ErrorCode::NotImplemented, "{e}");
    let text = e.to_string();
    assert!(text.contains(names), "`{text}` should name `{names}`");
    assert!(text.contains("not supported"), "{text}");
}

#[test]
fn fields_without_data_in_the_span_model_are_refused() {
    assert_unsupported(search_err(r#"{ link:traceID = "a" }"#), "link");
    assert_unsupported(search_err(r#"{ link.foo = "a" }"#), "link.");
    assert_unsupported(
        search_err(r#"{ instrumentation:name = "a" }"#),
        "instrumentation",
    );
    assert_unsupported(
        search_err(r#"{ instrumentation.foo = "a" }"#),
        "instrumentation.",
    );
    assert_unsupported(search_err("{ nestedSetLeft > 1 }"), "nested set");
    assert_unsupported(search_err(r#"{ } | select(link.foo)"#), "link.");
}

#[test]
fn compare_is_refused() {
    assert_unsupported(
        metrics_err("{ } | compare({ status = error })"),
        "compare()",
    );
}

#[test]
fn a_query_of_the_wrong_kind_is_a_bad_request() {
    let e = metrics_err("{ status = error }");
    assert_eq!(e.code(), ErrorCode::BadRequest);
    assert!(e.to_string().contains("not a metrics query"), "{e}");
    let e = search_err("{ } | rate()");
    assert_eq!(e.code(), ErrorCode::BadRequest);
}

#[test]
fn scanning_more_traces_than_allowed_is_an_error() {
    let input = VecTraceInput::from_spans((1..=5).map(|t| span(t, 1, None)));
    let limits = Limits {
        max_traces_scanned: 3,
        max_series: 10,
    };
    let e = search_limited(&parse("{ }"), &input, wide(), 10, 3, &limits).unwrap_err();
    assert_eq!(
        e,
        EvalError::LimitExceeded {
            what: "traces scanned",
            limit: 3
        }
    );
    assert_eq!(e.code(), ErrorCode::LimitExceeded);
}

/// Records the selection the evaluator asks for and hands in every trace anyway.
struct Recording(VecTraceInput, RefCell<Vec<TraceSelection>>);

impl TraceInput for Recording {
    fn traces(
        &self,
        sel: &TraceSelection,
    ) -> Result<Box<dyn Iterator<Item = Arc<[Span]>> + '_>, EvalError> {
        self.1.borrow_mut().push(sel.clone());
        self.0.traces(sel)
    }
}

fn hints(q: &str) -> Vec<Condition> {
    let rec = Recording(
        VecTraceInput::from_spans(vec![span(1, 1, None)]),
        RefCell::new(Vec::new()),
    );
    let expr = parse(q);
    if q.contains("rate()") {
        metrics_range(&expr, &rec, wide(), 60_000_000_000).unwrap();
    } else {
        search(&expr, &rec, wide(), 10, 3).unwrap();
    }
    rec.1.into_inner().pop().unwrap().conditions
}

fn status_error() -> Condition {
    Condition {
        field: Field::Intrinsic(Intrinsic::Status),
        op: BinaryOp::Cmp(CmpOp::Eq),
        value: Static::Status(Status::Error),
    }
}

#[test]
fn hints_are_the_conditions_every_match_needs() {
    let svc = |q: &str| {
        hints(q)
            .iter()
            .map(|c| format!("{:?} {:?}", c.op, c.value))
            .collect::<Vec<_>>()
    };
    assert_eq!(hints("{ status = error }"), vec![status_error()]);
    assert_eq!(
        svc(r#"{ resource.service.name = "a" && duration > 1s }"#).len(),
        2
    );
    assert_eq!(
        hints(r#"{ resource.service.name = "a" } >> { status = error }"#).len(),
        2
    );
    // The right side of a negated structural operator must match; the left need not exist.
    assert_eq!(
        hints(r#"{ resource.service.name = "a" } !>> { status = error }"#),
        vec![status_error()]
    );
    // Nothing is certain under || or !.
    assert!(hints("{ status = error || duration > 1s }").is_empty());
    assert!(hints("{ status = error } || { duration > 1s }").is_empty());
    assert!(hints("{ !(status = error) }").is_empty());
    assert_eq!(hints("{ status = error } | rate()"), vec![status_error()]);
    assert_eq!(
        hints("{ } | by(name) | { status = error } | count() > 2"),
        vec![status_error()]
    );
}

#[test]
fn trace_id_hint_is_normalized() {
    let rec = Recording(VecTraceInput::default(), RefCell::new(Vec::new()));
    search(&parse(r#"{ trace:id = "61CE69" }"#), &rec, wide(), 10, 3).unwrap();
    let sel = rec.1.into_inner().pop().unwrap();
    assert_eq!(
        sel.trace_id().as_deref(),
        Some("0000000000000000000000000061ce69")
    );
}

#[test]
fn unsupported_fields_in_metrics_and_duration_filters_are_refused() {
    assert_unsupported(metrics_err("{ } | rate() by (link.foo)"), "link.");
    assert_unsupported(
        metrics_err("{ } | avg_over_time(instrumentation:name)"),
        "instrumentation",
    );
    assert_unsupported(
        metrics_err("{ } | quantile_over_time(duration, 0.9) > 1s"),
        "a metrics filter against a duration",
    );
}
