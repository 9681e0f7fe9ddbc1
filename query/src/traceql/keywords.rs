//! Words with a fixed meaning in TraceQL.

use super::ast::{Intrinsic, Kind, Static, Status};

/// Keywords that are values.
pub(crate) fn keyword_static(word: &str) -> Option<Static> {
    Some(match word {
        "true" => Static::Bool(true),
        "false" => Static::Bool(false),
        "nil" => Static::Nil,
        "ok" => Static::Status(Status::Ok),
        "error" => Static::Status(Status::Error),
        "unset" => Static::Status(Status::Unset),
        "unspecified" => Static::Kind(Kind::Unspecified),
        "internal" => Static::Kind(Kind::Internal),
        "server" => Static::Kind(Kind::Server),
        "client" => Static::Kind(Kind::Client),
        "producer" => Static::Kind(Kind::Producer),
        "consumer" => Static::Kind(Kind::Consumer),
        "minInt" => Static::Int(i64::MIN),
        "maxInt" => Static::Int(i64::MAX),
        _ => return None,
    })
}

/// Words Tempo's lexer turns into their own tokens (so they are never "unknown identifiers").
pub(crate) fn is_keyword(word: &str) -> bool {
    matches!(
        word,
        "count"
            | "avg"
            | "max"
            | "min"
            | "sum"
            | "by"
            | "coalesce"
            | "select"
            | "rate"
            | "count_over_time"
            | "min_over_time"
            | "max_over_time"
            | "avg_over_time"
            | "sum_over_time"
            | "quantile_over_time"
            | "histogram_over_time"
            | "compare"
            | "topk"
            | "bottomk"
            | "with"
            | "childCount"
            | "rootService"
            | "id"
            | "traceID"
            | "spanID"
            | "parentID"
            | "timeSinceStart"
            | "version"
    ) || Intrinsic::from_keyword(word).is_some()
}
