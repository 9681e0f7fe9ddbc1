//! The five injected incidents: when they happen (fixed offsets before the data set's end), what
//! they do to the platform at a given instant, and what the ground truth says about them.

use serde::{Deserialize, Serialize};

use crate::time::{NS_PER_HOUR, NS_PER_MIN};

/// What kind of failure an incident is.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum IncidentKind {
    PaymentProviderTimeout,
    DatabaseFailover,
    RedisPoolExhausted,
    TrafficSpike,
    BadDeploy,
}

impl IncidentKind {
    pub const ALL: [IncidentKind; 5] = [
        IncidentKind::PaymentProviderTimeout,
        IncidentKind::DatabaseFailover,
        IncidentKind::RedisPoolExhausted,
        IncidentKind::TrafficSpike,
        IncidentKind::BadDeploy,
    ];

    /// Offset of the start from the data set's end, and the length (both ns). The offsets are
    /// chosen so that "the last hour" holds exactly the bad deploy and "the last 3 hours" also
    /// the traffic spike, with at least 30 minutes of normal traffic between incidents.
    pub fn schedule(self) -> (i64, i64) {
        match self {
            IncidentKind::PaymentProviderTimeout => (-20 * NS_PER_HOUR, 25 * NS_PER_MIN),
            IncidentKind::DatabaseFailover => (-14 * NS_PER_HOUR, 12 * NS_PER_MIN),
            IncidentKind::RedisPoolExhausted => (-8 * NS_PER_HOUR, 20 * NS_PER_MIN),
            IncidentKind::TrafficSpike => (-150 * NS_PER_MIN, 20 * NS_PER_MIN),
            IncidentKind::BadDeploy => (-40 * NS_PER_MIN, 25 * NS_PER_MIN),
        }
    }

    pub fn id(self) -> &'static str {
        match self {
            IncidentKind::PaymentProviderTimeout => "payment-provider-timeout",
            IncidentKind::DatabaseFailover => "mysql-booking-failover",
            IncidentKind::RedisPoolExhausted => "reservation-redis-pool-exhausted",
            IncidentKind::TrafficSpike => "ticket-opening-traffic-spike",
            IncidentKind::BadDeploy => "show-service-bad-deploy",
        }
    }
}

/// Mysql-booking failover phases: connections refused for this long, then slow queries.
pub(crate) const FAILOVER_REFUSED_NS: i64 = 4 * NS_PER_MIN;

/// How incidents change the platform's behaviour at one instant.
#[derive(Clone, Copy, Debug, Default)]
pub(crate) struct Effects {
    /// Probability that a call to the payment provider hangs until the 5 s client timeout.
    pub provider_timeout_p: f64,
    /// Probability that a mysql-booking query fails with a refused / broken connection.
    pub mysql_refused_p: f64,
    /// Latency multiplier for mysql-booking queries (1 = normal).
    pub mysql_slow: f64,
    /// Probability that reservation-service cannot get a redis-queue connection.
    pub redis_pool_fail_p: f64,
    /// Median wait (ms) for a redis-queue connection in reservation-service.
    pub redis_pool_wait_ms: f64,
    /// Request-volume multiplier on the queue routes (1 = normal).
    pub spike: f64,
    /// show-service runs the bad release.
    pub bad_show: bool,
}

impl Effects {
    /// The effects at `rel_ns` nanoseconds relative to the data set's end (negative = before).
    pub(crate) fn at(rel_ns: i64) -> Effects {
        let mut fx = Effects {
            mysql_slow: 1.0,
            spike: 1.0,
            ..Effects::default()
        };
        for kind in IncidentKind::ALL {
            let (start, len) = kind.schedule();
            let into = rel_ns - start;
            if into < 0 || into >= len {
                continue;
            }
            let frac = into as f64 / len as f64;
            match kind {
                IncidentKind::PaymentProviderTimeout => {
                    // The provider degrades, mostly fails, then recovers.
                    fx.provider_timeout_p = if (0.08..=0.88).contains(&frac) {
                        0.7
                    } else {
                        0.3
                    };
                }
                IncidentKind::DatabaseFailover => {
                    if into < FAILOVER_REFUSED_NS {
                        fx.mysql_refused_p = 0.75;
                    } else {
                        // The promoted replica has a cold buffer pool: slow, improving.
                        let warm = (into - FAILOVER_REFUSED_NS) as f64
                            / (len - FAILOVER_REFUSED_NS) as f64;
                        fx.mysql_slow = 40.0 - 30.0 * warm;
                    }
                }
                IncidentKind::RedisPoolExhausted => {
                    fx.redis_pool_fail_p = 0.45;
                    fx.redis_pool_wait_ms = 900.0;
                }
                IncidentKind::TrafficSpike => {
                    // Ticket sales open: a wall of users, decaying over the window.
                    fx.spike = 12.0 - 9.0 * frac;
                }
                IncidentKind::BadDeploy => fx.bad_show = true,
            }
        }
        fx
    }
}
