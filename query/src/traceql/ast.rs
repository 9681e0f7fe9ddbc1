//! The typed TraceQL tree.
//!
//! The tree holds no byte spans, so two parses of equivalent text compare equal; diagnostics
//! carry the positions instead. Every shape here is one Tempo's grammar can produce, and the
//! printer in `print.rs` writes each back as text that parses to the same tree.

/// A whole query: what it computes, plus optional `with (...)` query hints.
#[derive(Debug, Clone, PartialEq)]
pub struct Expr {
    pub body: Body,
    pub hints: Vec<Hint>,
}

/// The three kinds of TraceQL query.
#[derive(Debug, Clone, PartialEq)]
pub enum Body {
    /// A search: a spanset pipeline, or structural operators between parenthesized pipelines.
    Search(SearchExpr),
    /// One metrics query: `{...} | rate() by (...) | topk(5)`.
    Metrics(MetricsQuery),
    /// Arithmetic between parenthesized metrics queries, then optional second stages:
    /// `({status=error} | rate()) / ({} | rate()) > 0.1`.
    Math {
        expr: MetricsMath,
        second_stage: Vec<SecondStage>,
    },
}

/// A search query at the top level.
#[derive(Debug, Clone, PartialEq)]
pub enum SearchExpr {
    Pipeline(Pipeline),
    /// A spanset operator between parenthesized pipelines: `({a} | count() > 1) >> ({b})`.
    Op {
        op: SpansetOp,
        lhs: Box<SearchExpr>,
        rhs: Box<SearchExpr>,
    },
}

/// Stages separated by `|`.
#[derive(Debug, Clone, PartialEq)]
pub struct Pipeline {
    pub stages: Vec<Stage>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Stage {
    Spanset(SpansetExpr),
    /// `count() > 2`, `avg(duration) > 1s`.
    ScalarFilter(ScalarFilter),
    /// `by(resource.service.name)`.
    By(FieldExpr),
    /// `coalesce()`.
    Coalesce,
    /// `select(span.http.url, duration)`.
    Select(Vec<Field>),
}

/// Spanset filters combined by spanset operators.
#[derive(Debug, Clone, PartialEq)]
pub enum SpansetExpr {
    /// `{ expr }`; `{}` is `Filter(None)` and matches every span.
    Filter(Option<FieldExpr>),
    Op {
        op: SpansetOp,
        lhs: Box<SpansetExpr>,
        rhs: Box<SpansetExpr>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SpansetOp {
    /// `&&`: both spansets match in the trace.
    And,
    /// `||`
    Union,
    /// `>`
    Child,
    /// `<`
    Parent,
    /// `>>`
    Descendant,
    /// `<<`
    Ancestor,
    /// `~`
    Sibling,
    /// `!>`
    NotChild,
    /// `!<`
    NotParent,
    /// `!>>`
    NotDescendant,
    /// `!<<`
    NotAncestor,
    /// `!~`
    NotSibling,
    /// `&>`
    UnionChild,
    /// `&<`
    UnionParent,
    /// `&>>`
    UnionDescendant,
    /// `&<<`
    UnionAncestor,
    /// `&~`
    UnionSibling,
}

/// `lhs op rhs` over aggregates and numbers.
#[derive(Debug, Clone, PartialEq)]
pub struct ScalarFilter {
    pub op: CmpOp,
    pub lhs: ScalarExpr,
    pub rhs: ScalarExpr,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ScalarExpr {
    Aggregate(Aggregate),
    /// A number or duration (the grammar allows nothing else here).
    Static(Static),
    Binary {
        op: ArithOp,
        lhs: Box<ScalarExpr>,
        rhs: Box<ScalarExpr>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub enum Aggregate {
    Count,
    Avg(FieldExpr),
    Min(FieldExpr),
    Max(FieldExpr),
    Sum(FieldExpr),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CmpOp {
    Eq,
    Neq,
    Lt,
    Lte,
    Gt,
    Gte,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ArithOp {
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
}

/// What a span filter computes per span.
#[derive(Debug, Clone, PartialEq)]
pub enum FieldExpr {
    Static(Static),
    Field(Field),
    Unary {
        op: UnaryOp,
        expr: Box<FieldExpr>,
    },
    Binary {
        op: BinaryOp,
        lhs: Box<FieldExpr>,
        rhs: Box<FieldExpr>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnaryOp {
    /// `-x`
    Neg,
    /// `!x`
    Not,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    Arith(ArithOp),
    Cmp(CmpOp),
    /// `=~`
    Re,
    /// `!~`
    NotRe,
    And,
    Or,
}

/// Something read from a span: an intrinsic or an attribute.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Field {
    Intrinsic(Intrinsic),
    Attribute(Attribute),
}

/// `span.http.route`, `resource.service.name`, `.foo`, `parent.span.x`, `span."a b"`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Attribute {
    pub scope: Option<Scope>,
    pub parent: bool,
    pub name: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    Span,
    Resource,
    Event,
    Link,
    Instrumentation,
}

/// Span and trace properties with a fixed name. Several have two spellings in Tempo
/// (`traceDuration` and `trace:duration`); both parse to the same variant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Intrinsic {
    Duration,
    Name,
    Status,
    StatusMessage,
    Kind,
    /// `parent` (Tempo parses it but does not support it yet).
    Parent,
    RootName,
    RootServiceName,
    TraceDuration,
    NestedSetLeft,
    NestedSetRight,
    NestedSetParent,
    /// `trace:id`
    TraceId,
    /// `span:id`
    SpanId,
    /// `span:parentID`
    ParentId,
    /// `span:childCount`
    ChildCount,
    /// `event:name`
    EventName,
    /// `event:timeSinceStart`
    EventTimeSinceStart,
    /// `link:traceID`
    LinkTraceId,
    /// `link:spanID`
    LinkSpanId,
    /// `instrumentation:name`
    InstrumentationName,
    /// `instrumentation:version`
    InstrumentationVersion,
}

/// A literal value.
#[derive(Debug, Clone, PartialEq)]
pub enum Static {
    String(String),
    Int(i64),
    Float(f64),
    /// Nanoseconds, like Go's `time.Duration`.
    Duration(i64),
    Status(Status),
    Kind(Kind),
    Bool(bool),
    /// Only as a direct operand of `=` or `!=` (`span.foo != nil` tests existence).
    Nil,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Error,
    Ok,
    Unset,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Unspecified,
    Internal,
    Server,
    Client,
    Producer,
    Consumer,
}

/// A metrics query: a spanset pipeline, a first-stage function, then second stages.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricsQuery {
    pub pipeline: Pipeline,
    pub function: MetricsFn,
    pub second_stage: Vec<SecondStage>,
}

/// A first-stage metrics function and its `by (...)` labels.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricsFn {
    pub kind: MetricsKind,
    pub by: Vec<Field>,
}

#[derive(Debug, Clone, PartialEq)]
pub enum MetricsKind {
    Rate,
    CountOverTime,
    MinOverTime(Field),
    MaxOverTime(Field),
    AvgOverTime(Field),
    SumOverTime(Field),
    /// Quantiles as written (Tempo reads them as floats).
    QuantileOverTime(Field, Vec<f64>),
    HistogramOverTime(Field),
    /// `compare({selection}, topN, start, end)`; the optional parts as written.
    Compare {
        selection: Option<FieldExpr>,
        top_n: Option<i64>,
        window: Option<(i64, i64)>,
    },
}

/// What may follow a first-stage function: `| topk(n)`, `| bottomk(n)` or a filter `> 10`.
#[derive(Debug, Clone, PartialEq)]
pub enum SecondStage {
    TopK(i64),
    BottomK(i64),
    /// Keeps points that satisfy `op value`; the value is an int, float or duration.
    Filter {
        op: CmpOp,
        value: Static,
    },
}

/// Arithmetic between metrics queries (`+ - * /` only).
#[derive(Debug, Clone, PartialEq)]
pub enum MetricsMath {
    Query(Box<MetricsQuery>),
    Binary {
        op: ArithOp,
        lhs: Box<MetricsMath>,
        rhs: Box<MetricsMath>,
    },
}

/// One `key = value` in `with (...)`.
#[derive(Debug, Clone, PartialEq)]
pub struct Hint {
    pub key: String,
    pub value: Static,
}
