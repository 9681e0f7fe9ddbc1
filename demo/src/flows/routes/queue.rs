//! queue-service (logfmt, Go): the waiting room in front of ticket sales.

use super::{fail, ok};
use crate::flows::tx::{Reply, Tx};
use crate::incidents::IncidentKind;
use crate::line::F;
use crate::model::{Level, SpanId};
use crate::platform::{REDIS_QUEUE, Svc};

/// Redis latency factor in the waiting room during a ticket opening.
pub(super) fn queue_load(tx: &Tx<'_>) -> f64 {
    1.0 + (tx.fx.spike - 1.0) * 1.5
}

pub(super) fn queue_enter(tx: &mut Tx<'_>, parent: SpanId, t: i64, user: &str, show: u64) -> Reply {
    let pod = tx.pod(Svc::Queue);
    let span = tx.server(
        Svc::Queue,
        pod,
        parent,
        "POST",
        "/queue/enter",
        "/queue/enter",
        t,
    );
    let sid = span.id;
    let load = queue_load(tx);
    // Requests wait for a worker when the waiting room is flooded.
    let mut c = t + tx.rng.ms(0.2 * load * load);
    if tx.fx.spike > 1.0 && tx.rng.chance(0.02 * (tx.fx.spike - 1.0)) {
        tx.hit(IncidentKind::TrafficSpike, t);
        let end = c + tx.rng.ms(3.0);
        tx.log(
            Svc::Queue,
            pod,
            end,
            Level::Error,
            sid,
            "queue admission rejected: overloaded",
            &[
                ("show_id", F::I(show as i64)),
                ("user_id", F::S(user)),
                ("inflight", F::I(tx.rng.range(480, 512) as i64)),
                ("limit", F::I(512)),
            ],
        );
        tx.close_server(
            span,
            end,
            503,
            Some("queue admission rejected: overloaded"),
            None,
        );
        return fail(end, 503, "queue admission rejected: overloaded".into());
    }
    let zadd = format!("ZADD queue:{show} NX {t} {user}");
    c = tx
        .db(
            Svc::Queue,
            pod,
            sid,
            &REDIS_QUEUE,
            "ZADD",
            "",
            &zadd,
            0.7 * load,
            c,
        )
        .unwrap_or_else(|(e, _)| e);
    let zrank = format!("ZRANK queue:{show} {user}");
    c = tx
        .db(
            Svc::Queue,
            pod,
            sid,
            &REDIS_QUEUE,
            "ZRANK",
            "",
            &zrank,
            0.5 * load,
            c,
        )
        .unwrap_or_else(|(e, _)| e);
    let end = c + tx.rng.ms(0.3);
    let position = (tx.rng.range(1, 400) as f64 * tx.fx.spike * tx.fx.spike) as i64;
    tx.log(
        Svc::Queue,
        pod,
        end,
        Level::Info,
        sid,
        "user joined queue",
        &[
            ("show_id", F::I(show as i64)),
            ("user_id", F::S(user)),
            ("position", F::I(position)),
            ("eta_s", F::I(position / 20)),
        ],
    );
    tx.close_server(span, end, 200, None, None);
    ok(end, 200)
}

pub(super) fn queue_status(
    tx: &mut Tx<'_>,
    parent: SpanId,
    t: i64,
    user: &str,
    show: u64,
) -> Reply {
    let pod = tx.pod(Svc::Queue);
    let span = tx.server(
        Svc::Queue,
        pod,
        parent,
        "GET",
        "/queue/status",
        "/queue/status",
        t,
    );
    let sid = span.id;
    let load = queue_load(tx);
    let mut c = t + tx.rng.ms(0.2 * load * load);
    let zrank = format!("ZRANK queue:{show} {user}");
    c = tx
        .db(
            Svc::Queue,
            pod,
            sid,
            &REDIS_QUEUE,
            "ZRANK",
            "",
            &zrank,
            0.5 * load,
            c,
        )
        .unwrap_or_else(|(e, _)| e);
    let get = format!("GET admit:{show}:{user}");
    c = tx
        .db(
            Svc::Queue,
            pod,
            sid,
            &REDIS_QUEUE,
            "GET",
            "",
            &get,
            0.4 * load,
            c,
        )
        .unwrap_or_else(|(e, _)| e);
    let end = c + tx.rng.ms(0.2);
    if tx.rng.chance(0.25 / tx.fx.spike) {
        let token = format!("adm_{:012x}", tx.rng.next_u64() >> 16);
        tx.log(
            Svc::Queue,
            pod,
            end,
            Level::Info,
            sid,
            "user admitted",
            &[
                ("show_id", F::I(show as i64)),
                ("user_id", F::S(user)),
                ("token", F::S(&token)),
            ],
        );
    } else {
        let position = (tx.rng.range(1, 300) as f64 * tx.fx.spike * tx.fx.spike) as i64;
        tx.log(
            Svc::Queue,
            pod,
            end,
            Level::Debug,
            sid,
            "queue position",
            &[
                ("show_id", F::I(show as i64)),
                ("user_id", F::S(user)),
                ("position", F::I(position)),
            ],
        );
    }
    tx.close_server(span, end, 200, None, None);
    ok(end, 200)
}

pub(super) fn verify_token(
    tx: &mut Tx<'_>,
    parent: SpanId,
    t: i64,
    user: &str,
    show: u64,
    path: &str,
) -> Reply {
    let pod = tx.pod(Svc::Queue);
    let span = tx.server(
        Svc::Queue,
        pod,
        parent,
        "GET",
        "/queue/tokens/{token}",
        path,
        t,
    );
    let sid = span.id;
    let get = format!("GET admit:{show}:{user}");
    let c = tx
        .db(
            Svc::Queue,
            pod,
            sid,
            &REDIS_QUEUE,
            "GET",
            "",
            &get,
            0.4,
            t + tx.rng.ms(0.1),
        )
        .unwrap_or_else(|(e, _)| e);
    let end = c + tx.rng.ms(0.2);
    tx.log(
        Svc::Queue,
        pod,
        end,
        Level::Debug,
        sid,
        "admission token valid",
        &[("user_id", F::S(user)), ("show_id", F::I(show as i64))],
    );
    tx.close_server(span, end, 200, None, None);
    ok(end, 200)
}
