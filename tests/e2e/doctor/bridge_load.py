"""Bounded HTTP load for the doctor's bridge scenarios (tests/e2e/test_doctor_bridge.sh).

Sends exactly --requests requests to one test host (198.18.0.0/15 or fd00::/8)
from the namespace it runs in, over --threads connections at a time, and
prints one JSON line: {"sent": N, "ok": N, "failed": N, "gave_up": bool,
"statuses": {...}, "seconds": S}. Forwarding headers carry only
documentation-range values (192.0.2.0/24, 198.51.100.0/24, 203.0.113.0/24,
2001:db8::/32).

--mix: several methods and paths, keep-alive batches of 1-20 requests and
single requests with Connection: close. --forge K: a forged X-Forwarded-For on
every K-th request, one of three values (not a rotation). --rotate: every request a different forged leftmost
X-Forwarded-For. --give-up: stop after 3 failed connections in a row (a
firewall dropping the bypass), exit 0 and say so.
"""
import argparse
import http.client
import ipaddress
import json
import random
import socket
import sys
import threading
import time

METHODS = ["GET"] * 12 + ["POST", "HEAD", "PUT", "DELETE", "OPTIONS"]
PATHS = ["/", "/api/items/{n}", "/static/app.{n}.css", "/login", "/search?q={n}&page=2",
         "/very/deep/path/{n}/x"]


def doc_address(n):
    """The n-th address of the documentation ranges (IPv4, then 2001:db8::/32)."""
    nets = ["192.0.2.0", "198.51.100.0", "203.0.113.0"]
    if n < 3 * 254:
        return str(ipaddress.ip_address(nets[n % 3]) + 1 + (n // 3))
    return str(ipaddress.ip_address("2001:db8::") + n)


class Load:
    def __init__(self, args):
        self.args = args
        self.lock = threading.Lock()
        self.next = 0
        self.ok = 0
        self.failed = 0
        self.fails_in_row = 0
        self.gave_up = False
        self.statuses = {}

    def take(self, want):
        """Up to @want request numbers, or [] when all are handed out."""
        with self.lock:
            if self.gave_up or self.next >= self.args.requests:
                return []
            first = self.next
            self.next = min(self.args.requests, self.next + want)
            return list(range(first, self.next))

    def note(self, status):
        with self.lock:
            if status is None:
                self.failed += 1
                self.fails_in_row += 1
                if self.args.give_up and self.fails_in_row >= 3:
                    self.gave_up = True
            else:
                self.ok += 1
                self.fails_in_row = 0
                self.statuses[str(status)] = self.statuses.get(str(status), 0) + 1

    def request(self, conn, n, rnd, close):
        a = self.args
        method, path, body = "GET", a.path.replace("{n}", str(n)), None
        headers = {"User-Agent": f"xffw-bridge-load/{n % 7}"}
        if a.mix:
            method = rnd.choice(METHODS)
            path = rnd.choice(PATHS).replace("{n}", str(n))
            if method in ("POST", "PUT"):
                body = b"name=item&n=" + str(n).encode()
                headers["Content-Type"] = "application/x-www-form-urlencoded"
        if a.rotate:
            headers["X-Forwarded-For"] = doc_address(a.rotate_base + n)
        elif a.forge and n % a.forge == 0:
            headers["X-Forwarded-For"] = doc_address((n // a.forge) % 3)
        if close:
            headers["Connection"] = "close"
        conn.request(method, path, body=body, headers=headers)
        resp = conn.getresponse()
        resp.read()
        return resp.status

    def worker(self, seed):
        rnd = random.Random(seed)
        while True:
            if self.args.mix:
                batch = 1 if rnd.random() < 0.3 else rnd.randint(2, 20)
            else:
                batch = self.args.batch
            nums = self.take(batch)
            if not nums:
                return
            conn = http.client.HTTPConnection(self.args.host, self.args.port,
                                              timeout=self.args.timeout)
            for i, n in enumerate(nums):
                close = batch == 1 or i == len(nums) - 1
                try:
                    status = self.request(conn, n, rnd, close)
                except (OSError, http.client.HTTPException):
                    status = None
                    conn.close()
                    conn = http.client.HTTPConnection(self.args.host, self.args.port,
                                                      timeout=self.args.timeout)
                self.note(status)
                if self.gave_up:
                    break
            conn.close()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("host")
    p.add_argument("port", type=int)
    p.add_argument("--requests", type=int, required=True)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--batch", type=int, default=1, help="requests per connection without --mix")
    p.add_argument("--path", default="/r/{n}")
    p.add_argument("--mix", action="store_true")
    p.add_argument("--forge", type=int, default=0)
    p.add_argument("--rotate", action="store_true")
    p.add_argument("--rotate-base", type=int, default=0)
    p.add_argument("--give-up", action="store_true")
    p.add_argument("--timeout", type=float, default=5.0)
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args()
    if args.requests > 1000000 or args.threads > 64:
        sys.exit("bridge_load: at most 1000000 requests over 64 threads")
    # Only test hosts: 198.18.0.0/15 and fd00::/8.
    addr = ipaddress.ip_address(args.host)
    if addr not in ipaddress.ip_network("198.18.0.0/15") and addr not in ipaddress.ip_network("fd00::/8"):
        sys.exit(f"bridge_load: {addr} is not a test host")
    socket.setdefaulttimeout(args.timeout)
    load = Load(args)
    t0 = time.monotonic()
    threads = [threading.Thread(target=load.worker, args=(args.seed * 1000 + i,))
               for i in range(args.threads)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(json.dumps({"sent": load.ok + load.failed, "ok": load.ok, "failed": load.failed,
                      "gave_up": load.gave_up, "statuses": load.statuses,
                      "seconds": round(time.monotonic() - t0, 3)}))
    # Failures are an error unless a blocked bypass is what the caller expects.
    sys.exit(0 if load.failed == 0 or args.give_up else 1)


if __name__ == "__main__":
    main()
