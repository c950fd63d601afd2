#!/usr/bin/env bash
# Load test of POST /api/v1/check on loopback with wrk (Debian package).
# Usage: bench/load.sh [SECONDS] [CONNECTIONS]. Bounded in time; loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."
SECS=${1:-20}
CONNS=${2:-16}
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
cargo build --release --quiet -p chipexport-cli
DATA=$(mktemp -d)
PORT=18080
target/release/chipexport serve --addr 127.0.0.1:$PORT --data "$DATA" 2>/dev/null &
PID=$!
trap 'kill $PID 2>/dev/null; rm -rf "$DATA"' EXIT
for _ in $(seq 50); do curl -sf -o /dev/null http://127.0.0.1:$PORT/api/v1 && break; sleep 0.1; done
wrk -t 2 -c "$CONNS" -d "${SECS}s" --latency -s bench/check.lua http://127.0.0.1:$PORT/api/v1/check | tail -1
echo "decisions logged: $(target/release/chipexport audit verify --data "$DATA")"
