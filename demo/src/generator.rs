//! Time layout and incremental generation. Every minute is a pure function of the seed and of
//! the minute's offset from the data set's end, so any `end` gives the same data shifted in
//! time, minutes can be generated in any order, and a live feed continues seamlessly.

use std::sync::OnceLock;

use crate::flows::{Out, ROUTES, Tx, run_route};
use crate::incidents::Effects;
use crate::model::{Batch, TraceId};
use crate::platform::Platform;
use crate::rng::{Rng, mix};
use crate::time::{NS_PER_HOUR, NS_PER_MIN};

/// The seed used when none is given.
pub const DEFAULT_SEED: u64 = 7;

/// Average requests (traces) per minute at scale 1: about 100,000 traces a day.
pub const BASE_REQUESTS_PER_MIN: f64 = 70.0;

/// How long a request can take at most (the 5 s provider timeout and its retries fit well
/// inside): windows look back this far for requests that started earlier.
const LOOKBACK_NS: i64 = 2 * NS_PER_MIN;

/// What to generate.
#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    pub seed: u64,
    /// End of the data set, unix ns. Callers pass "now" aligned to the minute; other values are
    /// allowed (the minute grid is anchored here).
    pub end_ns: i64,
    /// Length of the data set (rounded up to whole minutes).
    pub duration_ns: i64,
    /// Multiplier of the request rate (background lines do not scale).
    pub scale: f64,
}

impl Config {
    /// 24 hours ending at `end_ns`, default seed and scale.
    pub fn new(end_ns: i64) -> Self {
        Config {
            seed: DEFAULT_SEED,
            end_ns,
            duration_ns: 24 * NS_PER_HOUR,
            scale: 1.0,
        }
    }

    pub fn start_ns(&self) -> i64 {
        self.end_ns - self.minutes() * NS_PER_MIN
    }

    fn minutes(&self) -> i64 {
        (self.duration_ns + NS_PER_MIN - 1) / NS_PER_MIN
    }
}

/// Rounds a unix-ns time down to the minute (what callers should pass as `end_ns`).
pub fn align_to_minute(ns: i64) -> i64 {
    ns - ns.rem_euclid(NS_PER_MIN)
}

pub(crate) fn platform() -> &'static Platform {
    static P: OnceLock<Platform> = OnceLock::new();
    P.get_or_init(Platform::new)
}

/// The generator for one configuration.
#[derive(Clone, Debug)]
pub struct Generator {
    config: Config,
}

/// Starts generating `config`'s data set minute by minute (see [`Generator::batches`]).
pub fn generate(config: Config) -> Batches {
    Generator::new(config).batches()
}

impl Generator {
    pub fn new(config: Config) -> Self {
        Generator { config }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn platform(&self) -> &'static Platform {
        platform()
    }

    /// The whole data set as one batch per minute, in time order. It holds the requests that
    /// start inside `(start, end]` and every record of theirs up to `end`.
    pub fn batches(&self) -> Batches {
        Batches {
            generator: self.clone(),
            next: 1 - self.config.minutes(),
            pending: Out::default(),
        }
    }

    /// Every record with a timestamp in `(t0_ns, t1_ns]` (spans: their start), including the
    /// tails of requests that began before `t0_ns`. Consecutive windows join seamlessly, which
    /// is how a caller keeps producing live traffic after `end`.
    pub fn window(&self, t0_ns: i64, t1_ns: i64) -> Batch {
        let mut batch = Batch {
            start_ns: t0_ns,
            end_ns: t1_ns,
            ..Batch::default()
        };
        if t1_ns <= t0_ns {
            return batch;
        }
        for k in self.minute_of(t0_ns - LOOKBACK_NS)..=self.minute_of(t1_ns) {
            let out = self.minute(k);
            let inside = |t: i64| t > t0_ns && t <= t1_ns;
            batch
                .logs
                .extend(out.logs.into_iter().filter(|l| inside(l.time_ns)));
            batch
                .spans
                .extend(out.spans.into_iter().filter(|s| inside(s.start_ns)));
        }
        sort(&mut batch.logs, &mut batch.spans);
        batch
    }

    /// Index of the minute `(end + (k-1) min, end + k min]` that holds `t`.
    fn minute_of(&self, t: i64) -> i64 {
        (t - self.config.end_ns + NS_PER_MIN - 1).div_euclid(NS_PER_MIN)
    }

    /// All requests starting in minute `k` and the background lines of that minute, unsorted.
    pub(crate) fn minute(&self, k: i64) -> Out {
        let m_start = self.config.end_ns + (k - 1) * NS_PER_MIN;
        let mut out = Out::default();
        let rng = Rng::new(mix(self.config.seed, k as u64));
        let fx_mid = Effects::at(m_start + NS_PER_MIN / 2 - self.config.end_ns);
        let rate = BASE_REQUESTS_PER_MIN * self.config.scale * diurnal(k);
        let n = poisson_ish(&rng, rate);
        let weights: Vec<u32> = ROUTES.iter().map(|r| r.weight).collect();
        let queue_weights: Vec<u32> = ROUTES
            .iter()
            .map(|r| if r.queue { r.weight } else { 0 })
            .collect();
        let queue_share =
            queue_weights.iter().sum::<u32>() as f64 / weights.iter().sum::<u32>() as f64;
        let extra = poisson_ish(&rng, rate * queue_share * (fx_mid.spike - 1.0));
        for i in 0..n + extra {
            let route = if i < n {
                rng.weighted(&weights)
            } else {
                rng.weighted(&queue_weights)
            };
            let t = m_start + 1 + rng.range(0, NS_PER_MIN as u64 - 1) as i64;
            let fx = Effects::at(t - self.config.end_ns);
            let trace_id = TraceId(rng.bytes16());
            let mut tx = Tx {
                rng: &rng,
                platform: platform(),
                fx,
                trace_id,
                out: &mut out,
            };
            run_route(&mut tx, route, t);
        }
        let bg = Rng::new(mix(self.config.seed ^ 0x6267_6c69_6e65_7321, k as u64));
        crate::background::minute(&bg, platform(), m_start, self.config.end_ns, &mut out);
        out
    }
}

fn sort(logs: &mut [crate::model::LogRecord], spans: &mut [crate::model::SpanRecord]) {
    logs.sort_by_key(|l| l.time_ns);
    spans.sort_by_key(|s| s.start_ns);
}

/// A count around `mean` (±8 %), without transcendental functions.
fn poisson_ish(rng: &Rng, mean: f64) -> usize {
    if mean <= 0.0 {
        return 0;
    }
    let x = mean * (0.92 + 0.16 * rng.f64());
    let whole = x as usize;
    whole + usize::from(rng.chance(x - whole as f64))
}

/// Relative traffic by hour of a virtual local day (mean 1). The data set's end is 22:00 local,
/// so the evening peak comes a few hours before the end and the night trough 18-20 h before it.
const HOURLY: [f64; 24] = [
    0.62, 0.48, 0.38, 0.32, 0.30, 0.32, 0.40, 0.55, 0.75, 0.95, 1.05, 1.15, 1.25, 1.20, 1.15, 1.15,
    1.20, 1.35, 1.55, 1.75, 1.85, 1.75, 1.45, 0.95,
];
const END_LOCAL_MINUTE: i64 = 22 * 60;

pub(crate) fn diurnal(k: i64) -> f64 {
    let mean: f64 = HOURLY.iter().sum::<f64>() / 24.0;
    let m = (END_LOCAL_MINUTE + k).rem_euclid(24 * 60);
    let (h, frac) = ((m / 60) as usize, (m % 60) as f64 / 60.0);
    let (a, b) = (HOURLY[h], HOURLY[(h + 1) % 24]);
    (a + (b - a) * frac) / mean
}

/// The iterator of per-minute batches returned by [`Generator::batches`].
pub struct Batches {
    generator: Generator,
    next: i64,
    pending: Out,
}

impl Batches {
    /// Minutes still to come.
    pub fn remaining(&self) -> usize {
        (1 - self.next).max(0) as usize
    }
}

impl Iterator for Batches {
    type Item = Batch;

    fn next(&mut self) -> Option<Batch> {
        if self.next > 0 {
            return None;
        }
        let k = self.next;
        self.next += 1;
        let end = self.generator.config.end_ns + k * NS_PER_MIN;
        let mut out = self.generator.minute(k);
        out.logs.append(&mut self.pending.logs);
        out.spans.append(&mut self.pending.spans);
        // Records that fall after this minute (long requests) wait for the next batch; after
        // the last minute they are beyond the data set's end and are dropped.
        let (logs, later_logs): (Vec<_>, Vec<_>) =
            out.logs.into_iter().partition(|l| l.time_ns <= end);
        let (spans, later_spans): (Vec<_>, Vec<_>) =
            out.spans.into_iter().partition(|s| s.start_ns <= end);
        self.pending.logs = later_logs;
        self.pending.spans = later_spans;
        let mut batch = Batch {
            start_ns: end - NS_PER_MIN,
            end_ns: end,
            logs,
            spans,
        };
        sort(&mut batch.logs, &mut batch.spans);
        Some(batch)
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        (self.remaining(), Some(self.remaining()))
    }
}

/// A live feed: each call returns what happened since the previous one.
pub struct Live {
    generator: Generator,
    last_ns: i64,
}

impl Generator {
    /// A live feed starting after `from_ns` (usually the data set's `end`).
    pub fn live(&self, from_ns: i64) -> Live {
        Live {
            generator: self.clone(),
            last_ns: from_ns,
        }
    }
}

impl Live {
    /// Everything in `(previous, now_ns]`.
    pub fn advance(&mut self, now_ns: i64) -> Batch {
        let b = self.generator.window(self.last_ns, now_ns);
        self.last_ns = self.last_ns.max(now_ns);
        b
    }
}
