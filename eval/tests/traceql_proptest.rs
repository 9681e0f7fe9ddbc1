//! Random simple filters agree with a brute-force check written independently of the evaluator.

mod traceql_support;

use loqui_core::{AttrValue, Span, SpanKind, StatusCode};
use proptest::prelude::*;
use traceql_support::*;

#[derive(Debug, Clone)]
struct Gen {
    a: Option<i64>,
    b: Option<String>,
    dur_ms: i64,
    error: bool,
    client: bool,
}

fn gen_span() -> impl Strategy<Value = Gen> {
    (
        proptest::option::of(-3i64..4),
        proptest::option::of(
            prop::sample::select(vec!["x", "y", "xy", "z"]).prop_map(String::from),
        ),
        0i64..5,
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(|(a, b, dur_ms, error, client)| Gen {
            a,
            b,
            dur_ms,
            error,
            client,
        })
}

/// One condition: its TraceQL text and the brute-force predicate.
#[derive(Debug, Clone)]
enum Cond {
    A(&'static str, i64),
    B(&'static str, &'static str),
    Dur(&'static str, i64),
    Error(bool),
    Client,
    AExists(bool),
}

fn cond() -> impl Strategy<Value = Cond> {
    let ops = prop::sample::select(vec!["=", "!=", "<", "<=", ">", ">="]);
    prop_oneof![
        (ops.clone(), -3i64..4).prop_map(|(o, v)| Cond::A(o, v)),
        (
            prop::sample::select(vec!["=", "!=", "=~", "!~"]),
            prop::sample::select(vec!["x", "x.*", "y|z", "xy"])
        )
            .prop_map(|(o, v)| Cond::B(o, v)),
        (ops, 0i64..5).prop_map(|(o, v)| Cond::Dur(o, v)),
        any::<bool>().prop_map(Cond::Error),
        Just(Cond::Client),
        any::<bool>().prop_map(Cond::AExists),
    ]
}

impl Cond {
    fn text(&self) -> String {
        match self {
            Cond::A(o, v) => format!("span.a {o} {v}"),
            Cond::B(o, v) => format!("span.b {o} \"{v}\""),
            Cond::Dur(o, v) => format!("duration {o} {v}ms"),
            Cond::Error(true) => "status = error".into(),
            Cond::Error(false) => "status != error".into(),
            Cond::Client => "kind = client".into(),
            Cond::AExists(true) => "span.a != nil".into(),
            Cond::AExists(false) => "span.a = nil".into(),
        }
    }

    fn holds(&self, g: &Gen) -> bool {
        match self {
            Cond::A(o, v) => g.a.is_some_and(|a| cmp(o, a.cmp(v))),
            Cond::B(o, v) => g.b.as_deref().is_some_and(|b| match *o {
                "=" => b == *v,
                "!=" => b != *v,
                "=~" => full_match(v, b),
                _ => !full_match(v, b),
            }),
            Cond::Dur(o, v) => cmp(o, g.dur_ms.cmp(v)),
            Cond::Error(e) => g.error == *e,
            Cond::Client => g.client,
            Cond::AExists(e) => g.a.is_some() == *e,
        }
    }
}

/// The four patterns used, matched by hand.
fn full_match(pattern: &str, s: &str) -> bool {
    match pattern {
        "x" => s == "x",
        "x.*" => s.starts_with('x'),
        "y|z" => s == "y" || s == "z",
        _ => s == "xy",
    }
}

fn cmp(op: &str, ord: std::cmp::Ordering) -> bool {
    use std::cmp::Ordering::*;
    match op {
        "=" => ord == Equal,
        "!=" => ord != Equal,
        "<" => ord == Less,
        "<=" => ord != Greater,
        ">" => ord == Greater,
        _ => ord != Less,
    }
}

fn to_span(i: usize, g: &Gen) -> Span {
    let mut s = span(1 + i as u32 / 4, i as u32 + 1, None);
    if let Some(a) = g.a {
        s.attributes.insert("a", AttrValue::Int(a));
    }
    if let Some(b) = &g.b {
        s.attributes.insert("b", AttrValue::String(b.clone()));
    }
    s.duration_ns = g.dur_ms * 1_000_000;
    if g.error {
        s.status.code = StatusCode::Error;
    }
    if g.client {
        s.kind = SpanKind::Client;
    }
    s
}

proptest! {
    #[test]
    fn simple_filters_match_brute_force(
        gens in prop::collection::vec(gen_span(), 1..12),
        c1 in cond(),
        c2 in cond(),
        join in prop::sample::select(vec!["", "&&", "||"]),
    ) {
        let spans: Vec<Span> = gens.iter().enumerate().map(|(i, g)| to_span(i, g)).collect();
        let q = match join {
            "" => format!("{{ {} }}", c1.text()),
            j => format!("{{ {} {j} {} }}", c1.text(), c2.text()),
        };
        let want: Vec<String> = {
            let mut v: Vec<String> = gens
                .iter()
                .enumerate()
                .filter(|(_, g)| match join {
                    "" => c1.holds(g),
                    "&&" => c1.holds(g) && c2.holds(g),
                    _ => c1.holds(g) || c2.holds(g),
                })
                .map(|(i, _)| sid(i as u32 + 1))
                .collect();
            v.sort();
            v
        };
        prop_assert_eq!(matched(&q, &spans), want, "{}", q);
    }
}

/// A random forest: span `i` has a parent among the earlier spans (or none), and a group
/// attribute `g` in 0..3 that the two sides of the operator select on.
fn forest() -> impl Strategy<Value = Vec<(Option<usize>, i64)>> {
    prop::collection::vec(
        (any::<prop::sample::Index>(), any::<bool>(), 0i64..3),
        1..14,
    )
    .prop_map(|v| {
        v.into_iter()
            .enumerate()
            .map(|(i, (idx, root, g))| ((i > 0 && !root).then(|| idx.index(i)), g))
            .collect()
    })
}

fn ancestors(tree: &[(Option<usize>, i64)], mut x: usize) -> Vec<usize> {
    let mut out = Vec::new();
    while let Some(p) = tree[x].0 {
        out.push(p);
        x = p;
    }
    out
}

/// `rel(a, x)` by definition, pair by pair.
fn brute_rel(op: &str, tree: &[(Option<usize>, i64)], a: usize, x: usize) -> bool {
    match op.trim_start_matches(['!', '&']) {
        ">" => tree[x].0 == Some(a),
        "<" => tree[a].0 == Some(x),
        ">>" => ancestors(tree, x).contains(&a),
        "<<" => ancestors(tree, a).contains(&x),
        _ => a != x && tree[a].0.is_some() && tree[a].0 == tree[x].0,
    }
}

fn brute_structural(op: &str, tree: &[(Option<usize>, i64)], gl: i64, gr: i64) -> Vec<usize> {
    let l: Vec<usize> = (0..tree.len()).filter(|&i| tree[i].1 == gl).collect();
    let r: Vec<usize> = (0..tree.len()).filter(|&i| tree[i].1 == gr).collect();
    let related = |x: usize| l.iter().any(|&a| brute_rel(op, tree, a, x));
    let mut out: Vec<usize> = if op.starts_with('!') {
        r.iter().copied().filter(|&x| !related(x)).collect()
    } else if op.starts_with('&') {
        let mut v: Vec<usize> = r.iter().copied().filter(|&x| related(x)).collect();
        v.extend(
            l.iter()
                .copied()
                .filter(|&a| r.iter().any(|&x| brute_rel(op, tree, a, x))),
        );
        v
    } else {
        r.iter().copied().filter(|&x| related(x)).collect()
    };
    out.sort();
    out.dedup();
    out
}

proptest! {
    #[test]
    fn structural_operators_match_pairwise_definitions(
        tree in forest(),
        op in prop::sample::select(vec![
            ">", "<", ">>", "<<", "~", "!>", "!<", "!>>", "!<<", "!~", "&>", "&<", "&>>", "&<<", "&~",
        ]),
        gl in 0i64..3,
        gr in 0i64..3,
    ) {
        let spans: Vec<Span> = tree
            .iter()
            .enumerate()
            .map(|(i, (p, g))| {
                let mut s = span(1, i as u32 + 1, p.map(|p| p as u32 + 1));
                s.attributes.insert("g", AttrValue::Int(*g));
                s
            })
            .collect();
        let q = format!("{{ span.g = {gl} }} {op} {{ span.g = {gr} }}");
        let mut want: Vec<String> = brute_structural(op, &tree, gl, gr).iter().map(|&i| sid(i as u32 + 1)).collect();
        want.sort();
        prop_assert_eq!(matched(&q, &spans), want, "{}", q);
    }
}
