//! `loqui demo`: the demo platform's traffic pushed to any Loki and OTLP endpoint (a real
//! Loki/Tempo/Collector, or another loqui), the way its services' agents would send it.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Args;
use loqui_demo::{Batch, Generator, encode};

#[derive(Debug, Args)]
pub struct DemoArgs {
    /// Base URL of a Loki (or Loki-compatible) endpoint for the logs, e.g. http://localhost:3100.
    #[arg(long)]
    loki_url: Option<String>,
    /// Base URL of an OTLP/HTTP receiver for the traces, e.g. http://localhost:4318.
    #[arg(long)]
    otlp_url: Option<String>,
    /// Hours of history to push before stopping (or before going live).
    #[arg(long, default_value_t = 1)]
    hours: u32,
    /// After the history, keep pushing new traffic every few seconds until interrupted.
    #[arg(long)]
    live: bool,
    /// Sent as X-Scope-OrgID to multi-tenant Loki/Tempo.
    #[arg(long)]
    tenant: Option<String>,
}

pub fn run(args: DemoArgs) -> anyhow::Result<ExitCode> {
    if args.loki_url.is_none() && args.otlp_url.is_none() {
        bail!(
            "give --loki-url, --otlp-url or both; to explore the demo locally run `loqui serve --demo`"
        );
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(push_all(args))?;
    Ok(ExitCode::SUCCESS)
}

struct Pusher {
    http: reqwest::Client,
    args: DemoArgs,
}

async fn push_all(args: DemoArgs) -> anyhow::Result<()> {
    let end = loqui_demo::align_to_minute(crate::http::now_ns());
    let mut config = loqui_demo::Config::new(end);
    config.duration_ns = i64::from(args.hours) * 3_600_000_000_000;
    let generator = Generator::new(config);
    let live = args.live;
    let pusher = Pusher {
        http: reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()?,
        args,
    };
    let (mut lines, mut spans) = (0, 0);
    for batch in generator.batches() {
        pusher.push(&batch).await?;
        lines += batch.logs.len();
        spans += batch.spans.len();
    }
    eprintln!("demo: pushed {lines} log lines and {spans} spans");
    if !live {
        return Ok(());
    }
    let mut stream = generator.live(end);
    let mut tick = tokio::time::interval(Duration::from_secs(5));
    loop {
        tokio::select! {
            _ = tick.tick() => {
                let batch = stream.advance(crate::http::now_ns());
                if let Err(e) = pusher.push(&batch).await {
                    tracing::warn!(error = %e, "live demo push failed; retrying with the next batch");
                }
            }
            _ = tokio::signal::ctrl_c() => return Ok(()),
        }
    }
}

impl Pusher {
    async fn push(&self, batch: &Batch) -> anyhow::Result<()> {
        if let (Some(url), false) = (&self.args.loki_url, batch.logs.is_empty()) {
            let body = encode::loki_push_json(&batch.logs);
            self.post(
                &format!("{}/loki/api/v1/push", url.trim_end_matches('/')),
                body,
            )
            .await?;
        }
        if let (Some(url), false) = (&self.args.otlp_url, batch.spans.is_empty()) {
            let body = encode::otlp_traces_json(&batch.spans);
            self.post(&format!("{}/v1/traces", url.trim_end_matches('/')), body)
                .await?;
        }
        Ok(())
    }

    async fn post(&self, url: &str, body: String) -> anyhow::Result<()> {
        let mut request = self
            .http
            .post(url)
            .header("Content-Type", "application/json")
            .body(body);
        if let Some(tenant) = &self.args.tenant {
            request = request.header("X-Scope-OrgID", tenant);
        }
        let response = request
            .send()
            .await
            .with_context(|| format!("pushing to {url}"))?;
        let status = response.status();
        if !status.is_success() {
            let text = response.text().await.unwrap_or_default();
            bail!(
                "{url} answered {status}: {}",
                text.chars().take(300).collect::<String>()
            );
        }
        Ok(())
    }
}
