//! Span filters: each intrinsic, attribute scopes, type coercion, regexes, boolean and
//! arithmetic operators.

mod traceql_support;

use loqui_core::{AttrValue, Span, SpanEvent, SpanKind, SpanStatus, StatusCode};
use traceql_support::*;

/// Trace 1: root 1 (gateway, GET /a, server, ok) with children 2 (db, client, error
/// "boom", 30 ms, event "exception") and 3 (db, internal); trace 2: span 10 without a root.
fn data() -> Vec<Span> {
    let mut root = span(1, 1, None);
    set_service(&mut root, "gateway");
    root.name = "GET /a".into();
    root.status.code = StatusCode::Ok;
    root.duration_ns = 50_000_000;
    root.attributes
        .insert("http.status_code", AttrValue::Int(200));
    root.attributes.insert("ratio", AttrValue::Double(0.5));
    root.attributes.insert("cached", AttrValue::Bool(true));
    root.attributes.insert(
        "tags",
        AttrValue::Array(vec![
            AttrValue::String("x".into()),
            AttrValue::String("y".into()),
        ]),
    );
    let mut db = span(1, 2, Some(1));
    set_service(&mut db, "db");
    db.kind = SpanKind::Client;
    db.status = SpanStatus {
        code: StatusCode::Error,
        message: Some("boom".into()),
    };
    db.duration_ns = 30_000_000;
    db.attributes
        .insert("http.status_code", AttrValue::String("500".into()));
    db.attributes
        .insert("service.name", AttrValue::String("span-level".into()));
    db.events.push(SpanEvent {
        ts_ns: db.start_ns + 5_000_000,
        name: "exception".into(),
        attributes: [(
            "exception.type".to_string(),
            AttrValue::String("Timeout".into()),
        )]
        .into_iter()
        .collect(),
    });
    let mut internal = span(1, 3, Some(1));
    set_service(&mut internal, "db");
    internal.kind = SpanKind::Internal;
    internal.attributes.insert("ratio", AttrValue::Int(2));
    let orphan = span(2, 10, Some(99));
    vec![root, db, internal, orphan]
}

fn check(q: &str, want: &[u32]) {
    assert_eq!(matched(q, &data()), ids(want), "{q}");
}

#[test]
fn name_status_message_kind() {
    check(r#"{ name = "GET /a" }"#, &[1]);
    check("{ status = error }", &[2]);
    check("{ status = ok }", &[1]);
    check("{ status = unset }", &[3, 10]);
    check("{ status != error }", &[1, 3, 10]);
    check(r#"{ statusMessage = "boom" }"#, &[2]);
    check("{ kind = client }", &[2]);
    check("{ kind = internal }", &[3]);
    check("{ kind != server }", &[2, 3]);
}

#[test]
fn durations() {
    check("{ duration > 20ms }", &[1, 2]);
    check("{ duration >= 30ms && duration < 50ms }", &[2]);
    check("{ duration = 10ms }", &[3, 10]);
}

#[test]
fn trace_level_intrinsics() {
    check(r#"{ rootName = "GET /a" }"#, &[1, 2, 3]);
    check(r#"{ rootServiceName = "gateway" }"#, &[1, 2, 3]);
    check(
        r#"{ trace:rootService = "gateway" && kind = client }"#,
        &[2],
    );
    // Trace 1 runs from T0+1ms to T0+51ms; trace 2 lasts 10ms.
    check("{ traceDuration = 50ms }", &[1, 2, 3]);
    check("{ trace:duration < 20ms }", &[10]);
    check(&format!(r#"{{ trace:id = "{}" }}"#, tid(2)), &[10]);
    check(r#"{ trace:id = "2" }"#, &[10]);
}

#[test]
fn span_id_parent_and_child_count() {
    check(&format!(r#"{{ span:id = "{}" }}"#, sid(2)), &[2]);
    check(&format!(r#"{{ span:parentID = "{}" }}"#, sid(1)), &[2, 3]);
    check("{ span:childCount = 2 }", &[1]);
    check("{ span:childCount = 0 }", &[2, 3, 10]);
}

#[test]
fn events() {
    check(r#"{ event:name = "exception" }"#, &[2]);
    check(r#"{ event.exception.type = "Timeout" }"#, &[2]);
    check(
        r#"{ event:name = "exception" && event.exception.type = "Other" }"#,
        &[],
    );
    check("{ event:timeSinceStart = 5ms }", &[2]);
    check("{ event:timeSinceStart > 5ms }", &[]);
}

#[test]
fn scopes_and_unscoped_precedence() {
    check(r#"{ resource.service.name = "db" }"#, &[2, 3]);
    check(r#"{ span.service.name = "span-level" }"#, &[2]);
    // Unscoped: the span attribute wins over the resource one where both exist.
    check(r#"{ .service.name = "db" }"#, &[3]);
    check(r#"{ .service.name = "span-level" }"#, &[2]);
    check(r#"{ .service.name = "gateway" }"#, &[1]);
    check(r#"{ resource.service.name = "span-level" }"#, &[]);
}

#[test]
fn numeric_coercion_and_mismatched_types() {
    check("{ span.http.status_code = 200 }", &[1]);
    check("{ span.http.status_code = 200.0 }", &[1]);
    check("{ span.ratio > 0.4 }", &[1, 3]);
    check("{ span.ratio = 2 }", &[3]);
    check("{ span.ratio = 2.0 }", &[3]);
    // A string attribute never equals a number, and the comparison is false, not an error.
    check("{ span.http.status_code >= 500 }", &[]);
    check(r#"{ span.http.status_code = "500" }"#, &[2]);
    check(r#"{ span.http.status_code > "4" }"#, &[2]);
}

#[test]
fn missing_attributes_and_nil() {
    check("{ span.http.status_code != nil }", &[1, 2]);
    check("{ span.http.status_code = nil }", &[3, 10]);
    // `!=` does not match spans that lack the attribute.
    check("{ span.http.status_code != 200 }", &[]);
    check(r#"{ span.http.status_code != "x" }"#, &[2]);
}

#[test]
fn booleans_and_arrays() {
    check("{ span.cached = true }", &[1]);
    check("{ span.cached != true }", &[]);
    check(r#"{ span.tags = "y" }"#, &[1]);
    check(r#"{ span.tags != "z" }"#, &[1]);
    check(r#"{ span.tags != "y" }"#, &[]);
    check(r#"{ span.tags =~ "x|q" }"#, &[1]);
}

#[test]
fn regexes_match_the_whole_value() {
    check(r#"{ name =~ "GET" }"#, &[]);
    check(r#"{ name =~ "GET.*" }"#, &[1]);
    check(r#"{ name =~ "s[0-9]+" }"#, &[2, 3, 10]);
    check(r#"{ name !~ "s.*" }"#, &[1]);
    check(r#"{ resource.service.name =~ "gate.*|db" }"#, &[1, 2, 3]);
}

#[test]
fn boolean_operators() {
    check(r#"{ kind = client || kind = internal }"#, &[2, 3]);
    check(r#"{ !(kind = server) }"#, &[2, 3]);
    check(
        r#"{ resource.service.name = "db" && !(status = error) }"#,
        &[3],
    );
    check("{ true }", &[1, 2, 3, 10]);
    check("{ }", &[1, 2, 3, 10]);
}

#[test]
fn arithmetic() {
    check("{ duration * 2 > 90ms }", &[1]);
    check("{ span.http.status_code / 2 = 100 }", &[1]);
    check("{ span.http.status_code % 7 = 4 }", &[1]);
    check("{ span.ratio * 4 = 2 }", &[1]);
    check("{ -span.ratio < -1 }", &[3]);
    check("{ span.ratio ^ 2 = 4 }", &[3]);
    check("{ duration - 10ms = 0 }", &[3, 10]);
}
