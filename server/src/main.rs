//! The `loqui` command line.

mod check;
mod config;
mod demo;
mod http;
mod serve;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "loqui",
    version,
    about = "Ask your logs and traces questions in plain language"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the embedded store's Loki, Tempo and OTLP APIs (with `--demo`: a demo platform).
    Serve(serve::ServeArgs),
    /// Push the demo platform's logs and traces to a Loki and an OTLP endpoint.
    Demo(demo::DemoArgs),
    /// Parse and validate a LogQL or TraceQL query (exit 0 when valid, 1 when not).
    Check(check::CheckArgs),
}

fn main() -> ExitCode {
    init_tracing();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => serve::run(args),
        Command::Demo(args) => demo::run(args),
        Command::Check(args) => check::run(args),
    };
    match result {
        Ok(code) => code,
        Err(err) => {
            eprintln!("loqui: {err:#}");
            ExitCode::from(2)
        }
    }
}

/// Logs go to stderr: stdout belongs to command output (and, later, the MCP stdio transport).
fn init_tracing() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("LOQUI_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .init();
}
