//! Property tests for the TraceQL parser: printing any well-formed tree and parsing the text
//! gives the same tree with no diagnostics, and no input makes the parser panic.

use std::fs;
use std::path::Path;

use loqui_query::traceql::*;
use loqui_query::traceql::{Kind as SpanKind, Status as SpanStatus};
use proptest::prelude::*;
use proptest::strategy::BoxedStrategy;

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 384,
        ..ProptestConfig::default()
    }
}

fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        4 => "[a-z][a-z0-9_.]{0,10}",
        1 => "[0-9a-z \"\\\\{}=-]{0,6}",
        1 => "\\PC{0,4}",
    ]
}

fn attribute() -> impl Strategy<Value = Attribute> {
    let scope = prop_oneof![
        Just(None),
        Just(Some(Scope::Span)),
        Just(Some(Scope::Resource)),
        Just(Some(Scope::Event)),
        Just(Some(Scope::Link)),
        Just(Some(Scope::Instrumentation)),
    ];
    (scope, name()).prop_map(|(scope, name)| Attribute {
        scope,
        parent: false,
        name,
    })
}

fn intrinsic_of(list: &'static [Intrinsic]) -> impl Strategy<Value = FieldExpr> {
    proptest::sample::select(list).prop_map(|i| FieldExpr::Field(Field::Intrinsic(i)))
}

fn attr_expr() -> impl Strategy<Value = FieldExpr> {
    attribute().prop_map(|a| FieldExpr::Field(Field::Attribute(a)))
}

fn finite() -> impl Strategy<Value = f64> {
    any::<f64>().prop_filter("finite", |v| v.is_finite())
}

fn number() -> impl Strategy<Value = Static> {
    prop_oneof![
        (i64::MIN + 1..=i64::MAX).prop_map(Static::Int),
        finite().prop_map(Static::Float),
        (i64::MIN + 1..i64::MAX).prop_map(Static::Duration),
    ]
}

fn string() -> impl Strategy<Value = Static> {
    "\\PC{0,8}".prop_map(Static::String)
}

/// Numeric field expressions that read the span.
fn num_expr(depth: u32) -> BoxedStrategy<FieldExpr> {
    use Intrinsic::*;
    let leaf = prop_oneof![
        attr_expr(),
        intrinsic_of(&[
            Duration,
            TraceDuration,
            NestedSetLeft,
            ChildCount,
            EventTimeSinceStart
        ]),
    ]
    .boxed();
    if depth == 0 {
        return leaf;
    }
    let arith = proptest::sample::select(
        &[
            ArithOp::Add,
            ArithOp::Sub,
            ArithOp::Mul,
            ArithOp::Div,
            ArithOp::Mod,
            ArithOp::Pow,
        ][..],
    );
    prop_oneof![
        3 => leaf,
        2 => (arith, num_expr(depth - 1), prop_oneof![num_expr(depth - 1), number().prop_map(FieldExpr::Static).boxed()])
            .prop_map(|(op, l, r)| bin(BinaryOp::Arith(op), l, r)),
        1 => num_expr(depth - 1).prop_map(|e| FieldExpr::Unary { op: UnaryOp::Neg, expr: Box::new(e) }),
    ]
    .boxed()
}

fn bin(op: BinaryOp, l: FieldExpr, r: FieldExpr) -> FieldExpr {
    FieldExpr::Binary {
        op,
        lhs: Box::new(l),
        rhs: Box::new(r),
    }
}

fn cmp() -> impl Strategy<Value = CmpOp> {
    proptest::sample::select(
        &[
            CmpOp::Eq,
            CmpOp::Neq,
            CmpOp::Lt,
            CmpOp::Lte,
            CmpOp::Gt,
            CmpOp::Gte,
        ][..],
    )
}

fn condition() -> BoxedStrategy<FieldExpr> {
    use Intrinsic::*;
    let eq = proptest::sample::select(&[CmpOp::Eq, CmpOp::Neq][..]);
    let status =
        proptest::sample::select(&[SpanStatus::Ok, SpanStatus::Error, SpanStatus::Unset][..]);
    let kind = proptest::sample::select(
        &[
            SpanKind::Server,
            SpanKind::Client,
            SpanKind::Internal,
            SpanKind::Consumer,
        ][..],
    );
    let text = prop_oneof![
        attr_expr(),
        intrinsic_of(&[Name, StatusMessage, RootName, TraceId, EventName])
    ];
    let regex = "[a-z0-9 ]{0,6}(\\.\\*)?".prop_map(Static::String);
    let re = proptest::sample::select(&[BinaryOp::Re, BinaryOp::NotRe][..]);
    prop_oneof![
        any::<bool>().prop_map(|b| FieldExpr::Static(Static::Bool(b))),
        attr_expr(),
        (cmp(), num_expr(2), number()).prop_map(|(op, l, r)| bin(
            BinaryOp::Cmp(op),
            l,
            FieldExpr::Static(r)
        )),
        (cmp(), text.clone(), string()).prop_map(|(op, l, r)| bin(
            BinaryOp::Cmp(op),
            l,
            FieldExpr::Static(r)
        )),
        (re, text, regex).prop_map(|(op, l, r)| bin(op, l, FieldExpr::Static(r))),
        (eq.clone(), status).prop_map(|(op, s)| bin(
            BinaryOp::Cmp(op),
            FieldExpr::Field(Field::Intrinsic(Status)),
            FieldExpr::Static(Static::Status(s))
        )),
        (eq.clone(), kind).prop_map(|(op, k)| bin(
            BinaryOp::Cmp(op),
            FieldExpr::Field(Field::Intrinsic(Kind)),
            FieldExpr::Static(Static::Kind(k))
        )),
        (eq, attr_expr(), any::<bool>()).prop_map(|(op, a, left)| {
            let nil = FieldExpr::Static(Static::Nil);
            if left {
                bin(BinaryOp::Cmp(op), nil, a)
            } else {
                bin(BinaryOp::Cmp(op), a, nil)
            }
        }),
    ]
    .boxed()
}

fn bool_expr(depth: u32) -> BoxedStrategy<FieldExpr> {
    if depth == 0 {
        return condition();
    }
    let logic = proptest::sample::select(&[BinaryOp::And, BinaryOp::Or][..]);
    prop_oneof![
        3 => condition(),
        2 => (logic, bool_expr(depth - 1), bool_expr(depth - 1)).prop_map(|(op, l, r)| bin(op, l, r)),
        1 => bool_expr(depth - 1).prop_map(|e| FieldExpr::Unary { op: UnaryOp::Not, expr: Box::new(e) }),
    ]
    .boxed()
}

fn spanset_op() -> impl Strategy<Value = SpansetOp> {
    use SpansetOp::*;
    proptest::sample::select(
        &[
            And,
            Union,
            Child,
            Parent,
            Descendant,
            Ancestor,
            Sibling,
            NotChild,
            NotParent,
            NotDescendant,
            NotAncestor,
            NotSibling,
            UnionChild,
            UnionParent,
            UnionDescendant,
            UnionAncestor,
            UnionSibling,
        ][..],
    )
}

fn spanset(depth: u32) -> BoxedStrategy<SpansetExpr> {
    let filter = prop_oneof![1 => Just(SpansetExpr::Filter(None)), 4 => bool_expr(2).prop_map(|e| SpansetExpr::Filter(Some(e)))].boxed();
    if depth == 0 {
        return filter;
    }
    prop_oneof![
        2 => filter,
        1 => (spanset_op(), spanset(depth - 1), spanset(depth - 1))
            .prop_map(|(op, l, r)| SpansetExpr::Op { op, lhs: Box::new(l), rhs: Box::new(r) }),
    ]
    .boxed()
}

fn field() -> impl Strategy<Value = Field> {
    use Intrinsic::*;
    prop_oneof![
        attribute().prop_map(Field::Attribute),
        proptest::sample::select(
            &[
                Duration,
                Name,
                Status,
                Kind,
                RootServiceName,
                TraceId,
                SpanId,
                InstrumentationVersion
            ][..]
        )
        .prop_map(Field::Intrinsic),
    ]
}

fn scalar_filter() -> impl Strategy<Value = ScalarFilter> {
    let agg = prop_oneof![
        Just(Aggregate::Count),
        num_expr(1).prop_map(Aggregate::Avg),
        num_expr(1).prop_map(Aggregate::Max),
        num_expr(1).prop_map(Aggregate::Sum),
    ];
    (cmp(), agg, number()).prop_map(|(op, a, n)| ScalarFilter {
        op,
        lhs: ScalarExpr::Aggregate(a),
        rhs: ScalarExpr::Static(n),
    })
}

fn later_stage() -> impl Strategy<Value = Stage> {
    prop_oneof![
        3 => spanset(2).prop_map(Stage::Spanset),
        2 => scalar_filter().prop_map(Stage::ScalarFilter),
        1 => num_expr(1).prop_map(Stage::By),
        1 => Just(Stage::Coalesce),
        1 => proptest::collection::vec(field(), 1..4).prop_map(Stage::Select),
    ]
}

fn pipeline(min_stages: usize) -> impl Strategy<Value = Pipeline> {
    let first = prop_oneof![3 => spanset(2).prop_map(Stage::Spanset), 1 => scalar_filter().prop_map(Stage::ScalarFilter)];
    (
        first,
        proptest::collection::vec(later_stage(), min_stages.saturating_sub(1)..3),
    )
        .prop_map(|(f, rest)| {
            let mut stages = vec![f];
            stages.extend(rest);
            Pipeline { stages }
        })
}

fn search(depth: u32) -> BoxedStrategy<SearchExpr> {
    if depth == 0 {
        return pipeline(2).prop_map(SearchExpr::Pipeline).boxed();
    }
    (spanset_op(), search(depth - 1), search(depth - 1))
        .prop_map(|(op, l, r)| SearchExpr::Op {
            op,
            lhs: Box::new(l),
            rhs: Box::new(r),
        })
        .boxed()
}

fn metrics_fn() -> impl Strategy<Value = MetricsFn> {
    let by = proptest::collection::vec(field(), 0..4);
    let kind = prop_oneof![
        Just(MetricsKind::Rate),
        Just(MetricsKind::CountOverTime),
        field().prop_map(MetricsKind::MaxOverTime),
        field().prop_map(MetricsKind::AvgOverTime),
        field().prop_map(MetricsKind::HistogramOverTime),
        (field(), proptest::collection::vec(0.0..=1.0f64, 1..4))
            .prop_map(|(f, q)| MetricsKind::QuantileOverTime(f, q)),
    ];
    (kind, by).prop_map(|(kind, by)| MetricsFn { kind, by })
}

fn second_stage() -> impl Strategy<Value = SecondStage> {
    prop_oneof![
        (1..100i64).prop_map(SecondStage::TopK),
        (1..100i64).prop_map(SecondStage::BottomK),
        (cmp(), number()).prop_map(|(op, value)| SecondStage::Filter { op, value }),
    ]
}

fn metrics_query() -> impl Strategy<Value = MetricsQuery> {
    let compare = (
        bool_expr(1),
        proptest::option::of(0..50i64),
        proptest::option::of((0..i64::MAX, 0..i64::MAX)),
    )
        .prop_map(|(e, top_n, window)| MetricsFn {
            kind: MetricsKind::Compare {
                selection: Some(e),
                top_n: top_n.or(window.map(|_| 10)),
                window,
            },
            by: Vec::new(),
        });
    prop_oneof![
        3 => (pipeline(1), metrics_fn(), proptest::collection::vec(second_stage(), 0..3)),
        1 => (pipeline(1), compare, Just(Vec::new())),
    ]
    .prop_map(|(pipeline, function, second_stage)| MetricsQuery {
        pipeline,
        function,
        second_stage,
    })
}

fn math(depth: u32) -> BoxedStrategy<MetricsMath> {
    let leaf = metrics_query()
        .prop_map(|q| MetricsMath::Query(Box::new(q)))
        .boxed();
    if depth == 0 {
        return leaf;
    }
    let op =
        proptest::sample::select(&[ArithOp::Add, ArithOp::Sub, ArithOp::Mul, ArithOp::Div][..]);
    prop_oneof![1 => leaf, 2 => (op, math(depth - 1), math(depth - 1))
        .prop_map(|(op, l, r)| MetricsMath::Binary { op, lhs: Box::new(l), rhs: Box::new(r) })]
    .boxed()
}

fn hint() -> impl Strategy<Value = Hint> {
    let key = proptest::sample::select(&["sample", "exemplars", "most_recent", "debug"][..])
        .prop_map(str::to_string);
    let value = prop_oneof![
        (0..i64::MAX).prop_map(Static::Int),
        (0.0..1e9f64).prop_map(Static::Float),
        any::<bool>().prop_map(Static::Bool),
        string(),
    ];
    (key, value).prop_map(|(key, value)| Hint { key, value })
}

fn expr() -> impl Strategy<Value = Expr> {
    let body = prop_oneof![
        3 => pipeline(1).prop_map(|p| Body::Search(SearchExpr::Pipeline(p))),
        1 => search(2).prop_map(Body::Search),
        2 => metrics_query().prop_map(Body::Metrics),
        1 => (math(2), proptest::collection::vec(second_stage(), 0..2))
            .prop_filter("math needs an operator", |(m, _)| matches!(m, MetricsMath::Binary { .. }))
            .prop_map(|(expr, second_stage)| Body::Math { expr, second_stage }),
    ];
    (body, proptest::collection::vec(hint(), 0..2)).prop_map(|(body, hints)| Expr { body, hints })
}

fn corpus() -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/golden/traceql");
    let mut out = Vec::new();
    for kind in ["ok", "err"] {
        for entry in fs::read_dir(dir.join(kind)).expect("corpus dir") {
            let path = entry.expect("entry").path();
            if path.extension().is_some_and(|e| e == "txt") {
                let text = fs::read_to_string(path).expect("corpus file");
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

proptest! {
    #![proptest_config(config())]

    #[test]
    fn printed_trees_parse_back_unchanged(tree in expr()) {
        let text = tree.to_string();
        let parsed = parse(&text);
        prop_assert!(parsed.diagnostics.is_empty(), "{text}\n{:?}", parsed.diagnostics);
        prop_assert_eq!(parsed.tree.as_ref(), Some(&tree), "{}", text);
    }

    #[test]
    fn arbitrary_text_never_panics(src in "\\PC{0,60}") {
        let _ = parse(&src);
    }

    #[test]
    fn mutated_queries_never_panic(
        pick in any::<proptest::sample::Index>(),
        edits in proptest::collection::vec((any::<proptest::sample::Index>(), any::<bool>(), "[ -~]"), 1..4),
    ) {
        let queries = corpus();
        let mut q: Vec<char> = pick.get(&queries).chars().collect();
        for (at, insert, text) in edits {
            let i = at.index(q.len() + 1);
            if insert || q.is_empty() {
                q.splice(i..i, text.chars());
            } else {
                q.remove(i.min(q.len() - 1));
            }
        }
        let src: String = q.into_iter().collect();
        let parsed = parse(&src);
        if let Some(tree) = parsed.tree.filter(|_| parsed.diagnostics.is_empty()) {
            let again = parse(&tree.to_string());
            prop_assert_eq!(again.tree, Some(tree));
        }
    }
}
