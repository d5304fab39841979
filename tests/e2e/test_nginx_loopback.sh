#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# The textbook setup: a client host, and a host with nginx on port 80 in front
# of gunicorn + Flask on 127.0.0.1:5000. xffwatch, with its defaults plus the
# host's outer interface, must name the client host for every request through
# nginx, flag forged headers, and flag clients that bypass nginx.
#
# OFFLOAD=off runs the same with TSO/GSO/GRO off and a 1280-byte MTU.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

OFFLOAD=${OFFLOAD:-on}
E2E_NAME="$E2E_NAME-offload-$OFFLOAD"
N=25

e2e_init
e2e_textbook "$OFFLOAD"

events="$E2E_TMP/events.json"
stats="$E2E_TMP/stats.json"
# The defaults (lo, ports 5000/8000/8080, loopback trusted), plus eth0 to see bypassers.
e2e_xffwatch "$srv" "$events" --iface lo --iface eth0 --stats "$stats"

client() { ip netns exec "$cli" curl -s -g -o /dev/null -w '%{http_code}' "$@"; }

# 1. N requests through nginx: N events naming the client host.
for i in $(seq 1 $N); do
	code=$(client -A "e2e-agent/$i" "http://198.18.0.2/plain/$i?token=secret")
	[ "$code" = 200 ] || e2e_fail "request $i through nginx: HTTP $code"
done
# 2. A client that forges its own X-Forwarded-For through nginx.
client -H 'X-Forwarded-For: 203.0.113.9' http://198.18.0.2/forged >/dev/null
# 3. A client that bypasses nginx and talks to the app port with a forged header.
client -H 'X-Forwarded-For: 203.0.113.9' http://198.18.0.2:5000/bypass >/dev/null
# 4. IPv6 client through nginx to 127.0.0.1, and through nginx to [::1].
client -A v6-agent "http://[fd00::2]/v6" >/dev/null
client -H 'X-Forwarded-For: 203.0.113.9' "http://[fd00::2]:81/v6-loop6" >/dev/null
# 5. IPv6 bypass.
client -H 'X-Forwarded-For: 203.0.113.9' "http://[fd00::2]:5000/bypass6" >/dev/null
# 6. A POST with a body and a cookie: neither may reach the event.
client -X POST -H 'Cookie: session=SECRET-COOKIE' -H 'Authorization: Bearer SECRET-TOKEN' \
	--data 'password=SECRET-BODY' http://198.18.0.2/login >/dev/null

total=$((N + 6))
e2e_wait_lines "$events" "$total" || true
# SIGUSR1: the counters on stderr and in the stats file while running; nothing lost.
kill -USR1 "$XFFW_PID"
for _ in $(seq 1 50); do
	grep -q "counters:" "$E2E_TMP/xffwatch.log" && [ -s "$stats" ] && break
	sleep 0.05
done
grep -q 'counters: {"requests":' "$E2E_TMP/xffwatch.log" ||
	{ cat "$E2E_TMP/xffwatch.log" >&2; e2e_fail "SIGUSR1 did not print the counters"; }
jq -e ".requests == $total and .responses == $total and .paired == $total
	and .ringbuf_lost == 0 and .no_response == 0 and .events_written == $total
	and .kernel.gaps == 0 and .kernel.desyncs == 0" "$stats" >/dev/null ||
	{ cat "$stats" >&2; e2e_fail "SIGUSR1 counters are not as expected"; }
kill -0 "$XFFW_PID" || e2e_fail "SIGUSR1 stopped the daemon"
e2e_stop "$XFFW_PID" INT
[ "$(grep -c "counters:" "$E2E_TMP/xffwatch.log")" -eq 2 ] || e2e_fail "no counters printed at exit"
jq -e ".events_written == $total and .events_dropped == 0 and .tracker.bad_records == 0" \
	"$stats" >/dev/null || { cat "$stats" >&2; e2e_fail "exit counters do not show $total events"; }

lines=$(wc -l <"$events")
[ "$lines" -eq "$total" ] || { cat "$events" >&2; e2e_fail "$lines events, expected $total"; }
jq -e . "$events" >/dev/null || e2e_fail "events are not valid JSON lines"

e2e_expect_count "$events" '.url.path | startswith("/plain/")' $N "requests through nginx"
e2e_expect_count "$events" '(.url.path | startswith("/plain/")) and .client.ip == "198.18.0.1"
	and .source.ip == "127.0.0.1" and .destination.ip == "127.0.0.1"
	and .destination.port == 5000 and .http.request.method == "GET" and .http.version == "1.0"
	and .url.domain == "198.18.0.2" and (.user_agent.original | startswith("e2e-agent/"))
	and .http.response.status_code == 200 and .event.duration > 0
	and .xffwatch.trust.header == "x-forwarded-for" and .xffwatch.findings == []
	and .event.dataset == "xffwatch.audit" and .observer.ingress.interface.name == "lo"
	and (."@timestamp" | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\\.[0-9]{6}Z$"))' \
	$N "fields of requests through nginx"
for i in $(seq 1 $N); do
	e2e_expect_count "$events" ".url.path == \"/plain/$i\" and .user_agent.original == \"e2e-agent/$i\"" 1 \
		"request $i exactly once"
done

e2e_expect_count "$events" '.url.path == "/forged" and .client.ip == "198.18.0.1"
	and (.xffwatch.findings | index("leftmost-differs"))
	and .xffwatch.trust.chain == ["203.0.113.9", "198.18.0.1"]' 1 "forged header through nginx"

e2e_expect_count "$events" '.url.path == "/bypass" and .client.ip == "198.18.0.1"
	and .source.ip == "198.18.0.1" and .xffwatch.trust.header == "peer"
	and .observer.ingress.interface.name == "eth0" and .http.response.status_code == 200
	and (.xffwatch.findings | index("spoofed-header-from-untrusted-peer"))' 1 "bypass over IPv4"

e2e_expect_count "$events" '.url.path == "/v6" and .client.ip == "fd00::1"
	and .source.ip == "127.0.0.1" and .user_agent.original == "v6-agent"
	and .xffwatch.findings == []' 1 "IPv6 client through nginx"
e2e_expect_count "$events" '.url.path == "/v6-loop6" and .client.ip == "fd00::1"
	and .source.ip == "::1" and .network.type == "ipv6"
	and (.xffwatch.findings | index("leftmost-differs"))' 1 "IPv6 client, nginx to [::1]"
e2e_expect_count "$events" '.url.path == "/bypass6" and .client.ip == "fd00::1"
	and .source.ip == "fd00::1"
	and (.xffwatch.findings | index("spoofed-header-from-untrusted-peer"))' 1 "bypass over IPv6"

e2e_expect_count "$events" '.url.path == "/login" and .http.request.method == "POST"
	and .client.ip == "198.18.0.1"' 1 "POST through nginx"
if grep -q -e SECRET -e token= "$events"; then
	e2e_fail "a cookie, credential, body or query string reached the events"
fi

e2e_pass
