#!/usr/bin/env python3
"""Check data/country-groups.toml against the reference country-groups.csv.

Loads the TOML, validates it, replays every change with an effective date on
or before DATE (default 2026-07-08, the state date of the CSV) in date
order, and diffs each group against the CSV's columns (A5, A6, D1, D3, D4,
D5). Rows of derived destinations (Hong Kong) are not compared as members;
instead their CSV marks must equal those of the country they derive from.

Exit status: 0 if everything matches, 1 on any difference or data error,
2 on a usage error.

Usage:
  python3 tools/check_country_groups.py [DATE] [--toml PATH] [--csv PATH] [-q]

Stdlib only (Python 3.11+ for tomllib).
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import sys
import tomllib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_TOML = REPO / "data" / "country-groups.toml"
DEFAULT_CSV = Path("/work/shared/reference/country-groups.csv")
ISO_TSV = REPO / "data" / "iso3166.tsv"
DEFAULT_DATE = dt.date(2026, 7, 8)

GROUPS = ["A:5", "A:6", "D:1", "D:3", "D:4", "D:5"]
CSV_COLUMN = {g: g.replace(":", "") for g in GROUPS}
CONFIDENCES = {"confirmed", "secondary", "estimate", "unconfirmed"}


class Report:
    def __init__(self) -> None:
        self.errors: list[str] = []

    def error(self, msg: str) -> None:
        self.errors.append(msg)


def load_iso_codes() -> set[str] | None:
    if not ISO_TSV.exists():
        return None
    lines = ISO_TSV.read_text(encoding="utf-8").splitlines()[1:]
    return {line.split("\t", 1)[0].strip() for line in lines if line.strip()}


def as_date(value: object, where: str, rep: Report) -> dt.date | None:
    # TOML local dates load as datetime.date; reject strings and datetimes.
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    rep.error(f"{where}: expected a TOML date (YYYY-MM-DD without quotes), got {value!r}")
    return None


def check_codes(codes: object, where: str, iso: set[str] | None, rep: Report, *, sorted_required: bool) -> list[str]:
    if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
        rep.error(f"{where}: expected a list of ISO codes")
        return []
    for c in codes:
        if len(c) != 2 or not c.isupper():
            rep.error(f"{where}: `{c}` is not an upper-case ISO 3166-1 alpha-2 code")
        elif iso is not None and c not in iso:
            rep.error(f"{where}: `{c}` is not in data/iso3166.tsv")
    if len(set(codes)) != len(codes):
        rep.error(f"{where}: duplicate codes")
    if sorted_required and codes != sorted(codes):
        rep.error(f"{where}: members are not sorted")
    return codes


def validate(data: dict, iso: set[str] | None, rep: Report) -> tuple[dict[str, set[str]], list[dict], dict[str, dict]]:
    meta = data.get("meta", {})
    for key in ("title", "baseline"):
        if key not in meta:
            rep.error(f"[meta]: `{key}` is missing")
    baseline = as_date(meta.get("baseline"), "[meta].baseline", rep)

    source_ids = set()
    for i, s in enumerate(data.get("sources", [])):
        sid = s.get("id")
        if not sid or not s.get("description"):
            rep.error(f"[[sources]] #{i + 1}: `id` and `description` are required")
        if sid in source_ids:
            rep.error(f"[[sources]]: duplicate id `{sid}`")
        source_ids.add(sid)

    groups = data.get("groups", {})
    base: dict[str, set[str]] = {}
    for g in GROUPS:
        if g not in groups:
            rep.error(f'[groups."{g}"] is missing')
            base[g] = set()
            continue
        entry = groups[g]
        if not entry.get("title"):
            rep.error(f'[groups."{g}"]: `title` is missing')
        members = check_codes(entry.get("members"), f'[groups."{g}"].members', iso, rep, sorted_required=True)
        base[g] = set(members)
        for sid in entry.get("sources", []):
            if sid not in source_ids:
                rep.error(f'[groups."{g}"].sources: unknown source id `{sid}`')
    for g in groups:
        if g not in GROUPS:
            rep.error(f'[groups."{g}"]: unknown group')

    changes = []
    for i, ch in enumerate(data.get("changes", [])):
        where = f"[[changes]] #{i + 1} ({ch.get('group')}, {ch.get('effective')})"
        eff = as_date(ch.get("effective"), where + ".effective", rep)
        if ch.get("group") not in GROUPS:
            rep.error(f"{where}: unknown group {ch.get('group')!r}")
            continue
        add = check_codes(ch.get("add", []), where + ".add", iso, rep, sorted_required=False)
        remove = check_codes(ch.get("remove", []), where + ".remove", iso, rep, sorted_required=False)
        if not add and not remove:
            rep.error(f"{where}: neither `add` nor `remove`")
        if set(add) & set(remove):
            rep.error(f"{where}: a country is both added and removed")
        if not ch.get("citation"):
            rep.error(f"{where}: `citation` is missing")
        if ch.get("confidence") not in CONFIDENCES:
            rep.error(f"{where}: confidence {ch.get('confidence')!r} not in {sorted(CONFIDENCES)}")
        if eff is not None and baseline is not None and eff <= baseline:
            rep.error(f"{where}: effective date is not after the baseline {baseline}")
        if eff is not None:
            changes.append({"effective": eff, "group": ch["group"], "add": add, "remove": remove, "index": i})
    # Stable sort: same-date changes keep file order, as in the Rust loader.
    changes.sort(key=lambda c: c["effective"])

    # Every change must actually change something when replayed.
    state = {g: set(m) for g, m in base.items()}
    for ch in changes:
        g = ch["group"]
        for c in ch["add"]:
            if c in state[g]:
                rep.error(f"[[changes]] #{ch['index'] + 1}: adds {c} to {g} on {ch['effective']}, but it is already a member")
            state[g].add(c)
        for c in ch["remove"]:
            if c not in state[g]:
                rep.error(f"[[changes]] #{ch['index'] + 1}: removes {c} from {g} on {ch['effective']}, but it is not a member")
            state[g].discard(c)

    seen = set()
    for i, d in enumerate(data.get("doubts", [])):
        where = f"[[doubts]] #{i + 1} ({d.get('group')}, {d.get('country')})"
        if d.get("group") not in GROUPS:
            rep.error(f"{where}: unknown group")
        check_codes([d.get("country")] if isinstance(d.get("country"), str) else None, where + ".country", iso, rep, sorted_required=False)
        if d.get("confidence") not in CONFIDENCES:
            rep.error(f"{where}: confidence {d.get('confidence')!r} not in {sorted(CONFIDENCES)}")
        if not d.get("note"):
            rep.error(f"{where}: `note` is missing")
        key = (d.get("group"), d.get("country"))
        if key in seen:
            rep.error(f"{where}: duplicate doubt")
        seen.add(key)

    derived = data.get("derived", {})
    for code, d in derived.items():
        where = f"[derived.{code}]"
        check_codes([code, d.get("same_as", "")], where, iso, rep, sorted_required=False)
        as_date(d.get("since"), where + ".since", rep)
        if not d.get("citation"):
            rep.error(f"{where}: `citation` is missing")
        for g in GROUPS:
            if code in base[g]:
                rep.error(f"{where}: {code} is derived but also listed in {g}")
    return base, changes, derived


def members_on(base: dict[str, set[str]], changes: list[dict], date: dt.date) -> dict[str, set[str]]:
    state = {g: set(m) for g, m in base.items()}
    for ch in changes:
        if ch["effective"] > date:
            break
        for c in ch["add"]:
            state[ch["group"]].add(c)
        for c in ch["remove"]:
            state[ch["group"]].discard(c)
    return state


def read_csv(path: Path, rep: Report) -> dict[str, dict[str, bool]]:
    rows: dict[str, dict[str, bool]] = {}
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        missing = [c for c in ["iso2", *CSV_COLUMN.values()] if c not in (reader.fieldnames or [])]
        if missing:
            rep.error(f"{path}: missing columns {missing}")
            return rows
        for r in reader:
            code = r["iso2"].strip()
            if code in rows:
                rep.error(f"{path}: duplicate row {code}")
            marks = {}
            for g, col in CSV_COLUMN.items():
                v = (r[col] or "").strip()
                if v not in ("", "X"):
                    rep.error(f"{path}: row {code}, column {col}: unexpected value {v!r}")
                marks[g] = v == "X"
            rows[code] = marks
    return rows


def main() -> int:
    ap = argparse.ArgumentParser(description="Replay data/country-groups.toml to DATE and diff it against country-groups.csv.")
    ap.add_argument("date", nargs="?", default=DEFAULT_DATE.isoformat(), help="YYYY-MM-DD (default %(default)s, the CSV's state date)")
    ap.add_argument("--toml", type=Path, default=DEFAULT_TOML)
    ap.add_argument("--csv", type=Path, default=DEFAULT_CSV)
    ap.add_argument("-q", "--quiet", action="store_true", help="print only differences and errors")
    args = ap.parse_args()
    try:
        date = dt.date.fromisoformat(args.date)
    except ValueError:
        print(f"invalid date {args.date!r}; expected YYYY-MM-DD", file=sys.stderr)
        return 2

    rep = Report()
    try:
        with args.toml.open("rb") as f:
            data = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as e:
        print(f"cannot load {args.toml}: {e}", file=sys.stderr)
        return 1
    iso = load_iso_codes()
    base, changes, derived = validate(data, iso, rep)
    try:
        rows = read_csv(args.csv, rep)
    except OSError as e:
        print(f"cannot read {args.csv}: {e}", file=sys.stderr)
        return 1

    state = members_on(base, changes, date)
    applied = [c for c in changes if c["effective"] <= date]
    pending = [c for c in changes if c["effective"] > date]

    diffs: list[str] = []
    for g in GROUPS:
        expected = {code for code, marks in rows.items() if marks[g] and code not in derived}
        got = state[g]
        for c in sorted(got - expected):
            diffs.append(f"{g}: {c} is a member in the TOML on {date} but not in the CSV")
        for c in sorted(expected - got):
            diffs.append(f"{g}: {c} is a member in the CSV but not in the TOML on {date}")
    # Derived rows: the CSV marks must equal those of the country they follow.
    for code, d in derived.items():
        target = d.get("same_as")
        since = d.get("since")
        if code not in rows:
            continue
        active = isinstance(since, dt.date) and since <= date
        for g in GROUPS:
            want = (target in state[g]) if active else False
            if rows[code][g] != want:
                diffs.append(f"{g}: derived row {code} is {'X' if rows[code][g] else 'blank'} in the CSV, but {target} gives {'X' if want else 'blank'} on {date}")
    # Every CSV row must be known: a member somewhere or derived.
    for code, marks in rows.items():
        if code not in derived and not any(marks.values()):
            diffs.append(f"CSV row {code} is in no group")

    if not args.quiet:
        print(f"{args.toml.relative_to(REPO) if args.toml.is_relative_to(REPO) else args.toml}: baseline {data.get('meta', {}).get('baseline')}, replayed to {date}")
        print(f"  changes applied: {len(applied)}; after {date}: {len(pending)}")
        for c in applied:
            print(f"    {c['effective']} {c['group']}: " + " ".join([f"+{x}" for x in c["add"]] + [f"-{x}" for x in c["remove"]]))
        for c in pending:
            print(f"    ({c['effective']} {c['group']}: " + " ".join([f"+{x}" for x in c["add"]] + [f"-{x}" for x in c["remove"]]) + ", not yet in force)")
        print("  group sizes (baseline -> " + str(date) + "): " + ", ".join(f"{g} {len(base[g])}->{len(state[g])}" for g in GROUPS))
        doubts = data.get("doubts", [])
        if doubts:
            print(f"  doubts ({len(doubts)}):")
            for d in doubts:
                g, c = d.get("group"), d.get("country")
                status = "member" if c in state.get(g, set()) else "NOT a member"
                print(f"    {g} {c} [{d.get('confidence')}]: {status} on {date}")
    for e in rep.errors:
        print(f"error: {e}", file=sys.stderr)
    for d in diffs:
        print(f"diff: {d}", file=sys.stderr)
    if rep.errors or diffs:
        print(f"FAILED: {len(rep.errors)} data error(s), {len(diffs)} difference(s) against {args.csv}", file=sys.stderr)
        return 1
    print(f"OK: every group matches {args.csv} on {date}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
