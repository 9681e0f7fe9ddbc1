//! `loqui check` as a user runs it: the real binary, arguments, standard input, exit codes.

use std::io::Write;
use std::process::{Command, Output, Stdio};

fn loqui(args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_loqui"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start loqui");
    let mut pipe = child.stdin.take().expect("stdin");
    pipe.write_all(stdin.unwrap_or_default().as_bytes())
        .expect("write stdin");
    drop(pipe);
    child.wait_with_output().expect("loqui exits")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn valid_logql_exits_zero_and_prints_the_canonical_query() {
    let out = loqui(
        &[
            "check",
            "logql",
            r#"{service_name="order-service"}|="timeout""#,
        ],
        None,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert!(
        stdout(&out).contains(r#"{service_name="order-service"} |= "timeout""#),
        "{}",
        stdout(&out)
    );
}

#[test]
fn a_log_query_with_a_range_is_rejected_with_position_and_hint() {
    let query = r#"{app="order-service"} |= "error" [3h]"#;
    let out = loqui(&["check", "logql", query], None);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("line 1, col 34"), "{text}");
    assert!(text.contains("hint:"), "{text}");
}

#[test]
fn the_query_can_come_from_standard_input() {
    let ok = loqui(
        &["check", "traceql"],
        Some("{ resource.service.name = \"payment-service\" && status = error }\n"),
    );
    assert_eq!(ok.status.code(), Some(0), "{}", stdout(&ok));
    let bad = loqui(&["check", "traceql"], Some("{ resource.service.name = }\n"));
    assert_eq!(bad.status.code(), Some(1), "{}", stdout(&bad));
    assert!(stdout(&bad).contains("line 1, col"), "{}", stdout(&bad));
}

#[test]
fn valid_but_suspicious_traceql_is_valid_with_a_warning() {
    let out = loqui(&["check", "traceql", "{ duration > 2 }"], None);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("warning at line 1, col 14"), "{text}");
    assert!(text.contains("nanoseconds"), "{text}");
}

#[test]
fn jsonl_writes_one_verdict_per_line_and_survives_junk() {
    let input = concat!(
        r#"{"query": "{service_name=\"gateway\"} | logfmt | duration_ms > 1000"}"#,
        "\n",
        r#"{"query": "sum(count_over_time({service_name=\"gateway\"}))"}"#,
        "\n",
        "this is not json\n",
        "\n",
    );
    let out = loqui(&["check", "logql", "--jsonl"], Some(input));
    assert_eq!(out.status.code(), Some(1), "one query is invalid");
    let lines: Vec<serde_json::Value> = stdout(&out)
        .lines()
        .map(|l| serde_json::from_str(l).expect("each output line is JSON"))
        .collect();
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert_eq!(lines[0]["valid"], true);
    assert!(lines[0]["error"].is_null());
    assert_eq!(lines[1]["valid"], false);
    assert!(
        lines[1]["error"]
            .as_str()
            .is_some_and(|e| e.contains("line 1, col")),
        "{lines:?}"
    );
    assert_eq!(
        lines[1]["query"],
        r#"sum(count_over_time({service_name="gateway"}))"#
    );
    assert_eq!(lines[2]["valid"], false);
    assert!(lines[2]["query"].is_null());
    assert!(
        lines[2]["error"]
            .as_str()
            .is_some_and(|e| e.contains("input line 3")),
        "{lines:?}"
    );
}

#[test]
fn jsonl_of_only_valid_queries_exits_zero() {
    let input = "{\"query\": \"{ span.http.status_code >= 500 } | count() > 2\"}\n{\"query\": \"{ duration > 2s }\"}\n";
    let out = loqui(&["check", "traceql", "--jsonl"], Some(input));
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
    assert_eq!(stdout(&out).lines().count(), 2);
}

#[test]
fn an_unknown_language_is_a_usage_error() {
    let out = loqui(&["check", "sql", "select 1"], None);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("use logql or traceql"), "{err}");
}
