#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Every request exactly once, with its response: a client host, nginx on a
# proxy host with upstream keep-alive (proxy_http_version 1.1, keepalive), and
# gunicorn + Flask (threaded workers, persistent connections) on an app host
# behind a 1500-byte-MTU veth link with segmentation offloads off, so that big
# heads really span segments. xffwatch watches the app host's interface. A
# client mix (GET, POST with bodies, chunked uploads, HEAD, 404/500, 12 KiB
# cookies before X-Forwarded-For, a slow endpoint) and bounded wrk runs go
# through nginx; the events must equal nginx's access log line for line.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

e2e_init
e2e_netns cli
cli=$E2E_LAST_NS
e2e_netns srv
srv=$E2E_LAST_NS
e2e_netns app
app=$E2E_LAST_NS
e2e_link "$cli" 198.18.0.1 fd00::1 "$srv" 198.18.0.2 fd00::2
# The proxy-to-app link: eth1 on the proxy host, eth0 on the app host.
ip -n "$srv" link add eth1 type veth peer name eth0 netns "$app"
ip -n "$srv" addr add 198.18.1.1/24 dev eth1
ip -n "$app" addr add 198.18.1.2/24 dev eth0
ip -n "$srv" link set eth1 mtu 1500 up
ip -n "$app" link set eth0 mtu 1500 up
for pair in "$srv eth1" "$app eth0"; do
	set -- $pair
	ip netns exec "$1" ethtool -K "$2" tso off gso off gro off >/dev/null 2>&1 || true
done

e2e_bg "$app" "$E2E_TMP/gunicorn.log" "$E2E_PY" -m gunicorn --worker-class gthread \
	--workers 2 --threads 8 --keep-alive 30 --limit-request-field_size 32768 \
	--chdir "$E2E_APP_DIR" --bind 0.0.0.0:5000 app:app
e2e_nginx "$srv" '
    log_format exact "$request_method $uri $upstream_status $remote_addr $status";
    large_client_header_buffers 4 32k;
    client_max_body_size 1m;
    upstream app {
        server 198.18.1.2:5000;
        keepalive 8;
    }
    server {
        listen 198.18.0.2:80;
        listen [fd00::2]:80;
        access_log logs/exact.log exact;
        proxy_http_version 1.1;
        proxy_read_timeout 10s;
        proxy_set_header Connection "";
        proxy_set_header Host $host;
        # The cookie first, so that the forwarded header comes after it.
        proxy_set_header Cookie $http_cookie;
        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        location / {
            proxy_pass http://app;
        }
        location /chunked/ {
            proxy_request_buffering off;
            proxy_pass http://app;
        }
    }'
e2e_wait_http "$srv" http://198.18.1.2:5000/
e2e_wait_http "$cli" http://198.18.0.2/
# (Those probes came before the observer: not in the comparison.)
: >"$E2E_TMP/nginx/logs/exact.log"

events="$E2E_TMP/events.json"
stats="$E2E_TMP/stats.json"
e2e_xffwatch "$app" "$events" --iface eth0 --port 5000 --trust 198.18.1.1/32 \
	--response-timeout 1 --stats "$stats"

client() { ip netns exec "$cli" curl -s -g -o /dev/null "$@"; }

# The scripted mix.
for i in $(seq 1 20); do client "http://198.18.0.2/mix/get/$i"; done
for size in 1 100 1400 1500 3000 65536 200000; do
	head -c "$size" /dev/zero | tr '\0' 'b' >"$E2E_TMP/body"
	client -X POST --data-binary @"$E2E_TMP/body" "http://198.18.0.2/mix/post/$size"
	client -X PUT -H 'Transfer-Encoding: chunked' --data-binary @"$E2E_TMP/body" \
		"http://198.18.0.2/chunked/$size"
done
for code in 404 500 404 500 204 301; do client "http://198.18.0.2/status/$code"; done
for i in 1 2 3; do client -I "http://198.18.0.2/mix/head/$i"; done
cookie=$(head -c 12288 /dev/zero | tr '\0' 'c')
for i in 1 2 3 4 5; do
	client -H "Cookie: big=$cookie" -H "X-Forwarded-For: 192.0.2.$i" "http://198.18.0.2/mix/cookie/$i"
done
client -g "http://[fd00::2]/mix/v6"
# Slower than the observer's response timeout: written without a response.
client "http://198.18.0.2/slow/2.5"
# Bounded load, keep-alive from the client too. With the port written out: wrk
# looks a URL's scheme up in /etc/services, which a minimal system lacks.
ip netns exec "$cli" wrk -t2 -c8 -d3s http://198.18.0.2:80/wrk/a >"$E2E_TMP/wrk1.log" 2>&1 ||
	e2e_fail "wrk failed: $(cat "$E2E_TMP/wrk1.log")"
ip netns exec "$cli" wrk -t1 -c4 -d2s -H "Cookie: big=$cookie" http://198.18.0.2:80/wrk/cookie \
	>"$E2E_TMP/wrk2.log" 2>&1 || e2e_fail "wrk failed: $(cat "$E2E_TMP/wrk2.log")"

# Settle: responses and timeouts written, nginx's log complete.
log="$E2E_TMP/nginx/logs/exact.log"
prev=-1
for _ in $(seq 1 40); do
	now=$(($(wc -l <"$events") + $(wc -l <"$log")))
	[ "$now" -eq "$prev" ] && break
	prev=$now
	sleep 0.5
done
e2e_stop "$XFFW_PID" INT

"$E2E_PY" - "$events" "$log" "$stats" <<'EOF' || e2e_fail "events differ from nginx's access log"
import collections, json, sys

events = [json.loads(line) for line in open(sys.argv[1])]
log = [line.split() for line in open(sys.argv[2])]
stats = json.load(open(sys.argv[3]))
bad = []

def key_event(e):
    status = e.get("http", {}).get("response", {}).get("status_code")
    return (e["http"]["request"]["method"], e["url"]["path"],
            str(status) if status else "-", e["client"]["ip"])

def key_log(f):
    return (f[0], f[1], f[2], f[3])

slow_e = [e for e in events if e["url"]["path"].startswith("/slow/")]
slow_l = [f for f in log if f[1].startswith("/slow/")]
if len(slow_e) != 1 or len(slow_l) != 1:
    bad.append(f"slow request: {len(slow_e)} events, {len(slow_l)} log lines")
elif slow_e[0].get("http", {}).get("response") or \
        "no-response" not in slow_e[0]["xffwatch"]["findings"] or \
        slow_e[0]["xffwatch"].get("no_response") != "timeout":
    bad.append(f"slow request not written as timed out: {slow_e[0]}")

got = collections.Counter(key_event(e) for e in events if e not in slow_e)
want = collections.Counter(key_log(f) for f in log if f not in slow_l)
common = got & want
got -= common
want -= common
# A client that hangs up (wrk stopping) leaves nginx's line with status 499 and
# no upstream status even when the app did answer: any event of that request matches.
gone = collections.Counter(key_log(f) for f in log if f[4] == "499" and f[2] == "-")
for k in list(want):
    if k in gone:
        for e in list(got):
            if e[0] == k[0] and e[1] == k[1] and e[3] == k[3] and want[k] and got[e]:
                n = min(want[k], got[e])
                want[k] -= n
                got[e] -= n
got += collections.Counter()
want += collections.Counter()
for k in sorted(set(got) | set(want)):
    if got[k] != want[k]:
        bad.append(f"{k}: {got[k]} events, {want[k]} in nginx's log")

for e in events:
    if e in slow_e:
        continue
    if "truncated" in e["xffwatch"]["findings"]:
        bad.append(f"truncated: {e['url']['path']}")
    if e.get("http", {}).get("response") and not e["event"].get("duration", 0) > 0:
        bad.append(f"no duration: {e['url']['path']}")
# The client's own X-Forwarded-For, after 12 KiB of cookie, is read.
cookie = [e for e in events if e["url"]["path"].startswith("/mix/cookie/")]
for e in cookie:
    chain = e["xffwatch"]["trust"]["chain"]
    if len(chain) != 2 or not chain[0].startswith("192.0.2.") or chain[1] != "198.18.0.1":
        bad.append(f"cookie request chain: {chain}")
if len(cookie) != 5:
    bad.append(f"{len(cookie)} cookie requests")
wrk = sum(1 for e in events if e["url"]["path"].startswith("/wrk/"))
for k in ("ringbuf_lost", "events_dropped"):
    if stats[k]:
        bad.append(f"stats {k} = {stats[k]}")
for k in ("gaps", "desyncs", "step_limit", "load_failed"):
    if stats["kernel"][k]:
        bad.append(f"kernel {k} = {stats['kernel'][k]}")
print(f"  {len(events)} events = {len(log)} log lines ({wrk} from wrk), "
      f"{stats['paired']} paired", file=sys.stderr)
for b in bad[:40]:
    print("  mismatch:", b, file=sys.stderr)
sys.exit(1 if bad else 0)
EOF
e2e_pass
