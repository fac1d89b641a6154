#!/usr/bin/env python3
# Failover, repeated: a running `confide serve` whose region is on the
# formation of scripts/pg-cluster takes batches of events over loopback
# while the formation's primary is SIGKILLed, --rounds times (each round
# brings the killed node back as the standby first). Per round: seconds
# from the kill until a batch is acknowledged again, and the answers
# meanwhile. At the end every batch acknowledged (or retried until it was)
# is read back: its shopper must hold exactly its events. Exits 1 on an
# unexpected answer or a lost or doubled event.
#
#   python3 bench/failover.py --port 8080 --key ck_... --cluster "--dir D --port P" [--rounds 20]
#
# scripts/bench failover prepares the formation and the server and runs this.
import argparse, http.client, json, statistics, subprocess, sys, threading, time

p = argparse.ArgumentParser(description="repeated failover of a PostgreSQL region under ingestion (loopback only)")
p.add_argument("--port", type=int, required=True)
p.add_argument("--key", required=True, help="API key with the ingest and admin scopes")
p.add_argument("--cluster", required=True, help="the formation's arguments for scripts/pg-cluster")
p.add_argument("--rounds", type=int, default=20)
p.add_argument("--batch", type=int, default=5, help="events per batch (one shopper each)")
a = p.parse_args()
EVENTS = a.batch


def body(b):
    return json.dumps([{"event_id": f"fo{b}-{i}", "type": "purchase", "timestamp": "2026-11-20T10:00:00Z",
                        "customer_id": f"fo-{b}", "channel": "web", "product_id": f"p{i}"} for i in range(EVENTS)])


class Client:
    def __init__(self):
        self.conn = http.client.HTTPConnection("127.0.0.1", a.port, timeout=30)

    def send(self, method, path, data=None):
        headers = {"Authorization": "Bearer " + a.key, "Content-Type": "application/json"}
        try:
            self.conn.request(method, path, body=data, headers=headers)
            r = self.conn.getresponse()
            return r.status, r.getheader("Retry-After"), r.read().decode()
        except (OSError, http.client.HTTPException) as e:
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", a.port, timeout=30)
            return 0, None, str(e)


def cluster(command):
    out = subprocess.run(["scripts/pg-cluster", command] + a.cluster.split(), capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"failover.py: pg-cluster {command} failed: {out.stderr.strip()}")
    return out.stdout.strip()


acknowledged, refused, wrong = [], [], []
state = {"next": 0, "stop": False, "killed": None, "back": None}


def ingest():
    c = Client()
    while not state["stop"]:
        b = state["next"]
        state["next"] += 1
        sent = time.monotonic()
        status, retry_after, text = c.send("POST", "/v1/eu/events", body(b))
        if status == 200:
            acknowledged.append(b)
            if state["killed"] and sent > state["killed"] and not state["back"]:  # sent after the kill
                state["back"] = time.monotonic()
        elif status == 503 and retry_after and '"unavailable"' in text:
            refused.append(b)
        else:
            wrong.append(f"{status} {text[:200]}")
        time.sleep(0.02)


seconds = []
for r in range(a.rounds):
    cluster("up")  # the killed node back, as the standby
    state.update(stop=False, killed=None, back=None)
    t = threading.Thread(target=ingest)
    t.start()
    time.sleep(2)
    node = cluster("kill-primary")
    state["killed"] = time.monotonic()  # the kill has happened (a moment earlier)
    deadline = time.monotonic() + 90
    while not state["back"] and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(1)
    state["stop"] = True
    t.join()
    if not state["back"]:
        sys.exit(f"failover.py: round {r + 1}: no write succeeded within 90 s of killing {node}")
    seconds.append(state["back"] - state["killed"])
    print(f"round {r + 1}: {node} killed, writes again after {seconds[-1]:.1f} s", flush=True)

c = Client()
for b in refused:  # their clients retry until acknowledged
    for _ in range(100):
        if c.send("POST", "/v1/eu/events", body(b))[0] == 200:
            break
        time.sleep(0.5)
    else:
        wrong.append(f"batch {b} never acknowledged on retry")
lost = doubled = 0
for b in acknowledged + refused:
    status, _, text = c.send("GET", f"/v1/eu/customers/fo-{b}/profile")
    events = json.loads(text).get("events", 0) if status == 200 else 0
    lost += events < EVENTS
    doubled += events > EVENTS
print(f"failover over {a.rounds} rounds: writes again after median {statistics.median(seconds):.1f} s, "
      f"max {max(seconds):.1f} s; {len(acknowledged)} batches acknowledged, {len(refused)} answered 503 and "
      f"retried; batches with events lost: {lost}, doubled: {doubled}; other answers: {len(wrong)}")
for w in wrong[:5]:
    print("  unexpected:", w)
sys.exit(1 if wrong or lost or doubled else 0)
