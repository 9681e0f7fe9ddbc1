//! Loki's push protobuf (`logproto.PushRequest`, grafana/loki `pkg/push/push.proto`), written
//! by hand with prost so no code generation runs at build time.

/// `google.protobuf.Timestamp`.
#[derive(Clone, Copy, PartialEq, prost::Message)]
pub struct Timestamp {
    #[prost(int64, tag = "1")]
    pub seconds: i64,
    #[prost(int32, tag = "2")]
    pub nanos: i32,
}

impl Timestamp {
    pub fn from_ns(ns: i64) -> Self {
        Timestamp {
            seconds: ns.div_euclid(1_000_000_000),
            nanos: ns.rem_euclid(1_000_000_000) as i32,
        }
    }

    /// `None` when the value does not fit in i64 nanoseconds or `nanos` is out of range.
    pub fn to_ns(self) -> Option<i64> {
        if !(0..1_000_000_000).contains(&self.nanos) {
            return None;
        }
        self.seconds
            .checked_mul(1_000_000_000)?
            .checked_add(i64::from(self.nanos))
    }
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct PushRequest {
    #[prost(message, repeated, tag = "1")]
    pub streams: Vec<StreamAdapter>,
    /// `loki` or `otlp`; senders leave it empty.
    #[prost(string, tag = "2")]
    pub format: String,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct StreamAdapter {
    /// Prometheus-style label text: `{a="b", c="d"}`.
    #[prost(string, tag = "1")]
    pub labels: String,
    #[prost(message, repeated, tag = "2")]
    pub entries: Vec<EntryAdapter>,
    #[prost(uint64, tag = "3")]
    pub hash: u64,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct EntryAdapter {
    #[prost(message, optional, tag = "1")]
    pub timestamp: Option<Timestamp>,
    /// Bytes, not `string`: Go senders do not check UTF-8, and one odd line must not make the
    /// whole batch undecodable. Invalid sequences become U+FFFD.
    #[prost(bytes = "vec", tag = "2")]
    pub line: Vec<u8>,
    #[prost(message, repeated, tag = "3")]
    pub structured_metadata: Vec<LabelPairAdapter>,
    /// Only Loki's query answers fill this; pushes leave it empty.
    #[prost(message, repeated, tag = "4")]
    pub parsed: Vec<LabelPairAdapter>,
}

#[derive(Clone, PartialEq, prost::Message)]
pub struct LabelPairAdapter {
    #[prost(string, tag = "1")]
    pub name: String,
    #[prost(string, tag = "2")]
    pub value: String,
}
