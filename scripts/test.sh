#!/usr/bin/env bash
# The test command of README.md: every unit, golden, property and end-to-end test.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cargo-nextest >/dev/null || cargo install cargo-nextest --locked

# Tests against live Loki/Tempo servers are #[ignore]d unless their URLs are given.
ignored=default
if [ -n "${LOQUI_TEST_LOKI_URL:-}" ] || [ -n "${LOQUI_TEST_TEMPO_URL:-}" ]; then
    ignored=all
else
    echo "note: skipping the live-server tests (adapters/tests/live.rs): they need a running Loki"
    echo "      and Tempo; set LOQUI_TEST_LOKI_URL and LOQUI_TEST_TEMPO_URL to run them"
fi
cargo nextest run --workspace --locked --no-fail-fast --failure-output final --run-ignored "$ignored"
cargo test --workspace --locked --doc
