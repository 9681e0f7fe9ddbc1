//! show-service (JSON, Java) and product-service (logfmt, Go): browsing shows.

use super::{fail, ok};
use crate::flows::tx::{Reply, Tx};
use crate::incidents::IncidentKind;
use crate::line::F;
use crate::model::{Level, SpanId};
use crate::platform::{MYSQL_CATALOG, REDIS_CACHE, Svc};

const CITIES: [&str; 6] = ["berlin", "paris", "madrid", "milan", "amsterdam", "vienna"];

pub(super) fn show_list(tx: &mut Tx<'_>, parent: SpanId, t: i64) -> Reply {
    let pod = tx.pod(Svc::Show);
    let span = tx.server(Svc::Show, pod, parent, "GET", "/shows", "/shows", t);
    let sid = span.id;
    let city = *tx.rng.pick(&CITIES);
    let page = tx.rng.range(1, 5) as i64;
    let mut c = t + tx.rng.ms(0.3);
    tx.log(
        Svc::Show,
        pod,
        c,
        Level::Debug,
        sid,
        "listing shows",
        &[("city", F::S(city)), ("page", F::I(page))],
    );
    let key = format!("GET shows:list:{city}:{page}");
    c = tx
        .db(Svc::Show, pod, sid, &REDIS_CACHE, "GET", "", &key, 0.6, c)
        .unwrap_or_else(|(e, _)| e);
    let hit = tx.rng.chance(0.85);
    if hit {
        tx.log(
            Svc::Show,
            pod,
            c,
            Level::Debug,
            sid,
            "cache hit",
            &[("key", F::S(&key[4..]))],
        );
    }
    if !hit {
        let q = "SELECT id, title, venue_id, starts_at FROM shows WHERE city = ? AND starts_at > NOW() ORDER BY starts_at LIMIT 20 OFFSET ?";
        c = tx
            .db(
                Svc::Show,
                pod,
                sid,
                &MYSQL_CATALOG,
                "SELECT",
                "shows",
                q,
                7.0,
                c,
            )
            .unwrap_or_else(|(e, _)| e);
        let set = format!("SET shows:list:{city}:{page} EX 60");
        c = tx
            .db(Svc::Show, pod, sid, &REDIS_CACHE, "SET", "", &set, 0.5, c)
            .unwrap_or_else(|(e, _)| e);
    }
    let end = c + tx.rng.ms(1.2);
    let count = tx.rng.range(5, 20) as i64;
    let ms = ((end - t) / 1_000_000).max(1);
    tx.log(
        Svc::Show,
        pod,
        end,
        Level::Info,
        sid,
        &format!("listed {count} shows for {city} in {ms}ms"),
        &[("cache", F::S(if hit { "hit" } else { "miss" }))],
    );
    tx.close_server(span, end, 200, None, None);
    ok(end, 200)
}

const NPE: &str =
    "Cannot invoke \"com.tixly.show.model.Venue.getSeatMap()\" because \"show.venue\" is null";

pub(super) fn show_detail(tx: &mut Tx<'_>, parent: SpanId, t: i64, show: u64) -> Reply {
    let pod = tx.pod(Svc::Show);
    let path = format!("/shows/{show}");
    let span = tx.server(Svc::Show, pod, parent, "GET", "/shows/{id}", &path, t);
    let sid = span.id;
    let show_s = show.to_string();
    let mut c = t + tx.rng.ms(0.3);
    tx.log(
        Svc::Show,
        pod,
        c,
        Level::Debug,
        sid,
        "loading show",
        &[("show_id", F::S(&show_s))],
    );
    c = tx
        .db(
            Svc::Show,
            pod,
            sid,
            &REDIS_CACHE,
            "GET",
            "",
            &format!("GET show:{show}"),
            0.6,
            c,
        )
        .unwrap_or_else(|(e, _)| e);
    let miss = tx.rng.chance(0.3);
    let cache = if miss { "cache miss" } else { "cache hit" };
    tx.log(
        Svc::Show,
        pod,
        c,
        Level::Debug,
        sid,
        cache,
        &[("key", F::S(&format!("show:{show}")))],
    );
    if miss {
        let q = "SELECT s.id, s.title, s.starts_at, v.id, v.name, v.seat_map FROM shows s LEFT JOIN venues v ON v.id = s.venue_id WHERE s.id = ?";
        c = tx
            .db(
                Svc::Show,
                pod,
                sid,
                &MYSQL_CATALOG,
                "SELECT",
                "shows",
                q,
                4.0,
                c,
            )
            .unwrap_or_else(|(e, _)| e);
    }
    let q = format!("/products?show_id={show}");
    let r = tx.call(
        Svc::Show,
        pod,
        sid,
        Svc::Product,
        "GET",
        "/products",
        &q,
        c + tx.rng.ms(0.2),
        |tx, p, t| price_tiers(tx, p, t, show),
    );
    c = r.end;
    if tx.fx.bad_show && tx.rng.chance(0.3) {
        // The 2.9.0 mapper assumes every show has a venue; shows on sale before their venue is
        // confirmed have none.
        tx.hit(IncidentKind::BadDeploy, t);
        let end = c + tx.rng.ms(2.0);
        let msg = format!(
            "failed to render show detail show_id={show}: java.lang.NullPointerException: {NPE}"
        );
        let stack = crate::flows::tx::stack_for("java.lang.NullPointerException", NPE);
        tx.log(
            Svc::Show,
            pod,
            end,
            Level::Error,
            sid,
            &msg,
            &[
                ("exception", F::S("java.lang.NullPointerException")),
                ("stack_trace", F::S(&stack)),
            ],
        );
        tx.close_server(
            span,
            end,
            500,
            Some(&format!("java.lang.NullPointerException: {NPE}")),
            Some(("java.lang.NullPointerException", NPE, &stack)),
        );
        return fail(end, 500, "Internal Server Error".into());
    }
    let end = c + tx.rng.ms(1.5);
    tx.log(
        Svc::Show,
        pod,
        end,
        Level::Info,
        sid,
        &format!("show {show} served"),
        &[
            ("tiers", F::I(3)),
            ("duration_ms", F::I((end - t) / 1_000_000)),
        ],
    );
    tx.close_server(span, end, 200, None, None);
    ok(end, 200)
}

pub(super) fn price_tiers(tx: &mut Tx<'_>, parent: SpanId, t: i64, show: u64) -> Reply {
    let pod = tx.pod(Svc::Product);
    let span = tx.server(
        Svc::Product,
        pod,
        parent,
        "GET",
        "/products",
        "/products",
        t,
    );
    let sid = span.id;
    let q = "SELECT id, tier, price_cents, currency FROM ticket_products WHERE show_id = ? AND active = 1";
    let c = tx
        .db(
            Svc::Product,
            pod,
            sid,
            &MYSQL_CATALOG,
            "SELECT",
            "ticket_products",
            q,
            3.0,
            t + tx.rng.ms(0.2),
        )
        .unwrap_or_else(|(e, _)| e);
    let end = c + tx.rng.ms(0.5);
    let min = tx.rng.range(25, 60) as f64;
    let show_s = show.to_string();
    tx.log(
        Svc::Product,
        pod,
        end,
        Level::Info,
        sid,
        "price tiers loaded",
        &[
            ("show_id", F::S(&show_s)),
            ("tiers", F::I(3)),
            ("min_price", F::D2(min)),
            ("max_price", F::D2(min * 3.5)),
            ("currency", F::S("EUR")),
        ],
    );
    tx.close_server(span, end, 200, None, None);
    ok(end, 200)
}
