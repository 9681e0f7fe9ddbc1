//! Property tests for the LogQL parser: random well-formed trees print to text that parses back
//! to the same tree with no diagnostics, and no input (random or mutated) makes it panic.

use std::path::Path;

use loqui_query::logql::*;
use proptest::prelude::*;
use proptest::sample::select;

const LABELS: &[&str] = &[
    "app",
    "level",
    "status",
    "pod",
    "service_name",
    "x_1",
    "_t",
    "rate",
    "count",
    "Größe",
];
const REGEXES: &[&str] = &[
    ".+",
    "a|b",
    "(?i)err.*",
    "[0-9]{3}",
    "x",
    "\\d+ms",
    ".*-service",
];
const IPS: &[&str] = &[
    "10.0.0.1",
    "10.0.0.0/8",
    "::1",
    "10.0.0.1-10.0.0.9",
    "2001:db8::/32",
];
const NAMED_REGEXES: &[&str] = &["(?P<a>\\w+)", "status=(?P<status>\\d+)", "(?<b>.)"];
const PATTERNS: &[&str] = &["<a> <_>", "<_> level=<level> <_>", "<ip> - <b>"];

fn label() -> impl Strategy<Value = String> {
    select(LABELS).prop_map(str::to_owned)
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![".{0,12}", "[a-z \"\\\\\n\t]{0,8}"]
}

fn matcher() -> impl Strategy<Value = Matcher> {
    prop_oneof![
        (label(), text()).prop_map(|(n, v)| Matcher::new(n, MatchOp::Eq, v)),
        (label(), text()).prop_map(|(n, v)| Matcher::new(n, MatchOp::Neq, v)),
        (label(), select(REGEXES)).prop_map(|(n, v)| Matcher::new(n, MatchOp::Re, v)),
        (label(), select(REGEXES)).prop_map(|(n, v)| Matcher::new(n, MatchOp::Nre, v)),
    ]
}

/// A selector whose first matcher always selects streams (so the empty-matcher check passes).
fn selector() -> impl Strategy<Value = Vec<Matcher>> {
    (
        label(),
        "[a-z]{1,6}",
        prop::collection::vec(matcher(), 0..3),
    )
        .prop_map(|(n, v, rest)| {
            let mut all = vec![Matcher::new(n, MatchOp::Eq, v)];
            all.extend(rest);
            all
        })
}

fn duration() -> impl Strategy<Value = Duration> {
    prop_oneof![
        (1i64..100_000).prop_map(Duration::from_secs),
        (-1_000_000_000_000i64..1_000_000_000_000).prop_map(Duration),
    ]
}

fn range_duration() -> impl Strategy<Value = Duration> {
    (1i64..10_000_000).prop_map(|ms| Duration(ms * 1_000_000))
}

fn number() -> impl Strategy<Value = f64> {
    prop_oneof![
        -1e6..1e6f64,
        Just(0.0),
        Just(1e-9),
        Just(2.5e300),
        (0i64..1000).prop_map(|n| n as f64)
    ]
}

fn cmp() -> impl Strategy<Value = CmpOp> {
    select(
        &[
            CmpOp::Eq,
            CmpOp::Neq,
            CmpOp::Gt,
            CmpOp::Gte,
            CmpOp::Lt,
            CmpOp::Lte,
        ][..],
    )
}

fn label_filter() -> impl Strategy<Value = LabelFilter> {
    let atom = prop_oneof![
        matcher().prop_map(LabelFilter::Matcher),
        (label(), any::<bool>(), select(IPS)).prop_map(|(name, negated, c)| LabelFilter::Ip {
            name,
            negated,
            cidr: c.into()
        }),
        (label(), cmp(), number()).prop_map(|(name, op, value)| LabelFilter::Number {
            name,
            op,
            value
        }),
        (label(), cmp(), duration()).prop_map(|(name, op, value)| LabelFilter::Duration {
            name,
            op,
            value
        }),
        (label(), cmp(), 0u64..(1 << 45)).prop_map(|(name, op, b)| LabelFilter::Bytes {
            name,
            op,
            value: Bytes(b)
        }),
    ];
    atom.prop_recursive(3, 12, 2, |inner| {
        prop_oneof![
            (inner.clone(), inner.clone())
                .prop_map(|(a, b)| LabelFilter::And(Box::new(a), Box::new(b))),
            (inner.clone(), inner).prop_map(|(a, b)| LabelFilter::Or(Box::new(a), Box::new(b))),
        ]
    })
}

fn line_filter() -> impl Strategy<Value = LineFilter> {
    let plain = (
        select(&[LineFilterOp::Contains, LineFilterOp::NotContains][..]),
        prop::collection::vec(
            prop_oneof![
                text().prop_map(FilterValue::Text),
                select(IPS).prop_map(|s| FilterValue::Ip(s.into()))
            ],
            1..3,
        ),
    )
        .prop_map(|(op, values)| LineFilter { op, values });
    let regex = (
        select(&[LineFilterOp::Match, LineFilterOp::NotMatch][..]),
        prop::collection::vec(
            select(REGEXES).prop_map(|s| FilterValue::Text(s.into())),
            1..3,
        ),
    )
        .prop_map(|(op, values)| LineFilter { op, values });
    let pattern = (
        select(&[LineFilterOp::Pattern, LineFilterOp::NotPattern][..]),
        prop::collection::vec(
            select(PATTERNS).prop_map(|s| FilterValue::Text(s.into())),
            1..3,
        ),
    )
        .prop_map(|(op, values)| LineFilter { op, values });
    prop_oneof![plain, regex, pattern]
}

fn extractions() -> impl Strategy<Value = Vec<Extraction>> {
    prop::collection::vec(
        (label(), prop::option::of(text())).prop_map(|(label, expr)| Extraction { label, expr }),
        0..3,
    )
}

fn parser() -> impl Strategy<Value = Parser> {
    prop_oneof![
        extractions().prop_map(Parser::Json),
        (any::<bool>(), any::<bool>(), extractions()).prop_map(|(strict, keep_empty, params)| {
            Parser::Logfmt {
                strict,
                keep_empty,
                params,
            }
        }),
        select(NAMED_REGEXES).prop_map(|s| Parser::Regexp(s.into())),
        select(PATTERNS).prop_map(|s| Parser::Pattern(s.into())),
        Just(Parser::Unpack),
    ]
}

fn named_matchers() -> impl Strategy<Value = Vec<NamedMatcher>> {
    prop::collection::vec(
        prop_oneof![
            label().prop_map(NamedMatcher::Name),
            matcher().prop_map(NamedMatcher::Matcher)
        ],
        1..3,
    )
}

fn stage() -> impl Strategy<Value = Stage> {
    let format = prop_oneof![
        (label(), label()).prop_map(|(dst, src)| LabelFormat::Rename { dst, src }),
        (label(), text()).prop_map(|(dst, template)| LabelFormat::Template { dst, template }),
    ];
    prop_oneof![
        line_filter().prop_map(Stage::LineFilter),
        parser().prop_map(Stage::Parser),
        label_filter().prop_map(Stage::LabelFilter),
        text().prop_map(Stage::LineFormat),
        prop::collection::vec(format, 1..3).prop_map(Stage::LabelFormat),
        Just(Stage::Decolorize),
        named_matchers().prop_map(Stage::Drop),
        named_matchers().prop_map(Stage::Keep),
    ]
}

fn log_expr() -> impl Strategy<Value = LogExpr> {
    (selector(), prop::collection::vec(stage(), 0..4))
        .prop_filter("no LogQL spelling", |(_, stages)| {
            stages.windows(2).all(spellable)
        })
        .prop_map(|(selector, pipeline)| LogExpr { selector, pipeline })
}

/// `| keep a != "x"` is a keep matcher to Loki (yacc shifts), so a `drop`/`keep` ending in a
/// bare name cannot be followed by a `!=`/`!~` line filter in any text.
fn spellable(pair: &[Stage]) -> bool {
    let ends_in_name = match &pair[0] {
        Stage::Drop(items) | Stage::Keep(items) => {
            matches!(items.last(), Some(NamedMatcher::Name(_)))
        }
        _ => false,
    };
    let negative_filter = matches!(&pair[1], Stage::LineFilter(lf) if matches!(lf.op, LineFilterOp::NotContains | LineFilterOp::NotMatch));
    !(ends_in_name && negative_filter)
}

const RANGE_OPS: &[RangeOp] = &[
    RangeOp::Rate,
    RangeOp::RateCounter,
    RangeOp::CountOverTime,
    RangeOp::BytesRate,
    RangeOp::BytesOverTime,
    RangeOp::AvgOverTime,
    RangeOp::SumOverTime,
    RangeOp::MinOverTime,
    RangeOp::MaxOverTime,
    RangeOp::StdvarOverTime,
    RangeOp::StddevOverTime,
    RangeOp::QuantileOverTime,
    RangeOp::FirstOverTime,
    RangeOp::LastOverTime,
    RangeOp::AbsentOverTime,
];

fn unwrap() -> impl Strategy<Value = Unwrap> {
    let conv = prop::option::of(select(
        &[
            UnwrapConv::Bytes,
            UnwrapConv::Duration,
            UnwrapConv::DurationSeconds,
        ][..],
    ));
    (label(), conv, prop::collection::vec(label_filter(), 0..2)).prop_map(
        |(label, conv, post_filters)| Unwrap {
            label,
            conv,
            post_filters,
        },
    )
}

fn grouping() -> impl Strategy<Value = Grouping> {
    (any::<bool>(), prop::collection::vec(label(), 0..3))
        .prop_map(|(without, labels)| Grouping { without, labels })
}

fn range_aggregation() -> impl Strategy<Value = RangeAggregation> {
    let parts = (
        select(RANGE_OPS),
        0.0..1.0f64,
        log_expr(),
        range_duration(),
        prop::option::of(duration()),
    );
    (parts, unwrap(), any::<bool>(), prop::option::of(grouping())).prop_map(
        |((op, q, log, range, offset), u, use_unwrap, grouping)| {
            let unwrap = (op.needs_unwrap() || (use_unwrap && op.allows_unwrap())).then_some(u);
            RangeAggregation {
                op,
                param: (op == RangeOp::QuantileOverTime).then_some(q),
                range: LogRange {
                    log,
                    range,
                    offset,
                    unwrap,
                },
                grouping: grouping.filter(|_| op.allows_grouping()),
            }
        },
    )
}

const VECTOR_OPS: &[VectorOp] = &[
    VectorOp::Sum,
    VectorOp::Avg,
    VectorOp::Min,
    VectorOp::Max,
    VectorOp::Count,
    VectorOp::Stddev,
    VectorOp::Stdvar,
    VectorOp::Topk,
    VectorOp::Bottomk,
    VectorOp::Sort,
    VectorOp::SortDesc,
    VectorOp::ApproxTopk,
];

const BIN_OPS: &[BinOp] = &[
    BinOp::Or,
    BinOp::And,
    BinOp::Unless,
    BinOp::Add,
    BinOp::Sub,
    BinOp::Mul,
    BinOp::Div,
    BinOp::Mod,
    BinOp::Pow,
    BinOp::Eq,
    BinOp::Neq,
    BinOp::Gt,
    BinOp::Gte,
    BinOp::Lt,
    BinOp::Lte,
];

fn modifier() -> impl Strategy<Value = BinModifier> {
    let group = prop::option::of(
        (any::<bool>(), prop::collection::vec(label(), 0..2))
            .prop_map(|(left, include)| GroupModifier { left, include }),
    );
    let matching = prop::option::of(
        (any::<bool>(), prop::collection::vec(label(), 0..2), group)
            .prop_map(|(on, labels, group)| VectorMatching { on, labels, group }),
    );
    (any::<bool>(), matching).prop_map(|(return_bool, matching)| BinModifier {
        return_bool,
        matching,
    })
}

/// `and`, `or` and `unless` reject literal legs, so those become `vector(...)`.
fn no_literal(e: MetricExpr) -> MetricExpr {
    match e {
        MetricExpr::Literal(v) => MetricExpr::VectorLiteral(v.abs()),
        e => e,
    }
}

fn metric_expr() -> impl Strategy<Value = MetricExpr> {
    let leaf = prop_oneof![
        range_aggregation().prop_map(MetricExpr::Range),
        number().prop_map(MetricExpr::Literal),
        number().prop_map(|v| MetricExpr::VectorLiteral(v.abs())),
    ];
    leaf.prop_recursive(3, 8, 2, |inner| {
        let vector = (
            select(VECTOR_OPS),
            1i64..50,
            prop::option::of(grouping()),
            inner.clone(),
        )
            .prop_map(|(op, k, g, e)| {
                let grouping = match op {
                    VectorOp::ApproxTopk => None,
                    VectorOp::Sort | VectorOp::SortDesc => g.map(|g| Grouping {
                        labels: vec![],
                        ..g
                    }),
                    _ => g,
                };
                MetricExpr::Vector(VectorAggregation {
                    op,
                    param: op.takes_param().then_some(k),
                    grouping,
                    expr: Box::new(e),
                })
            });
        let binary = (select(BIN_OPS), modifier(), inner.clone(), inner.clone()).prop_map(
            |(op, modifier, lhs, rhs)| {
                let logical = matches!(op, BinOp::And | BinOp::Or | BinOp::Unless);
                let (lhs, rhs) = if logical {
                    (no_literal(lhs), no_literal(rhs))
                } else {
                    (lhs, rhs)
                };
                MetricExpr::Binary(Box::new(BinaryExpr {
                    op,
                    modifier,
                    lhs,
                    rhs,
                }))
            },
        );
        let replace = (
            inner,
            "[a-z_][a-z0-9_]{0,5}",
            text(),
            label(),
            select(REGEXES),
        )
            .prop_map(|(expr, dst, replacement, src, regex)| {
                MetricExpr::LabelReplace(Box::new(LabelReplace {
                    expr,
                    dst,
                    replacement,
                    src,
                    regex: regex.into(),
                }))
            });
        prop_oneof![vector, binary, replace]
    })
}

fn expr() -> impl Strategy<Value = Expr> {
    prop_oneof![
        log_expr().prop_map(Expr::Log),
        metric_expr().prop_map(Expr::Metric)
    ]
}

fn corpus() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/logql");
    let mut out = Vec::new();
    for kind in ["ok", "err"] {
        for entry in std::fs::read_dir(dir.join(kind)).expect("corpus dir") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e == "txt") {
                let text = std::fs::read_to_string(path).expect("corpus file");
                out.extend(
                    text.lines()
                        .filter(|l| !l.is_empty() && !l.starts_with('#'))
                        .map(str::to_owned),
                );
            }
        }
    }
    out
}

/// Parsing never panics; when it succeeds, the canonical text must round-trip.
fn check_stable(src: &str) {
    let parsed = parse(src);
    if let (Some(tree), true) = (&parsed.tree, parsed.diagnostics.is_empty()) {
        let again = parse(&tree.to_string());
        assert_eq!(
            again.tree.as_ref(),
            Some(tree),
            "canonical text of {src:?} does not round-trip: {tree}"
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(512), failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn printed_trees_parse_back(tree in expr()) {
        let text = tree.to_string();
        let parsed = parse(&text);
        prop_assert!(parsed.diagnostics.is_empty(), "{text}\n{:?}", parsed.diagnostics);
        prop_assert_eq!(parsed.tree.as_ref(), Some(&tree), "{}", text);
    }

    #[test]
    fn arbitrary_text_never_panics(src in "\\PC{0,60}") {
        check_stable(&src);
    }

    #[test]
    fn logql_shaped_noise_never_panics(src in "[{}()\\[\\]|=~!<>,.\"` a-z0-9_+*/%^-]{0,60}") {
        check_stable(&src);
    }

    #[test]
    fn mutated_corpus_queries_never_panic(
        pick in any::<prop::sample::Index>(),
        edits in prop::collection::vec((any::<prop::sample::Index>(), any::<bool>(), any::<char>()), 1..4),
    ) {
        let queries = corpus();
        let mut chars: Vec<char> = pick.get(&queries).chars().collect();
        for (at, insert, c) in edits {
            let i = at.index(chars.len() + 1);
            if insert {
                chars.insert(i, c);
            } else if i < chars.len() {
                chars.remove(i);
            }
        }
        check_stable(&chars.into_iter().collect::<String>());
    }
}
