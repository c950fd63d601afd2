#!/usr/bin/env bash
# Runs every fuzz target (or those named) for a bounded time each and prints
# a table: target | runs | crashes.
#
# Usage: fuzz/run.sh [SECONDS] [TARGET...]     (default: 60 seconds each)
#
# The corpus of each target is kept in fuzz/corpus/<target> between runs
# (git keeps only the seed-* files); a crash is saved in
# fuzz/artifacts/<target>/ and its path printed. Exit 1 when any target
# crashed. Needs the nightly toolchain and cargo-fuzz; without them it says
# so and exits 0 (CI machines without nightly skip fuzzing). FUZZ_TARGET_DIR
# sets the build directory (default fuzz/target). FUZZ_SANITIZER (default
# `none`) sets cargo-fuzz's sanitizer: chipexport forbids `unsafe`, so
# AddressSanitizer would only watch the dependencies, at twice the build time
# and size; panics, unbounded allocations and hangs are caught without it.
set -uo pipefail
cd "$(dirname "$0")"

secs=${1:-60}
shift || true

if ! cargo +nightly --version >/dev/null 2>&1; then
  echo "skipped: fuzzing needs the nightly toolchain (rustup toolchain install nightly)"
  exit 0
fi
if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "skipped: fuzzing needs cargo-fuzz (cargo install cargo-fuzz)"
  exit 0
fi

dir_args=(-s "${FUZZ_SANITIZER:-none}")
if [ -n "${FUZZ_TARGET_DIR:-}" ]; then
  dir_args+=(--target-dir "$FUZZ_TARGET_DIR")
fi
if [ $# -gt 0 ]; then
  targets=("$@")
else
  mapfile -t targets < <(cargo +nightly fuzz list)
fi

# One build for every target.
if ! cargo +nightly fuzz build "${dir_args[@]}" >/dev/null; then
  echo "the fuzz targets do not build" >&2
  exit 1
fi

logs=$(mktemp -d)
rows=()
failed=0
for t in "${targets[@]}"; do
  mkdir -p "corpus/$t" "artifacts/$t"
  before=$(ls "artifacts/$t" | wc -l)
  # -rss_limit_mb: an input that makes a reader allocate without bound is a
  # crash too. -timeout: one input taking over 10 s is a crash.
  cargo +nightly fuzz run "${dir_args[@]}" "$t" "corpus/$t" -- \
    -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -print_final_stats=1 \
    >"$logs/$t.log" 2>&1
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$logs/$t.log" | grep -o '[0-9]*$' | tail -1)
  after=$(ls "artifacts/$t" | wc -l)
  crashes=$((after - before))
  if [ "$crashes" -gt 0 ]; then
    failed=1
    echo "$t crashed; the input is in fuzz/artifacts/$t/ (log: $logs/$t.log):" >&2
    grep -m 3 -E 'panicked|ERROR: libFuzzer|SUMMARY' "$logs/$t.log" >&2
  fi
  rows+=("$(printf '| %-16s | %12s | %7s |' "$t" "${runs:-?}" "$crashes")")
done

printf '| %-16s | %12s | %7s |\n' target runs crashes
printf '|%s|%s|%s|\n' "------------------" "--------------" "---------"
printf '%s\n' "${rows[@]}"
echo "(${secs} s per target; corpus in fuzz/corpus/<target>)"
exit $failed
