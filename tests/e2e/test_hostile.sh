#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# One hostile request must never stop the audit trail (issue 13). The daemon,
# built with ASan and UBSan (make san), watches Debian's nginx in front of a
# tiny app (tests/app/count_app.py) on loopback, in a namespace of its own,
# with one listener rule per resolution mode: hop counting (--hops 1 and 2,
# and --hops 1 with the client's own X-Forwarded-For lines passed on as they
# are), CIDR trust recursive (the global rule) and rightmost, Forwarded,
# X-Real-IP, CF-Connecting-IP, True-Client-IP. tests/e2e/hostile.py sends
# HOSTILE_COUNT (5,200: over 5,000 hostile, 130 probes) seeded requests
# through nginx in each mode: huge and many-line forwarding headers,
# thousands of hops, Forwarded padding, control bytes, invalid UTF-8, quotes,
# IPv6 forms, odd ports, empty values, heads past the head budget, bodies that
# look like requests; keep-alive and pipelining; some that nginx must refuse.
# Then as many again with --pseudonymize truncate in four modes. Each time:
# the daemon is alive at the end and exits 0 on SIGTERM, no sanitizer report,
# every output line is JSON, exactly one event per request the app received
# (by path; nginx's upstream log agrees), the probes name the expected client,
# the truncation counter matches the heads the app saw past the budget.
XFFWATCH=${XFFWATCH:-$(cd "$(dirname "$0")/../.." && pwd)/build/san/xffwatch}
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

# HOSTILE_COUNT and HOSTILE_MODES (names below) narrow a run down when debugging.
COUNT=${HOSTILE_COUNT:-5200}
SEED=13
BUDGET=16384

# name app-port listener-rule nginx-to-app
MODES="
hops1       5101 port=5101,hops=1                              keepalive
hops2       5102 port=5102,hops=2                              close
hops1raw    5103 port=5103,hops=1                              keepalive-raw
recursive   5104 -                                             keepalive
norecursive 5105 port=5105,recursive=off                       close
forwarded   5106 port=5106,header=forwarded                    keepalive
xrealip     5107 port=5107,header=x-real-ip                    close
cfip        5108 port=5108,header=cf-connecting-ip             keepalive
tcip        5109 port=5109,header=true-client-ip,x-forwarded-for keepalive"
PSEUDO_MODES=${HOSTILE_PSEUDO_MODES:-hops1 hops1raw forwarded xrealip}

e2e_init
[ -x "$E2E_PY" ] || e2e_fail "no $E2E_PY"
san="$E2E_TMP/sanitizer"
e2e_sanitize "$san"
t0=$(date +%s.%N)
# since [T]: seconds since T (default: the start).
since() { awk -v a="$(date +%s.%N)" -v b="${1:-$t0}" 'BEGIN { printf "%.1f s", a - b }'; }

e2e_netns srv
srv=$E2E_LAST_NS


# The app on every port; nginx with one server per mode, nginx port = app port + 3000.
applog="$E2E_TMP/app.log"
ports=$(echo "$MODES" | awk 'NF { print $2 }' | tr '\n' ' ')
e2e_bg "$srv" "$E2E_TMP/app.out" "$E2E_PY" "$E2E_APP_DIR/count_app.py" "$applog" $ports
conf="
    log_format hostile '\$server_port \$status \"\$upstream_addr\" \$request_uri';
    access_log logs/hostile.log hostile;
    # One line up to 15 KiB, a head up to about 75 KiB: hostile.py keeps the
    # heads it means to pass to 56 KiB (past the head budget, within the 64 KiB
    # the observer follows, XFFW_HEAD_HARD_MAX); some it means nginx to refuse.
    large_client_header_buffers 5 15k;
    client_max_body_size 1m;"
listeners=()
while read -r name port rule how; do
	[ -n "$name" ] || continue
	[ "$rule" = - ] || listeners+=(--listener "$(echo "$rule" | sed 's/,\([a-z]*=\)/ \1/g')")
	up="http://127.0.0.1:$port"
	extra=""
	case $how in
	keepalive*)
		conf="$conf
    upstream app_$name { server 127.0.0.1:$port; keepalive 4; }"
		up="http://app_$name"
		extra="proxy_http_version 1.1; proxy_set_header Connection \"\";"
		;;
	esac
	# Normally nginx appends the peer; raw passes the client's lines on as they are.
	[ "$how" = keepalive-raw ] ||
		extra="$extra proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;"
	conf="$conf
    server {
        listen 127.0.0.1:$((port + 3000));
        location / {
            proxy_pass $up;
            proxy_set_header Host \$http_host;
            $extra
            proxy_next_upstream off;
            proxy_read_timeout 10s;
        }
    }"
done <<<"$MODES"

start_nginx() {
	e2e_nginx "$srv" "$conf"
	NGINX_PID=$E2E_LAST_PID
	for port in $ports; do
		e2e_wait_listen "$srv" "$((port + 3000))"
	done
}
start_nginx
for port in $ports; do
	e2e_wait_listen "$srv" "$port"
done
nginxlog="$E2E_TMP/nginx/logs/hostile.log"

# phase NAME MODES DAEMON-ARGS...: the daemon, COUNT requests per mode
# through nginx (the modes in parallel), the checks.
phase() {
	local name=$1 modes=$2 pseudo=none m port n pids=() rc start
	shift 2
	[ "${1:-}" = --pseudonymize ] && pseudo=$2
	local events="$E2E_TMP/events-$name.json" stats="$E2E_TMP/stats-$name.json"
	start=$(date +%s.%N)
	: >"$applog"
	: >"$nginxlog"
	e2e_xffwatch "$srv" "$events" --port "$(echo $ports | tr ' ' ,)" --stats "$stats" \
		--head-budget "$BUDGET" "${listeners[@]}" "$@"
	n=$COUNT
	[ "$name" = main ] || n=$((COUNT / $(echo $modes | wc -w)))
	for m in $modes; do
		port=$(echo "$MODES" | awk -v m="$m" '$1 == m { print $2 }')
		timeout 150 ip netns exec "$srv" "$E2E_PY" "$E2E_ROOT/tests/e2e/hostile.py" send \
			"$m" "$((port + 3000))" "$n" "$SEED" "$E2E_TMP/sent-$name-$m.json" &
		pids+=($!)
	done
	for m in "${pids[@]}"; do
		wait "$m" || e2e_fail "$name: a client failed or timed out"
	done
	e2e_log "$name: sent in $(since "$start")"
	# Settle: every request the app logged has its event (at most 30 s).
	for _ in $(seq 1 300); do
		[ "$(wc -l <"$events")" -ge "$(wc -l <"$applog")" ] && break
		kill -0 "$XFFW_PID" 2>/dev/null || break
		sleep 0.1
	done
	if ! kill -0 "$XFFW_PID" 2>/dev/null; then
		wait "$XFFW_PID" && rc=0 || rc=$?
		e2e_sanitizer_reports "$san" "$E2E_TMP/xffwatch.log" &&
			tail -n 5 "$E2E_TMP/xffwatch.log" >&2
		e2e_fail "$name: the daemon died (status $rc) after $(wc -l <"$events") events" \
			"for $(wc -l <"$applog") requests"
	fi
	kill -TERM "$XFFW_PID"
	for _ in $(seq 1 150); do
		kill -0 "$XFFW_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$XFFW_PID" 2>/dev/null && e2e_fail "$name: the daemon did not stop on SIGTERM"
	wait "$XFFW_PID" && rc=0 || rc=$?
	e2e_sanitizer_reports "$san" "$E2E_TMP/xffwatch.log" ||
		e2e_fail "$name: sanitizer report (daemon status $rc)"
	[ "$rc" -eq 0 ] || { tail -n 5 "$E2E_TMP/xffwatch.log" >&2; e2e_fail "$name: exit status $rc"; }
	"$E2E_PY" "$E2E_ROOT/tests/e2e/hostile.py" check "$events" "$applog" "$nginxlog" "$stats" \
		"$BUDGET" "$pseudo" "$E2E_TMP"/sent-"$name"-*.json ||
		e2e_fail "$name: the audit trail does not match what the app received"
	e2e_log "$name: $(wc -l <"$events") events checked; phase $(since "$start"), total $(since)"
}

phase main "${HOSTILE_MODES:-$(echo "$MODES" | awk 'NF { print $1 }' | tr '\n' ' ')}"
# nginx anew: its kept-alive connections to the app start under the new daemon.
e2e_stop "$NGINX_PID"
start_nginx
phase pseudo "$PSEUDO_MODES" --pseudonymize truncate

e2e_pass
