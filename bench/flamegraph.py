#!/usr/bin/env python3
"""Folds `perf script` output into stacks and draws them as a flame graph.

Usage: perf script -i perf.data | bench/flamegraph.py OUT.svg [TITLE]

Writes OUT.svg (one box per frame, its width the share of samples, callers
below callees) and prints the heaviest stacks and the heaviest functions
(self and with callees) as text, for a note. Standard library only.
"""
import collections
import html
import re
import sys

FRAME = re.compile(r"^\s*[0-9a-f]+\s+(.+?)\s+\((.*)\)\s*$")
# Frames every stack has (thread starts, closures' shims): left out of the
# "with callees" list, which would otherwise begin with them.
PLUMBING = re.compile(
    r"^(_start|main|clone3|start_thread|__libc_start|std::|<std::|core::ops::function|"
    r"core::ops::function::FnOnce|__rust_begin_short_backtrace)"
)


def simplify(sym):
    """A frame's name without arguments, hashes and offsets."""
    sym = re.sub(r"\+0x[0-9a-f]+$", "", sym)
    sym = re.sub(r"::h[0-9a-f]{16}$", "", sym)
    if sym.startswith("[unknown]"):
        return None
    return sym


def fold(lines):
    """Stacks (root first) and their sample counts."""
    stacks = collections.Counter()
    frames = []
    for line in lines:
        line = line.rstrip("\n")
        if not line.strip():
            if frames:
                stacks[tuple(reversed(frames))] += 1
            frames = []
            continue
        m = FRAME.match(line)
        if m:
            s = simplify(m.group(1))
            if s:
                frames.append(s)
    if frames:
        stacks[tuple(reversed(frames))] += 1
    return stacks


def tree(stacks):
    root = {"n": 0, "kids": {}}
    for stack, n in stacks.items():
        root["n"] += n
        node = root
        for f in stack:
            node = node["kids"].setdefault(f, {"n": 0, "kids": {}})
            node["n"] += n
    return root


def svg(root, title, width=1200, row=16):
    total = root["n"] or 1
    boxes = []

    def depth(node):
        return 1 + max((depth(k) for k in node["kids"].values()), default=0)

    rows = depth(root)
    height = rows * row + 40

    def walk(node, name, x, level):
        w = node["n"] / total * width
        if w < 0.5:
            return
        y = height - (level + 1) * row - 10
        hue = 20 + (hash(name) % 40)
        label = name if len(name) * 6 < w else name[: max(0, int(w / 6) - 2)] + ".."
        share = 100.0 * node["n"] / total
        boxes.append(
            f'<g><title>{html.escape(name)} ({share:.1f}%)</title>'
            f'<rect x="{x:.1f}" y="{y}" width="{w:.1f}" height="{row - 1}" '
            f'fill="hsl({hue},90%,60%)"/>'
            f'<text x="{x + 2:.1f}" y="{y + row - 4}" font-size="11">'
            f"{html.escape(label) if w > 20 else ''}</text></g>"
        )
        cx = x
        for kname, kid in sorted(node["kids"].items()):
            walk(kid, kname, cx, level + 1)
            cx += kid["n"] / total * width

    walk(root, "all", 0, 0)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'font-family="monospace">'
        f'<text x="4" y="16" font-size="14">{html.escape(title)} ({total} samples)</text>'
        + "".join(boxes)
        + "</svg>\n"
    )


def main():
    if len(sys.argv) < 2:
        sys.exit("usage: perf script | bench/flamegraph.py OUT.svg [TITLE]")
    out = sys.argv[1]
    title = sys.argv[2] if len(sys.argv) > 2 else "flame graph"
    stacks = fold(sys.stdin)
    root = tree(stacks)
    with open(out, "w") as f:
        f.write(svg(root, title))
    total = root["n"] or 1
    self_time = collections.Counter()
    inclusive = collections.Counter()
    for stack, n in stacks.items():
        if stack:
            self_time[stack[-1]] += n
        for f in set(stack):
            inclusive[f] += n
    print(f"{total} samples; flame graph in {out}")
    print("\nheaviest functions, with callees:")
    shown = [(f, n) for f, n in inclusive.most_common() if not PLUMBING.match(f)]
    for f, n in shown[:25]:
        print(f"  {100.0 * n / total:5.1f}%  {f}")
    print("\nheaviest functions, self:")
    for f, n in self_time.most_common(15):
        print(f"  {100.0 * n / total:5.1f}%  {f}")


if __name__ == "__main__":
    main()
