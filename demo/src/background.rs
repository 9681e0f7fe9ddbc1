//! Lines services write outside any request: health probes, schedulers, pool statistics,
//! consumer lag, start-up and shutdown. They carry no trace context.

use crate::flows::Out;
use crate::incidents::{Effects, FAILOVER_REFUSED_NS, IncidentKind};
use crate::line::F;
use crate::model::Level;
use crate::platform::{ALL_SERVICES, Platform, Pod, Svc};
use crate::rng::Rng;
use crate::time::{NS_PER_MIN, NS_PER_SEC};

/// Everything written in the minute `(m_start, m_start + 60 s]`; `end` is the data set's end.
pub(crate) fn minute(
    rng: &Rng,
    platform: &'static Platform,
    m_start: i64,
    end: i64,
    out: &mut Out,
) {
    let rel = m_start - end;
    let fx = Effects::at(rel + NS_PER_MIN / 2);
    let mut w = Writer { rng, out, m_start };
    for svc in ALL_SERVICES {
        for (i, pod) in platform.pods(svc, fx.bad_show).iter().enumerate() {
            w.health(svc, pod, i);
        }
    }
    w.schedulers(platform, &fx, rel);
    w.transitions(platform, rel);
}

struct Writer<'a, 'b> {
    rng: &'a Rng,
    out: &'b mut Out,
    m_start: i64,
}

impl Writer<'_, '_> {
    fn line(
        &mut self,
        svc: Svc,
        pod: &'static Pod,
        at: i64,
        level: Level,
        msg: &str,
        fields: &[(&str, F<'_>)],
    ) {
        let rec = crate::flows::write_line(self.rng, svc, pod, at, level, msg, fields, None);
        self.out.logs.push(rec);
    }

    /// A time within this minute, `sec` seconds in plus some jitter (always inside the minute).
    fn at(&mut self, sec: i64) -> i64 {
        self.m_start + sec * NS_PER_SEC + self.rng.range(1, 900_000_000) as i64
    }

    /// Kubelet probes every 10 s on every pod.
    fn health(&mut self, svc: Svc, pod: &'static Pod, i: usize) {
        for n in 0..6 {
            let at = self.at(n * 10 + (i as i64 * 3) % 9);
            let d = self.rng.range(0, 2) as i64;
            if svc == Svc::Gateway {
                let ip = format!("10.60.{}.1", i + 1);
                self.line(
                    svc,
                    pod,
                    at,
                    Level::Info,
                    "request completed",
                    &[
                        ("method", F::S("GET")),
                        ("path", F::S("/healthz")),
                        ("status", F::I(200)),
                        ("duration_ms", F::I(d)),
                        ("bytes", F::I(2)),
                        ("client_ip", F::S(&ip)),
                        ("user_agent", F::S("kube-probe/1.31")),
                    ],
                );
            } else {
                self.line(
                    svc,
                    pod,
                    at,
                    Level::Debug,
                    "health check ok",
                    &[
                        (
                            "probe",
                            F::S(if n % 2 == 0 { "liveness" } else { "readiness" }),
                        ),
                        ("duration_ms", F::I(d)),
                    ],
                );
            }
        }
    }

    fn schedulers(&mut self, platform: &'static Platform, fx: &Effects, rel: i64) {
        let minute_no = rel.div_euclid(NS_PER_MIN);
        let pod = |svc: Svc| &platform.pods(svc, fx.bad_show)[0];
        // The waiting room admits users in batches every 10 s (leader pod only).
        for n in 0..6 {
            let waiting = (self.rng.range(0, 40) as f64 * fx.spike * fx.spike * fx.spike) as i64;
            let at = self.at(n * 10 + 5);
            self.line(
                Svc::Queue,
                pod(Svc::Queue),
                at,
                Level::Info,
                "admission tick",
                &[
                    ("admitted", F::I(self.rng.range(0, 25) as i64)),
                    ("waiting", F::I(waiting)),
                    ("leader", F::S("true")),
                ],
            );
        }
        let at = self.at(30);
        let released = self.rng.range(0, 12) as i64;
        self.line(
            Svc::Reservation,
            pod(Svc::Reservation),
            at,
            Level::Info,
            "expired holds released",
            &[("count", F::I(released))],
        );
        for n in 0..2 {
            let at = self.at(n * 30 + 12);
            self.line(
                Svc::Order,
                pod(Svc::Order),
                at,
                Level::Debug,
                "outbox flush",
                &[("published", F::I(self.rng.range(0, 30) as i64))],
            );
            let at = self.at(n * 30 + 20);
            self.line(
                Svc::Notification,
                pod(Svc::Notification),
                at,
                Level::Debug,
                "consumer lag",
                &[
                    ("topic", F::S("order-events")),
                    ("partition", F::I(n)),
                    ("lag", F::I(self.rng.range(0, 6) as i64)),
                ],
            );
        }
        self.provider_health(pod(Svc::Payment), fx);
        self.pool_stats(platform, fx);
        if minute_no.rem_euclid(5) == 0 {
            let at = self.at(0);
            let entries = self.rng.range(1800, 2400) as i64;
            self.line(
                Svc::Show,
                pod(Svc::Show),
                at,
                Level::Info,
                "cache refresh completed",
                &[
                    ("entries", F::I(entries)),
                    ("duration_ms", F::I(self.rng.range(80, 400) as i64)),
                ],
            );
            let at = self.at(40);
            self.line(
                Svc::User,
                pod(Svc::User),
                at,
                Level::Info,
                "session cleanup finished",
                &[("removed", F::I(self.rng.range(50, 900) as i64))],
            );
        }
        if minute_no.rem_euclid(10) == 3 {
            let at = self.at(3);
            self.line(
                Svc::Product,
                pod(Svc::Product),
                at,
                Level::Info,
                "price sync finished",
                &[
                    ("updated", F::I(self.rng.range(0, 60) as i64)),
                    ("duration_ms", F::I(self.rng.range(200, 900) as i64)),
                ],
            );
        }
    }

    fn provider_health(&mut self, pod: &'static Pod, fx: &Effects) {
        let at = self.at(45);
        if fx.provider_timeout_p > 0.0 {
            self.line(
                Svc::Payment,
                pod,
                at,
                Level::Warn,
                "provider health degraded",
                &[
                    ("provider", F::S("acmepay")),
                    ("latency_ms", F::I(5000)),
                    ("status", F::S("timeout")),
                ],
            );
        } else {
            let l = self.rng.range(120, 380) as i64;
            self.line(
                Svc::Payment,
                pod,
                at,
                Level::Info,
                "provider health ok",
                &[("provider", F::S("acmepay")), ("latency_ms", F::I(l))],
            );
        }
    }

    /// Connection-pool statistics: HikariCP in the Java services, go-redis in reservation-service.
    fn pool_stats(&mut self, platform: &'static Platform, fx: &Effects) {
        for svc in [Svc::User, Svc::Payment, Svc::Order] {
            for pod in platform.pods(svc, false) {
                let at = self.at(50);
                if fx.mysql_refused_p > 0.0 {
                    let msg = "HikariPool-1 - Failed to validate connection com.mysql.cj.jdbc.ConnectionImpl@4f3c2a1 (No operations allowed after connection closed.). Possibly consider using a shorter maxLifetime value.";
                    self.line(svc, pod, at, Level::Warn, msg, &[]);
                } else {
                    let active = if fx.mysql_slow > 1.0 {
                        self.rng.range(8, 10)
                    } else {
                        self.rng.range(0, 4)
                    } as i64;
                    let waiting = if fx.mysql_slow > 1.0 {
                        self.rng.range(3, 20) as i64
                    } else {
                        0
                    };
                    let msg = format!(
                        "HikariPool-1 - Pool stats (total=10, active={active}, idle={}, waiting={waiting})",
                        10 - active
                    );
                    self.line(svc, pod, at, Level::Debug, &msg, &[]);
                }
            }
        }
        for pod in platform.pods(Svc::Reservation, false) {
            for n in 0..4 {
                if fx.redis_pool_wait_ms == 0.0 && n > 0 {
                    break;
                }
                let at = self.at(n * 15 + 7);
                let (level, idle, timeouts) = if fx.redis_pool_wait_ms > 0.0 {
                    (Level::Warn, 0, self.rng.range(20, 90) as i64)
                } else {
                    (Level::Debug, self.rng.range(6, 14) as i64, 0)
                };
                self.line(
                    Svc::Reservation,
                    pod,
                    at,
                    level,
                    "redis pool stats",
                    &[
                        ("pool", F::S("redis-queue")),
                        ("hits", F::I(self.rng.range(200, 900) as i64)),
                        ("misses", F::I(self.rng.range(0, 20) as i64)),
                        ("timeouts", F::I(timeouts)),
                        ("total_conns", F::I(16)),
                        ("idle_conns", F::I(idle)),
                    ],
                );
            }
            if fx.mysql_refused_p > 0.0 {
                let at = self.at(33);
                self.line(
                    Svc::Reservation,
                    pod,
                    at,
                    Level::Warn,
                    "mysql: reconnecting after driver: bad connection",
                    &[("db", F::S("mysql-booking"))],
                );
            }
        }
    }

    /// One-off lines at incident boundaries: the failover and recovery, the deploy and rollback.
    fn transitions(&mut self, platform: &'static Platform, rel: i64) {
        let in_minute = |t: i64| t > rel && t <= rel + NS_PER_MIN;
        let (db_start, _) = IncidentKind::DatabaseFailover.schedule();
        if in_minute(db_start + FAILOVER_REFUSED_NS) {
            for svc in [Svc::User, Svc::Reservation, Svc::Payment, Svc::Order] {
                for pod in platform.pods(svc, false) {
                    let at = self.at(1);
                    self.line(svc, pod, at, Level::Info, "reconnected to mysql-booking-primary.data.svc.cluster.local:3306 (new primary mysql-booking-1)", &[]);
                }
            }
        }
        let (dep_start, dep_len) = IncidentKind::BadDeploy.schedule();
        for (t, bad) in [(dep_start, true), (dep_start + dep_len, false)] {
            if !in_minute(t + NS_PER_SEC) {
                continue;
            }
            let version = if bad {
                crate::platform::BAD_SHOW_VERSION
            } else {
                Svc::Show.info().version
            };
            for pod in platform.pods(Svc::Show, bad) {
                let at = self.m_start + self.rng.range(1, 2_000_000_000) as i64;
                let msg = format!(
                    "Started ShowServiceApplication v{version} in 8.4 seconds (process running for 9.1)"
                );
                self.line(
                    Svc::Show,
                    pod,
                    at,
                    Level::Info,
                    &msg,
                    &[("version", F::S(version))],
                );
            }
            for pod in platform.pods(Svc::Show, !bad) {
                let at = self.m_start + self.rng.range(2_000_000_000, 4_000_000_000) as i64;
                self.line(
                    Svc::Show,
                    pod,
                    at,
                    Level::Info,
                    "Commencing graceful shutdown. Waiting for active requests to complete",
                    &[],
                );
            }
        }
    }
}
