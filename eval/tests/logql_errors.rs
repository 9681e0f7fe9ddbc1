//! What the evaluator refuses, and how it says so.

mod common;

use common::*;
use loqui_core::{Direction, ErrorCode, TimeRange};
use loqui_eval::logql::{EvalError, Limits, VecInput, eval_range, eval_range_with};

fn run(q: &str) -> Result<loqui_core::LogQueryResult, EvalError> {
    let input = VecInput::new(vec![entry(1, &[("app", "a")], "x")]);
    eval_range(
        &expr(q),
        &input,
        TimeRange::from_secs(0, 60),
        10 * S,
        10,
        Direction::Backward,
    )
}

#[test]
fn unsupported_constructs_are_named() {
    let err = run(r#"approx_topk(2, count_over_time({app="a"}[1m]))"#).unwrap_err();
    assert_eq!(err, EvalError::Unsupported("approx_topk".into()));
    assert_eq!(err.code(), ErrorCode::NotImplemented);
    let err = run(r#"{app="a"} | line_format "{{ .x | b64enc }}""#).unwrap_err();
    assert_eq!(
        err,
        EvalError::Unsupported("template function b64enc".into())
    );
    let err = run(r#"{app="a"} | line_format "{{ $x := .a }}""#).unwrap_err();
    assert!(
        matches!(err, EvalError::Unsupported(ref m) if m.contains("variable")),
        "{err}"
    );
}

#[test]
fn bad_regexps_and_patterns_are_bad_queries() {
    let err = run(r#"{app="a"} |~ "status=(5""#).unwrap_err();
    assert!(
        matches!(err, EvalError::BadQuery(ref m) if m.contains("error parsing regexp")),
        "{err}"
    );
    assert_eq!(err.code(), ErrorCode::BadRequest);
    assert!(matches!(
        run(r#"{app="a"} |= ip("300.0.0.1")"#),
        Err(EvalError::BadQuery(_))
    ));
    assert!(matches!(
        run(r#"{app="a"} | pattern "<a><b>""#),
        Err(EvalError::BadQuery(_))
    ));
}

#[test]
fn series_and_step_caps() {
    let input = VecInput::new(
        (0..20)
            .map(|i| entry(1, &[("app", "a"), ("pod", &i.to_string())], "x"))
            .collect(),
    );
    let limits = Limits {
        max_series: 5,
        ..Limits::default()
    };
    let q = expr(r#"count_over_time({app="a"}[1m])"#);
    let err = eval_range_with(
        &q,
        &input,
        TimeRange::from_secs(0, 60),
        10 * S,
        10,
        Direction::Backward,
        &limits,
    )
    .unwrap_err();
    assert!(
        matches!(err, EvalError::LimitExceeded(ref m) if m.contains("series")),
        "{err}"
    );
    let limits = Limits {
        max_points: 3,
        ..Limits::default()
    };
    let err = eval_range_with(
        &q,
        &input,
        TimeRange::from_secs(0, 60),
        10 * S,
        10,
        Direction::Backward,
        &limits,
    )
    .unwrap_err();
    assert_eq!(err.code(), ErrorCode::LimitExceeded);
}
