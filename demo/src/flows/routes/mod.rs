//! The platform's public routes (at the gateway) and the service endpoints behind them.

use super::tx::{Reply, Tx};
use crate::line::F;
use crate::model::{Level, SpanId, SpanKind};
use crate::platform::Svc;
use booking::{reserve, seat_map};
use catalog::{show_detail, show_list};
use checkout::{checkout, get_order};
use queue::{queue_enter, queue_status};
use users::{login, validate_session};

mod booking;
mod catalog;
mod checkout;
mod queue;
mod users;

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

pub(super) fn ok(end: i64, status: i64) -> Reply {
    Reply {
        end,
        status,
        error: None,
    }
}

pub(super) fn fail(end: i64, status: i64, error: String) -> Reply {
    Reply {
        end,
        status,
        error: Some(error),
    }
}
