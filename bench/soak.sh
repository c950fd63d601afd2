#!/usr/bin/env bash
# Soak test of `chipexport serve` on loopback: mixed traffic for a bounded
# time (checks logged and not, compares, party screens, ledger uploads with
# job polls and downloads), then a report of errors, p50/p99 latency per
# window and the server's RSS over time (and whether its growth flattens).
#
# Usage: bench/soak.sh [SECONDS] [CLIENTS]      (default 300 s, 8 clients)
# BIN=path/to/chipexport uses that binary instead of a release build.
# Loopback only; the data directory is temporary and removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-300}
CLIENTS=${2:-8}
. bench/serve.sh
"$BIN" ledger generate --rows 2000 --seed 11 --out "$DATA/orders.csv" >/dev/null
python3 bench/soak.py --addr "${ADDR#http://}" --pid "$PID" --seconds "$SECS" --clients "$CLIENTS" \
  --token "$(cat "$DATA/data/token")" --ledger "$DATA/orders.csv"
echo "decision log: $("$BIN" audit verify --data "$DATA/data")"
echo "data directory: $(du -sh "$DATA/data" | cut -f1)"
