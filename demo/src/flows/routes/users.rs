//! user-service (JSON, Java): sessions and logins.

use super::{fail, ok};
use crate::flows::tx::{Reply, Tx};
use crate::line::F;
use crate::model::{Level, SpanId, SpanKind};
use crate::platform::{MYSQL_BOOKING, REDIS_CACHE, Svc};

pub(super) fn validate_session(tx: &mut Tx<'_>, parent: SpanId, t: i64, user: &str) -> Reply {
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

pub(super) fn login(tx: &mut Tx<'_>, parent: SpanId, t: i64, user: &str) -> Reply {
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
