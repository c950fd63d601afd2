#!/usr/bin/env bash
# Ledger benchmark, one command: generates a ledger (Parquet and CSV), screens
# it with chipexport, runs the impact of the April 2025 letters, and runs the
# exported decision query on DuckDB and on DataFusion (`screen --engine
# datafusion`) over the same Parquet file, checking that every order agrees.
# Usage: bench/run.sh [ROWS]   (default 1000000)
# DATAFUSION=0 leaves DataFusion out (its first release build is long).
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${1:-1000000}
OUT=bench/out
mkdir -p "$OUT"
DATAFUSION=${DATAFUSION:-1}
if [ "$DATAFUSION" = 1 ]; then
  cargo build --release --quiet -p chipexport-cli --features datafusion
else
  cargo build --release --quiet -p chipexport-cli
fi
BIN=${CARGO_TARGET_DIR:-target}/release/chipexport
python3 -c "import duckdb" 2>/dev/null || pip install --quiet duckdb

peak() { /usr/bin/time -f "%e s, peak %M KiB" "$@"; }
echo "== generate $ROWS rows"
$BIN ledger generate --rows "$ROWS" --out "$OUT/ledger.parquet"
$BIN ledger generate --rows "$ROWS" --out "$OUT/ledger.csv"
echo "== screen (Parquet in, Parquet out; without the parties, as the SQL below decides)"
peak $BIN screen "$OUT/ledger.parquet" --out "$OUT/screened.parquet" --no-parties
echo "== screen (CSV in, CSV out; without the parties)"
peak $BIN screen "$OUT/ledger.csv" --out "$OUT/screened.csv" --no-parties
echo "== screen with the parties against without, every order on 2026-08-05 (after the list's date)"
peak $BIN screen "$OUT/ledger.parquet" --out "$OUT/parties.parquet" --on 2026-08-05
peak $BIN screen "$OUT/ledger.parquet" --out "$OUT/no-parties.parquet" --on 2026-08-05 --no-parties
echo "== impact 2025-04-01 -> 2025-05-01"
peak $BIN impact "$OUT/ledger.parquet" --before 2025-04-01 --after 2025-05-01 | head -8
echo "== the same decisions as SQL on DuckDB"
$BIN rules sql > "$OUT/decision.sql"
peak python3 bench/duckdb_agree.py "$OUT/ledger.parquet" "$OUT/screened.parquet" "$OUT/decision.sql"
if [ "$DATAFUSION" = 1 ]; then
  echo "== the same query on DataFusion (screen --engine datafusion, Parquet out)"
  peak $BIN screen --engine datafusion "$OUT/ledger.parquet" --out "$OUT/datafusion.parquet" --no-parties
  echo "== DataFusion against screen, order by order"
  $BIN screen --engine datafusion "$OUT/ledger.parquet" --out "$OUT/datafusion.parquet" --no-parties \
    --compare-with "$OUT/screened.parquet" | tail -1
fi
