//! `loqui serve`: one port for the embedded store's Loki, Tempo and OTLP APIs and the health
//! checks (the web page, `/rpc` and `/mcp` join it as they land).

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::Args;
use loqui_adapters::{SecretReader, log_sources, trace_sources};
use loqui_core::{LogSource, TraceSource};
use loqui_store::{EmbeddedLogs, EmbeddedTraces, Store, StoreConfig, StoreHandle};

use crate::config::{Config, Overrides};
use crate::http::{self, AppState};

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Address to listen on (IP:PORT); beyond loopback only with LOQUI_TOKEN set.
    #[arg(long)]
    listen: Option<String>,
    /// Configuration file (TOML).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Where the embedded store keeps its data.
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Fill the embedded store with the demo platform's last 24 hours before serving.
    #[arg(long)]
    demo: bool,
    /// Hours of demo history to generate.
    #[arg(long, default_value_t = 24, requires = "demo")]
    demo_hours: u32,
    /// Keep generating the demo platform's traffic in real time while serving.
    #[arg(long, requires = "demo")]
    live: bool,
}

pub fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let flags = Overrides {
        listen: args.listen.clone(),
        data_dir: args.data_dir.clone(),
    };
    let config = Config::load(args.config.as_deref(), &flags)?;
    if config.token.is_none() && !config.is_loopback() {
        bail!(
            "refusing to listen on {} without a token: anyone who can reach it could read your logs; set LOQUI_TOKEN or listen on 127.0.0.1",
            config.listen
        );
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(serve(config, args))?;
    Ok(ExitCode::SUCCESS)
}

async fn serve(config: Config, args: ServeArgs) -> anyhow::Result<()> {
    let needs_store = args.demo || config.loki.is_empty() || config.tempo.is_empty();
    let handle = if needs_store {
        Some(open_store(&config, &args)?)
    } else {
        None
    };
    let store = handle.as_ref().map(|h| h.store().clone());
    if let (Some(store), true) = (&store, args.demo) {
        load_demo(store.clone(), &config, args.demo_hours).await?;
        if args.live {
            tokio::spawn(live_demo(store.clone()));
        }
    }
    let logs: Arc<dyn LogSource> = match (&store, config.loki.is_empty()) {
        (Some(store), true) => Arc::new(EmbeddedLogs::new(store.clone())),
        _ => log_sources(&config.loki)?.get(None)?,
    };
    let traces: Arc<dyn TraceSource> = match (&store, config.tempo.is_empty()) {
        (Some(store), true) => Arc::new(EmbeddedTraces::new(store.clone())),
        _ => trace_sources(&config.tempo)?.get(None)?,
    };
    let state = AppState {
        logs,
        traces,
        store,
        wire_limits: loqui_wire::Limits::default(),
    };
    let token = config.token.clone().map(|t| Arc::new(SecretReader::new(t)));
    let app = http::app(state, token);
    let listener = tokio::net::TcpListener::bind(config.listen)
        .await
        .with_context(|| {
            format!(
                "cannot listen on {}; is another process using it?",
                config.listen
            )
        })?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, "loqui is serving");
    // Scripts and tests read this line to learn the port (e.g. with --listen 127.0.0.1:0).
    eprintln!("loqui listening on http://{addr}");
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown())
        .await?;
    drop(handle);
    Ok(())
}

fn open_store(config: &Config, args: &ServeArgs) -> anyhow::Result<StoreHandle> {
    let mut dir = config.data_dir.clone();
    if args.demo {
        // The demo's data is relative to now, so each start regenerates it in a folder of its
        // own rather than piling a second day onto the first.
        dir = dir.join("demo");
        if dir.exists() {
            std::fs::remove_dir_all(&dir)
                .with_context(|| format!("clearing the old demo data in {}", dir.display()))?;
        }
    }
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("creating the data directory {}", dir.display()))?;
    Store::start(StoreConfig::new(&dir))
        .with_context(|| format!("opening the embedded store in {}", dir.display()))
}

async fn load_demo(store: Arc<Store>, config: &Config, hours: u32) -> anyhow::Result<()> {
    let end = loqui_demo::align_to_minute(http::now_ns());
    let mut demo = loqui_demo::Config::new(end);
    demo.duration_ns = i64::from(hours) * 3_600_000_000_000;
    let truth_path = config.data_dir.join("demo").join("ground-truth.json");
    let generator = loqui_demo::Generator::new(demo.clone());
    generator
        .ground_truth()
        .write(&truth_path)
        .with_context(|| format!("writing {}", truth_path.display()))?;
    let started = Instant::now();
    let report =
        tokio::task::spawn_blocking(move || loqui_store::load_demo(&store, demo)).await??;
    tracing::info!(
        ?report,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "demo data loaded"
    );
    eprintln!(
        "demo: {} log lines and {} spans loaded in {:.1}s; ground truth in {}",
        report.lines,
        report.spans,
        started.elapsed().as_secs_f64(),
        truth_path.display()
    );
    Ok(())
}

/// Appends the demo platform's traffic every few seconds, as a live system would produce it.
async fn live_demo(store: Arc<Store>) {
    let mut from = loqui_demo::align_to_minute(http::now_ns());
    let generator = loqui_demo::Generator::new(loqui_demo::Config::new(from));
    let mut tick = tokio::time::interval(Duration::from_secs(5));
    loop {
        tick.tick().await;
        let now = http::now_ns();
        let (store, gen_from) = (store.clone(), from);
        let generator = generator.clone();
        let result = tokio::task::spawn_blocking(move || {
            loqui_store::load_demo_window(&store, &generator, gen_from, now)
        })
        .await;
        match result {
            Ok(Ok(_)) => from = now,
            Ok(Err(e)) => tracing::warn!(error = %e, "live demo traffic could not be stored"),
            Err(e) => tracing::warn!(error = %e, "live demo task failed"),
        }
    }
}

async fn shutdown() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutting down");
}
