//! The static shape of the demo platform: services, their pods and versions, the stream labels
//! and OpenTelemetry resources they emit with, and the backing stores they talk to.

use std::sync::Arc;

use crate::model::{AttrValue, Resource, StreamLabels};
use crate::rng::{Rng, mix};

pub const NAMESPACE: &str = "ticketing";
pub const CLUSTER: &str = "prod-eu-west-1";
pub const ENV: &str = "prod";

/// How a service writes its log lines.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum LogFormat {
    /// One JSON object per line (Java/logback-style or zap-style fields).
    Json,
    /// `key=value` pairs (Go and Python services).
    Logfmt,
}

/// The nine instrumented services.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug, PartialOrd, Ord)]
pub enum Svc {
    Gateway,
    User,
    Show,
    Queue,
    Reservation,
    Payment,
    Order,
    Product,
    Notification,
}

pub const ALL_SERVICES: [Svc; 9] = [
    Svc::Gateway,
    Svc::User,
    Svc::Show,
    Svc::Queue,
    Svc::Reservation,
    Svc::Payment,
    Svc::Order,
    Svc::Product,
    Svc::Notification,
];

pub(crate) struct SvcInfo {
    pub name: &'static str,
    pub version: &'static str,
    pub replicas: usize,
    pub format: LogFormat,
    pub language: &'static str,
    pub scope: &'static str,
}

impl Svc {
    pub(crate) fn info(self) -> SvcInfo {
        let (name, version, replicas, format, language, scope) = match self {
            Svc::Gateway => ("gateway", "1.42.0", 3, LogFormat::Logfmt, "go", GO_HTTP),
            Svc::User => (
                "user-service",
                "3.1.4",
                2,
                LogFormat::Json,
                "java",
                JAVA_HTTP,
            ),
            Svc::Show => (
                "show-service",
                "2.8.3",
                2,
                LogFormat::Json,
                "java",
                JAVA_HTTP,
            ),
            Svc::Queue => (
                "queue-service",
                "1.7.2",
                3,
                LogFormat::Logfmt,
                "go",
                GO_HTTP,
            ),
            Svc::Reservation => (
                "reservation-service",
                "4.0.1",
                2,
                LogFormat::Json,
                "go",
                GO_HTTP,
            ),
            Svc::Payment => (
                "payment-service",
                "3.2.0",
                2,
                LogFormat::Json,
                "java",
                JAVA_HTTP,
            ),
            Svc::Order => (
                "order-service",
                "5.3.1",
                2,
                LogFormat::Json,
                "java",
                JAVA_HTTP,
            ),
            Svc::Product => (
                "product-service",
                "1.9.3",
                2,
                LogFormat::Logfmt,
                "go",
                GO_HTTP,
            ),
            Svc::Notification => (
                "notification-service",
                "0.12.0",
                1,
                LogFormat::Logfmt,
                "python",
                "opentelemetry.instrumentation.confluent_kafka",
            ),
        };
        SvcInfo {
            name,
            version,
            replicas,
            format,
            language,
            scope,
        }
    }

    pub fn name(self) -> &'static str {
        self.info().name
    }
}

const GO_HTTP: &str = "go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp";
const JAVA_HTTP: &str = "io.opentelemetry.spring-webmvc-6.0";

/// Version that the bad deploy (incident 5) rolls out on show-service.
pub const BAD_SHOW_VERSION: &str = "2.9.0";

/// A backing store or external system, seen only through CLIENT spans (`peer.service`).
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) struct Dep {
    pub peer: &'static str,
    pub system: &'static str,
    pub address: &'static str,
    pub port: i64,
    pub namespace: &'static str,
}

pub(crate) const MYSQL_CATALOG: Dep = Dep {
    peer: "mysql-catalog",
    system: "mysql",
    address: "mysql-catalog-primary.data.svc.cluster.local",
    port: 3306,
    namespace: "catalog",
};
pub(crate) const MYSQL_BOOKING: Dep = Dep {
    peer: "mysql-booking",
    system: "mysql",
    address: "mysql-booking-primary.data.svc.cluster.local",
    port: 3306,
    namespace: "booking",
};
pub(crate) const REDIS_CACHE: Dep = Dep {
    peer: "redis-cache",
    system: "redis",
    address: "redis-cache.data.svc.cluster.local",
    port: 6379,
    namespace: "0",
};
pub(crate) const REDIS_QUEUE: Dep = Dep {
    peer: "redis-queue",
    system: "redis",
    address: "redis-queue.data.svc.cluster.local",
    port: 6379,
    namespace: "0",
};

/// One running pod: the labels of its log stream and the resource of its spans.
#[derive(Clone, Debug)]
pub struct Pod {
    pub stream: Arc<StreamLabels>,
    pub resource: Arc<Resource>,
}

/// All pods of every service, for the normal release and for the bad show-service release.
#[derive(Clone, Debug)]
pub struct Platform {
    normal: Vec<Vec<Pod>>,
    bad_show: Vec<Pod>,
}

impl Default for Platform {
    fn default() -> Self {
        Self::new()
    }
}

impl Platform {
    pub fn new() -> Self {
        let normal = ALL_SERVICES
            .iter()
            .map(|&s| pods_for(s, s.info().version))
            .collect();
        let bad_show = pods_for(Svc::Show, BAD_SHOW_VERSION);
        Platform { normal, bad_show }
    }

    /// The pods serving `svc`; `bad_release` selects show-service's bad release.
    pub fn pods(&self, svc: Svc, bad_release: bool) -> &[Pod] {
        if bad_release && svc == Svc::Show {
            &self.bad_show
        } else {
            &self.normal[svc as usize]
        }
    }

    /// Every pod that exists at some point (for listing streams).
    pub fn all_pods(&self) -> impl Iterator<Item = &Pod> {
        self.normal.iter().flatten().chain(self.bad_show.iter())
    }
}

/// Kubernetes-style names: `<deployment>-<replicaset hash>-<pod suffix>`, derived from the
/// service and version only, so a new version gets a new replica-set hash like a real rollout.
fn pods_for(svc: Svc, version: &'static str) -> Vec<Pod> {
    let info = svc.info();
    let key = info
        .name
        .bytes()
        .chain(version.bytes())
        .fold(0xcbf2_9ce4_8422_2325u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        });
    let rng = Rng::new(mix(key, 1));
    let rs_hash = k8s_chars(&rng, 9);
    (0..info.replicas)
        .map(|_| {
            let pod = format!("{}-{}-{}", info.name, rs_hash, k8s_chars(&rng, 5));
            pod_of(svc, version, pod)
        })
        .collect()
}

fn k8s_chars(rng: &Rng, n: usize) -> String {
    // The alphabet Kubernetes uses for generated name suffixes (no vowels, no 0/1/3).
    const ALPHABET: &[u8] = b"bcdfghjklmnpqrstvwxz2456789";
    (0..n).map(|_| *rng.pick(ALPHABET) as char).collect()
}

fn pod_of(svc: Svc, version: &'static str, pod: String) -> Pod {
    let info = svc.info();
    let stream = StreamLabels {
        service_name: info.name,
        labels: vec![
            ("service_name", info.name.to_owned()),
            ("namespace", NAMESPACE.to_owned()),
            ("cluster", CLUSTER.to_owned()),
            ("env", ENV.to_owned()),
            ("pod", pod.clone()),
        ],
    };
    let s = |v: &str| AttrValue::Str(v.to_owned());
    let resource = Resource {
        service_name: info.name,
        service_version: version,
        pod: pod.clone(),
        attributes: vec![
            ("service.name", s(info.name)),
            ("service.namespace", s(NAMESPACE)),
            ("service.version", s(version)),
            ("deployment.environment", s(ENV)),
            ("k8s.cluster.name", s(CLUSTER)),
            ("k8s.namespace.name", s(NAMESPACE)),
            ("k8s.deployment.name", s(info.name)),
            ("k8s.pod.name", s(&pod)),
            ("telemetry.sdk.name", s("opentelemetry")),
            ("telemetry.sdk.language", s(info.language)),
        ],
    };
    Pod {
        stream: Arc::new(stream),
        resource: Arc::new(resource),
    }
}
