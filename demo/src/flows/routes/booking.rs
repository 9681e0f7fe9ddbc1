//! reservation-service (JSON, Go): seat maps and seat holds.

use super::queue::verify_token;
use super::{fail, ok};
use crate::flows::tx::{Reply, Tx};
use crate::line::F;
use crate::model::{Level, SpanId};
use crate::platform::{MYSQL_BOOKING, REDIS_QUEUE, Svc};

pub(super) fn seat_map(tx: &mut Tx<'_>, parent: SpanId, t: i64, show: u64) -> Reply {
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

pub(super) fn reserve(tx: &mut Tx<'_>, parent: SpanId, t: i64, user: &str, show: u64) -> Reply {
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
    let token_path = format!("/queue/tokens/adm_{:012x}", tx.rng.next_u64() >> 16);
    let tp = token_path.clone();
    let r = tx.call(
        Svc::Reservation,
        pod,
        sid,
        Svc::Queue,
        "GET",
        "/queue/tokens/{token}",
        &token_path,
        c,
        |tx, p, t| verify_token(tx, p, t, &u, show, &tp),
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

pub(super) fn get_reservation(tx: &mut Tx<'_>, parent: SpanId, t: i64, rid: &str) -> Reply {
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
