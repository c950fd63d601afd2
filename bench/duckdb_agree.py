#!/usr/bin/env python3
"""Runs chipexport's exported decision query on DuckDB over a ledger and
compares every order with `chipexport screen` on the same file.

Usage: bench/duckdb_agree.py LEDGER.parquet SCREENED.parquet QUERY.sql
Prints 'N passed, N failed' and exits non-zero on any difference.
"""
import json
import sys
import time

import duckdb


def main() -> int:
    ledger, screened, query_file = sys.argv[1:4]
    query = open(query_file, encoding="utf-8").read().rstrip().rstrip(";")
    con = duckdb.connect()
    con.execute(f"CREATE VIEW ledger AS SELECT * FROM read_parquet('{ledger}')")
    t = time.perf_counter()
    rows = con.execute(query).fetchall()
    secs = time.perf_counter() - t
    got = {r[0]: r for r in rows}
    want = con.execute(
        f"SELECT order_id, eccn, license_required, review_policy, license_exceptions, rules_fired, conditions, measures "
        f"FROM read_parquet('{screened}')"
    ).fetchall()
    split = lambda s: [x for x in (s or "").split(";") if x]
    kinds = lambda s: [c["kind"] for c in json.loads(s)]
    passed = failed = 0
    for order_id, eccn, lic, policy, exc, fired, conds, meas in want:
        g = got.get(order_id)
        ok = (
            g is not None
            and g[2] == eccn
            and bool(g[3]) == bool(lic)
            and g[5] == policy
            and split(g[4]) == json.loads(exc)
            and split(g[6]) == kinds(conds)
            and split(g[7]) == kinds(meas)
            and split(g[8]) == json.loads(fired)
        )
        if ok:
            passed += 1
        else:
            failed += 1
            if failed <= 5:
                print(f"differs: {order_id}: duckdb {g} vs screen {(eccn, lic, policy, exc, fired)}", file=sys.stderr)
    print(f"duckdb {duckdb.__version__}: {len(rows)} rows in {secs:.2f} s ({len(rows) / secs:,.0f} rows/s)")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed or len(rows) != len(want) else 0


if __name__ == "__main__":
    sys.exit(main())
