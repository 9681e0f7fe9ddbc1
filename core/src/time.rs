//! Time ranges in unix nanoseconds, the unit every backend can be converted to without loss.

use serde::{Deserialize, Serialize};

/// A half-open interval `[start_ns, end_ns)` in unix nanoseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct TimeRange {
    pub start_ns: i64,
    pub end_ns: i64,
}

impl TimeRange {
    /// A range from unix seconds; handy for tests and configuration.
    pub fn from_secs(start: i64, end: i64) -> Self {
        Self {
            start_ns: start * 1_000_000_000,
            end_ns: end * 1_000_000_000,
        }
    }

    /// Length in nanoseconds (0 when the range is empty or inverted).
    pub fn len_ns(&self) -> i64 {
        (self.end_ns - self.start_ns).max(0)
    }

    /// Start in whole unix seconds, rounded down so the range is never narrowed.
    pub fn start_secs_floor(&self) -> i64 {
        self.start_ns.div_euclid(1_000_000_000)
    }

    /// End in whole unix seconds, rounded up so the range is never narrowed.
    pub fn end_secs_ceil(&self) -> i64 {
        let s = self.end_ns.div_euclid(1_000_000_000);
        if self.end_ns.rem_euclid(1_000_000_000) == 0 {
            s
        } else {
            s + 1
        }
    }

    pub fn contains(&self, ts_ns: i64) -> bool {
        ts_ns >= self.start_ns && ts_ns < self.end_ns
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seconds_round_outwards() {
        let r = TimeRange {
            start_ns: 1_500_000_000,
            end_ns: 2_500_000_000,
        };
        assert_eq!((r.start_secs_floor(), r.end_secs_ceil()), (1, 3));
        let exact = TimeRange::from_secs(10, 20);
        assert_eq!((exact.start_secs_floor(), exact.end_secs_ceil()), (10, 20));
        assert_eq!(exact.len_ns(), 10_000_000_000);
    }
}
