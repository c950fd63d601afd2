#!/usr/bin/env python3
"""Times issue #16's reference for goal 1 on DuckDB, Parquet to Parquet: a
plain query that reads the ledger, decides the Oct 2023 classification from
each chip's TPP and performance density, joins the country groups and writes
Parquet. It is not chipexport's answer (one rule, no dates, no explanation);
it shows what a column engine does on this machine with the same ledger, in
two shapes of output:

  the decision columns only: order_id, chip, destination, ship_date and
      the three decided columns (the shape of the issue's 2.4M rows/s);
  every input column: the ledger's columns and the three decided ones
      (what `screen` writes, less its 12 other added columns).

The chips' metrics come from the exported decision query (`rules sql`), the
country groups from the eCFR's Supplement No. 1 (data/ecfr). Threads: 2.

Usage: bench/duckdb_plain.py LEDGER QUERY_FILE OUT.parquet [REPEAT]
Prints one line per shape: the median of REPEAT runs (default 3).
"""
import csv
import json
import statistics
import sys
import time
from pathlib import Path

import duckdb

ROOT = Path(__file__).resolve().parent.parent
# Supp. No. 1's names that are not data/iso3166.tsv's (as
# crates/domain/tests/ecfr_country_groups.rs maps them).
ECFR_NAMES = {
    "burma": "MM",
    "china (prc)": "CN",
    "congo (democratic republic of)": "CD",
    "czech republic": "CZ",
    "korea, north": "KP",
    "korea, south": "KR",
    "macau": "MO",
    "russia": "RU",
    "south sudan, republic of": "SS",
}


def chips_cte(query_file):
    """The `chips(...) AS (VALUES ...)` table of the exported query."""
    lines = Path(query_file).read_text(encoding="utf-8").splitlines()
    start = next(i for i, l in enumerate(lines) if l.startswith("WITH chips("))
    end = next(i for i in range(start, len(lines)) if lines[i] == "),")
    return "\n".join(lines[start : end + 1]).removeprefix("WITH ").removesuffix(",")


def groups():
    """(ISO code, 'D:5' member, 'A:5' member) per country of Supp. No. 1."""
    ecfr = json.loads((ROOT / "data/ecfr/country-groups-2026-07-23.json").read_text())
    with open(ROOT / "data/iso3166.tsv", encoding="utf-8") as f:
        code = {r["name"].lower(): r["code"] for r in csv.DictReader(f, delimiter="\t")}
    code.update(ECFR_NAMES)
    member = {}
    for table in ecfr["byCountry"].values():
        if not isinstance(table, dict):
            continue
        for name, gs in table.items():
            c = code.get(name.lower())
            if c is None:
                raise SystemExit(f"{name}: not in data/iso3166.tsv nor in ECFR_NAMES")
            member.setdefault(c, set()).update(gs)
    member.setdefault("HK", set()).update(member.get("CN", set()))
    return [(c, "D:5" in g, "A:5" in g) for c, g in sorted(member.items())]


def main() -> int:
    ledger, query_file, out = sys.argv[1:4]
    repeat = int(sys.argv[4]) if len(sys.argv) > 4 else 3
    con = duckdb.connect()
    con.execute("SET threads = 2")
    con.execute(f"CREATE VIEW ledger AS SELECT * FROM read_parquet('{ledger}')")
    con.execute(f"CREATE TABLE chips AS WITH {chips_cte(query_file)} SELECT * FROM chips")
    con.execute("CREATE TABLE groups (country VARCHAR, d5 BOOLEAN, a5 BOOLEAN)")
    con.executemany("INSERT INTO groups VALUES (?, ?, ?)", groups())
    decided = """
        CASE WHEN c.tpp >= 4800 OR (c.tpp >= 1600 AND c.performance_density >= 5.92) THEN '3A090.a'
             WHEN (c.tpp >= 2400 AND c.performance_density >= 1.6)
               OR (c.tpp >= 1600 AND c.performance_density >= 3.2) THEN '3A090.b'
             ELSE 'not 3A090' END AS eccn,
        coalesce(g.d5, false) AS d5,
        coalesce(g.d5 AND NOT g.a5 AND eccn <> 'not 3A090', false) AS license_required"""
    shapes = {
        "the decision columns only": "l.order_id, l.chip, l.destination, l.ship_date",
        "every input column": "l.*",
    }
    for shape, columns in shapes.items():
        times = []
        for _ in range(repeat):
            t = time.perf_counter()
            con.execute(
                f"""COPY (SELECT {columns}, {decided}
                    FROM ledger l LEFT JOIN chips c ON c.chip_key = l.chip
                    LEFT JOIN groups g ON g.country = l.destination)
                    TO '{out}' (FORMAT parquet)"""
            )
            times.append(time.perf_counter() - t)
        (rows,) = con.execute(f"SELECT count(*) FROM read_parquet('{out}')").fetchone()
        (asked,) = con.execute("SELECT count(*) FROM ledger").fetchone()
        if rows != asked:
            raise SystemExit(f"{out}: {rows} rows written of the ledger's {asked}")
        secs = statistics.median(times)
        print(
            f"duckdb plain query, {shape}: {rows:,} rows in {secs:.2f} s"
            f" ({rows / secs:,.0f} rows/s; runs {', '.join(f'{t:.2f}' for t in times)})"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
