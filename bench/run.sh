#!/usr/bin/env bash
# Ledger benchmark, one command: generates a ledger (Parquet and CSV), screens
# it with chipexport (with and without the parties, and drawn down against
# licences), runs the impact of the April 2025 letters, and runs the exported
# decision query on DuckDB and on DataFusion (`screen --engine datafusion`)
# over the same Parquet file, checking that every order agrees. Ends with the
# ratios: rows/s, screen against DuckDB (the exported query, and issue #16's
# plain reference query: bench/duckdb_plain.py), parties against no parties,
# the licence drawdown's cost per row.
# Usage: bench/run.sh [ROWS]   (default 1000000)
# DATAFUSION=0 leaves DataFusion out (its first release build is long).
# BEFORE=/path/to/an/older/chipexport also times that binary on the same
# screen, alternating with this one REPEAT times (default 3), and checks
# that both write the same file cell by cell (bench/same_output.py); the
# ratios then include each pair's (after / before).
set -euo pipefail
cd "$(dirname "$0")/.."
ROWS=${1:-1000000}
OUT=bench/out
mkdir -p "$OUT"
DATAFUSION=${DATAFUSION:-1}
REPEAT=${REPEAT:-3}
if [ "$DATAFUSION" = 1 ]; then
  cargo build --release --quiet -p chipexport-cli --features datafusion
else
  cargo build --release --quiet -p chipexport-cli
fi
BIN=${CARGO_TARGET_DIR:-target}/release/chipexport
python3 -c "import duckdb" 2>/dev/null || pip install --quiet duckdb

# timed NAME CMD...: runs CMD, prints (on standard error) its wall time, CPU
# (user + sys) and peak memory, and keeps them in $OUT/NAME.time for the
# ratios.
timed() {
  local name=$1
  shift
  /usr/bin/time -o "$OUT/$name.time" -f "%e %U %S %M" "$@"
  awk -v n="$name" '{ printf "%s: %.2f s wall, %.2f s CPU (user %.2f + sys %.2f), peak %.0f MiB\n", n, $1, $2 + $3, $2, $3, $4 / 1024 }' "$OUT/$name.time" >&2
}
wall() { awk '{ print $1 }' "$OUT/$1.time"; }
cpu() { awk '{ print $2 + $3 }' "$OUT/$1.time"; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

echo "== generate $ROWS rows"
$BIN ledger generate --rows "$ROWS" --out "$OUT/ledger.parquet"
$BIN ledger generate --rows "$ROWS" --out "$OUT/ledger.csv"
echo "== screen (Parquet in, Parquet out; without the parties, as the SQL below decides)"
timed screen-parquet $BIN screen "$OUT/ledger.parquet" --out "$OUT/screened.parquet" --no-parties
echo "== screen (CSV in, CSV out; without the parties)"
timed screen-csv $BIN screen "$OUT/ledger.csv" --out "$OUT/screened.csv" --no-parties
echo "== screen with the parties against without, every order on 2026-08-05 (after the list's date)"
timed parties $BIN screen "$OUT/ledger.parquet" --out "$OUT/parties.parquet" --on 2026-08-05
timed no-parties $BIN screen "$OUT/ledger.parquet" --out "$OUT/no-parties.parquet" --on 2026-08-05 --no-parties
echo "== screen drawn down against the example licences (data/licences/examples)"
rm -rf "$OUT/licences"
for f in data/licences/examples/*; do
  $BIN licences add --data "$OUT/licences" "$f" > /dev/null
done
timed licences $BIN screen "$OUT/ledger.parquet" --out "$OUT/licensed.parquet" --no-parties \
  --licences "$OUT/licences" > /dev/null
echo "== impact 2025-04-01 -> 2025-05-01"
timed impact $BIN impact "$OUT/ledger.parquet" --before 2025-04-01 --after 2025-05-01 > "$OUT/impact.txt"
head -8 "$OUT/impact.txt"
echo "== the same decisions as SQL on DuckDB"
$BIN rules sql > "$OUT/decision.sql"
timed duckdb python3 bench/duckdb_agree.py "$OUT/ledger.parquet" "$OUT/screened.parquet" "$OUT/decision.sql" \
  | tee "$OUT/duckdb.txt"
echo "== issue #16's reference for goal 1: a plain query on DuckDB (the Oct 2023 classification, the groups joined)"
python3 bench/duckdb_plain.py "$OUT/ledger.parquet" "$OUT/decision.sql" "$OUT/plain.parquet" | tee "$OUT/plain.txt"
if [ "$DATAFUSION" = 1 ]; then
  echo "== the same query on DataFusion (screen --engine datafusion, Parquet out)"
  timed datafusion $BIN screen --engine datafusion "$OUT/ledger.parquet" --out "$OUT/datafusion.parquet" --no-parties
  echo "== DataFusion against screen, order by order"
  $BIN screen --engine datafusion "$OUT/ledger.parquet" --out "$OUT/datafusion.parquet" --no-parties \
    --compare-with "$OUT/screened.parquet" | tail -1
fi
if [ -n "${BEFORE:-}" ]; then
  echo "== before ($BEFORE) and after ($BIN): screen Parquet to Parquet, $REPEAT pairs, in turn first"
  # In turn first and second (ABBA): neither runs always on the heels of
  # the other.
  for i in $(seq "$REPEAT"); do
    order="before after"
    [ $((i % 2)) = 0 ] && order="after before"
    for k in $order; do
      b=$BIN
      [ "$k" = before ] && b=$BEFORE
      timed "$k-$i" "$b" screen "$OUT/ledger.parquet" --out "$OUT/$k.parquet" --no-parties > /dev/null
    done
  done
  python3 bench/same_output.py "$OUT/before.parquet" "$OUT/after.parquet"
fi

echo "== ratios"
# The DuckDB query's own time, as bench/duckdb_agree.py measures it.
duck=$(sed -n 's/.* rows in \([0-9.]*\) s .*/\1/p' "$OUT/duckdb.txt")
echo "screen, Parquet to Parquet: $(awk -v r="$ROWS" -v w="$(wall screen-parquet)" 'BEGIN { printf "%.0f", r / w }') rows/s"
echo "screen, CSV to CSV: $(awk -v r="$ROWS" -v w="$(wall screen-csv)" 'BEGIN { printf "%.0f", r / w }') rows/s"
echo "DuckDB's query time / screen's wall time (Parquet): $(ratio "$duck" "$(wall screen-parquet)")x"
plain() { sed -n "s/.*plain query, $1: .* in \([0-9.]*\) s .*/\1/p" "$OUT/plain.txt"; }
echo "DuckDB's plain query (bench/duckdb_plain.py): $(awk -v r="$ROWS" -v w="$(plain "the decision columns only")" 'BEGIN { printf "%.0f", r / w }') rows/s with the decision columns only, $(awk -v r="$ROWS" -v w="$(plain "every input column")" 'BEGIN { printf "%.0f", r / w }') rows/s with every input column"
echo "its time with every input column / screen's wall time (Parquet): $(ratio "$(plain "every input column")" "$(wall screen-parquet)")x"
echo "with the parties / without (--on 2026-08-05): $(ratio "$(wall parties)" "$(wall no-parties)")x wall, $(ratio "$(cpu parties)" "$(cpu no-parties)")x CPU"
awk -v r="$ROWS" -v a="$(wall licences)" -v b="$(wall screen-parquet)" -v c="$(cpu licences)" -v d="$(cpu screen-parquet)" \
  'BEGIN { printf "licence drawdown: %.2f us wall, %.2f us CPU per row (screen --licences minus screen)\n", (a - b) * 1e6 / r, (c - d) * 1e6 / r }'
if [ -n "${BEFORE:-}" ]; then
  median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
  for k in before after; do
    w=$(for i in $(seq "$REPEAT"); do wall "$k-$i"; done | median)
    c=$(for i in $(seq "$REPEAT"); do cpu "$k-$i"; done | median)
    echo "$k: median $w s wall ($(awk -v r="$ROWS" -v w="$w" 'BEGIN { printf "%.0f", r / w }') rows/s), median $c s CPU"
  done
  # Each run against its pair's other: the machine's speed drifts over
  # minutes, so paired ratios are steadier than ratios of medians. A range
  # that holds 1.00 is no evidence of a change; nor, on a 2-core VM, is 10%
  # (two builds of the same screening code differed so: bench/RESULTS.md,
  # session 14).
  for m in wall cpu; do
    for i in $(seq "$REPEAT"); do ratio "$($m "after-$i")" "$($m "before-$i")"; echo; done |
      sort -n | awk -v m="$m" '{ v[NR] = $1 } END {
        printf "after / before, %s, paired: median %.2f, range %.2f-%.2f%s\n", m, v[int((NR + 1) / 2)], v[1], v[NR],
          (v[1] <= 1 && v[NR] >= 1) ? " (holds 1.00: within the noise)" : "" }'
  done
fi
