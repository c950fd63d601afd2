#!/usr/bin/env python3
"""Times the exported decision SQL on DuckDB, Parquet to Parquet, as `screen`
runs: reads LEDGER, evaluates the query (memory limited to 4 GB, so that
DuckDB spills instead of filling memory at 100M rows) and writes OUT.

Usage: bench/duckdb_query.py LEDGER QUERY_FILE OUT.parquet
(bench/duckdb_agree.py also checks every order against screen's output.)
"""
import sys
import time

import duckdb

from duckdb_agree import connect


def main() -> int:
    ledger, query_file, out = sys.argv[1:4]
    con, query = connect(ledger, query_file)
    t = time.perf_counter()
    con.execute(f"COPY ({query}) TO '{out}' (FORMAT parquet)")
    secs = time.perf_counter() - t
    (rows,) = con.execute(f"SELECT count(*) FROM read_parquet('{out}')").fetchone()
    print(f"duckdb {duckdb.__version__}: {rows:,} rows in {secs:.2f} s ({rows / secs:,.0f} rows/s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
