//! Parse throughput and allocations per parse, over the valid queries of the golden corpora.
//!
//! `cargo bench -p loqui-query --bench parse` prints one line per language. Figures, not
//! verdicts: the goal (100,000 queries a second on one core) is judged by reading them.

// A counting allocator is the one place this crate needs `unsafe`: it forwards to the system
// allocator and only adds two relaxed counters.
#![allow(unsafe_code)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use loqui_query::{Language, logql, traceql};

struct Counting;

static ALLOCS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        BYTES.fetch_add(layout.size() as u64, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        BYTES.fetch_add(new_size as u64, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn corpus(lang: Language) -> Vec<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(lang.name())
        .join("ok");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .map(|rd| rd.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "txt"));
    files.sort();
    files
        .iter()
        .flat_map(|f| {
            std::fs::read_to_string(f)
                .unwrap_or_default()
                .lines()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .collect()
}

fn parse_once(lang: Language, q: &str) -> bool {
    match lang {
        Language::LogQl => black_box(logql::parse(black_box(q))).is_valid(),
        Language::TraceQl => black_box(traceql::parse(black_box(q))).is_valid(),
    }
}

fn bench(lang: Language, budget: Duration) {
    let queries = corpus(lang);
    if queries.is_empty() {
        eprintln!("{lang}: no corpus found, nothing measured");
        return;
    }
    let bytes: usize = queries.iter().map(String::len).sum();
    // Warm up caches and the branch predictor once over the corpus.
    let valid = queries.iter().filter(|q| parse_once(lang, q)).count();

    let (allocs0, bytes0) = (
        ALLOCS.load(Ordering::Relaxed),
        BYTES.load(Ordering::Relaxed),
    );
    let start = Instant::now();
    let mut parsed = 0u64;
    while start.elapsed() < budget {
        for q in &queries {
            parse_once(lang, q);
        }
        parsed += queries.len() as u64;
    }
    let secs = start.elapsed().as_secs_f64();
    let allocs = ALLOCS.load(Ordering::Relaxed) - allocs0;
    let alloc_bytes = BYTES.load(Ordering::Relaxed) - bytes0;
    let rounds = parsed as f64 / queries.len() as f64;
    println!(
        "{:<8} {:>5} queries ({valid} valid, mean {:>3} B)  {:>9.0} queries/s  {:>6.1} MB/s  {:>5.1} allocs/parse  {:>6.0} B allocated/parse",
        lang.name(),
        queries.len(),
        bytes / queries.len(),
        parsed as f64 / secs,
        bytes as f64 * rounds / secs / 1e6,
        allocs as f64 / parsed as f64,
        alloc_bytes as f64 / parsed as f64,
    );
}

fn main() {
    let budget = Duration::from_millis(
        std::env::var("LOQUI_BENCH_MS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(2000),
    );
    println!(
        "parse throughput, one thread, {} ms per language",
        budget.as_millis()
    );
    bench(Language::LogQl, budget);
    bench(Language::TraceQl, budget);
}
