#!/usr/bin/env bash
# Where the time goes, as flame graphs (perf with DWARF call graphs, drawn by
# bench/flamegraph.py), of a release build:
#   bench/flame.sh serve [SECONDS] [CONNECTIONS]  the service under
#       bench/check-mixed.lua (wrk), every decision logged durably: perf
#       samples the server process while wrk runs;
#   bench/flame.sh screen LEDGER                  `screen LEDGER --no-parties`.
# Writes bench/out/flame-serve.svg or bench/out/flame-screen.svg and prints
# the heaviest functions. Needs perf and (for serve) wrk.
# BIN=path/to/chipexport profiles another build.
set -euo pipefail
cd "$(dirname "$0")/.."
WHAT=${1:?usage: bench/flame.sh serve [SECONDS] [CONNECTIONS] | screen LEDGER}
OUT=bench/out
mkdir -p "$OUT"
command -v perf >/dev/null || { echo "perf is missing" >&2; exit 1; }
case "$WHAT" in
  serve)
    SECS=${2:-10}
    CONNS=${3:-16}
    command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk" >&2; exit 1; }
    . bench/serve.sh
    wrk -t 2 -c "$CONNS" -d "${SECS}s" --latency -s bench/check-mixed.lua "$ADDR/api/v1/check" \
      > "$OUT/flame-wrk.txt" &
    WRK=$!
    # Past wrk's start, for most of its run.
    sleep 1
    perf record -q -F 499 --call-graph dwarf,16384 -p "$PID" -o "$OUT/flame-serve.data" \
      -- sleep $((SECS - 2)) 2>/dev/null
    wait $WRK
    tail -1 "$OUT/flame-wrk.txt"
    perf script -i "$OUT/flame-serve.data" 2>/dev/null |
      python3 bench/flamegraph.py "$OUT/flame-serve.svg" "chipexport serve, POST /api/v1/check, $CONNS connections"
    ;;
  screen)
    if [ -z "${BIN:-}" ]; then
      cargo build --release --quiet -p chipexport-cli
      BIN=${CARGO_TARGET_DIR:-target}/release/chipexport
    fi
    LEDGER=${2:?usage: bench/flame.sh screen LEDGER}
    perf record -q -F 499 --call-graph dwarf,16384 -o "$OUT/flame-screen.data" \
      "$BIN" screen "$LEDGER" --out "$OUT/flame-screened.parquet" --no-parties > /dev/null 2>&1
    perf script -i "$OUT/flame-screen.data" 2>/dev/null |
      python3 bench/flamegraph.py "$OUT/flame-screen.svg" "chipexport screen $(basename "$LEDGER")"
    ;;
  *)
    echo "usage: bench/flame.sh serve [SECONDS] [CONNECTIONS] | screen LEDGER" >&2
    exit 2
    ;;
esac
