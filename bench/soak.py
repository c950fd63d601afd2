"""The traffic and the report of bench/soak.sh (Python 3 standard library only).

CLIENTS threads send mixed requests as fast as the service answers; one more
thread uploads a ledger, polls its job until it is done and downloads the
result, again and again; a sampler reads the server's RSS from /proc every
second. At the end: per window, the requests, errors, p50 and p99 latency
and the RSS; then the totals and whether RSS growth flattens.
"""

import argparse
import http.client
import json
import random
import threading
import time

CHIPS = ["H20", "H100", "H200", "A100", "MI300X", "B200", "L40S", "intel-gaudi-3-hl-325l-oam"]
TO = ["CN", "SG", "AE", "DE", "IN", "RU", "MY", "JP"]
DATES = ["2023-06-01", "2024-06-01", "2025-05-01", "2025-09-01", "2026-03-01"]
NAMES = ["Huawei Technologies", "Acme Trading", "Sugon", "Inspur", "Tencent", "Nordic Data AB"]


def request(addr, method, path, body=None, headers=None, timeout=30):
    c = http.client.HTTPConnection(addr, timeout=timeout)
    try:
        h = {"Content-Type": "application/json"}
        h.update(headers or {})
        c.request(method, path, body=body, headers=h)
        r = c.getresponse()
        data = r.read()
        return r.status, data
    finally:
        c.close()


def mixed(rng):
    """One request of the mix: (kind, method, path, body, acceptable statuses)."""
    x = rng.random()
    chip, to, on = rng.choice(CHIPS), rng.choice(TO), rng.choice(DATES)
    if x < 0.35:
        body = {"chip": chip, "to": to, "on": on, "order_ref": "SOAK"}
        return "check", "POST", "/api/v1/check", json.dumps(body), (200,)
    if x < 0.50:
        return "check_get", "GET", f"/api/v1/check?chip={chip.replace(' ', '%20')}&to={to}&on={on}", None, (200,)
    if x < 0.65:
        body = {"chips": rng.sample(CHIPS, 3), "to": to, "on": on}
        return "compare", "POST", "/api/v1/compare", json.dumps(body), (200,)
    if x < 0.90:
        # The list is dated 2026-07-31: questions on later dates (or today).
        body = {"name": rng.choice(NAMES), "country": rng.choice(TO + [None]),
                "on": rng.choice(["2026-08-01", "2026-10-01", None])}
        body = {k: v for k, v in body.items() if v is not None}
        return "parties", "POST", "/api/v1/parties/screen", json.dumps(body), (200,)
    return "chips", "GET", "/api/v1/chips?q=" + rng.choice(["h1", "mi", "ascend"]), None, (200,)


class Log:
    def __init__(self):
        self.lock = threading.Lock()
        self.samples = []  # (t, kind, seconds, ok)
        self.errors = {}  # kind -> [count, first message]
        self.rss = []  # (t, KiB)

    def add(self, t, kind, secs, ok, why=""):
        with self.lock:
            self.samples.append((t, kind, secs, ok))
            if not ok:
                e = self.errors.setdefault(kind, [0, why])
                e[0] += 1


def client(addr, stop, log, t0, seed):
    rng = random.Random(seed)
    while not stop.is_set():
        kind, method, path, body, good = mixed(rng)
        start = time.monotonic()
        try:
            status, data = request(addr, method, path, body)
            ok, why = status in good, f"{status}: {data[:200]!r}"
        except Exception as e:  # a refused or cut connection is an error
            ok, why = False, repr(e)
        log.add(start - t0, kind, time.monotonic() - start, ok, why)


def uploader(addr, token, ledger, stop, log, t0):
    bytes_ = open(ledger, "rb").read()
    auth = {"Authorization": f"Bearer {token}", "Content-Type": "text/csv"}
    while not stop.is_set():
        start = time.monotonic()
        try:
            status, data = request(addr, "POST", "/api/v1/screen?name=orders.csv", bytes_, auth)
            ok = status == 202
            log.add(start - t0, "upload", time.monotonic() - start, ok, f"{status}: {data[:200]!r}")
            if not ok:
                time.sleep(1)
                continue
            job, state = json.loads(data)["id"], "running"
            while not stop.is_set():
                s = time.monotonic()
                status, data = request(addr, "GET", f"/api/v1/jobs/{job}")
                state = json.loads(data).get("state") if status == 200 else None
                log.add(s - t0, "job_poll", time.monotonic() - s, status == 200 and state != "failed",
                        f"{status}: {data[:200]!r}")
                if state != "running":
                    break
                time.sleep(0.1)
            if state == "running":  # stopped while the job ran
                break
            s = time.monotonic()
            status, data = request(addr, "GET", f"/api/v1/jobs/{job}/result")
            log.add(s - t0, "job_result", time.monotonic() - s, status == 200 and data.count(b"\n") == 2001,
                    f"{status}: {len(data)} bytes")
        except Exception as e:
            log.add(start - t0, "upload", time.monotonic() - start, False, repr(e))
        time.sleep(0.5)


def sampler(pid, stop, log, t0):
    while not stop.is_set():
        try:
            with open(f"/proc/{pid}/status") as f:
                for line in f:
                    if line.startswith("VmRSS:"):
                        log.rss.append((time.monotonic() - t0, int(line.split()[1])))
        except OSError:
            pass
        stop.wait(1.0)


def pct(xs, p):
    if not xs:
        return float("nan")
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def main():
    a = argparse.ArgumentParser()
    a.add_argument("--addr", required=True)
    a.add_argument("--pid", type=int, required=True)
    a.add_argument("--seconds", type=float, default=300)
    a.add_argument("--clients", type=int, default=8)
    a.add_argument("--token", required=True)
    a.add_argument("--ledger", required=True)
    args = a.parse_args()
    assert args.addr.startswith("127.0.0.1:"), "loopback only"

    log, stop, t0 = Log(), threading.Event(), time.monotonic()
    threads = [threading.Thread(target=client, args=(args.addr, stop, log, t0, i)) for i in range(args.clients)]
    threads.append(threading.Thread(target=uploader, args=(args.addr, args.token, args.ledger, stop, log, t0)))
    threads.append(threading.Thread(target=sampler, args=(args.pid, stop, log, t0)))
    for t in threads:
        t.start()
    time.sleep(args.seconds)
    stop.set()
    for t in threads:
        t.join()

    window = max(10.0, args.seconds / 10)
    print(f"soak: {args.seconds:.0f} s, {args.clients} clients + 1 uploader, windows of {window:.0f} s")
    print("| window (s) | requests | errors | p50 ms | p99 ms | RSS end MiB |")
    print("|---|---|---|---|---|---|")
    n = int(args.seconds // window) + (1 if args.seconds % window else 0)
    for w in range(n):
        lo, hi = w * window, (w + 1) * window
        xs = [s for s in log.samples if lo <= s[0] < hi]
        lat = [s[2] * 1000 for s in xs]
        errs = sum(1 for s in xs if not s[3])
        rss = [r for t, r in log.rss if t < hi]
        rss_end = rss[-1] / 1024 if rss else float("nan")
        print(f"| {lo:.0f}-{hi:.0f} | {len(xs)} | {errs} | {pct(lat, 50):.1f} | {pct(lat, 99):.1f} | {rss_end:.1f} |")
    total = len(log.samples)
    errs = sum(1 for s in log.samples if not s[3])
    print(f"\nrequests: {total} ({total / args.seconds:.0f}/s), errors: {errs}")
    by_kind = {}
    for s in log.samples:
        by_kind.setdefault(s[1], []).append(s[2] * 1000)
    print("| request | count | p50 ms | p99 ms |")
    print("|---|---|---|---|")
    for k in sorted(by_kind):
        v = by_kind[k]
        print(f"| {k} | {len(v)} | {pct(v, 50):.1f} | {pct(v, 99):.1f} |")
    for k, (c, why) in sorted(log.errors.items()):
        print(f"errors of {k}: {c}, the first: {why}")
    if len(log.rss) >= 4:
        r = [x for _, x in log.rss]
        q = len(r) // 4
        first_half = r[len(r) // 2] - r[0]
        second_half = r[-1] - r[len(r) // 2]
        print(f"RSS: start {r[0] / 1024:.1f} MiB, max {max(r) / 1024:.1f} MiB, end {r[-1] / 1024:.1f} MiB; "
              f"growth first half {first_half / 1024:+.1f} MiB, second half {second_half / 1024:+.1f} MiB; "
              f"last quarter {r[-1] / 1024 - r[-q - 1] / 1024:+.1f} MiB")
        flat = second_half <= max(first_half * 0.25, 2048)
        print("RSS growth flattens" if flat else "RSS still growing in the second half: look for a leak")


if __name__ == "__main__":
    main()
