//! One behaviour per pipeline stage, as Loki has it.

mod common;

use common::*;

#[test]
fn json_flattens_nested_keys_and_renames_collisions() {
    let mut e = entry(
        1,
        &[("app", "a")],
        r#"{"app":"x","http":{"status":502,"req.id":"r1"},"ok":true,"n":null,"arr":[1],"p":12.50}"#,
    );
    e = with_meta(e, &[("trace_id", "t")]);
    let got = lines(r#"{app="a"} | json"#, vec![e]);
    let l = &got[0].0;
    assert_eq!(l["app"], "a");
    assert_eq!(l["app_extracted"], "x");
    assert_eq!(l["http_status"], "502");
    assert_eq!(l["http_req_id"], "r1");
    assert_eq!(l["ok"], "true");
    assert_eq!(l["p"], "12.50");
    assert!(!l.contains_key("n") && !l.contains_key("arr"));
    assert_eq!(l["trace_id"], "t");
}

#[test]
fn json_names_nested_keys_byte_by_byte() {
    let l = parsed(
        r#"{app="a"} | json"#,
        r#"{"1a":{"b c":1,"é":2}," top-level ":3}"#,
    );
    let names: Vec<&str> = l.keys().map(String::as_str).collect();
    assert_eq!(names, ["1a___", "1a_b_c", "app", "top_level"]);
}

#[test]
fn json_extraction_paths() {
    let l = parsed(
        r#"{app="a"} | json code="http.status", first="items[0]", ua=`headers["user-agent"]`, missing="nope""#,
        r#"{"http":{"status":200},"items":["x","y"],"headers":{"user-agent":"curl"}}"#,
    );
    assert_eq!(
        (l["code"].as_str(), l["first"].as_str(), l["ua"].as_str()),
        ("200", "x", "curl")
    );
    assert_eq!(l["missing"], "");
}

#[test]
fn json_error_sets_error_label_and_keeps_line() {
    let l = parsed(r#"{app="a"} | json"#, "not json");
    assert_eq!(l["__error__"], "JSONParserErr");
    assert!(l.contains_key("__error_details__"));
    let none = lines(
        r#"{app="a"} | json | __error__="""#,
        vec![entry(1, &[("app", "a")], "not json")],
    );
    assert!(none.is_empty());
}

#[test]
fn logfmt_edge_cases() {
    let line = r#"level=info msg="hello world" empty= flag dur=1.5s app=x"#;
    let l = parsed(r#"{app="a"} | logfmt"#, line);
    assert_eq!(l["msg"], "hello world");
    assert_eq!(l["app_extracted"], "x");
    assert!(!l.contains_key("empty") && !l.contains_key("flag"));
    let keep = parsed(r#"{app="a"} | logfmt --keep-empty"#, line);
    assert_eq!((keep["empty"].as_str(), keep["flag"].as_str()), ("", ""));
    let bad = r#"a=1 =x b=2"#;
    let lax = parsed(r#"{app="a"} | logfmt"#, bad);
    assert_eq!((lax["a"].as_str(), lax["b"].as_str()), ("1", "2"));
    assert!(!lax.contains_key("__error__"));
    let strict = parsed(r#"{app="a"} | logfmt --strict"#, bad);
    assert_eq!(strict["__error__"], "LogfmtParserErr");
    assert!(!strict.contains_key("b"));
    let some = parsed(r#"{app="a"} | logfmt lvl="level", msg"#, line);
    assert_eq!(
        (some["lvl"].as_str(), some["msg"].as_str()),
        ("info", "hello world")
    );
    assert!(!some.contains_key("dur"));
}

#[test]
fn regexp_and_pattern_parsers() {
    let line = r#"10.1.2.3 - - [x] "GET /api/a HTTP/1.1" 503 12"#;
    let r = parsed(
        r#"{app="a"} | regexp `(?P<ip>\S+) .*" (?P<status>\d+) (?P<app>\d+)`"#,
        line,
    );
    assert_eq!(
        (
            r["ip"].as_str(),
            r["status"].as_str(),
            r["app_extracted"].as_str()
        ),
        ("10.1.2.3", "503", "12")
    );
    let p = parsed(
        r#"{app="a"} | pattern `<ip> - - <_> "<method> <path> <_>" <status> <size>`"#,
        line,
    );
    assert_eq!(
        (p["method"].as_str(), p["path"].as_str(), p["size"].as_str()),
        ("GET", "/api/a", "12")
    );
    assert!(try_lines(r#"{app="a"} | regexp "(x)""#, vec![]).is_err());
}

#[test]
fn line_filters_or_chains_patterns_and_ip() {
    let s = &[("app", "a")];
    let data = || {
        vec![
            entry(1, s, "GET /a status=200 from 10.0.0.7"),
            entry(2, s, "POST /b status=500 from 192.168.1.9"),
            entry(3, s, "GET /c status=404 timeout"),
        ]
    };
    let count = |q: &str| lines(q, data()).len();
    assert_eq!(count(r#"{app="a"} |= "GET""#), 2);
    assert_eq!(count(r#"{app="a"} |= "500" or "404""#), 2);
    assert_eq!(count(r#"{app="a"} != "500" or "404""#), 1);
    assert_eq!(count(r#"{app="a"} |~ "status=[45]\\d\\d""#), 2);
    assert_eq!(count(r#"{app="a"} !~ "GET|POST""#), 0);
    assert_eq!(count(r#"{app="a"} |> "<_> /c <_>""#), 1);
    assert_eq!(count(r#"{app="a"} !> "<_> /c <_>""#), 2);
    assert_eq!(count(r#"{app="a"} |= ip("10.0.0.0/8")"#), 1);
    assert_eq!(count(r#"{app="a"} != ip("192.168.1.1-192.168.1.10")"#), 2);
    assert_eq!(count(r#"{app!="a"}"#), 0);
    assert_eq!(count(r#"{app=~"a|b"} |= "GET" |= "/c""#), 1);
}

#[test]
fn label_filters_with_units_and_errors() {
    let s = &[("app", "a")];
    let data = || {
        vec![
            entry(1, s, "dur=250ms size=1.5KB status=200 addr=10.0.0.1"),
            entry(2, s, "dur=2s size=3MB status=503 addr=172.16.0.1"),
            entry(3, s, "dur=oops size=12 status=abc addr=x"),
        ]
    };
    let count = |q: &str| lines(&format!(r#"{{app="a"}} | logfmt | {q}"#), data()).len();
    assert_eq!(
        count("dur > 1s"),
        2,
        "the unparsable value keeps its line with an error"
    );
    assert_eq!(count(r#"dur > 1s | __error__="""#), 1);
    assert_eq!(count("size >= 1KB"), 2);
    assert_eq!(count(r#"size > 2MB | __error__="""#), 1);
    assert_eq!(count(r#"status >= 500 | __error__="""#), 1);
    assert_eq!(count(r#"status == 200 or status == 503"#), 3);
    assert_eq!(
        count(r#"status = 200 and dur < 1s"#),
        2,
        "the third line passes with an error"
    );
    assert_eq!(count(r#"addr = ip("10.0.0.0/8")"#), 1);
    assert_eq!(count(r#"missing > 1"#), 0);
    let errs = lines(r#"{app="a"} | logfmt | status > 1"#, data());
    assert_eq!(errs[2].0["__error__"], "LabelFilterErr");
}

#[test]
fn templates() {
    let line = r#"level=warn msg="disk almost full" pct=91.5 host=db-1"#;
    let fmt = |t: &str| {
        lines(
            &format!(r#"{{app="a"}} | logfmt | line_format `{t}`"#),
            vec![entry(1, &[("app", "a")], line)],
        )[0]
        .1
        .clone()
    };
    assert_eq!(fmt("{{.level}}: {{.msg}}"), "warn: disk almost full");
    assert_eq!(
        fmt("{{ .level | ToUpper }} {{ .host | replace \"db\" \"DB\" }}"),
        "WARN DB-1"
    );
    assert_eq!(
        fmt(r#"{{ printf "%s=%.1f" .host (float64 .pct) }}"#),
        "db-1=91.5"
    );
    assert_eq!(
        fmt(r#"{{ .nope | default "n/a" }} {{ trunc 4 .msg }}"#),
        "n/a disk"
    );
    assert_eq!(
        fmt(r#"{{ regexReplaceAll "(\\w+)-(\\d)" .host "${2}:${1}" }}"#),
        "1:db"
    );
    assert_eq!(
        fmt(r#"{{ if eq .level "error" }}E{{ else if eq .level "warn" }}W{{ else }}I{{ end }}"#),
        "W"
    );
    assert_eq!(fmt("{{ __line__ | len }}"), line.len().to_string());
    assert_eq!(fmt("{{ __timestamp__ | unixEpoch }} {{- \" x\" }}"), "1 x");
    let err = try_lines(r#"{app="a"} | line_format "{{ .a | toJson }}""#, vec![]).unwrap_err();
    assert_eq!(
        err.to_string(),
        "template function toJson is not supported by loqui's embedded LogQL evaluator"
    );
    assert!(
        try_lines(
            r#"{app="a"} | line_format "{{ range .a }}{{ end }}""#,
            vec![]
        )
        .is_err()
    );
}

#[test]
fn label_format_drop_keep_decolorize() {
    let e = || {
        vec![entry(
            1,
            &[("app", "a"), ("pod", "p1")],
            "level=info user=bob \u{1b}[31mred\u{1b}[0m",
        )]
    };
    let l = &lines(
        r#"{app="a"} | logfmt | label_format who=user, tag="{{.app}}-{{.level}}""#,
        e(),
    )[0]
    .0;
    assert_eq!((l["who"].as_str(), l["tag"].as_str()), ("bob", "a-info"));
    assert!(!l.contains_key("user"));
    let l = &lines(r#"{app="a"} | logfmt | drop pod, level="warn", user"#, e())[0].0;
    assert!(!l.contains_key("pod") && !l.contains_key("user") && l.contains_key("level"));
    let l = &lines(r#"{app="a"} | logfmt | keep app, level"#, e())[0].0;
    assert_eq!(l.keys().cloned().collect::<Vec<_>>(), ["app", "level"]);
    let out = lines(r#"{app="a"} | decolorize"#, e());
    assert_eq!(out[0].1, "level=info user=bob red");
}

#[test]
fn unpack_replaces_the_line() {
    let got = lines(
        r#"{app="a"} | unpack"#,
        vec![entry(
            1,
            &[("app", "a")],
            r#"{"_entry":"the line","pod":"p","n":1}"#,
        )],
    );
    assert_eq!(got[0].1, "the line");
    assert_eq!(got[0].0["pod"], "p");
    assert!(!got[0].0.contains_key("n"));
}

#[test]
fn structured_metadata_filters_and_grouping() {
    let s = &[("app", "a")];
    let data = vec![
        with_meta(entry(1, s, "one"), &[("trace_id", "t1")]),
        with_meta(entry(2, s, "two"), &[("trace_id", "t2")]),
        entry(3, s, "three"),
    ];
    let got = lines(r#"{app="a"} | trace_id="t2""#, data.clone());
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].0, labels(&[("app", "a"), ("trace_id", "t2")]));
    let all = lines(r#"{app="a"}"#, data);
    assert_eq!(all.len(), 3);
}

#[test]
fn limit_direction_and_truncation() {
    use loqui_core::{Direction, QueryData, TimeRange};
    use loqui_eval::logql::{VecInput, eval_range};
    let data: Vec<_> = (0..10)
        .map(|i| {
            entry(
                i,
                &[("app", if i % 2 == 0 { "a" } else { "b" })],
                &format!("l{i}"),
            )
        })
        .collect();
    let input = VecInput::new(data);
    let q = expr(r#"{app=~"a|b"}"#);
    let run = |dir, limit| {
        let out = eval_range(&q, &input, TimeRange::from_secs(2, 9), 0, limit, dir).unwrap();
        let QueryData::Streams(s) = out.data else {
            panic!()
        };
        let mut ls: Vec<String> = s
            .iter()
            .flat_map(|s| s.lines.iter().map(|l| l.line.clone()))
            .collect();
        ls.sort();
        (ls, out.truncated)
    };
    assert_eq!(
        run(Direction::Backward, 3),
        (vec!["l6".into(), "l7".into(), "l8".into()], true)
    );
    assert_eq!(
        run(Direction::Forward, 3),
        (vec!["l2".into(), "l3".into(), "l4".into()], true)
    );
    assert!(
        !run(Direction::Forward, 7).1,
        "the end is exclusive: l2..l8 is 7 lines"
    );
}

#[test]
fn renaming_an_absent_label_does_nothing() {
    let got = lines(
        r#"{app="a"} | label_format dst=nope"#,
        vec![entry(1, &[("app", "a")], "x")],
    );
    assert_eq!(got[0].0, labels(&[("app", "a")]));
}

#[test]
fn hints_narrow_only_with_what_every_match_satisfies() {
    use loqui_eval::logql::Hints;
    let q = expr(
        r#"{app="a"} |= "GET" != "x" | trace_id="t1" |= "b" or "c" | json |= "after" | level="error""#,
    );
    let loqui_query::logql::Expr::Log(log) = q else {
        panic!()
    };
    let h = Hints::of(&log);
    assert_eq!(h.line_contains, ["GET"]);
    assert_eq!(h.label_equals, [("trace_id".to_owned(), "t1".to_owned())]);
}

#[test]
fn regex_classes_are_ascii_like_go() {
    let s = &[("app", "a")];
    let data = || {
        vec![
            entry(1, s, "결제error 발생"),
            entry(2, s, "한글"),
            entry(3, s, "٣ items"),
        ]
    };
    let count = |q: &str| lines(q, data()).len();
    assert_eq!(
        count(r#"{app="a"} |~ `\berror`"#),
        1,
        "a Korean letter is not a word character in Go"
    );
    assert_eq!(count(r#"{app="a"} |~ `^\w+$`"#), 0);
    assert_eq!(
        count(r#"{app="a"} |~ `^\d`"#),
        0,
        "Arabic-Indic digits are not \\d in Go"
    );
    assert_eq!(count(r#"{app="a"} |~ `[\d\s]items`"#), 1);
    assert_eq!(
        count(r#"{app="a"} |~ `\\d`"#),
        0,
        "an escaped backslash stays a backslash"
    );
}
