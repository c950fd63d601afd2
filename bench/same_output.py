#!/usr/bin/env python3
"""Compares two screened ledgers (CSV or Parquet) cell by cell, row by row
in file order, with DuckDB: the column names and types, the row count and
every cell. Prints the columns that differ (with how many rows) and exits
non-zero on any difference.

Usage: bench/same_output.py A B
(`bench/run.sh` with BEFORE=older-binary uses it to check that a faster
screen writes the same file.)
"""
import sys

import duckdb


def source(path: str) -> str:
    if path.endswith(".csv"):
        return f"read_csv('{path}', all_varchar = true, header = true)"
    return f"read_parquet('{path}')"


def main() -> int:
    a, b = sys.argv[1:3]
    con = duckdb.connect()
    con.execute("SET memory_limit = '4GB'")
    con.execute(f"CREATE VIEW a AS SELECT * FROM {source(a)}")
    con.execute(f"CREATE VIEW b AS SELECT * FROM {source(b)}")
    ca = [(c[0], c[1]) for c in con.execute("DESCRIBE a").fetchall()]
    cb = [(c[0], c[1]) for c in con.execute("DESCRIBE b").fetchall()]
    if ca != cb:
        print(f"the columns differ: {ca} against {cb}")
        return 1
    (na,) = con.execute("SELECT count(*) FROM a").fetchone()
    (nb,) = con.execute("SELECT count(*) FROM b").fetchone()
    cols = [c for c, _ in ca]
    sums = ", ".join(
        f'count(*) FILTER (WHERE a."{c}" IS DISTINCT FROM b."{c}")' for c in cols
    )
    diffs = con.execute(f"SELECT {sums} FROM a POSITIONAL JOIN b").fetchone()
    bad = [(c, d) for c, d in zip(cols, diffs) if d]
    print(
        f"{na:,} and {nb:,} rows, {len(cols)} columns: "
        + (f"differing {bad}" if bad else "every cell the same")
    )
    return 1 if bad or na != nb else 0


if __name__ == "__main__":
    sys.exit(main())
