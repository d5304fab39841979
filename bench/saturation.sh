#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Completeness at saturation: wrk through nginx on loopback for DURATION
# seconds (default 60), xffwatch watching the proxy-to-app link, then the
# requests in nginx's log against the events written, ring-buffer losses and
# flow-table evictions. The app is a second nginx server (return 200): fast
# enough that the proxy path, not the app, is the bottleneck. Upstream
# keep-alive is on. Bounded: one wrk run of DURATION seconds; everything runs
# in its own network namespaces, removed at the end.
#
# With "direct", wrk talks to the app itself on loopback (no proxy in
# between): this machine's highest request rate, to show the observer keeps
# up beyond what nginx reaches as a proxy here. With "syslog", the events also
# go to Debian's rsyslogd over TCP (octet counting) on the server's loopback,
# and what rsyslog wrote is counted too.
#
#   bench/saturation.sh [DURATION] [CONNECTIONS] [direct|syslog]
set -eu
# shellcheck source=../tests/e2e/lib.sh
. "$(dirname "$0")/../tests/e2e/lib.sh"
# shellcheck source=proxy_link.sh
. "$(dirname "$0")/proxy_link.sh"

duration=${1:-60}
conns=${2:-64}
direct=${3:-}
syslog=()
if [ "$direct" = syslog ]; then
	direct=
	syslog=(--syslog tcp://127.0.0.1:5514)
fi

e2e_init
bench_proxy_link "" "" logs/app.log
: >"$E2E_TMP/nginx/logs/proxy.log"
: >"$E2E_TMP/nginx/logs/app.log"

events="$E2E_TMP/events.json"
stats="$E2E_TMP/stats.json"
[ ${#syslog[@]} -eq 0 ] || e2e_rsyslog "$srv" "$E2E_TMP/rsyslog"
e2e_xffwatch "$srv" "$events" --iface lo --port 8080 --stats "$stats" "${syslog[@]}"
pid=$(pgrep -f "$XFFWATCH --output $events" | head -1)
cpu0=$(awk '{print $14 + $15}' "/proc/$pid/stat")

if [ "$direct" = direct ]; then
	ip netns exec "$srv" wrk -t2 -c"$conns" -d"${duration}s" --latency \
		-H 'X-Forwarded-For: 203.0.113.7' http://127.0.0.1:8080/sat >"$E2E_TMP/wrk.log" 2>&1
	served_log="$E2E_TMP/nginx/logs/app.log"
else
	ip netns exec "$cli" wrk -t2 -c"$conns" -d"${duration}s" --latency http://198.18.0.2:80/sat \
		>"$E2E_TMP/wrk.log" 2>&1
	served_log="$E2E_TMP/nginx/logs/proxy.log"
fi
cpu1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
rss=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
sleep 1
kill -USR1 "$XFFW_PID"
sleep 0.5
e2e_stop "$XFFW_PID" INT

served=$(wc -l <"$served_log")
written=$(wc -l <"$events")
hz=$(getconf CLK_TCK)
echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores"
echo "wrk: $(grep -E 'Requests/sec' "$E2E_TMP/wrk.log" | tr -s ' ') over ${duration} s, $conns connections"
grep -E '^ +(50|99)%' "$E2E_TMP/wrk.log" | sed 's/^ */wrk latency p/'
echo "requests in nginx's log: $served${direct:+ (the app log: direct)}"
echo "events written:          $written"
if [ ${#syslog[@]} -gt 0 ]; then
	for _ in $(seq 1 100); do
		[ "$(wc -l <"$E2E_TMP/rsyslog/tcp.log")" -ge "$served" ] && break
		sleep 0.1
	done
	received=$(wc -l <"$E2E_TMP/rsyslog/tcp.log")
	echo "received by rsyslog:     $received (over TCP)"
	jq -r '.outputs[] | "output \(.name): \(.events) written, \(.dropped) dropped"' "$stats"
	[ "$received" -eq "$served" ] || {
		echo "saturation: rsyslog received $received of $served" >&2
		exit 1
	}
fi
jq -r '"paired: \(.paired)  no_response: \(.no_response)  ringbuf_lost: \(.ringbuf_lost)  flow_evictions: \(.flow_evictions)  kernel desyncs: \(.kernel.desyncs)  gaps: \(.kernel.gaps)"' "$stats"
echo "daemon CPU: $(( (cpu1 - cpu0) * 100 / hz / duration ))% of one core; peak RSS $((rss / 1024)) MiB"
[ "$served" -eq "$written" ] && [ "$(jq .ringbuf_lost "$stats")" -eq 0 ] || {
	echo "saturation: requests and events differ, or records were lost" >&2
	exit 1
}
