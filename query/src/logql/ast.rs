//! The typed LogQL tree.
//!
//! The tree holds no byte spans, so two trees compare equal exactly when they mean the same query;
//! that keeps `parse(&tree.to_string()) == tree` a plain `PartialEq` check. Parentheses are not
//! nodes either: the printer puts them back where precedence needs them.

use super::units::{Bytes, Duration};

/// A whole LogQL query: a log query that returns lines, or a metric query that returns samples.
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    Log(LogExpr),
    Metric(MetricExpr),
}

impl Expr {
    pub fn is_metric(&self) -> bool {
        matches!(self, Expr::Metric(_))
    }

    /// Every log expression in the query, left to right (one for a log query).
    pub fn log_exprs(&self) -> Vec<&LogExpr> {
        let mut out = Vec::new();
        match self {
            Expr::Log(log) => out.push(log),
            Expr::Metric(m) => m.collect_logs(&mut out),
        }
        out
    }
}

/// `{selector} pipeline...`
#[derive(Debug, Clone, PartialEq)]
pub struct LogExpr {
    pub selector: Vec<Matcher>,
    pub pipeline: Vec<Stage>,
}

impl LogExpr {
    /// The stream selector's matchers.
    pub fn matchers(&self) -> &[Matcher] {
        &self.selector
    }

    /// The value a stream label must equal, when the selector pins it with `=`.
    pub fn selector_value(&self, name: &str) -> Option<&str> {
        self.selector
            .iter()
            .find(|m| m.name == name && m.op == MatchOp::Eq)
            .map(|m| m.value.as_str())
    }

    pub fn has_pipeline(&self) -> bool {
        !self.pipeline.is_empty()
    }
}

/// `name op "value"`, in a stream selector, a label filter or `drop`/`keep`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Matcher {
    pub name: String,
    pub op: MatchOp,
    pub value: String,
}

impl Matcher {
    pub fn new(name: impl Into<String>, op: MatchOp, value: impl Into<String>) -> Matcher {
        Matcher {
            name: name.into(),
            op,
            value: value.into(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MatchOp {
    /// `=`
    Eq,
    /// `!=`
    Neq,
    /// `=~`
    Re,
    /// `!~`
    Nre,
}

/// One stage of a log pipeline.
#[derive(Debug, Clone, PartialEq)]
pub enum Stage {
    /// `|= "a"`, `!~ "b" or "c"`, `|= ip("10.0.0.0/8")`.
    LineFilter(LineFilter),
    /// `| json`, `| logfmt`, `| regexp "..."`, `| pattern "..."`, `| unpack`.
    Parser(Parser),
    /// `| status >= 500 and level="error"`.
    LabelFilter(LabelFilter),
    /// `| line_format "{{.msg}}"`.
    LineFormat(String),
    /// `| label_format dst=src, other="{{.x}}"`.
    LabelFormat(Vec<LabelFormat>),
    /// `| decolorize`.
    Decolorize,
    /// `| drop a, b="x"`.
    Drop(Vec<NamedMatcher>),
    /// `| keep a, b="x"`.
    Keep(Vec<NamedMatcher>),
}

/// A line filter with its `or` alternatives: `|= "a" or "b"` has two values.
#[derive(Debug, Clone, PartialEq)]
pub struct LineFilter {
    pub op: LineFilterOp,
    pub values: Vec<FilterValue>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LineFilterOp {
    /// `|=`
    Contains,
    /// `!=`
    NotContains,
    /// `|~`
    Match,
    /// `!~`
    NotMatch,
    /// `|>`
    Pattern,
    /// `!>`
    NotPattern,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum FilterValue {
    Text(String),
    /// `ip("192.168.0.0/16")`
    Ip(String),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Parser {
    Json(Vec<Extraction>),
    Logfmt {
        strict: bool,
        keep_empty: bool,
        params: Vec<Extraction>,
    },
    Regexp(String),
    Pattern(String),
    Unpack,
}

/// `label="expression"` or a bare `label` (which extracts the field of the same name).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Extraction {
    pub label: String,
    pub expr: Option<String>,
}

/// A label filter expression; `,` and juxtaposition mean `and`.
#[derive(Debug, Clone, PartialEq)]
pub enum LabelFilter {
    Matcher(Matcher),
    Ip {
        name: String,
        negated: bool,
        cidr: String,
    },
    Number {
        name: String,
        op: CmpOp,
        value: f64,
    },
    Duration {
        name: String,
        op: CmpOp,
        value: Duration,
    },
    Bytes {
        name: String,
        op: CmpOp,
        value: Bytes,
    },
    And(Box<LabelFilter>, Box<LabelFilter>),
    Or(Box<LabelFilter>, Box<LabelFilter>),
}

/// Comparison of a label's numeric, duration or bytes value. `=` and `==` are the same.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CmpOp {
    Eq,
    Neq,
    Gt,
    Gte,
    Lt,
    Lte,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum LabelFormat {
    /// `dst=src`
    Rename { dst: String, src: String },
    /// `dst="{{ template }}"`
    Template { dst: String, template: String },
}

/// A `drop`/`keep` argument: a bare label name or a matcher.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum NamedMatcher {
    Name(String),
    Matcher(Matcher),
}

/// An expression that produces samples.
#[derive(Debug, Clone, PartialEq)]
pub enum MetricExpr {
    Range(RangeAggregation),
    Vector(VectorAggregation),
    Binary(Box<BinaryExpr>),
    Literal(f64),
    LabelReplace(Box<LabelReplace>),
    /// `vector(1)`
    VectorLiteral(f64),
}

impl MetricExpr {
    fn collect_logs<'a>(&'a self, out: &mut Vec<&'a LogExpr>) {
        match self {
            MetricExpr::Range(r) => out.push(&r.range.log),
            MetricExpr::Vector(v) => v.expr.collect_logs(out),
            MetricExpr::Binary(b) => {
                b.lhs.collect_logs(out);
                b.rhs.collect_logs(out);
            }
            MetricExpr::LabelReplace(l) => l.expr.collect_logs(out),
            MetricExpr::Literal(_) | MetricExpr::VectorLiteral(_) => {}
        }
    }
}

/// `rate({...}[5m])`, `quantile_over_time(0.9, {...} | unwrap x [5m]) by (a)`.
#[derive(Debug, Clone, PartialEq)]
pub struct RangeAggregation {
    pub op: RangeOp,
    pub param: Option<f64>,
    pub range: LogRange,
    pub grouping: Option<Grouping>,
}

/// The log expression a range aggregation reads, with its range, offset and unwrap.
#[derive(Debug, Clone, PartialEq)]
pub struct LogRange {
    pub log: LogExpr,
    pub range: Duration,
    pub offset: Option<Duration>,
    pub unwrap: Option<Unwrap>,
}

/// `| unwrap bytes(size) | __error__=""`
#[derive(Debug, Clone, PartialEq)]
pub struct Unwrap {
    pub label: String,
    pub conv: Option<UnwrapConv>,
    pub post_filters: Vec<LabelFilter>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UnwrapConv {
    Bytes,
    Duration,
    DurationSeconds,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RangeOp {
    Rate,
    RateCounter,
    CountOverTime,
    BytesRate,
    BytesOverTime,
    AvgOverTime,
    SumOverTime,
    MinOverTime,
    MaxOverTime,
    StdvarOverTime,
    StddevOverTime,
    QuantileOverTime,
    FirstOverTime,
    LastOverTime,
    AbsentOverTime,
}

/// `sum by (a) (...)`, `topk(5, ...)`.
#[derive(Debug, Clone, PartialEq)]
pub struct VectorAggregation {
    pub op: VectorOp,
    pub param: Option<i64>,
    pub grouping: Option<Grouping>,
    pub expr: Box<MetricExpr>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum VectorOp {
    Sum,
    Avg,
    Min,
    Max,
    Count,
    Stddev,
    Stdvar,
    Topk,
    Bottomk,
    Sort,
    SortDesc,
    ApproxTopk,
}

/// `by (a, b)` or `without (c)`; the label list may be empty.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Grouping {
    pub without: bool,
    pub labels: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BinaryExpr {
    pub op: BinOp,
    pub modifier: BinModifier,
    pub lhs: MetricExpr,
    pub rhs: MetricExpr,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinOp {
    Or,
    And,
    Unless,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
    Pow,
    Eq,
    Neq,
    Gt,
    Gte,
    Lt,
    Lte,
}

/// `bool`, `on (a)`/`ignoring (b)` and `group_left (c)`/`group_right`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct BinModifier {
    pub return_bool: bool,
    pub matching: Option<VectorMatching>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VectorMatching {
    /// `on` when true, `ignoring` when false.
    pub on: bool,
    pub labels: Vec<String>,
    pub group: Option<GroupModifier>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct GroupModifier {
    /// `group_left` when true, `group_right` when false.
    pub left: bool,
    pub include: Vec<String>,
}

/// `label_replace(expr, "dst", "replacement", "src", "regex")`
#[derive(Debug, Clone, PartialEq)]
pub struct LabelReplace {
    pub expr: MetricExpr,
    pub dst: String,
    pub replacement: String,
    pub src: String,
    pub regex: String,
}
