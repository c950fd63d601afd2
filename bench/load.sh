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
# Port 0: the system picks a free port, which serve prints.
target/release/chipexport serve --addr 127.0.0.1:0 --data "$DATA" 2>"$DATA/serve.log" &
PID=$!
trap 'kill $PID 2>/dev/null; rm -rf "$DATA"' EXIT
ADDR=
for _ in $(seq 50); do
  ADDR=$(grep -o 'http://127.0.0.1:[0-9]*' "$DATA/serve.log" | head -1 || true)
  [ -n "$ADDR" ] && curl -sf -o /dev/null "$ADDR/api/v1" && break
  sleep 0.1
done
wrk -t 2 -c "$CONNS" -d "${SECS}s" --latency -s bench/check.lua "$ADDR/api/v1/check" | tail -1
echo "decisions logged: $(target/release/chipexport audit verify --data "$DATA")"
