//! The spelling of every operator and function, in one place for the parser and the printer.

use super::ast::{CmpOp, LineFilterOp, MatchOp, RangeOp, UnwrapConv, VectorOp};

pub(super) const RANGE_OPS: [(&str, RangeOp); 15] = [
    ("rate", RangeOp::Rate),
    ("rate_counter", RangeOp::RateCounter),
    ("count_over_time", RangeOp::CountOverTime),
    ("bytes_rate", RangeOp::BytesRate),
    ("bytes_over_time", RangeOp::BytesOverTime),
    ("avg_over_time", RangeOp::AvgOverTime),
    ("sum_over_time", RangeOp::SumOverTime),
    ("min_over_time", RangeOp::MinOverTime),
    ("max_over_time", RangeOp::MaxOverTime),
    ("stdvar_over_time", RangeOp::StdvarOverTime),
    ("stddev_over_time", RangeOp::StddevOverTime),
    ("quantile_over_time", RangeOp::QuantileOverTime),
    ("first_over_time", RangeOp::FirstOverTime),
    ("last_over_time", RangeOp::LastOverTime),
    ("absent_over_time", RangeOp::AbsentOverTime),
];

pub(super) const VECTOR_OPS: [(&str, VectorOp); 12] = [
    ("sum", VectorOp::Sum),
    ("avg", VectorOp::Avg),
    ("min", VectorOp::Min),
    ("max", VectorOp::Max),
    ("count", VectorOp::Count),
    ("stddev", VectorOp::Stddev),
    ("stdvar", VectorOp::Stdvar),
    ("topk", VectorOp::Topk),
    ("bottomk", VectorOp::Bottomk),
    ("sort", VectorOp::Sort),
    ("sort_desc", VectorOp::SortDesc),
    ("approx_topk", VectorOp::ApproxTopk),
];

pub(super) fn range_op(lower: &str) -> Option<RangeOp> {
    RANGE_OPS
        .iter()
        .find(|(n, _)| *n == lower)
        .map(|(_, op)| *op)
}

pub(super) fn vector_op(lower: &str) -> Option<VectorOp> {
    VECTOR_OPS
        .iter()
        .find(|(n, _)| *n == lower)
        .map(|(_, op)| *op)
}

impl RangeOp {
    pub fn name(self) -> &'static str {
        RANGE_OPS
            .iter()
            .find(|(_, op)| *op == self)
            .map_or("?", |(n, _)| n)
    }

    /// Whether the aggregation reads unwrapped sample values (and so needs `| unwrap`).
    pub fn needs_unwrap(self) -> bool {
        !matches!(
            self,
            RangeOp::BytesOverTime
                | RangeOp::BytesRate
                | RangeOp::CountOverTime
                | RangeOp::Rate
                | RangeOp::AbsentOverTime
        )
    }

    /// Whether `| unwrap` may be used with it at all.
    pub fn allows_unwrap(self) -> bool {
        !matches!(
            self,
            RangeOp::BytesOverTime | RangeOp::BytesRate | RangeOp::CountOverTime
        )
    }

    /// Whether `by`/`without` may follow the aggregation.
    pub fn allows_grouping(self) -> bool {
        matches!(
            self,
            RangeOp::AvgOverTime
                | RangeOp::StddevOverTime
                | RangeOp::StdvarOverTime
                | RangeOp::QuantileOverTime
                | RangeOp::MaxOverTime
                | RangeOp::MinOverTime
                | RangeOp::FirstOverTime
                | RangeOp::LastOverTime
        )
    }
}

impl VectorOp {
    pub fn name(self) -> &'static str {
        VECTOR_OPS
            .iter()
            .find(|(_, op)| *op == self)
            .map_or("?", |(n, _)| n)
    }

    /// `topk`, `bottomk` and `approx_topk` take a count first.
    pub fn takes_param(self) -> bool {
        matches!(
            self,
            VectorOp::Topk | VectorOp::Bottomk | VectorOp::ApproxTopk
        )
    }
}

impl MatchOp {
    pub fn as_str(self) -> &'static str {
        match self {
            MatchOp::Eq => "=",
            MatchOp::Neq => "!=",
            MatchOp::Re => "=~",
            MatchOp::Nre => "!~",
        }
    }

    /// Whether the matcher's value is a regular expression.
    pub fn is_regex(self) -> bool {
        matches!(self, MatchOp::Re | MatchOp::Nre)
    }
}

impl LineFilterOp {
    pub fn as_str(self) -> &'static str {
        match self {
            LineFilterOp::Contains => "|=",
            LineFilterOp::NotContains => "!=",
            LineFilterOp::Match => "|~",
            LineFilterOp::NotMatch => "!~",
            LineFilterOp::Pattern => "|>",
            LineFilterOp::NotPattern => "!>",
        }
    }
}

impl CmpOp {
    pub fn as_str(self) -> &'static str {
        match self {
            CmpOp::Eq => "==",
            CmpOp::Neq => "!=",
            CmpOp::Gt => ">",
            CmpOp::Gte => ">=",
            CmpOp::Lt => "<",
            CmpOp::Lte => "<=",
        }
    }
}

impl UnwrapConv {
    pub fn as_str(self) -> &'static str {
        match self {
            UnwrapConv::Bytes => "bytes",
            UnwrapConv::Duration => "duration",
            UnwrapConv::DurationSeconds => "duration_seconds",
        }
    }

    pub(super) fn from_lower(s: &str) -> Option<UnwrapConv> {
        Some(match s {
            "bytes" => UnwrapConv::Bytes,
            "duration" => UnwrapConv::Duration,
            "duration_seconds" => UnwrapConv::DurationSeconds,
            _ => return None,
        })
    }
}
