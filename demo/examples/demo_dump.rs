//! Writes a demo data set to a directory, ready to push to a real Loki and Tempo:
//! `truth.json` (the ground truth), `loki.ndjson` (one Loki push body per minute) and
//! `otlp-traces.ndjson` (one OTLP/HTTP JSON traces body per minute).
//!
//! `cargo run --release -p loqui-demo --example demo_dump -- DIR [HOURS] [END_UNIX_S]`

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::PathBuf;

use loqui_demo::{Config, Generator, align_to_minute, encode};

fn main() -> std::io::Result<()> {
    let mut args = std::env::args().skip(1);
    let dir = PathBuf::from(args.next().unwrap_or_else(|| "demo-data".into()));
    let hours: i64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(24);
    let end_s: i64 = match args.next().and_then(|a| a.parse().ok()) {
        Some(s) => s,
        None => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .expect("clock after 1970")
            .as_secs() as i64,
    };
    let end = align_to_minute(end_s * 1_000_000_000);
    let generator = Generator::new(Config {
        duration_ns: hours * 3_600_000_000_000,
        ..Config::new(end)
    });
    std::fs::create_dir_all(&dir)?;
    generator.ground_truth().write(&dir.join("truth.json"))?;
    let mut loki = BufWriter::new(File::create(dir.join("loki.ndjson"))?);
    let mut otlp = BufWriter::new(File::create(dir.join("otlp-traces.ndjson"))?);
    for b in generator.batches() {
        encode::write_loki_push(&mut loki, &b.logs)?;
        loki.write_all(b"\n")?;
        encode::write_otlp_traces(&mut otlp, &b.spans)?;
        otlp.write_all(b"\n")?;
    }
    loki.flush()?;
    otlp.flush()
}
