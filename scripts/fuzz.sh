#!/usr/bin/env bash
# Fuzzes the LogQL and TraceQL parsers with cargo-fuzz (libFuzzer) for a bounded time each.
#   bash scripts/fuzz.sh [SECONDS_PER_TARGET]   (default 60)
# The seed corpus is the golden corpora; crashes land in query/fuzz/artifacts/<target>/.
# cargo-fuzz needs nightly-only compiler flags; RUSTC_BOOTSTRAP lets the stable toolchain
# accept them, since no other toolchain can be installed on these machines.
set -euo pipefail
cd "$(dirname "$0")/../query"
seconds=${1:-60}
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
export RUSTC_BOOTSTRAP=1
status=0
for target in logql traceql; do
    corpus=fuzz/corpus/$target
    mkdir -p "$corpus"
    n=0
    for f in tests/golden/$target/ok/*.txt tests/golden/$target/err/*.txt; do
        [ -e "$f" ] || continue
        while IFS= read -r line; do
            case "$line" in ''|'#'*) continue ;; esac
            n=$((n + 1))
            printf '%s' "$line" > "$corpus/golden-$n"
        done < "$f"
    done
    echo "== fuzzing $target for ${seconds}s (seeded with $n golden queries)"
    log=fuzz/artifacts/$target.log
    mkdir -p fuzz/artifacts
    if cargo fuzz run "$target" "$corpus" -- -max_total_time="$seconds" -max_len=512 >"$log" 2>&1; then
        grep -E '^Done|DONE' "$log" | tail -n 2
    else
        status=1
        echo "!! $target crashed; the input is in fuzz/artifacts/$target/, the log in $log:"
        grep -A 8 -E 'panicked|ERROR: libFuzzer' "$log" | head -n 30
    fi
done
exit $status
