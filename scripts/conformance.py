#!/usr/bin/env python3
"""Measure how often loqui's verdict on a query agrees with a reference verdict (Loki's or Tempo's).

    python3 scripts/conformance.py logql|traceql VERDICTS.tsv [--loqui PATH] [--show-disagreements]

VERDICTS.tsv has one `valid<TAB>query` or `invalid<TAB>query` line per query (a literal `\\n`
in a query stands for a newline). The queries go through `loqui check LANG --jsonl`, exactly as a
user's script would send them; the script prints the disagreements and `agreement: N/M (P%)`.
Reference sets are built from Loki's and Tempo's own test suites and kept outside the repository.
"""
import argparse
import json
import os
import subprocess
import sys


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("language", choices=["logql", "traceql"])
    ap.add_argument("verdicts")
    ap.add_argument("--loqui", default=os.path.join(os.path.dirname(__file__), "..", "target", "release", "loqui"))
    ap.add_argument("--show-disagreements", action="store_true")
    args = ap.parse_args()

    cases = []
    with open(args.verdicts, encoding="utf-8") as f:
        for raw in f:
            raw = raw.rstrip("\n")
            verdict, sep, query = raw.partition("\t")
            if not sep or verdict not in ("valid", "invalid"):
                continue
            cases.append((verdict == "valid", query.replace("\\n", "\n")))
    if not cases:
        sys.exit(f"no `valid|invalid<TAB>query` lines in {args.verdicts}")

    stdin = "".join(json.dumps({"query": q}) + "\n" for _, q in cases)
    out = subprocess.run([args.loqui, "check", args.language, "--jsonl"], input=stdin,
                         capture_output=True, text=True, check=False)
    if out.returncode not in (0, 1):
        sys.exit(f"loqui check failed ({out.returncode}): {out.stderr.strip()}")
    results = [json.loads(line) for line in out.stdout.splitlines()]
    if len(results) != len(cases):
        sys.exit(f"expected {len(cases)} verdicts, got {len(results)}")

    agree = 0
    for (want, query), got in zip(cases, results):
        if got["valid"] == want:
            agree += 1
        elif args.show_disagreements:
            print(f"DISAGREE reference={'valid' if want else 'invalid'} loqui={got['error'] or 'valid'}\n  {query}")
    print(f"{args.language} agreement: {agree}/{len(cases)} ({100.0 * agree / len(cases):.1f}%)")


if __name__ == "__main__":
    main()
