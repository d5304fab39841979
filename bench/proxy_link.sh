# shellcheck shell=bash
# shellcheck disable=SC2154 # cli and srv: set by e2e_two_hosts (tests/e2e/lib.sh)
# SPDX-License-Identifier: BSD-2-Clause
# The benchmarks' proxy-to-app link, one copy for all of them: a client
# namespace (for wrk) and a server namespace joined by a veth pair
# (198.18.0.1 and .2); in the server namespace nginx (2 workers) proxies
# 198.18.0.2:80 with upstream keep-alive to an nginx app on 127.0.0.1:8080
# answering "200 ok", an upstream faster than the proxy path. The proxy adds
# Host, X-Real-IP, X-Forwarded-For and X-Forwarded-Proto as a typical setup
# does. Sourced after tests/e2e/lib.sh; call after e2e_init. Sets cli, srv
# and log (the proxy's access log).
#
#   bench_proxy_link [HTTP_PRELUDE [PROXY_LOG_FORMAT [APP_ACCESS_LOG [APP_LOCATIONS]]]]
#
# HTTP_PRELUDE goes first in http{} (log_format lines), PROXY_LOG_FORMAT names
# the proxy log's format (nginx's default when empty), APP_ACCESS_LOG is the
# app's access_log argument ("off" when empty), APP_LOCATIONS is added to the
# app's server{}.
#
# The observers of that link, one copy for every benchmark that compares them:
#   bench_observer_start CONFIG OUT   b: xffwatch, events to OUT.events, its
#       counters to OUT.stats; c: tcpdump -w OUT.pcap; d: tshark decoding
#       http.x_forwarded_for live to OUT.fields. Each logs to OUT.log, and
#       is ready (its first line seen) on return; sets observer_pid.
bench_proxy_link() {
	e2e_two_hosts
	e2e_nginx "$srv" "${1:-}"'
    upstream app {
        server 127.0.0.1:8080;
        keepalive 128;
    }
    server {
        listen 198.18.0.2:80 backlog=4096;
        access_log logs/proxy.log '"${2:-}"';
        keepalive_requests 1000000;
        location / {
            proxy_pass http://app;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Real-IP $remote_addr;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
        }
    }
    server {
        listen 127.0.0.1:8080 backlog=4096;
        access_log '"${3:-off}"';
        keepalive_requests 1000000;
        location / { default_type text/plain; return 200 "ok\n"; }'"${4:-}"'
    }'
	sed -i 's/^worker_processes 1;/worker_processes 2;/; s/^master_process off;/master_process on;/' \
		"$E2E_TMP/nginx/nginx.conf"
	e2e_stop "$E2E_LAST_PID"
	e2e_bg "$srv" "$E2E_TMP/nginx.log" nginx -p "$E2E_TMP/nginx" -c "$E2E_TMP/nginx/nginx.conf"
	e2e_wait_http "$cli" http://198.18.0.2/warm
	# shellcheck disable=SC2034 # used by the caller
	log="$E2E_TMP/nginx/logs/proxy.log"
}

# Waits up to 10 s for PATTERN in FILE.
bench_wait_for() {
	for _ in $(seq 1 200); do
		grep -q "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	return 1
}

bench_observer_start() {
	local cfg=$1 out=$2 ready
	case $cfg in
	b)
		: >"$out.events"
		ip netns exec "$srv" "$XFFWATCH" --no-config --iface lo --port 8080 \
			--output "$out.events" --stats "$out.stats" >"$out.log" 2>&1 &
		ready="events to"
		;;
	c)
		ip netns exec "$srv" tcpdump -i lo -B 32768 -w "$out.pcap" 'tcp port 8080' \
			>"$out.log" 2>&1 &
		ready="listening on"
		;;
	d)
		ip netns exec "$srv" tshark -i lo -B 32 -f 'tcp port 8080' -l -n \
			-Y http.x_forwarded_for -T fields -e http.x_forwarded_for \
			>"$out.fields" 2>"$out.log" &
		ready="Capturing on"
		;;
	esac
	# shellcheck disable=SC2034 # read by the caller
	observer_pid=$!
	bench_wait_for "$out.log" "$ready" || { cat "$out.log" >&2; exit 1; }
}
