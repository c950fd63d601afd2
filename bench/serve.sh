# Sourced by the bench scripts: builds the release binary unless BIN is set,
# and starts `chipexport serve` on a free loopback port with a fresh data
# directory ($DATA/data), stopped and removed on exit. Sets BIN, DATA, PID
# and ADDR (http://127.0.0.1:PORT).
if [ -z "${BIN:-}" ]; then
  cargo build --release --quiet -p chipexport-cli
  BIN="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')/release/chipexport"
fi
DATA=$(mktemp -d)
# Port 0: the system picks a free port, which serve prints.
"$BIN" serve --addr 127.0.0.1:0 --data "$DATA/data" 2>"$DATA/serve.log" &
PID=$!
trap 'kill $PID 2>/dev/null; rm -rf "$DATA"' EXIT
ADDR=
for _ in $(seq 100); do
  ADDR=$(grep -o 'http://127.0.0.1:[0-9]*' "$DATA/serve.log" | head -1 || true)
  [ -n "$ADDR" ] && curl -sf -o /dev/null "$ADDR/api/v1" && break
  ADDR=
  sleep 0.1
done
[ -n "$ADDR" ] || { echo "the service did not start: $(cat "$DATA/serve.log")" >&2; exit 1; }
