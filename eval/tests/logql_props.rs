//! Property: for random data and random selector + line filter queries, the evaluator returns
//! exactly what a brute-force filter returns, cut at the limit newest first.

mod common;

use common::*;
use loqui_core::{Direction, QueryData, TimeRange};
use loqui_eval::logql::{VecInput, eval_range};
use proptest::prelude::*;

const WORDS: [&str; 5] = ["error", "info", "timeout", "GET", "db"];
const APPS: [&str; 3] = ["a", "b", "c"];

#[derive(Debug, Clone)]
struct Filter {
    op: usize,
    word: usize,
}

fn line_strategy() -> impl Strategy<Value = String> {
    prop::collection::vec(0..WORDS.len(), 0..4)
        .prop_map(|ws| ws.iter().map(|&w| WORDS[w]).collect::<Vec<_>>().join(" "))
}

fn keep(f: &Filter, line: &str) -> bool {
    let w = WORDS[f.word];
    match f.op {
        0 => line.contains(w),
        1 => !line.contains(w),
        2 => line.contains(w) || line.contains("db"),
        _ => !line.to_lowercase().contains(&w.to_lowercase()),
    }
}

fn query(matcher: (usize, usize), filters: &[Filter]) -> String {
    let ops = ["=", "!=", "=~", "!~"];
    let value = match matcher.0 {
        2 | 3 => format!("{}|z", APPS[matcher.1]),
        _ => APPS[matcher.1].to_owned(),
    };
    let mut q = format!(r#"{{app=~".+", app{}"{}"}}"#, ops[matcher.0], value);
    for f in filters {
        let w = WORDS[f.word];
        q += &match f.op {
            0 => format!(r#" |= "{w}""#),
            1 => format!(r#" != "{w}""#),
            2 => format!(r#" |= "{w}" or "db""#),
            _ => format!(r#" !~ "(?i){w}""#),
        };
    }
    q
}

fn selects(matcher: (usize, usize), app: &str) -> bool {
    let v = APPS[matcher.1];
    match matcher.0 {
        0 | 2 => app == v,
        _ => app != v,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn evaluator_equals_brute_force(
        data in prop::collection::vec((0..APPS.len(), line_strategy()), 0..40),
        matcher in (0usize..4, 0..APPS.len()),
        filters in prop::collection::vec((0usize..4, 0..WORDS.len()).prop_map(|(op, word)| Filter { op, word }), 0..3),
        limit in 1usize..50,
    ) {
        let entries: Vec<_> = data.iter().enumerate()
            .map(|(i, (app, line))| entry(i as i64, &[("app", APPS[*app])], line))
            .collect();
        let mut want: Vec<(i64, String, String)> = data.iter().enumerate()
            .filter(|(_, (app, line))| selects(matcher, APPS[*app]) && filters.iter().all(|f| keep(f, line)))
            .map(|(i, (app, line))| (i as i64 * S, APPS[*app].to_owned(), line.clone()))
            .collect();
        let truncated = want.len() > limit;
        want.reverse();
        want.truncate(limit);
        want.sort();

        let q = query(matcher, &filters);
        let out = eval_range(&expr(&q), &VecInput::new(entries), TimeRange::from_secs(0, 1000), 0, limit, Direction::Backward).unwrap();
        prop_assert_eq!(out.truncated, truncated);
        let QueryData::Streams(streams) = out.data else { panic!("not streams") };
        let mut got: Vec<(i64, String, String)> = streams.iter()
            .flat_map(|s| s.lines.iter().map(move |l| (l.ts_ns, s.labels["app"].clone(), l.line.clone())))
            .collect();
        got.sort();
        prop_assert_eq!(got, want, "{}", q);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(100))]
    /// `sum by (app) (count_over_time(...[range]))` at every aligned step equals counting the
    /// entries in `(t - range, t]` by hand.
    #[test]
    fn count_over_time_equals_brute_force_windows(
        data in prop::collection::vec((0i64..600, 0..APPS.len()), 0..60),
        range_s in 1i64..120,
        step_s in 1i64..90,
        start in 0i64..300,
        len in 0i64..400,
    ) {
        let entries: Vec<_> = data.iter().map(|&(t, app)| entry(t, &[("app", APPS[app])], "x")).collect();
        let q = format!(r#"sum by (app) (count_over_time({{app=~".+"}}[{range_s}s]))"#);
        let got = matrix(&q, entries, start, start + len, step_s);
        let first = start.div_euclid(step_s) * step_s;
        let last = (start + len).div_euclid(step_s) * step_s;
        let mut want = Vec::new();
        for app in APPS {
            let points: Vec<(i64, f64)> = (0..)
                .map(|k| first + k * step_s)
                .take_while(|&t| t <= last)
                .filter_map(|t| {
                    let n = data.iter().filter(|&&(ts, a)| APPS[a] == app && ts > t - range_s && ts <= t).count();
                    (n > 0).then_some((t, n as f64))
                })
                .collect();
            if !points.is_empty() {
                want.push((labels(&[("app", app)]), points));
            }
        }
        prop_assert_eq!(got, want);
    }
}
