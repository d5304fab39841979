"""Mixed HTTP traffic for test_doctor_proxies.sh, from given source addresses.

Sends exactly --count requests (bounded) to --target4/--target6 from the
--source addresses (IPv4 ones to target4, IPv6 ones to target6), in keep-alive
sessions of 1-8 requests and in one-request connections, with several methods
and paths (about 3 % to paths the app answers 404). The same --seed sends the
same traffic. Headers given with --header "Name: value" go on a share
(--header-share) of the requests; "{n}" in a value becomes the source's
number (1, 2, ...), so each client address forges one fixed value.

Prints one JSON object: what was sent, statuses, errors, and how often the
app answered the request's own source address (the app echoes the client it
decided).
"""
import argparse
import http.client
import json
import random
import sys
import threading

METHODS = ["GET"] * 12 + ["POST"] * 3 + ["HEAD"] * 2 + ["PUT", "DELETE", "PATCH"]


def paths(rng, k):
    r = rng.random()
    if r < 0.03:
        return f"/missing/{k}"
    if r < 0.30:
        return "/"
    if r < 0.45:
        return "/static/app.css"
    if r < 0.60:
        return f"/api/users/{k % 97}?page={k % 7}"
    return f"/api/items/{k}"


def worker(args, tid, todo, out, lock):
    rng = random.Random(args.seed * 1000 + tid)
    sources = args.source
    local = {"sent": 0, "errors": 0, "status": {}, "app_saw_client": 0, "app_answers": 0, "other": {}}
    k = 0
    while local["sent"] < todo:
        si = rng.randrange(len(sources))
        src = sources[si]
        v6 = ":" in src
        host = args.target6 if v6 else args.target4
        keepalive = rng.random() < 0.7
        session = rng.randint(1, 8) if keepalive else 1
        session = min(session, todo - local["sent"])
        headers = {}
        if args.header and rng.random() < args.header_share:
            for h in args.header:
                name, _, value = h.partition(":")
                headers[name.strip()] = value.strip().replace("{n}", str(si + 1))
        if not keepalive:
            headers["Connection"] = "close"
        conn = http.client.HTTPConnection(host, args.port, timeout=10, source_address=(src, 0))
        try:
            for _ in range(session):
                k += 1
                method = rng.choice(METHODS)
                body = None
                if method in ("POST", "PUT", "PATCH"):
                    body = b"name=e2e&value=" + str(k).encode()
                hdrs = dict(headers)
                hdrs["User-Agent"] = f"proxies-load/{tid}"
                conn.request(method, paths(rng, k), body=body, headers=hdrs)
                resp = conn.getresponse()
                data = resp.read()
                local["sent"] += 1
                st = str(resp.status)
                local["status"][st] = local["status"].get(st, 0) + 1
                if resp.status == 200 and method != "HEAD":
                    local["app_answers"] += 1
                    got = data.decode(errors="replace")
                    if got == src:
                        local["app_saw_client"] += 1
                    else:
                        local["other"][got] = local["other"].get(got, 0) + 1
        except (OSError, http.client.HTTPException) as e:
            local["errors"] += 1
            local["last_error"] = repr(e)
            local["sent"] += 1  # counted, so the loop stays bounded
        finally:
            conn.close()
    with lock:
        for key in ("sent", "errors", "app_saw_client", "app_answers"):
            out[key] += local[key]
        for d in ("status", "other"):
            for key, v in local[d].items():
                out[d][key] = out[d].get(key, 0) + v
        if "last_error" in local:
            out["last_error"] = local["last_error"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--target4", default="198.18.0.2")
    ap.add_argument("--target6", default="fd00::2")
    ap.add_argument("--port", type=int, default=80)
    ap.add_argument("--source", action="append", required=True)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--threads", type=int, default=4)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--header", action="append", default=[])
    ap.add_argument("--header-share", type=float, default=1.0)
    args = ap.parse_args()
    args.source = [s for arg in args.source for s in arg.split(",") if s]
    if not 0 < args.count <= 1000000:
        sys.exit("--count out of range")
    out = {"sent": 0, "errors": 0, "status": {}, "app_saw_client": 0, "app_answers": 0, "other": {}}
    lock = threading.Lock()
    n = max(1, min(args.threads, args.count))
    threads = []
    for t in range(n):
        todo = args.count // n + (1 if t < args.count % n else 0)
        th = threading.Thread(target=worker, args=(args, t, todo, out, lock))
        th.start()
        threads.append(th)
    for th in threads:
        th.join()
    json.dump(out, sys.stdout, sort_keys=True)
    print()


if __name__ == "__main__":
    main()
