//! Request parameters the way Loki and Tempo read them: from the query string and, for POST
//! forms, the body; times as unix seconds, nanoseconds or RFC 3339; steps as durations or
//! seconds.

use std::time::Duration;

use axum::extract::{FromRequest, Request};
use axum::http::{Method, header};
use loqui_core::{Direction, TimeRange};

use super::error::AppError;

/// Every `key=value` pair of the query string, then of a form body. Repeated keys (`match[]`)
/// are kept in order.
#[derive(Debug, Default)]
pub struct Params(pub Vec<(String, String)>);

/// Form bodies beyond this are refused; a LogQL query is at most 5120 bytes.
const MAX_FORM_BYTES: usize = 1 << 20;

impl<S: Send + Sync> FromRequest<S> for Params {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Params, AppError> {
        let mut pairs = parse_pairs(req.uri().query().unwrap_or(""))?;
        let is_form = req
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
        if req.method() == Method::POST && is_form {
            let body = axum::body::Bytes::from_request(req, state)
                .await
                .map_err(|e| AppError::bad_request(format!("could not read the form body: {e}")))?;
            if body.len() > MAX_FORM_BYTES {
                return Err(AppError::bad_request(
                    "the form body is over 1 MiB; send a shorter query",
                ));
            }
            let text = std::str::from_utf8(&body)
                .map_err(|_| AppError::bad_request("the form body is not UTF-8"))?;
            pairs.extend(parse_pairs(text)?);
        }
        Ok(Params(pairs))
    }
}

fn parse_pairs(text: &str) -> Result<Vec<(String, String)>, AppError> {
    serde_urlencoded::from_str(text)
        .map_err(|e| AppError::bad_request(format!("could not decode the parameters: {e}")))
}

impl Params {
    pub fn get(&self, key: &str) -> Option<&str> {
        self.0
            .iter()
            .rev()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    pub fn all(&self, key: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .collect()
    }

    pub fn require(&self, key: &str) -> Result<&str, AppError> {
        self.get(key)
            .ok_or_else(|| AppError::bad_request(format!("missing parameter `{key}`")))
    }

    pub fn time(&self, key: &str) -> Result<Option<i64>, AppError> {
        self.get(key).map(|v| parse_time(key, v)).transpose()
    }

    /// `start`/`end` with Loki's defaults: the hour before now.
    pub fn range(&self, default_len: Duration) -> Result<TimeRange, AppError> {
        let end = self.time("end")?.unwrap_or_else(now_ns);
        let start = self
            .time("start")?
            .unwrap_or(end - default_len.as_nanos() as i64);
        if end < start {
            return Err(AppError::bad_request(
                "end timestamp must not be before start time; swap start and end",
            ));
        }
        Ok(TimeRange {
            start_ns: start,
            end_ns: end,
        })
    }

    pub fn usize(&self, key: &str, default: usize) -> Result<usize, AppError> {
        match self.get(key) {
            None => Ok(default),
            Some(v) => v.parse().map_err(|_| {
                AppError::bad_request(format!(
                    "parameter `{key}` must be a whole number, not `{v}`"
                ))
            }),
        }
    }

    pub fn direction(&self) -> Result<Direction, AppError> {
        match self
            .get("direction")
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            None | Some("backward") => Ok(Direction::Backward),
            Some("forward") => Ok(Direction::Forward),
            Some(other) => Err(AppError::bad_request(format!(
                "direction must be forward or backward, not `{other}`"
            ))),
        }
    }

    pub fn step(&self) -> Result<Option<Duration>, AppError> {
        self.get("step").map(parse_step).transpose()
    }
}

pub fn now_ns() -> i64 {
    jiff::Timestamp::now().as_nanosecond() as i64
}

/// Loki's rules: a value with a `.` is float seconds; an integer of at most 10 digits is unix
/// seconds, a longer one nanoseconds; anything else must be RFC 3339.
pub fn parse_time(key: &str, v: &str) -> Result<i64, AppError> {
    let bad = || {
        AppError::bad_request(format!(
            "parameter `{key}`: cannot parse `{v}` as a time; use unix seconds, unix nanoseconds or RFC 3339 (2023-05-01T10:00:00Z)"
        ))
    };
    if v.contains('.') && !v.contains('T') {
        let secs: f64 = v.parse().map_err(|_| bad())?;
        return if secs.is_finite() {
            Ok((secs * 1e9) as i64)
        } else {
            Err(bad())
        };
    }
    if let Ok(n) = v.parse::<i64>() {
        return if v.trim_start_matches('-').len() <= 10 {
            n.checked_mul(1_000_000_000).ok_or_else(bad)
        } else {
            Ok(n)
        };
    }
    let ts: jiff::Timestamp = v.parse().map_err(|_| bad())?;
    i64::try_from(ts.as_nanosecond()).map_err(|_| bad())
}

/// A step as a Prometheus duration (`5m`, `1h30m`) or float seconds (`60`, `0.5`).
pub fn parse_step(v: &str) -> Result<Duration, AppError> {
    let bad = || {
        AppError::bad_request(format!(
            "cannot parse step `{v}`; use a duration such as 30s or 5m, or seconds such as 60"
        ))
    };
    let step = if let Ok(secs) = v.parse::<f64>() {
        if !secs.is_finite() || secs <= 0.0 {
            return Err(bad());
        }
        Duration::from_secs_f64(secs)
    } else {
        parse_prom_duration(v).ok_or_else(bad)?
    };
    if step.is_zero() {
        return Err(bad());
    }
    Ok(step)
}

fn parse_prom_duration(v: &str) -> Option<Duration> {
    let mut total: u128 = 0;
    let mut rest = v;
    while !rest.is_empty() {
        let digits = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if digits == 0 {
            return None;
        }
        let n: u128 = rest[..digits].parse().ok()?;
        rest = &rest[digits..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit: u128 = match &rest[..unit_len] {
            "ms" => 1_000_000,
            "s" => 1_000_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            "d" => 86_400_000_000_000,
            "w" => 604_800_000_000_000,
            "y" => 31_536_000_000_000_000,
            _ => return None,
        };
        rest = &rest[unit_len..];
        total = total.checked_add(n.checked_mul(unit)?)?;
    }
    u64::try_from(total).ok().map(Duration::from_nanos)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_follow_lokis_rules() {
        assert_eq!(
            parse_time("t", "1795315809").ok(),
            Some(1_795_315_809_000_000_000)
        );
        assert_eq!(
            parse_time("t", "1795315809000000000").ok(),
            Some(1_795_315_809_000_000_000)
        );
        assert_eq!(
            parse_time("t", "1795315809.5").ok(),
            Some(1_795_315_809_500_000_000)
        );
        assert_eq!(
            parse_time("t", "2023-05-01T10:00:00Z").ok(),
            Some(1_682_935_200_000_000_000)
        );
        assert!(parse_time("t", "yesterday").is_err());
    }

    #[test]
    fn steps_are_durations_or_seconds() {
        assert_eq!(parse_step("60").ok(), Some(Duration::from_secs(60)));
        assert_eq!(parse_step("1m30s").ok(), Some(Duration::from_secs(90)));
        assert_eq!(parse_step("0.5").ok(), Some(Duration::from_millis(500)));
        assert!(parse_step("0").is_err());
        assert!(parse_step("fast").is_err());
    }
}
