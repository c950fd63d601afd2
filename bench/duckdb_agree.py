#!/usr/bin/env python3
"""Runs chipexport's exported decision query on DuckDB over a ledger and
compares every order with `chipexport screen` on the same file.

Usage: bench/duckdb_agree.py LEDGER.parquet SCREENED.parquet QUERY.sql

Two passes, both inside DuckDB so that memory stays bounded at any size:
1. the timed run: the whole query evaluated into a temporary table
   (DuckDB spills to disk when it does not fit in memory);
2. the comparison: per order, a digest of the exported query's answer
   (eccn, licence, policy, exceptions, conditions, measures, rules fired)
   against the same digest of `screen`'s output, joined on order_id.

Prints the timing and 'N passed, N failed'; exits non-zero on any
difference or on a different number of orders.
"""
import sys
import time

import duckdb

# screen writes lists as JSON arrays; the exported query as 'a;b;' strings.
SCREEN_DIGEST = """
md5(concat_ws('|',
    eccn,
    coalesce(license_required, false)::VARCHAR,
    coalesce(review_policy, ''),
    coalesce(list_aggregate(list_transform(from_json(license_exceptions, '["VARCHAR"]'), lambda x: x || ';'), 'string_agg', ''), ''),
    coalesce(list_aggregate(list_transform(from_json(conditions, '[{"kind":"VARCHAR"}]'), lambda x: x.kind || ';'), 'string_agg', ''), ''),
    coalesce(list_aggregate(list_transform(from_json(measures, '[{"kind":"VARCHAR"}]'), lambda x: x.kind || ';'), 'string_agg', ''), ''),
    coalesce(list_aggregate(list_transform(from_json(rules_fired, '["VARCHAR"]'), lambda x: x || ';'), 'string_agg', ''), '')
))"""

QUERY_DIGEST = """
md5(concat_ws('|',
    eccn,
    coalesce(license_required, false)::VARCHAR,
    coalesce(review_policy, ''),
    coalesce(license_exceptions, ''),
    coalesce(conditions, ''),
    coalesce(measures, ''),
    coalesce(rules_fired, '')
))"""


def connect(ledger, query_file):
    """A DuckDB connection with the ledger as the view `ledger`, and the
    exported query's text."""
    query = open(query_file, encoding="utf-8").read().rstrip().rstrip(";")
    con = duckdb.connect()
    con.execute("SET preserve_insertion_order = false")
    # Bounded memory at any size: DuckDB spills the rest to a temp directory.
    con.execute("SET memory_limit = '4GB'")
    con.execute(f"CREATE VIEW ledger AS SELECT * FROM read_parquet('{ledger}')")
    return con, query


def main() -> int:
    ledger, screened, query_file = sys.argv[1:4]
    con, query = connect(ledger, query_file)
    con.execute(f"CREATE VIEW decided AS {query}")

    t = time.perf_counter()
    con.execute("CREATE TEMP TABLE answers AS SELECT * FROM decided")
    secs = time.perf_counter() - t
    (rows,) = con.execute("SELECT count(*) FROM answers").fetchone()
    con.execute("DROP VIEW decided")
    con.execute("CREATE VIEW decided AS SELECT * FROM answers")

    passed, failed, missing = con.execute(
        f"""
        WITH g AS (SELECT order_id, {QUERY_DIGEST} AS d FROM decided),
             s AS (SELECT order_id, {SCREEN_DIGEST} AS d FROM read_parquet('{screened}'))
        SELECT count(*) FILTER (WHERE g.d = s.d),
               count(*) FILTER (WHERE g.d IS DISTINCT FROM s.d),
               count(*) FILTER (WHERE g.order_id IS NULL OR s.order_id IS NULL)
        FROM g FULL OUTER JOIN s ON g.order_id = s.order_id
        """
    ).fetchone()
    if failed:
        for row in con.execute(
            f"""
            WITH g AS (SELECT *, {QUERY_DIGEST} AS d FROM decided),
                 s AS (SELECT *, {SCREEN_DIGEST} AS d FROM read_parquet('{screened}'))
            SELECT coalesce(g.order_id, s.order_id), g.eccn, s.eccn, g.license_required, s.license_required,
                   g.review_policy, s.review_policy, g.rules_fired, s.rules_fired
            FROM g FULL OUTER JOIN s ON g.order_id = s.order_id
            WHERE g.d IS DISTINCT FROM s.d LIMIT 5
            """
        ).fetchall():
            print(f"differs: {row}", file=sys.stderr)
    print(
        f"duckdb {duckdb.__version__}: {rows:,} rows in {secs:.2f} s ({rows / secs:,.0f} rows/s)"
        + (f"; {missing:,} orders on one side only" if missing else "")
    )
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
