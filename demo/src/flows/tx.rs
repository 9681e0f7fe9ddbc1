//! Building blocks shared by the request flows.

use crate::incidents::{Effects, IncidentKind};
use crate::line::{F, LineBuilder};
use crate::model::{
    AttrValue, Attributes, Level, LogRecord, SpanEvent, SpanId, SpanKind, SpanRecord, StatusCode,
    TraceId,
};
use crate::platform::{Dep, LogFormat, Platform, Pod, Svc};
use crate::rng::Rng;

/// What one generated minute produced, before sorting.
#[derive(Default)]
pub(crate) struct Out {
    pub logs: Vec<LogRecord>,
    pub spans: Vec<SpanRecord>,
    /// Traces in which an incident injected a failure (ground-truth examples).
    pub hits: Vec<(IncidentKind, TraceId, i64)>,
}

/// The answer a service gives to a call.
#[derive(Clone, Debug)]
pub(crate) struct Reply {
    pub end: i64,
    pub status: i64,
    /// Short error text for the caller's log line, when the call failed.
    pub error: Option<String>,
}

/// A failure of a database or cache call.
pub(crate) struct DbError {
    pub message: String,
    pub exception: &'static str,
}

/// A span under construction: everything but its end and status.
pub(crate) struct Open {
    pub id: SpanId,
    pub parent: Option<SpanId>,
    pub svc: Svc,
    pub pod: &'static Pod,
    pub name: String,
    pub kind: SpanKind,
    pub start: i64,
    pub attrs: Attributes,
}

/// One trace being generated.
pub(crate) struct Tx<'a> {
    pub rng: &'a Rng,
    pub platform: &'static Platform,
    pub fx: Effects,
    pub trace_id: TraceId,
    pub out: &'a mut Out,
}

impl<'a> Tx<'a> {
    pub(crate) fn pod(&mut self, svc: Svc) -> &'static Pod {
        let platform: &'static Platform = self.platform;
        let pods = platform.pods(svc, self.fx.bad_show);
        self.rng.pick(pods)
    }

    pub(crate) fn hit(&mut self, kind: IncidentKind, t: i64) {
        self.out.hits.push((kind, self.trace_id, t));
    }

    pub(crate) fn open(
        &mut self,
        svc: Svc,
        pod: &'static Pod,
        parent: Option<SpanId>,
        name: String,
        kind: SpanKind,
        start: i64,
        attrs: Attributes,
    ) -> Open {
        let id = SpanId(self.rng.bytes8());
        Open {
            id,
            parent,
            svc,
            pod,
            name,
            kind,
            start,
            attrs,
        }
    }

    /// Closes a span. `error` sets status ERROR with that message; `exception` adds an
    /// `exception` event (type, message, stack trace).
    pub(crate) fn close(
        &mut self,
        span: Open,
        end: i64,
        error: Option<&str>,
        exception: Option<(&str, &str, &str)>,
    ) {
        let (status, status_message) = match error {
            Some(m) => (StatusCode::Error, m.to_owned()),
            None => (StatusCode::Unset, String::new()),
        };
        let events = exception
            .map(|(ty, msg, stack)| {
                vec![SpanEvent {
                    time_ns: end - 1_000,
                    name: "exception",
                    attributes: vec![
                        ("exception.type", ty.into()),
                        ("exception.message", msg.into()),
                        ("exception.stacktrace", stack.into()),
                    ],
                }]
            })
            .unwrap_or_default();
        self.out.spans.push(SpanRecord {
            trace_id: self.trace_id,
            span_id: span.id,
            parent_span_id: span.parent,
            resource: span.pod.resource.clone(),
            scope: span.svc.info().scope,
            name: span.name,
            kind: span.kind,
            status,
            status_message,
            start_ns: span.start,
            duration_ns: end - span.start,
            attributes: span.attrs,
            events,
        });
    }

    /// Writes a request log line in the service's format, carrying the trace and span ids.
    pub(crate) fn log(
        &mut self,
        svc: Svc,
        pod: &'static Pod,
        ts: i64,
        level: Level,
        span: SpanId,
        msg: &str,
        fields: &[(&str, F<'_>)],
    ) {
        let rec = write_line(
            self.rng,
            svc,
            pod,
            ts,
            level,
            msg,
            fields,
            Some((self.trace_id, span)),
        );
        self.out.logs.push(rec);
    }

    /// An HTTP call from `from` to `to`: a CLIENT span around the callee's SERVER work.
    /// `serve` gets the client span id and the time the request reaches the callee.
    pub(crate) fn call(
        &mut self,
        from: Svc,
        from_pod: &'static Pod,
        parent: SpanId,
        to: Svc,
        method: &str,
        template: &str,
        path: &str,
        start: i64,
        serve: impl FnOnce(&mut Tx<'_>, SpanId, i64) -> Reply,
    ) -> Reply {
        let url = format!("http://{}:8080{}", to.name(), path);
        let attrs: Attributes = vec![
            ("http.request.method", method.into()),
            ("url.full", url.into()),
            ("server.address", to.name().into()),
            ("server.port", AttrValue::Int(8080)),
            ("peer.service", to.name().into()),
        ];
        let name = format!("{method} {template}");
        let mut span = self.open(
            from,
            from_pod,
            Some(parent),
            name,
            SpanKind::Client,
            start,
            attrs,
        );
        let arrive = start + self.rng.ms(0.4);
        let reply = serve(self, span.id, arrive);
        let end = reply.end + self.rng.ms(0.3);
        span.attrs
            .push(("http.response.status_code", AttrValue::Int(reply.status)));
        let err = (reply.status >= 400).then(|| format!("HTTP {}", reply.status));
        if err.is_some() {
            span.attrs
                .push(("error.type", reply.status.to_string().into()));
        }
        self.close(span, end, err.as_deref(), None);
        Reply { end, ..reply }
    }

    /// Opens the SERVER span of an HTTP endpoint.
    pub(crate) fn server(
        &mut self,
        svc: Svc,
        pod: &'static Pod,
        parent: SpanId,
        method: &str,
        route: &str,
        path: &str,
        start: i64,
    ) -> Open {
        let attrs: Attributes = vec![
            ("http.request.method", method.into()),
            ("http.route", route.into()),
            ("url.path", path.into()),
            ("url.scheme", "http".into()),
            ("server.address", svc.name().into()),
            ("network.protocol.version", "1.1".into()),
        ];
        self.open(
            svc,
            pod,
            Some(parent),
            format!("{method} {route}"),
            SpanKind::Server,
            start,
            attrs,
        )
    }

    /// Closes a SERVER span with its status code: 5xx is an error, 4xx is not (semconv).
    pub(crate) fn close_server(
        &mut self,
        mut span: Open,
        end: i64,
        status: i64,
        error: Option<&str>,
        exception: Option<(&str, &str, &str)>,
    ) {
        span.attrs
            .push(("http.response.status_code", AttrValue::Int(status)));
        if span.svc != Svc::Gateway {
            // The gateway writes its own access log with more fields (see routes.rs).
            self.access_line(&span, end, status);
        }
        let err = if status >= 500 {
            span.attrs.push(("error.type", status.to_string().into()));
            Some(error.unwrap_or("internal error"))
        } else {
            None
        };
        self.close(span, end, err, if status >= 500 { exception } else { None });
    }

    /// Every service's HTTP middleware logs the request it served: Spring's DispatcherServlet
    /// at debug in the Java services, an info access line in the Go and Python ones.
    fn access_line(&mut self, span: &Open, end: i64, status: i64) {
        let get = |k: &str| match crate::model::attr(&span.attrs, k) {
            Some(AttrValue::Str(v)) => v.clone(),
            _ => String::new(),
        };
        let (method, path) = (get("http.request.method"), get("url.path"));
        let ms = (end - span.start) / 1_000_000;
        if span.svc.info().language == "java" {
            let msg = format!("{method} \"{path}\", parameters={{}}");
            self.log(
                span.svc,
                span.pod,
                span.start + 20_000,
                Level::Debug,
                span.id,
                &msg,
                &[],
            );
            let msg = format!("Completed {status} {}", reason(status));
            self.log(
                span.svc,
                span.pod,
                end,
                Level::Debug,
                span.id,
                &msg,
                &[("duration_ms", F::I(ms))],
            );
        } else {
            let level = if status >= 500 {
                Level::Error
            } else if status >= 400 {
                Level::Warn
            } else {
                Level::Info
            };
            self.log(
                span.svc,
                span.pod,
                end,
                level,
                span.id,
                "http request",
                &[
                    ("method", F::S(&method)),
                    ("path", F::S(&path)),
                    ("status", F::I(status)),
                    ("duration_ms", F::I(ms)),
                ],
            );
        }
    }

    /// A database or cache call: a CLIENT span with `db.*` attributes. Applies the incidents
    /// that hit this dependency and returns the end time, or the failure.
    pub(crate) fn db(
        &mut self,
        svc: Svc,
        pod: &'static Pod,
        parent: SpanId,
        dep: &crate::platform::Dep,
        op: &str,
        collection: &str,
        query: &str,
        median_ms: f64,
        start: i64,
    ) -> Result<i64, (i64, DbError)> {
        let name = if dep.system == "redis" {
            format!("redis {op}")
        } else {
            format!("{op} {collection}")
        };
        let mut attrs: Attributes = vec![
            ("db.system", dep.system.into()),
            ("db.namespace", dep.namespace.into()),
            ("db.operation.name", op.into()),
        ];
        if dep.system != "redis" {
            attrs.push(("db.collection.name", collection.into()));
        }
        attrs.extend([
            ("db.query.text", query.into()),
            ("server.address", dep.address.into()),
            ("server.port", AttrValue::Int(dep.port)),
            ("peer.service", dep.peer.into()),
        ]);
        let span = self.open(svc, pod, Some(parent), name, SpanKind::Client, start, attrs);
        let outcome = self.db_outcome(svc, dep, median_ms, start);
        match outcome {
            Ok(d) => {
                self.close(span, start + d, None, None);
                Ok(start + d)
            }
            Err((d, e)) => {
                let stack = stack_for(e.exception, &e.message);
                self.close(
                    span,
                    start + d,
                    Some(&e.message),
                    Some((e.exception, &e.message, &stack)),
                );
                Err((start + d, e))
            }
        }
    }

    fn db_outcome(
        &mut self,
        svc: Svc,
        dep: &Dep,
        median_ms: f64,
        t: i64,
    ) -> Result<i64, (i64, DbError)> {
        let java = svc.info().language == "java";
        if dep.peer == "mysql-booking"
            && self.fx.mysql_refused_p > 0.0
            && self.rng.chance(self.fx.mysql_refused_p)
        {
            self.hit(IncidentKind::DatabaseFailover, t);
            let (msg, exc) = if java {
                (
                        "Communications link failure: The last packet sent successfully to the server was 0 milliseconds ago".to_owned(),
                        "com.mysql.cj.jdbc.exceptions.CommunicationsException",
                    )
            } else {
                (
                    "dial tcp 10.60.4.21:3306: connect: connection refused".to_owned(),
                    "*net.OpError",
                )
            };
            let d = self.rng.ms_between(1.0, 30.0);
            return Err((
                d,
                DbError {
                    message: msg,
                    exception: exc,
                },
            ));
        }
        if dep.peer == "redis-queue" && svc == Svc::Reservation && self.fx.redis_pool_wait_ms > 0.0
        {
            if self.rng.chance(self.fx.redis_pool_fail_p) {
                self.hit(IncidentKind::RedisPoolExhausted, t);
                // go-redis gives up after PoolTimeout (ReadTimeout + 1 s = 4 s here).
                let d = self.rng.ms_between(4000.0, 4010.0);
                let e = DbError {
                    message: "redis: connection pool timeout".to_owned(),
                    exception: "*errors.errorString",
                };
                return Err((d, e));
            }
            let wait = self.rng.ms(self.fx.redis_pool_wait_ms);
            return Ok(wait + self.rng.ms(median_ms));
        }
        let slow = if dep.peer == "mysql-booking" {
            self.fx.mysql_slow
        } else {
            1.0
        };
        Ok(self.rng.ms(median_ms * slow))
    }

    /// Logs a database failure the way the service's stack would.
    pub(crate) fn log_db_error(
        &mut self,
        svc: Svc,
        pod: &'static Pod,
        ts: i64,
        span: SpanId,
        what: &str,
        e: &DbError,
    ) {
        let msg = format!("{what}: {}", e.message);
        if svc.info().format == LogFormat::Json && svc.info().language == "java" {
            let stack = stack_for(e.exception, &e.message);
            self.log(
                svc,
                pod,
                ts,
                Level::Error,
                span,
                &msg,
                &[
                    ("exception", F::S(e.exception)),
                    ("stack_trace", F::S(&stack)),
                ],
            );
        } else {
            self.log(
                svc,
                pod,
                ts,
                Level::Error,
                span,
                &msg,
                &[("error", F::S(&e.message))],
            );
        }
    }
}

/// Formats one log line of `svc` (JSON or logfmt), with the trace context when there is one.
pub(crate) fn write_line(
    rng: &Rng,
    svc: Svc,
    pod: &'static Pod,
    ts: i64,
    level: Level,
    msg: &str,
    fields: &[(&str, F<'_>)],
    trace: Option<(TraceId, SpanId)>,
) -> LogRecord {
    let info = svc.info();
    let mut b = LineBuilder::new(info.format, ts, level.as_str());
    // A request is served on one thread: derive it from the span so its lines agree.
    let thread = match trace {
        Some((_, s)) => u64::from(s.0[0]) % 48 + 1,
        None => rng.range(1, 48),
    };
    source_field(&mut b, svc, thread);
    b.field("msg", F::S(msg)).fields(fields);
    if let Some((t, s)) = trace {
        let (tid, sid) = (t.to_string(), s.to_string());
        b.field("trace_id", F::S(&tid)).field("span_id", F::S(&sid));
    }
    LogRecord {
        time_ns: ts,
        stream: pod.stream.clone(),
        resource: pod.resource.clone(),
        level,
        line: b.finish(),
        trace_id: trace.map(|t| t.0),
        span_id: trace.map(|t| t.1),
    }
}

fn reason(status: i64) -> &'static str {
    match status {
        200 => "OK",
        201 => "CREATED",
        401 => "UNAUTHORIZED",
        402 => "PAYMENT_REQUIRED",
        409 => "CONFLICT",
        429 => "TOO_MANY_REQUESTS",
        500 => "INTERNAL_SERVER_ERROR",
        502 => "BAD_GATEWAY",
        503 => "SERVICE_UNAVAILABLE",
        504 => "GATEWAY_TIMEOUT",
        _ => "",
    }
}

/// The `logger` (Java, Python) or `caller` (Go) field every line carries after the level.
fn source_field(b: &mut LineBuilder, svc: Svc, thread: u64) {
    let info = svc.info();
    match info.language {
        "java" => {
            let short = info.name.trim_end_matches("-service");
            b.field("logger", F::S(java_logger(short)));
            b.field("thread", F::S(&format!("http-nio-8080-exec-{thread}")));
        }
        "python" => {
            b.field("logger", F::S("notifications.worker"));
        }
        _ => {
            b.field("caller", F::S(go_caller(svc)));
        }
    }
}

fn java_logger(short: &str) -> &'static str {
    match short {
        "user" => "com.tixly.user.web.AuthController",
        "show" => "com.tixly.show.web.ShowController",
        "payment" => "com.tixly.payment.PaymentService",
        _ => "com.tixly.order.OrderService",
    }
}

fn go_caller(svc: Svc) -> &'static str {
    match svc {
        Svc::Gateway => "middleware/accesslog.go:61",
        Svc::Queue => "queue/handler.go:118",
        Svc::Reservation => "reserve/handler.go:142",
        _ => "catalog/handler.go:77",
    }
}

/// A stack trace for an exception, in the style of the language that throws it.
pub(crate) fn stack_for(exception: &str, message: &str) -> String {
    if exception.starts_with('*') {
        // Go errors carry no stack; loggers print the goroutine when asked.
        return format!(
            "goroutine 1842 [running]:\nruntime/debug.Stack()\n\t/usr/local/go/src/runtime/debug/stack.go:26 +0x5e\nmain.(*store).exec()\n\t/src/internal/store/store.go:213 +0x1a5\n{message}"
        );
    }
    let frames: &[&str] = match exception {
        "com.mysql.cj.jdbc.exceptions.CommunicationsException" => &[
            "com.mysql.cj.jdbc.exceptions.SQLError.createCommunicationsException(SQLError.java:175)",
            "com.mysql.cj.jdbc.ConnectionImpl.createNewIO(ConnectionImpl.java:825)",
            "com.zaxxer.hikari.pool.HikariPool.getConnection(HikariPool.java:181)",
            "org.springframework.jdbc.core.JdbcTemplate.execute(JdbcTemplate.java:376)",
        ],
        "java.net.SocketTimeoutException" => &[
            "java.base/sun.nio.ch.NioSocketImpl.timedRead(NioSocketImpl.java:278)",
            "java.base/java.net.Socket$SocketInputStream.read(Socket.java:1099)",
            "okhttp3.internal.http1.Http1ExchangeCodec.readResponseHeaders(Http1ExchangeCodec.kt:180)",
            "com.tixly.payment.provider.AcmePayClient.charge(AcmePayClient.java:112)",
            "com.tixly.payment.PaymentService.authorize(PaymentService.java:87)",
        ],
        "java.lang.NullPointerException" => &[
            "com.tixly.show.web.ShowDetailMapper.toDetail(ShowDetailMapper.java:54)",
            "com.tixly.show.web.ShowController.getShow(ShowController.java:73)",
            "org.springframework.web.servlet.FrameworkServlet.service(FrameworkServlet.java:885)",
        ],
        _ => &[
            "com.tixly.order.client.PaymentClient.authorize(PaymentClient.java:64)",
            "com.tixly.order.OrderService.checkout(OrderService.java:141)",
            "org.springframework.web.servlet.FrameworkServlet.service(FrameworkServlet.java:885)",
        ],
    };
    let mut s = format!("{exception}: {message}");
    for f in frames {
        s.push_str("\n\tat ");
        s.push_str(f);
    }
    s
}
