//! order-service (JSON, Java), payment-service (JSON, Java) and notification-service
//! (logfmt, Python): checkout, payment with the external provider, order confirmation.

use super::booking::get_reservation;
use super::{fail, ok};
use crate::flows::tx::{Reply, Tx};
use crate::incidents::IncidentKind;
use crate::line::F;
use crate::model::{AttrValue, Level, SpanId, SpanKind};
use crate::platform::{MYSQL_BOOKING, Svc};

pub(super) fn checkout(tx: &mut Tx<'_>, parent: SpanId, t: i64, user: &str) -> Reply {
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

pub(super) fn order_failed(
    tx: &mut Tx<'_>,
    span: crate::flows::tx::Open,
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
    let stack = crate::flows::tx::stack_for(ex, &reason);
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

pub(super) fn publish_order_event(
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

pub(super) fn notify(tx: &mut Tx<'_>, parent: SpanId, t: i64, oid: &str) {
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

pub(super) fn payment(tx: &mut Tx<'_>, parent: SpanId, t: i64, oid: &str, amount: f64) -> Reply {
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
        let stack = crate::flows::tx::stack_for("java.net.SocketTimeoutException", emsg);
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

pub(super) fn get_order(tx: &mut Tx<'_>, parent: SpanId, t: i64, path: &str) -> Reply {
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
