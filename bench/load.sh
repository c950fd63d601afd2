#!/usr/bin/env bash
# Load test of POST /api/v1/check on loopback with wrk (Debian package), every
# decision logged durably: one fixed question (answered from the service's
# kept answers after the first) and mixed questions (bench/check-mixed.lua:
# ~170k chip x destination x date combinations in ~10k breakpoint intervals,
# more than the 4,096 answers the service keeps, so many are decided anew),
# at CONNECTIONS and at 64 connections. Each line gives p50, p99, p99.9 and
# the maximum latency; at the end, the database's bytes per decision.
# Usage: bench/load.sh [SECONDS] [CONNECTIONS]. Bounded in time; loopback only.
# BIN=path/to/chipexport measures another build (e.g. an older one).
# ROUNDS=N (default 1) runs the mixed load at CONNECTIONS N times in all, on
# the same server, the log growing: a durable commit's worst case shows there.
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-20}
CONNS=${2:-16}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
. bench/serve.sh
# load SCRIPT CONNECTIONS [LABEL]: one wrk run, its line of figures.
load() {
  printf '%-12s %3s connections%s: ' "$1" "$2" "${3:-}"
  wrk -t 2 -c "$2" -d "${SECS}s" --latency -s "bench/$1.lua" "$ADDR/api/v1/check" | tail -1
}
for c in "$CONNS" 64; do
  for script in check check-mixed; do
    load "$script" "$c"
  done
done
for r in $(seq 2 "${ROUNDS:-1}"); do
  load check-mixed "$CONNS" ", round $r"
done
verified=$("$BIN" audit verify --data "$DATA/data")
echo "decisions logged: $verified"
# The database's size per decision (with its write-ahead log, as it is).
n=$(echo "$verified" | grep -o '^[0-9]*')
bytes=0
for f in "$DATA/data/decisions.sqlite" "$DATA/data/decisions.sqlite-wal"; do
  [ -f "$f" ] && bytes=$((bytes + $(stat -c %s "$f")))
done
echo "database: $bytes bytes, $((bytes / (n > 0 ? n : 1))) bytes per decision"
