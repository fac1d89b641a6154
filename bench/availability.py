#!/usr/bin/env python3
# What a stranger can cost a server, measured from the outside.
#
#   python3 bench/availability.py build/confide 18090 /tmp/confide-availability
#
# Starts `confide demo` on a small generated retailer, then prints (1) the
# server's resident memory while 8 clients without a key each upload a
# 30 MB body, and (2) /healthz latency alone and while two cart-recovery
# listings run. Run it with two binaries (before and after a change) for a
# ratio; the figures of one machine are only comparable with each other.
import os, re, socket, subprocess, sys, threading, time, urllib.request, statistics
binary, port, work = sys.argv[1], int(sys.argv[2]), sys.argv[3]
os.makedirs(work, exist_ok=True)
log = open(os.path.join(work, "demo.log"), "w")
proc = subprocess.Popen([binary, "demo", "--data-dir", os.path.join(work, "data"), "--listen", f"127.0.0.1:{port}", "--shoppers", "6000", "--products", "800", "--stores", "20", "--days", "90"],
                        stdout=subprocess.PIPE, stderr=log, text=True)
key = None
for line in proc.stdout:
    m = re.search(r"Admin API key \(this run only\): (\S+)", line)
    if m: key = m.group(1)
    if "Press Ctrl-C" in line: break
base = f"http://127.0.0.1:{port}"
def rss_mb():
    for l in open(f"/proc/{proc.pid}/status"):
        if l.startswith("VmRSS:"): return int(l.split()[1]) / 1024
def get(path, auth=True):
    req = urllib.request.Request(base + path, headers={"Authorization": "Bearer " + key} if auth else {})
    t = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=120) as r: r.read(); status = r.status
    except urllib.error.HTTPError as e: status = e.code
    return status, (time.perf_counter() - t) * 1000
print("binary", binary)
# (1) memory
before = rss_mb()
size = 30 * 1024 * 1024
def upload():
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(f"POST /v1/eu/events HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {size}\r\n\r\n".encode())
    chunk = b" " * 65536
    sent = 0
    try:
        while sent < size:
            s.sendall(chunk); sent += len(chunk)
    except OSError:
        pass
    uploads.append(sent)
    time.sleep(6)
    s.close()
uploads = []
threads = [threading.Thread(target=upload) for _ in range(8)]
for t in threads: t.start()
during = before
while any(t.is_alive() for t in threads):
    during = max(during, rss_mb()); time.sleep(0.2)
print(f"RSS before {before:.0f} MB, peak with 8 unauthenticated 30 MB uploads {during:.0f} MB (+{during-before:.0f}); bytes the server took per upload: {min(uploads)}..{max(uploads)}")
# (2) latency
alone = [get("/healthz", False)[1] for _ in range(20)]
print("cart-recovery alone:", get("/v1/eu/offers/cart-recovery"))
stop = False
def listing():
    while not stop: get("/v1/eu/offers/cart-recovery")
ls = [threading.Thread(target=listing) for _ in range(2)]
for t in ls: t.start()
time.sleep(0.5)
busy = [get("/healthz", False)[1] for _ in range(20)]
stop = True
for t in ls: t.join()
print(f"/healthz median {statistics.median(alone):.1f} ms alone, {statistics.median(busy):.1f} ms (max {max(busy):.1f}) with two cart-recovery listings in flight")
proc.terminate(); proc.wait()
