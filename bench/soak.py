#!/usr/bin/env python3
# A soak: a mixed workload against a running `confide serve` on loopback,
# after a warm-up (every customer read once) and a settling run of the same
# load (--settle),
# then per route its count, p50/p99 latency and errors, and the server's
# resident memory over the run. Exits 1 on any unexpected answer.
#
#   python3 bench/soak.py --port 8080 --key ck_... --pid PID \
#     --customers ids.txt --products ids.txt [--seconds 600] [--connections 8]
#     [--ingest 40 --recommend 40 --consent 10 --export 5 --erase 5]
#
# scripts/bench soak prepares the data and the server and runs this.
# Python's standard library only: one keep-alive connection per thread.
import argparse, http.client, json, random, socket, sys, threading, time
from datetime import datetime, timezone
from urllib.parse import quote

ROUTES = ("ingest", "recommend", "consent", "export", "erase")
PURPOSES = ("personalization", "marketing", "analytics", "model_improvement")

p = argparse.ArgumentParser(description="mixed-workload soak of confide serve (loopback only)")
p.add_argument("--host", default="127.0.0.1")
p.add_argument("--port", type=int, required=True)
p.add_argument("--key", required=True, help="API key: ingest,recommend,consent,dsar,admin scopes")
p.add_argument("--region", default="eu")
p.add_argument("--pid", type=int, required=True, help="the server's pid, for VmRSS")
p.add_argument("--customers", required=True, help="file of existing customer ids, one a line")
p.add_argument("--products", required=True, help="file of product ids, one a line")
p.add_argument("--seconds", type=float, default=600)
p.add_argument("--connections", type=int, default=8)
p.add_argument("--batch", type=int, default=5, help="events per ingest request")
# 40% ingest x 1 in 8 = the 5% erasures: shoppers arrive as fast as they
# are erased, so the region's population holds steady.
p.add_argument("--new-shoppers", type=float, default=0.125, help="share of ingest batches that start a new shopper")
p.add_argument("--no-warmup", action="store_true",
               help="skip reading every customer once before the timed run (which fills the caches)")
p.add_argument("--settle", type=float, default=240,
               help="seconds of the same load before the timed run, so that RocksDB's block cache and memtables "
                    "reach their working size (default 240; 0: none)")
for r, w in zip(ROUTES, (40, 40, 10, 5, 5)):
    p.add_argument("--" + r, type=float, default=w, help=f"weight of {r} (default {w})")
a = p.parse_args()
# Erasures, exports and event floods are for a server of our own, never a remote one.
if a.host not in ("127.0.0.1", "localhost"):
    sys.exit(f"soak.py: refusing host {a.host}: loopback only (127.0.0.1 or localhost)")

customers = [l.strip() for l in open(a.customers) if l.strip()]
products = [l.strip() for l in open(a.products) if l.strip()]
if not customers or not products:
    sys.exit("soak.py: no customers or no products")
weights = [getattr(a, r) for r in ROUTES]
base = f"/v1/{quote(a.region)}"
run = f"soak{int(time.time())}"
lock = threading.Lock()
created = []   # shoppers this run made: the only ones it erases
erased = []    # their ids once erased: an export of one must be a 404
counts = {"created": 0, "erased": 0}
deadline = 0.0


def now():
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def rss_kib():
    try:
        for line in open(f"/proc/{a.pid}/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        return None


def gauges():  # what RSS growth may come from: memtables (MiB), cached rankings, shoppers
    want = ("confide_store_memtable_bytes", "confide_store_block_cache_bytes", "confide_ranking_cache_entries",
            "confide_shoppers")
    got = {}
    try:
        c = http.client.HTTPConnection(a.host, a.port, timeout=30)
        c.request("GET", "/metrics", headers={"Authorization": "Bearer " + a.key})
        for line in c.getresponse().read().decode().splitlines():
            name, _, value = line.partition(f'{{region="{a.region}"}} ')
            if name in want and value:
                got[name] = float(value)
        c.close()
    except (OSError, http.client.HTTPException, ValueError):
        pass
    return "/".join("?" if n not in got else f"{got[n] / (2**20 if n.endswith('bytes') else 1):.0f}" for n in want)


class Worker(threading.Thread):
    def __init__(self, n):
        super().__init__(daemon=True)
        self.n, self.seq, self.rng = n, 0, random.Random(n)
        self.conn = None
        self.lat = {r: [] for r in ROUTES}
        self.expected = dict.fromkeys(ROUTES, 0)
        self.errors = {r: {} for r in ROUTES}  # route -> {status: [count, sample body]}

    def call(self, route, method, path, body=None, want=(200,), check=None, expected=()):
        headers = {"Authorization": "Bearer " + a.key}
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        t = time.perf_counter()
        try:
            if self.conn is None:
                self.conn = http.client.HTTPConnection(a.host, a.port, timeout=60)
                self.conn.connect()  # no Nagle: a request's last segment must not wait for an ACK
                self.conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            self.conn.request(method, path, body=data, headers=headers)
            resp = self.conn.getresponse()
            status, text = resp.status, resp.read().decode("utf-8", "replace")
        except (OSError, http.client.HTTPException) as e:
            self.conn.close()
            self.conn = None
            status, text = "transport", repr(e)
        self.lat[route].append((time.perf_counter() - t) * 1000)
        if status in expected:
            self.expected[route] += 1
            return None
        problem = None
        if status not in want:
            problem = text
        elif check:
            try:
                problem = check(json.loads(text))
            except (ValueError, AttributeError, TypeError):
                problem = "not the expected JSON: " + text
        if problem is not None:
            e = self.errors[route].setdefault(status, [0, problem[:400]])
            e[0] += 1
            return None
        return text

    def event(self, kind, ids):
        self.seq += 1
        e = {"event_id": f"{run}-{self.n}-{self.seq}", "type": kind, "timestamp": now(),
             "channel": self.rng.choice(("web", "app")), **ids}
        if kind != "identify":
            e["product_id"] = self.rng.choice(products)
        if kind == "purchase":
            e.update(quantity=self.rng.randint(1, 3), unit_price=round(self.rng.uniform(1, 50), 2),
                     currency="EUR", order_id=f"{run}-o{self.n}-{self.seq}")
        return e

    def ingest(self, new=None):
        if new is None:
            new = self.rng.random() < a.new_shoppers
        if new:  # a sign-in linking a fresh device to a new customer id, then browsing and a purchase
            self.seq += 1
            cid, anon = f"{run}-c{self.n}-{self.seq}", f"{run}-a{self.n}-{self.seq}"
            events = [self.event("identify", {"customer_id": cid, "anonymous_id": anon})]
            events += [self.event("view", {"anonymous_id": anon}) for _ in range(max(0, a.batch - 2))]
            events.append(self.event("purchase", {"customer_id": cid}))
        else:
            cid = None
            ids = {"customer_id": self.rng.choice(customers)}
            kinds = ["view"] * max(0, a.batch - 2) + ["add_to_cart", "purchase"]
            events = [self.event(k, ids) for k in kinds[-a.batch:]]
        n = len(events)

        def check(j):
            if j.get("accepted", 0) + j.get("duplicates", 0) != n or j.get("rejected") or j.get("not_collected"):
                return "not every event stored: " + json.dumps(j)[:300]
        if self.call("ingest", "POST", base + "/events", events, check=check) and cid:
            with lock:
                created.append(cid)
                counts["created"] += 1

    def recommend(self):
        c = quote(self.rng.choice(customers))
        self.call("recommend", "GET", f"{base}/customers/{c}/recommendations?k=10",
                  check=lambda j: None if isinstance(j.get("items"), list) else "no items")

    def consent(self):
        c = quote(self.rng.choice(customers))
        purposes = {q: self.rng.random() < 0.7 for q in self.rng.sample(PURPOSES, self.rng.randint(1, 4))}
        self.call("consent", "PUT", f"{base}/customers/{c}/consent",
                  {"purposes": purposes, "source": "api", "policy_version": "soak-1"},
                  check=lambda j: None if "purposes" in j else "no purposes")

    def export(self):
        with lock:  # one in five exports asks for an erased shopper, when there is one
            gone = self.rng.choice(erased) if erased and self.rng.random() < 0.2 else None
        c = quote(gone or self.rng.choice(customers))
        if gone:  # anything but a 404 would mean data outlived the erasure
            self.call("export", "GET", f"{base}/customers/{c}/data", want=(), expected=(404,))
        else:
            self.call("export", "GET", f"{base}/customers/{c}/data",
                      check=lambda j: None if "summary" in j else "no summary")

    def erase(self):
        with lock:
            cid = created.pop(self.rng.randrange(len(created))) if created else None
        if cid is None:  # none made yet: make one, counted as an ingest
            return self.ingest(new=True)
        if self.call("erase", "DELETE", f"{base}/customers/{quote(cid)}",
                     check=lambda j: None if j.get("erased") is True else "not erased: " + json.dumps(j)[:300]):
            with lock:
                erased.append(cid)
                del erased[:-1000]
                counts["erased"] += 1

    def run(self):
        while time.monotonic() < deadline:
            getattr(self, self.rng.choices(ROUTES, weights)[0])()
        if self.conn:
            self.conn.close()


def row(name, lat, exp, nerr):
    lat.sort()
    pct = lambda q: f"{lat[min(len(lat) - 1, int(q * len(lat)))]:.2f}" if lat else "-"
    print(f"{name:<10} {len(lat):>8} {len(lat) / elapsed:>8.1f} {pct(.5):>8} {pct(.99):>8} {exp:>9} {nerr:>7}")


def warm_up():
    """Every customer's data (an export reads their whole history) and
    recommendations once: RocksDB's block cache and the ranking cache then
    hold the region before memory is measured, as after a day of traffic."""
    def read(part):
        c = http.client.HTTPConnection(a.host, a.port, timeout=60)
        for cid in part:
            for what in ("data", "recommendations?k=10"):
                c.request("GET", f"{base}/customers/{quote(cid)}/{what}", headers={"Authorization": "Bearer " + a.key})
                c.getresponse().read()
        c.close()
    t = time.monotonic()
    threads = [threading.Thread(target=read, args=(customers[i::a.connections],)) for i in range(a.connections)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    print(f"warm-up: {len(customers)} customers read in {time.monotonic() - t:.0f} s")


def settle():
    """The same load, before the timed run: its answers are checked like
    the timed run's, its latencies are not kept."""
    global deadline
    t = time.monotonic()
    deadline = t + a.settle
    crew = [Worker(1000 + i) for i in range(a.connections)]  # event ids of their own
    for w in crew:
        w.start()
    for w in crew:
        w.join()
    n = sum(len(w.lat[r]) for w in crew for r in ROUTES)
    errs = sum(c for w in crew for r in ROUTES for c, _ in w.errors[r].values())
    for w in crew:
        for r in ROUTES:
            for st, (c, body) in w.errors[r].items():
                print(f"  settle {r} {st} x{c}: {body}")
    print(f"settle: {n} requests in {time.monotonic() - t:.0f} s, {errs} errors; RSS {rss_kib() // 1024} MiB, "
          f"memtables MiB/block cache MiB/cached rankings/shoppers {gauges()}")
    return errs


if not a.no_warmup:
    warm_up()
settle_errors = settle() if a.settle > 0 else 0
# Memory every minute (every tenth of a short run); growth is counted from
# the sample at minute 2 (two intervals), past start-up and the caches' filling.
interval = min(60.0, a.seconds / 10)
samples = []
start = time.monotonic()
deadline = start + a.seconds
workers = [Worker(i) for i in range(a.connections)]
for w in workers:
    w.start()
while time.monotonic() < deadline and (not samples or samples[-1][1] is not None):
    samples.append((time.monotonic() - start, rss_kib(), gauges()))
    time.sleep(max(0.0, min(interval, deadline - time.monotonic())))
for w in workers:
    w.join(max(0.0, deadline - time.monotonic()) + 70)
elapsed = time.monotonic() - start
samples.append((elapsed, rss_kib(), gauges()))

total = sum(len(w.lat[r]) for w in workers for r in ROUTES)
print(f"soak: {elapsed:.0f} s, {a.connections} connections, {total} requests, {total / elapsed:.0f} requests/s")
print(f"{'route':<10} {'count':>8} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8} {'expected':>9} {'errors':>7}")
unexpected, expected = settle_errors, 0
samples_of_errors = []
for r in ROUTES:
    lat = [x for w in workers for x in w.lat[r]]
    exp = sum(w.expected[r] for w in workers)
    expected += exp
    errs = {}
    for w in workers:
        for s, (n, body) in w.errors[r].items():
            errs.setdefault(s, [0, body])[0] += n
    nerr = sum(n for n, _ in errs.values())
    unexpected += nerr
    row(r, lat, exp, nerr)
    samples_of_errors += [f"  {r} {s} x{n}: {body}" for s, (n, body) in errs.items()]
row("all", [x for w in workers for r in ROUTES for x in w.lat[r]], expected, unexpected)
for line in samples_of_errors:
    print(line)
print("RSS MiB at s: " + ", ".join(f"{t:.0f}:{k / 1024:.0f}" if k else f"{t:.0f}:gone" for t, k, _ in samples))
print("memtables MiB/block cache MiB/cached rankings/shoppers at s: " + ", ".join(f"{t:.0f}:{g}" for t, _, g in samples))
if samples[-1][1] is None:
    print("soak: the server is gone")
    unexpected += 1
elif len(samples) > 3 and samples[2][1]:
    t0, k0, _ = samples[2]
    print(f"RSS growth from {t0:.0f} s to the end: {100 * (samples[-1][1] - k0) / k0:+.1f}% (target under 10%)")
print(f"shoppers created {counts['created']}, erased {counts['erased']}; "
      f"exports of erased ones answered 404 (expected): {sum(w.expected['export'] for w in workers)}")
sys.exit(1 if unexpected else 0)
