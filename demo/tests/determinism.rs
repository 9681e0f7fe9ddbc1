//! The same seed and end give the same bytes; another seed gives other data; another end gives
//! the same data shifted in time.

mod common;

use std::collections::hash_map::DefaultHasher;
use std::hash::{Hash, Hasher};

use common::*;
use loqui_demo::{Config, Generator, encode};

fn fingerprint(g: &Generator) -> u64 {
    let mut h = DefaultHasher::new();
    for b in g.batches() {
        encode::loki_push_json(&b.logs).hash(&mut h);
        encode::otlp_traces_json(&b.spans).hash(&mut h);
    }
    h.finish()
}

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    let a = fingerprint(&generator(7, 2));
    let b = fingerprint(&generator(7, 2));
    let c = fingerprint(&generator(8, 2));
    assert_eq!(a, b);
    assert_ne!(a, c);
}

#[test]
fn another_end_shifts_the_same_data() {
    let shift = 7 * 24 * NS_HOUR + 13 * NS_MIN;
    let a = collect(&generator(7, 1));
    let g = Generator::new(Config {
        end_ns: end() + shift,
        duration_ns: NS_HOUR,
        ..Config::new(0)
    });
    let b = collect(&g);
    assert_eq!(a.spans.len(), b.spans.len());
    assert_eq!(a.logs.len(), b.logs.len());
    for (x, y) in a.spans.iter().zip(&b.spans) {
        assert_eq!(
            (x.trace_id, x.span_id, &x.name, x.duration_ns),
            (y.trace_id, y.span_id, &y.name, y.duration_ns)
        );
        assert_eq!(x.start_ns + shift, y.start_ns);
    }
    for (x, y) in a.logs.iter().zip(&b.logs) {
        assert_eq!(x.time_ns + shift, y.time_ns);
        assert_eq!(x.trace_id, y.trace_id);
    }
}

#[test]
fn ground_truth_is_deterministic_and_round_trips() {
    let t1 = generator(7, 24).ground_truth();
    let t2 = generator(7, 24).ground_truth();
    assert_eq!(t1, t2);
    let json = t1.to_json_pretty();
    let back: loqui_demo::GroundTruth = serde_json::from_str(&json).unwrap();
    assert_eq!(back, t1);
    assert_eq!(t1.incidents.len(), 5);
}
