#!/usr/bin/env bash
# The test command of README.md: every unit, golden, property and end-to-end test.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v cargo-nextest >/dev/null || cargo install cargo-nextest --locked
cargo nextest run --workspace --locked --no-fail-fast --failure-output final
cargo test --workspace --locked --doc
