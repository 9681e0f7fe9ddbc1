//! The platform's public routes (at the gateway) and the service endpoints behind them.

use super::tx::{Reply, Tx};
use crate::incidents::IncidentKind;
use crate::line::F;
use crate::model::{AttrValue, Level, SpanId, SpanKind};
use crate::platform::{MYSQL_BOOKING, MYSQL_CATALOG, REDIS_CACHE, REDIS_QUEUE, Svc};

/// A public route served by the gateway.
pub(crate) struct Route {
    pub method: &'static str,
    pub template: &'static str,
    /// Relative share of normal traffic.
    pub weight: u32,
    /// Part of the waiting-room flow that a ticket opening multiplies.
    pub queue: bool,
}

const fn r(method: &'static str, template: &'static str, weight: u32, queue: bool) -> Route {
    Route {
        method,
        template,
        weight,
        queue,
    }
}

pub(crate) const ROUTES: [Route; 9] = [
    r("GET", "/api/shows", 28, false),
    r("GET", "/api/shows/{id}", 24, false),
    r("GET", "/api/shows/{id}/seats", 4, false),
    r("POST", "/api/login", 6, false),
    r("POST", "/api/queue/enter", 7, true),
    r("GET", "/api/queue/status", 12, true),
    r("POST", "/api/reservations", 9, false),
    r("POST", "/api/checkout", 5, false),
    r("GET", "/api/orders/{id}", 5, false),
];

const CITIES: [&str; 6] = ["berlin", "paris", "madrid", "milan", "amsterdam", "vienna"];

/// Ids a request is about, drawn once at the gateway.
struct Ctx {
    user: String,
    show: u64,
}

/// Generates one request on route `idx`, arriving at the gateway at `t`.
pub(crate) fn run_route(tx: &mut Tx<'_>, idx: usize, t: i64) {
    let route = &ROUTES[idx];
    let ctx = Ctx {
        user: format!("u-{}", tx.rng.range(10_000, 99_999)),
        show: tx.rng.range(1000, 1399),
    };
    let pod = tx.pod(Svc::Gateway);
    let path = route.template.replace("{id}", &concrete_id(tx, idx, &ctx));
    let ip = format!(
        "{}.{}.{}.{}",
        tx.rng.pick(&[81u64, 88, 91, 176, 185, 212]),
        tx.rng.range(1, 254),
        tx.rng.range(0, 255),
        tx.rng.range(1, 254)
    );
    let attrs = vec![
        ("http.request.method", route.method.into()),
        ("http.route", route.template.into()),
        ("url.path", path.as_str().into()),
        ("url.scheme", "https".into()),
        ("server.address", "api.tixly.example".into()),
        ("client.address", ip.as_str().into()),
        (
            "user_agent.original",
            "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X)".into(),
        ),
    ];
    let name = format!("{} {}", route.method, route.template);
    let root = tx.open(Svc::Gateway, pod, None, name, SpanKind::Server, t, attrs);
    let root_id = root.id;
    let c = t + tx.rng.ms(0.2);
    let reply = gateway_dispatch(tx, pod, idx, root_id, c, &ctx, &path);
    let end = reply.end + tx.rng.ms(0.2);
    let upstream = upstream_of(idx);
    let msg = reply
        .error
        .as_ref()
        .map(|e| format!("upstream {upstream} returned {}: {e}", reply.status));
    tx.close_server(root, end, reply.status, msg.as_deref(), None);
    let level = match reply.status {
        500.. => Level::Error,
        400.. => Level::Warn,
        _ => Level::Info,
    };
    let dur = ((end - t) / 1_000_000).to_string();
    let status = reply.status;
    let bytes = if status < 300 {
        tx.rng.range(300, 9000) as i64
    } else {
        tx.rng.range(60, 200) as i64
    };
    tx.log(
        Svc::Gateway,
        pod,
        end,
        level,
        root_id,
        "request completed",
        &[
            ("method", F::S(route.method)),
            ("path", F::S(&path)),
            ("status", F::I(status)),
            ("duration_ms", F::S(&dur)),
            ("bytes", F::I(bytes)),
            ("client_ip", F::S(&ip)),
            ("upstream", F::S(upstream)),
            ("user_id", F::S(&ctx.user)),
        ],
    );
}

fn concrete_id(tx: &mut Tx<'_>, idx: usize, ctx: &Ctx) -> String {
    match idx {
        8 => format!("o-{}", tx.rng.range(1_000_000, 9_999_999)),
        _ => ctx.show.to_string(),
    }
}

fn upstream_of(idx: usize) -> &'static str {
    match idx {
        0..=1 => "show-service",
        2 | 6 => "reservation-service",
        3 => "user-service",
        4 | 5 => "queue-service",
        _ => "order-service",
    }
}

fn gateway_dispatch(
    tx: &mut Tx<'_>,
    gw: &'static crate::platform::Pod,
    idx: usize,
    root: SpanId,
    c: i64,
    ctx: &Ctx,
    path: &str,
) -> Reply {
    let route = &ROUTES[idx];
    // A ticket opening overwhelms the waiting room: the gateway's rate limiter sheds some load.
    if route.queue && tx.fx.spike > 1.0 && tx.rng.chance(0.015 * (tx.fx.spike - 1.0)) {
        tx.log(
            Svc::Gateway,
            gw,
            c,
            Level::Warn,
            root,
            "rate limit exceeded",
            &[
                ("limiter", F::S("waiting-room")),
                ("path", F::S(path)),
                ("retry_after_s", F::I(5)),
            ],
        );
        return Reply {
            end: c + tx.rng.ms(0.1),
            status: 429,
            error: None,
        };
    }
    let mut c = c;
    if idx >= 4 {
        // Authenticated routes check the session first.
        let user = ctx.user.clone();
        let r = tx.call(
            Svc::Gateway,
            gw,
            root,
            Svc::User,
            "GET",
            "/sessions/validate",
            "/sessions/validate",
            c,
            |tx, p, t| validate_session(tx, p, t, &user),
        );
        c = r.end + tx.rng.ms(0.1);
        tx.log(
            Svc::Gateway,
            gw,
            c,
            Level::Debug,
            root,
            "session validated",
            &[("user_id", F::S(&ctx.user)), ("auth", F::S("bearer"))],
        );
    }
    let show = ctx.show;
    let user = ctx.user.clone();
    let (svc, method, template, inner): (Svc, &str, &str, String) = match idx {
        0 => (Svc::Show, "GET", "/shows", "/shows".into()),
        1 => (Svc::Show, "GET", "/shows/{id}", format!("/shows/{show}")),
        2 => (
            Svc::Reservation,
            "GET",
            "/shows/{id}/seats",
            format!("/shows/{show}/seats"),
        ),
        3 => (Svc::User, "POST", "/auth/login", "/auth/login".into()),
        4 => (Svc::Queue, "POST", "/queue/enter", "/queue/enter".into()),
        5 => (Svc::Queue, "GET", "/queue/status", "/queue/status".into()),
        6 => (
            Svc::Reservation,
            "POST",
            "/reservations",
            "/reservations".into(),
        ),
        7 => (Svc::Order, "POST", "/orders", "/orders".into()),
        _ => (
            Svc::Order,
            "GET",
            "/orders/{id}",
            path.trim_start_matches("/api").into(),
        ),
    };
    let inner2 = inner.clone();
    tx.call(
        Svc::Gateway,
        gw,
        root,
        svc,
        method,
        template,
        &inner,
        c,
        move |tx, p, t| match idx {
            0 => show_list(tx, p, t),
            1 => show_detail(tx, p, t, show),
            2 => seat_map(tx, p, t, show),
            3 => login(tx, p, t, &user),
            4 => queue_enter(tx, p, t, &user, show),
            5 => queue_status(tx, p, t, &user, show),
            6 => reserve(tx, p, t, &user, show),
            7 => checkout(tx, p, t, &user),
            _ => get_order(tx, p, t, &inner2),
        },
    )
}

fn ok(end: i64, status: i64) -> Reply {
    Reply {
        end,
        status,
        error: None,
    }
}

fn fail(end: i64, status: i64, error: String) -> Reply {
    Reply {
        end,
        status,
        error: Some(error),
    }
}

fn show_list(tx: &mut Tx<'_>, parent: SpanId, t: i64) -> Reply {
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

fn show_detail(tx: &mut Tx<'_>, parent: SpanId, t: i64, show: u64) -> Reply {
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
        let stack = super::tx::stack_for("java.lang.NullPointerException", NPE);
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

fn price_tiers(tx: &mut Tx<'_>, parent: SpanId, t: i64, show: u64) -> Reply {
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

fn seat_map(tx: &mut Tx<'_>, parent: SpanId, t: i64, show: u64) -> Reply {
    let pod = tx.pod(Svc::Reservation);
    let span = tx.server(
        Svc::Reservation,
        pod,
        parent,
        "GET",
        "/shows/{id}/seats",
        &format!("/shows/{show}/seats"),
        t,
    );
    let sid = span.id;
    let q = "SELECT seat_id, row_label, number, status FROM seats WHERE show_id = ?";
    let mut c = t + tx.rng.ms(0.2);
    match tx.db(
        Svc::Reservation,
        pod,
        sid,
        &MYSQL_BOOKING,
        "SELECT",
        "seats",
        q,
        6.0,
        c,
    ) {
        Ok(e) => c = e,
        Err((e, err)) => {
            tx.log_db_error(
                Svc::Reservation,
                pod,
                e,
                sid,
                "failed to load seat map",
                &err,
            );
            tx.close_server(span, e + tx.rng.ms(0.2), 503, Some(&err.message), None);
            return fail(e, 503, err.message);
        }
    }
    let key = format!("MGET lock:seat:{show}:*");
    match tx.db(
        Svc::Reservation,
        pod,
        sid,
        &REDIS_QUEUE,
        "MGET",
        "",
        &key,
        0.8,
        c,
    ) {
        Ok(e) => c = e,
        Err((e, err)) => {
            tx.log_db_error(
                Svc::Reservation,
                pod,
                e,
                sid,
                "failed to read seat locks",
                &err,
            );
            tx.close_server(span, e + tx.rng.ms(0.2), 503, Some(&err.message), None);
            return fail(e, 503, err.message);
        }
    }
    let end = c + tx.rng.ms(0.8);
    let free = tx.rng.range(0, 1200) as i64;
    tx.log(
        Svc::Reservation,
        pod,
        end,
        Level::Info,
        sid,
        "seat map served",
        &[("show_id", F::I(show as i64)), ("available", F::I(free))],
    );
    tx.close_server(span, end, 200, None, None);
    ok(end, 200)
}

fn validate_session(tx: &mut Tx<'_>, parent: SpanId, t: i64, user: &str) -> Reply {
    let pod = tx.pod(Svc::User);
    let span = tx.server(
        Svc::User,
        pod,
        parent,
        "GET",
        "/sessions/validate",
        "/sessions/validate",
        t,
    );
    let sid = span.id;
    let key = format!("GET session:{:016x}", tx.rng.next_u64());
    let c = tx
        .db(
            Svc::User,
            pod,
            sid,
            &REDIS_CACHE,
            "GET",
            "",
            &key,
            0.5,
            t + tx.rng.ms(0.1),
        )
        .unwrap_or_else(|(e, _)| e);
    let end = c + tx.rng.ms(0.3);
    tx.log(
        Svc::User,
        pod,
        end,
        Level::Debug,
        sid,
        "session valid",
        &[("user_id", F::S(user))],
    );
    tx.close_server(span, end, 200, None, None);
    ok(end, 200)
}

fn login(tx: &mut Tx<'_>, parent: SpanId, t: i64, user: &str) -> Reply {
    let pod = tx.pod(Svc::User);
    let span = tx.server(
        Svc::User,
        pod,
        parent,
        "POST",
        "/auth/login",
        "/auth/login",
        t,
    );
    let sid = span.id;
    let q = "SELECT id, email, password_hash, status FROM users WHERE email = ?";
    let c = match tx.db(
        Svc::User,
        pod,
        sid,
        &MYSQL_BOOKING,
        "SELECT",
        "users",
        q,
        2.5,
        t + tx.rng.ms(0.3),
    ) {
        Ok(e) => e,
        Err((e, err)) => {
            tx.log_db_error(Svc::User, pod, e, sid, "login failed", &err);
            tx.close_server(span, e + tx.rng.ms(0.3), 503, Some(&err.message), None);
            return fail(e, 503, err.message);
        }
    };
    let b = tx.open(
        Svc::User,
        pod,
        Some(sid),
        "bcrypt.verify".into(),
        SpanKind::Internal,
        c,
        vec![("auth.method", "password".into())],
    );
    let c = c + tx.rng.ms(55.0);
    tx.close(b, c, None, None);
    if tx.rng.chance(0.04) {
        let end = c + tx.rng.ms(0.4);
        tx.log(
            Svc::User,
            pod,
            end,
            Level::Warn,
            sid,
            "login failed: invalid credentials",
            &[
                ("user_id", F::S(user)),
                ("attempt", F::I(tx.rng.range(1, 3) as i64)),
            ],
        );
        tx.close_server(span, end, 401, None, None);
        return ok(end, 401);
    }
    let key = format!("SET session:{:016x} EX 86400", tx.rng.next_u64());
    let c = tx
        .db(Svc::User, pod, sid, &REDIS_CACHE, "SET", "", &key, 0.5, c)
        .unwrap_or_else(|(e, _)| e);
    let end = c + tx.rng.ms(0.4);
    tx.log(
        Svc::User,
        pod,
        end,
        Level::Info,
        sid,
        &format!("user {user} logged in"),
        &[("user_id", F::S(user)), ("method", F::S("password"))],
    );
    tx.close_server(span, end, 200, None, None);
    ok(end, 200)
}

/// Redis latency factor in the waiting room during a ticket opening.
fn queue_load(tx: &Tx<'_>) -> f64 {
    1.0 + (tx.fx.spike - 1.0) * 1.5
}

fn queue_enter(tx: &mut Tx<'_>, parent: SpanId, t: i64, user: &str, show: u64) -> Reply {
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

fn queue_status(tx: &mut Tx<'_>, parent: SpanId, t: i64, user: &str, show: u64) -> Reply {
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

fn verify_token(tx: &mut Tx<'_>, parent: SpanId, t: i64, user: &str, show: u64) -> Reply {
    let pod = tx.pod(Svc::Queue);
    let span = tx.server(
        Svc::Queue,
        pod,
        parent,
        "GET",
        "/queue/tokens/{token}",
        "/queue/tokens/adm",
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

fn reserve(tx: &mut Tx<'_>, parent: SpanId, t: i64, user: &str, show: u64) -> Reply {
    let pod = tx.pod(Svc::Reservation);
    let span = tx.server(
        Svc::Reservation,
        pod,
        parent,
        "POST",
        "/reservations",
        "/reservations",
        t,
    );
    let sid = span.id;
    let n = tx.rng.range(1, 4);
    let row = (b'A' + tx.rng.range(0, 19) as u8) as char;
    let first = tx.rng.range(1, 36);
    let seats: Vec<String> = (0..n).map(|i| format!("{row}{}", first + i)).collect();
    let seats = seats.join(",");
    let mut c = t + tx.rng.ms(0.3);
    tx.log(
        Svc::Reservation,
        pod,
        c,
        Level::Debug,
        sid,
        "hold requested",
        &[
            ("user_id", F::S(user)),
            ("show_id", F::I(show as i64)),
            ("seats", F::S(&seats)),
        ],
    );
    let u = user.to_owned();
    let r = tx.call(
        Svc::Reservation,
        pod,
        sid,
        Svc::Queue,
        "GET",
        "/queue/tokens/{token}",
        "/queue/tokens/adm",
        c,
        |tx, p, t| verify_token(tx, p, t, &u, show),
    );
    c = r.end;
    let lock = format!("SET lock:seat:{show}:{row}{first} {user} NX EX 600");
    match tx.db(
        Svc::Reservation,
        pod,
        sid,
        &REDIS_QUEUE,
        "SET",
        "",
        &lock,
        0.8,
        c,
    ) {
        Ok(e) => c = e,
        Err((e, err)) => {
            let stats = [
                ("pool_size", F::I(16)),
                ("idle_conns", F::I(0)),
                ("wait_ms", F::I(4000)),
            ];
            tx.log(
                Svc::Reservation,
                pod,
                e,
                Level::Error,
                sid,
                &format!("acquire seat lock failed: {}", err.message),
                &stats,
            );
            tx.close_server(span, e + tx.rng.ms(0.3), 503, Some(&err.message), None);
            return fail(e, 503, err.message);
        }
    }
    let q = "SELECT seat_id, status FROM seats WHERE show_id = ? AND seat_id IN (?) FOR UPDATE";
    let ins =
        "INSERT INTO reservations (id, user_id, show_id, seats, expires_at) VALUES (?, ?, ?, ?, ?)";
    for (op, coll, q, m) in [
        ("SELECT", "seats", q, 4.0),
        ("INSERT", "reservations", ins, 3.0),
    ] {
        match tx.db(
            Svc::Reservation,
            pod,
            sid,
            &MYSQL_BOOKING,
            op,
            coll,
            q,
            m,
            c,
        ) {
            Ok(e) => c = e,
            Err((e, err)) => {
                tx.log_db_error(Svc::Reservation, pod, e, sid, "failed to hold seats", &err);
                tx.close_server(span, e + tx.rng.ms(0.3), 503, Some(&err.message), None);
                return fail(e, 503, err.message);
            }
        }
        if op == "SELECT" && tx.rng.chance(0.04) {
            let end = c + tx.rng.ms(0.3);
            tx.log(
                Svc::Reservation,
                pod,
                end,
                Level::Warn,
                sid,
                "seat already taken",
                &[("show_id", F::I(show as i64)), ("seats", F::S(&seats))],
            );
            tx.close_server(span, end, 409, None, None);
            return ok(end, 409);
        }
    }
    let end = c + tx.rng.ms(0.5);
    let rid = format!("r-{:010x}", tx.rng.next_u64() >> 24);
    tx.log(
        Svc::Reservation,
        pod,
        end,
        Level::Info,
        sid,
        "seats held",
        &[
            ("reservation_id", F::S(&rid)),
            ("user_id", F::S(user)),
            ("show_id", F::I(show as i64)),
            ("seats", F::S(&seats)),
            ("expires_in_s", F::I(600)),
        ],
    );
    tx.close_server(span, end, 201, None, None);
    ok(end, 201)
}

fn get_reservation(tx: &mut Tx<'_>, parent: SpanId, t: i64, rid: &str) -> Reply {
    let pod = tx.pod(Svc::Reservation);
    let span = tx.server(
        Svc::Reservation,
        pod,
        parent,
        "GET",
        "/reservations/{id}",
        &format!("/reservations/{rid}"),
        t,
    );
    let sid = span.id;
    let q = "SELECT id, user_id, show_id, seats, status, expires_at FROM reservations WHERE id = ?";
    match tx.db(
        Svc::Reservation,
        pod,
        sid,
        &MYSQL_BOOKING,
        "SELECT",
        "reservations",
        q,
        2.0,
        t + tx.rng.ms(0.2),
    ) {
        Ok(c) => {
            let end = c + tx.rng.ms(0.3);
            tx.log(
                Svc::Reservation,
                pod,
                end,
                Level::Debug,
                sid,
                "reservation loaded",
                &[("reservation_id", F::S(rid))],
            );
            tx.close_server(span, end, 200, None, None);
            ok(end, 200)
        }
        Err((e, err)) => {
            tx.log_db_error(
                Svc::Reservation,
                pod,
                e,
                sid,
                "failed to load reservation",
                &err,
            );
            tx.close_server(span, e + tx.rng.ms(0.2), 503, Some(&err.message), None);
            fail(e, 503, err.message)
        }
    }
}

fn checkout(tx: &mut Tx<'_>, parent: SpanId, t: i64, user: &str) -> Reply {
    let pod = tx.pod(Svc::Order);
    let span = tx.server(Svc::Order, pod, parent, "POST", "/orders", "/orders", t);
    let sid = span.id;
    let oid = format!("o-{}", tx.rng.range(1_000_000, 9_999_999));
    let rid = format!("r-{:010x}", tx.rng.next_u64() >> 24);
    let amount =
        tx.rng.range(35, 180) as f64 * tx.rng.range(1, 4) as f64 + 0.5 * tx.rng.range(0, 1) as f64;
    let mut c = t + tx.rng.ms(0.4);
    tx.log(
        Svc::Order,
        pod,
        c,
        Level::Info,
        sid,
        "checkout started",
        &[
            ("order_id", F::S(&oid)),
            ("user_id", F::S(user)),
            ("reservation_id", F::S(&rid)),
        ],
    );
    let r = tx.call(
        Svc::Order,
        pod,
        sid,
        Svc::Reservation,
        "GET",
        "/reservations/{id}",
        &format!("/reservations/{rid}"),
        c,
        |tx, p, t| get_reservation(tx, p, t, &rid),
    );
    c = r.end + tx.rng.ms(0.2);
    if r.status >= 500 {
        return order_failed(tx, span, pod, c, &oid, "reservation-service", &r);
    }
    let o2 = oid.clone();
    let r = tx.call(
        Svc::Order,
        pod,
        sid,
        Svc::Payment,
        "POST",
        "/payments",
        "/payments",
        c,
        |tx, p, t| payment(tx, p, t, &o2, amount),
    );
    c = r.end + tx.rng.ms(0.2);
    if r.status == 402 {
        let end = c + tx.rng.ms(0.3);
        tx.log(
            Svc::Order,
            pod,
            end,
            Level::Warn,
            sid,
            "payment declined",
            &[("order_id", F::S(&oid)), ("user_id", F::S(user))],
        );
        tx.close_server(span, end, 402, None, None);
        return ok(end, 402);
    }
    if r.status >= 500 {
        return order_failed(tx, span, pod, c, &oid, "payment-service", &r);
    }
    let q = "INSERT INTO orders (id, user_id, reservation_id, amount_cents, currency, status) VALUES (?, ?, ?, ?, 'EUR', 'PAID')";
    match tx.db(
        Svc::Order,
        pod,
        sid,
        &MYSQL_BOOKING,
        "INSERT",
        "orders",
        q,
        3.5,
        c,
    ) {
        Ok(e) => c = e,
        Err((e, err)) => {
            tx.log_db_error(
                Svc::Order,
                pod,
                e,
                sid,
                &format!("failed to persist order {oid}"),
                &err,
            );
            tx.close_server(span, e + tx.rng.ms(0.3), 503, Some(&err.message), None);
            return fail(e, 503, err.message);
        }
    }
    c = publish_order_event(tx, pod, sid, c, &oid);
    let end = c + tx.rng.ms(0.4);
    tx.log(
        Svc::Order,
        pod,
        end,
        Level::Info,
        sid,
        &format!("order {oid} created"),
        &[
            ("order_id", F::S(&oid)),
            ("user_id", F::S(user)),
            ("amount", F::D2(amount)),
            ("currency", F::S("EUR")),
            ("duration_ms", F::I((end - t) / 1_000_000)),
        ],
    );
    tx.close_server(span, end, 201, None, None);
    ok(end, 201)
}

fn order_failed(
    tx: &mut Tx<'_>,
    span: super::tx::Open,
    pod: &'static crate::platform::Pod,
    c: i64,
    oid: &str,
    callee: &str,
    r: &Reply,
) -> Reply {
    let sid = span.id;
    let status = if r.status == 503 { 503 } else { 502 };
    let reason = format!("{callee} returned {}", r.status);
    let msg = format!("checkout failed for order {oid}: {reason}");
    let ex = "com.tixly.order.client.UpstreamException";
    let stack = super::tx::stack_for(ex, &reason);
    let end = c + tx.rng.ms(0.5);
    tx.log(
        Svc::Order,
        pod,
        end,
        Level::Error,
        sid,
        &msg,
        &[
            ("order_id", F::S(oid)),
            ("exception", F::S(ex)),
            ("stack_trace", F::S(&stack)),
        ],
    );
    tx.close_server(
        span,
        end,
        status,
        Some(&reason),
        Some((ex, &reason, &stack)),
    );
    fail(end, status, reason)
}

fn publish_order_event(
    tx: &mut Tx<'_>,
    pod: &'static crate::platform::Pod,
    parent: SpanId,
    c: i64,
    oid: &str,
) -> i64 {
    let attrs = vec![
        ("messaging.system", "kafka".into()),
        ("messaging.destination.name", "order-events".into()),
        ("messaging.operation.type", "publish".into()),
        ("messaging.kafka.message.key", oid.into()),
        (
            "server.address",
            "kafka-0.kafka.data.svc.cluster.local".into(),
        ),
        ("peer.service", "kafka".into()),
    ];
    let p = tx.open(
        Svc::Order,
        pod,
        Some(parent),
        "publish order-events".into(),
        SpanKind::Producer,
        c,
        attrs,
    );
    let pid = p.id;
    let end = c + tx.rng.ms(1.5);
    tx.close(p, end, None, None);
    // The consumer runs asynchronously: it is a child of the producer but may outlive the request.
    let start = end + tx.rng.ms(15.0);
    notify(tx, pid, start, oid);
    end
}

fn notify(tx: &mut Tx<'_>, parent: SpanId, t: i64, oid: &str) {
    let pod = tx.pod(Svc::Notification);
    let attrs = vec![
        ("messaging.system", "kafka".into()),
        ("messaging.destination.name", "order-events".into()),
        ("messaging.operation.type", "process".into()),
        (
            "messaging.consumer.group.name",
            "notification-service".into(),
        ),
        ("messaging.kafka.message.key", oid.into()),
    ];
    let span = tx.open(
        Svc::Notification,
        pod,
        Some(parent),
        "process order-events".into(),
        SpanKind::Consumer,
        t,
        attrs,
    );
    let sid = span.id;
    let r = tx.open(
        Svc::Notification,
        pod,
        Some(sid),
        "render order-confirmation".into(),
        SpanKind::Internal,
        t + tx.rng.ms(0.3),
        vec![("template", "order-confirmation".into())],
    );
    let c = r.start + tx.rng.ms(4.0);
    tx.close(r, c, None, None);
    let attrs = vec![
        ("http.request.method", "POST".into()),
        (
            "url.full",
            "https://api.mailrelay.example/v3/mail/send".into(),
        ),
        ("server.address", "api.mailrelay.example".into()),
        ("server.port", AttrValue::Int(443)),
        ("peer.service", "mailrelay".into()),
        ("http.response.status_code", AttrValue::Int(202)),
    ];
    let m = tx.open(
        Svc::Notification,
        pod,
        Some(sid),
        "POST /v3/mail/send".into(),
        SpanKind::Client,
        c,
        attrs,
    );
    let c = c + tx.rng.ms(90.0);
    tx.close(m, c, None, None);
    let end = c + tx.rng.ms(0.5);
    tx.log(
        Svc::Notification,
        pod,
        end,
        Level::Info,
        sid,
        "order confirmation sent",
        &[
            ("order_id", F::S(oid)),
            ("channel", F::S("email")),
            ("template", F::S("order-confirmation")),
        ],
    );
    tx.close(span, end, None, None);
}

const PROVIDER_TIMEOUT_MS: i64 = 5000;

fn payment(tx: &mut Tx<'_>, parent: SpanId, t: i64, oid: &str, amount: f64) -> Reply {
    let pod = tx.pod(Svc::Payment);
    let span = tx.server(
        Svc::Payment,
        pod,
        parent,
        "POST",
        "/payments",
        "/payments",
        t,
    );
    let sid = span.id;
    let pay = format!("pay_{:014x}", tx.rng.next_u64() >> 8);
    let q = "INSERT INTO payments (id, order_id, amount_cents, currency, status) VALUES (?, ?, ?, 'EUR', 'PENDING')";
    let mut c = match tx.db(
        Svc::Payment,
        pod,
        sid,
        &MYSQL_BOOKING,
        "INSERT",
        "payments",
        q,
        3.0,
        t + tx.rng.ms(0.3),
    ) {
        Ok(e) => e,
        Err((e, err)) => {
            tx.log_db_error(
                Svc::Payment,
                pod,
                e,
                sid,
                &format!("cannot record payment {pay}"),
                &err,
            );
            tx.close_server(span, e + tx.rng.ms(0.2), 503, Some(&err.message), None);
            return fail(e, 503, err.message);
        }
    };
    let attrs = vec![
        ("http.request.method", "POST".into()),
        ("url.full", "https://api.acmepay.example/v1/charges".into()),
        ("server.address", "api.acmepay.example".into()),
        ("server.port", AttrValue::Int(443)),
        ("peer.service", "acmepay".into()),
    ];
    let mut ext = tx.open(
        Svc::Payment,
        pod,
        Some(sid),
        "POST /v1/charges".into(),
        SpanKind::Client,
        c + tx.rng.ms(0.5),
        attrs,
    );
    let ext_start = ext.start;
    if tx.fx.provider_timeout_p > 0.0 && tx.rng.chance(tx.fx.provider_timeout_p) {
        tx.hit(IncidentKind::PaymentProviderTimeout, t);
        let end = ext_start + PROVIDER_TIMEOUT_MS * 1_000_000 + tx.rng.ms(1.0);
        let emsg = "Read timed out";
        let stack = super::tx::stack_for("java.net.SocketTimeoutException", emsg);
        ext.attrs
            .push(("error.type", "java.net.SocketTimeoutException".into()));
        tx.close(
            ext,
            end,
            Some("java.net.SocketTimeoutException: Read timed out"),
            Some(("java.net.SocketTimeoutException", emsg, &stack)),
        );
        let msg = format!(
            "charge failed: provider timeout after {PROVIDER_TIMEOUT_MS}ms payment_id={pay}"
        );
        tx.log(
            Svc::Payment,
            pod,
            end + 100_000,
            Level::Error,
            sid,
            &msg,
            &[
                ("order_id", F::S(oid)),
                ("amount", F::D2(amount)),
                ("provider", F::S("acmepay")),
                ("exception", F::S("java.net.SocketTimeoutException")),
                ("stack_trace", F::S(&stack)),
            ],
        );
        let end = end + tx.rng.ms(0.5);
        tx.close_server(span, end, 504, Some("payment provider timeout"), None);
        return fail(end, 504, "payment provider timeout".into());
    }
    let d = tx.rng.ms(320.0);
    let declined = tx.rng.chance(0.03);
    let status = if declined { 402 } else { 200 };
    ext.attrs
        .push(("http.response.status_code", AttrValue::Int(status)));
    c = ext_start + d;
    if declined {
        ext.attrs.push(("error.type", "402".into()));
        tx.close(ext, c, Some("HTTP 402"), None);
        let end = c + tx.rng.ms(0.4);
        tx.log(
            Svc::Payment,
            pod,
            end,
            Level::Warn,
            sid,
            &format!("card declined payment_id={pay}"),
            &[
                ("order_id", F::S(oid)),
                ("decline_code", F::S("insufficient_funds")),
                ("provider", F::S("acmepay")),
            ],
        );
        tx.close_server(span, end, 402, None, None);
        return ok(end, 402);
    }
    tx.close(ext, c, None, None);
    if d > 1_500_000_000 {
        tx.log(
            Svc::Payment,
            pod,
            c,
            Level::Warn,
            sid,
            "slow provider response",
            &[
                ("provider", F::S("acmepay")),
                ("latency_ms", F::I(d / 1_000_000)),
            ],
        );
    }
    let q = "UPDATE payments SET status = 'AUTHORIZED', provider_ref = ? WHERE id = ?";
    c = tx
        .db(
            Svc::Payment,
            pod,
            sid,
            &MYSQL_BOOKING,
            "UPDATE",
            "payments",
            q,
            2.5,
            c + tx.rng.ms(0.2),
        )
        .unwrap_or_else(|(e, _)| e);
    let end = c + tx.rng.ms(0.4);
    let chref = format!("ch_{:016x}", tx.rng.next_u64());
    tx.log(
        Svc::Payment,
        pod,
        end,
        Level::Info,
        sid,
        &format!("payment authorized payment_id={pay}"),
        &[
            ("order_id", F::S(oid)),
            ("amount", F::D2(amount)),
            ("currency", F::S("EUR")),
            ("provider_ref", F::S(&chref)),
            ("latency_ms", F::I(d / 1_000_000)),
        ],
    );
    tx.close_server(span, end, 201, None, None);
    ok(end, 201)
}

fn get_order(tx: &mut Tx<'_>, parent: SpanId, t: i64, path: &str) -> Reply {
    let pod = tx.pod(Svc::Order);
    let span = tx.server(Svc::Order, pod, parent, "GET", "/orders/{id}", path, t);
    let sid = span.id;
    let oid = path.trim_start_matches("/orders/").to_owned();
    let mut c = t + tx.rng.ms(0.3);
    let q1 =
        "SELECT id, user_id, amount_cents, currency, status, created_at FROM orders WHERE id = ?";
    let q2 = "SELECT seat_id, price_cents FROM order_items WHERE order_id = ?";
    for (coll, q) in [("orders", q1), ("order_items", q2)] {
        match tx.db(
            Svc::Order,
            pod,
            sid,
            &MYSQL_BOOKING,
            "SELECT",
            coll,
            q,
            2.0,
            c,
        ) {
            Ok(e) => c = e,
            Err((e, err)) => {
                tx.log_db_error(
                    Svc::Order,
                    pod,
                    e,
                    sid,
                    &format!("failed to load order {oid}"),
                    &err,
                );
                tx.close_server(span, e + tx.rng.ms(0.3), 503, Some(&err.message), None);
                return fail(e, 503, err.message);
            }
        }
    }
    let end = c + tx.rng.ms(0.4);
    tx.log(
        Svc::Order,
        pod,
        end,
        Level::Debug,
        sid,
        &format!("order {oid} fetched"),
        &[("order_id", F::S(&oid))],
    );
    tx.close_server(span, end, 200, None, None);
    ok(end, 200)
}
