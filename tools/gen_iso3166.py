#!/usr/bin/env python3
"""Regenerate data/iso3166.tsv from the Debian/Ubuntu iso-codes package.

Every ISO 3166-1 alpha-2 code with a short English name, tab-separated,
header `code<TAB>name`, sorted by code. The name is `common_name` when the
entry has one (e.g. "Iran" rather than "Iran, Islamic Republic of"), else
`name`.

Usage: python3 tools/gen_iso3166.py [--source PATH] [--output PATH] [--check]
Stdlib only.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

DEFAULT_SOURCE = Path("/usr/share/iso-codes/json/iso_3166-1.json")
DEFAULT_OUTPUT = Path(__file__).resolve().parent.parent / "data" / "iso3166.tsv"


def render(source: Path) -> str:
    with source.open(encoding="utf-8") as f:
        entries = json.load(f)["3166-1"]
    rows: dict[str, str] = {}
    for e in entries:
        code = e["alpha_2"].strip().upper()
        name = (e.get("common_name") or e["name"]).strip()
        if len(code) != 2 or not code.isalpha():
            raise SystemExit(f"unexpected alpha_2 code {code!r}")
        if "\t" in name or "\n" in name:
            raise SystemExit(f"name of {code} contains a tab or newline")
        if code in rows:
            raise SystemExit(f"duplicate code {code}")
        rows[code] = name
    lines = ["code\tname"] + [f"{c}\t{rows[c]}" for c in sorted(rows)]
    return "\n".join(lines) + "\n"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    ap.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    ap.add_argument("--check", action="store_true", help="exit 1 if the output file is not up to date")
    args = ap.parse_args()
    text = render(args.source)
    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else None
        if current != text:
            print(f"{args.output} is out of date; run tools/gen_iso3166.py", file=sys.stderr)
            return 1
        print(f"{args.output} is up to date ({text.count(chr(10)) - 1} codes)")
        return 0
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(text, encoding="utf-8")
    print(f"wrote {args.output} ({text.count(chr(10)) - 1} codes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
