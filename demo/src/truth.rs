//! The ground truth written beside the data: what happened, where and when.

use std::collections::BTreeSet;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::generator::Generator;
use crate::incidents::IncidentKind;
use crate::platform::{ALL_SERVICES, BAD_SHOW_VERSION, CLUSTER, ENV, LogFormat, NAMESPACE, Svc};
use crate::time::{NS_PER_MIN, rfc3339};

/// Ground truth of one generated data set.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GroundTruth {
    pub seed: u64,
    pub start_ns: i64,
    pub end_ns: i64,
    pub start: String,
    pub end: String,
    pub namespace: String,
    pub cluster: String,
    pub env: String,
    pub services: Vec<ServiceTruth>,
    /// Incidents overlapping the data set, oldest first.
    pub incidents: Vec<IncidentTruth>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ServiceTruth {
    pub name: String,
    pub version: String,
    /// `json` or `logfmt`.
    pub log_format: String,
    pub language: String,
    pub pods: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct IncidentTruth {
    /// Stable identifier, e.g. `payment-provider-timeout`.
    pub id: String,
    pub kind: IncidentKind,
    pub start_ns: i64,
    pub end_ns: i64,
    pub start: String,
    pub end: String,
    /// Start relative to the data set's end, in seconds (negative).
    pub offset_s: i64,
    pub duration_s: i64,
    /// The service whose spans originate the failure. For a failing backing store (the MySQL
    /// failover) it is the store's `peer.service` name, and `originating_services` names the
    /// services whose CLIENT spans to it fail.
    pub root_cause_service: String,
    /// The span name of the originating operation (`*` when every query to a store fails).
    pub root_cause_operation: String,
    /// The backing store or external system involved (`peer.service`), if any.
    pub root_cause_dependency: Option<String>,
    /// Services owning the deepest erroring spans of failing traces.
    pub originating_services: Vec<String>,
    /// Every service whose error rate, latency or volume visibly changes.
    pub affected_services: Vec<String>,
    /// Log message templates that appear (or surge) because of the incident; `<id>`, `<n>`
    /// stand for variable parts.
    pub expected_messages: Vec<String>,
    /// Symptoms an observer sees, in words.
    pub symptoms: Vec<String>,
    /// For a deploy: the `service.version` before and after.
    pub version_change: Option<(String, String)>,
    /// Up to five traces where the incident injected a failure, oldest first.
    pub example_trace_ids: Vec<String>,
    pub description: String,
}

impl GroundTruth {
    pub fn to_json_pretty(&self) -> String {
        serde_json::to_string_pretty(self).expect("ground truth serializes")
    }

    /// Writes the ground truth as pretty JSON to `path`.
    pub fn write(&self, path: &Path) -> std::io::Result<()> {
        std::fs::write(path, self.to_json_pretty())
    }

    pub fn incident(&self, kind: IncidentKind) -> Option<&IncidentTruth> {
        self.incidents.iter().find(|i| i.kind == kind)
    }
}

impl Generator {
    /// The ground truth of this data set. It regenerates the incident windows (a small part of
    /// the day) to pick example trace ids, so it costs well under a second.
    pub fn ground_truth(&self) -> GroundTruth {
        let c = self.config();
        let (start_ns, end_ns) = (c.start_ns(), c.end_ns);
        let services = ALL_SERVICES
            .iter()
            .map(|&s| {
                let info = s.info();
                let pods = self
                    .platform()
                    .pods(s, false)
                    .iter()
                    .chain(if s == Svc::Show {
                        self.platform().pods(s, true)
                    } else {
                        &[]
                    });
                ServiceTruth {
                    name: info.name.into(),
                    version: info.version.into(),
                    log_format: if info.format == LogFormat::Json {
                        "json"
                    } else {
                        "logfmt"
                    }
                    .into(),
                    language: info.language.into(),
                    pods: pods.map(|p| p.resource.pod.clone()).collect(),
                }
            })
            .collect();
        let incidents = IncidentKind::ALL
            .iter()
            .filter_map(|&k| {
                let (off, len) = k.schedule();
                let (s, e) = (end_ns + off, end_ns + off + len);
                (e > start_ns && s < end_ns)
                    .then(|| self.incident_truth(k, s.max(start_ns), e.min(end_ns)))
            })
            .collect();
        GroundTruth {
            seed: c.seed,
            start_ns,
            end_ns,
            start: rfc3339(start_ns),
            end: rfc3339(end_ns),
            namespace: NAMESPACE.into(),
            cluster: CLUSTER.into(),
            env: ENV.into(),
            services,
            incidents,
        }
    }

    fn incident_truth(&self, kind: IncidentKind, s: i64, e: i64) -> IncidentTruth {
        let (off, len) = kind.schedule();
        let end_ns = self.config().end_ns;
        let mut examples = Vec::new();
        let mut seen = BTreeSet::new();
        let mut k = (s - end_ns) / NS_PER_MIN + 1;
        while examples.len() < 5 && end_ns + (k - 1) * NS_PER_MIN < e {
            let mut hits = self.minute(k).hits;
            hits.sort_by_key(|h| h.2);
            for (hk, tid, _) in hits {
                if hk == kind && examples.len() < 5 && seen.insert(tid) {
                    examples.push(tid.to_string());
                }
            }
            k += 1;
        }
        let t = text(kind);
        let strs = |v: &[&str]| v.iter().map(|s| s.to_string()).collect();
        IncidentTruth {
            id: kind.id().into(),
            kind,
            start_ns: end_ns + off,
            end_ns: end_ns + off + len,
            start: rfc3339(end_ns + off),
            end: rfc3339(end_ns + off + len),
            offset_s: off / 1_000_000_000,
            duration_s: len / 1_000_000_000,
            root_cause_service: t.service.into(),
            root_cause_operation: t.operation.into(),
            root_cause_dependency: t.dependency.map(Into::into),
            originating_services: strs(t.originating),
            affected_services: strs(t.affected),
            expected_messages: strs(t.messages),
            symptoms: strs(t.symptoms),
            version_change: (kind == IncidentKind::BadDeploy).then(|| {
                (
                    Svc::Show.info().version.to_owned(),
                    BAD_SHOW_VERSION.to_owned(),
                )
            }),
            example_trace_ids: examples,
            description: t.description.into(),
        }
    }
}

struct Text {
    service: &'static str,
    operation: &'static str,
    dependency: Option<&'static str>,
    originating: &'static [&'static str],
    affected: &'static [&'static str],
    messages: &'static [&'static str],
    symptoms: &'static [&'static str],
    description: &'static str,
}

fn text(kind: IncidentKind) -> Text {
    match kind {
        IncidentKind::PaymentProviderTimeout => Text {
            service: "payment-service",
            operation: "POST /v1/charges",
            dependency: Some("acmepay"),
            originating: &["payment-service"],
            affected: &["payment-service", "order-service", "gateway"],
            messages: &[
                "charge failed: provider timeout after 5000ms payment_id=<id>",
                "checkout failed for order <id>: payment-service returned 504",
                "provider health degraded",
            ],
            symptoms: &[
                "payment-service CLIENT spans POST /v1/charges (peer.service=acmepay) last ~5 s and fail with java.net.SocketTimeoutException",
                "payment-service POST /payments returns 504, order-service POST /orders returns 502",
                "gateway POST /api/checkout returns 502 and takes over 5 s",
            ],
            description: "The external payment provider acmepay stopped answering, so payment-service's charge calls hit their 5 s timeout and most checkouts failed with 502 at the gateway.",
        },
        IncidentKind::DatabaseFailover => Text {
            service: "mysql-booking",
            operation: "*",
            dependency: Some("mysql-booking"),
            originating: &[
                "user-service",
                "reservation-service",
                "payment-service",
                "order-service",
            ],
            affected: &[
                "user-service",
                "reservation-service",
                "payment-service",
                "order-service",
                "gateway",
            ],
            messages: &[
                "<what>: Communications link failure: The last packet sent successfully to the server was 0 milliseconds ago",
                "<what>: dial tcp 10.60.4.21:3306: connect: connection refused",
                "HikariPool-1 - Failed to validate connection <conn> (No operations allowed after connection closed.). Possibly consider using a shorter maxLifetime value.",
                "mysql: reconnecting after driver: bad connection",
                "reconnected to mysql-booking-primary.data.svc.cluster.local:3306 (new primary mysql-booking-1)",
            ],
            symptoms: &[
                "for 4 minutes most queries to mysql-booking fail (connection refused / communications link failure) in every service using it",
                "then 8 minutes of very slow mysql-booking queries while the new primary warms up",
                "503s on login, reservations, checkout and order lookups at the gateway",
            ],
            description: "The mysql-booking primary failed over to a replica: connections were refused for 4 minutes, then queries were slow until the new primary warmed up.",
        },
        IncidentKind::RedisPoolExhausted => Text {
            service: "reservation-service",
            operation: "redis SET",
            dependency: Some("redis-queue"),
            originating: &["reservation-service"],
            affected: &["reservation-service", "gateway"],
            messages: &[
                "acquire seat lock failed: redis: connection pool timeout",
                "failed to read seat locks: redis: connection pool timeout",
                "redis pool stats",
            ],
            symptoms: &[
                "reservation-service redis spans wait for a pooled connection (~1 s) or fail after 4 s with redis: connection pool timeout",
                "POST /api/reservations and GET /api/shows/{id}/seats return 503 and get slow",
                "redis pool stats warn lines show idle_conns=0 and growing timeouts",
            ],
            description: "reservation-service's redis-queue connection pool (16 connections) was exhausted, so seat locks waited for connections or timed out and reservations failed with 503.",
        },
        IncidentKind::TrafficSpike => Text {
            service: "queue-service",
            operation: "POST /queue/enter",
            dependency: None,
            originating: &["queue-service"],
            affected: &["gateway", "queue-service", "user-service"],
            messages: &[
                "queue admission rejected: overloaded",
                "rate limit exceeded",
                "admission tick",
            ],
            symptoms: &[
                "request volume on /api/queue/enter and /api/queue/status jumps ~12x then decays",
                "queue-service latency rises; some POST /queue/enter return 503",
                "the gateway answers some queue requests with 429",
            ],
            description: "Ticket sales for a popular show opened and a wave of users flooded the waiting room: queue-service slowed down and shed load with 503s while the gateway rate-limited with 429s.",
        },
        IncidentKind::BadDeploy => Text {
            service: "show-service",
            operation: "GET /shows/{id}",
            dependency: None,
            originating: &["show-service"],
            affected: &["show-service", "gateway"],
            messages: &[
                "failed to render show detail show_id=<id>: java.lang.NullPointerException: Cannot invoke \"com.tixly.show.model.Venue.getSeatMap()\" because \"show.venue\" is null",
                "Started ShowServiceApplication v2.9.0 in 8.4 seconds (process running for 9.1)",
            ],
            symptoms: &[
                "show-service version 2.9.0 (new pods) starts serving at the deploy time",
                "about 30% of GET /shows/{id} return 500 with a NullPointerException; other routes are unaffected",
                "gateway GET /api/shows/{id} 5xx rate rises until the rollback to 2.8.3",
            ],
            description: "show-service 2.9.0 was deployed with a mapper that assumes every show has a venue, so show detail pages failed with 500 until the rollback 25 minutes later.",
        },
    }
}
