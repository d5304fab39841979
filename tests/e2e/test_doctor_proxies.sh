#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# `xffwatch doctor` against real proxies (Debian's nginx, HAProxy, gunicorn +
# Flask behind ProxyFix) in network namespaces: client hosts on a switch, an
# edge host with HAProxy, a server host with nginx in front of the app on
# loopback port 5000, where the doctor watches.
#
# Each misconfiguration: >= 200 requests, the doctor names the diagnosis (exit
# 1); the test applies the fix the doctor printed (the nginx snippet into the
# configuration, `nginx -t`, reload; xffwatch's args onto the doctor's command
# line; ProxyFix's x_for), sends the same traffic again, and the doctor must
# report "diagnoses": [] (exit 0). Two correct topologies get 10,000 requests
# of mixed traffic each and must give no diagnosis. One run's traffic, captured,
# must give the same diagnoses through --events and --pcap as live.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=doctor/proxies_lib.sh
. "$(dirname "$0")/doctor/proxies_lib.sh"

N=${N:-240}          # requests per misconfiguration run
CLEAN_N=${CLEAN_N:-10000} # requests per correct topology
DIRECT=(198.18.0.2 fd00::2)
EDGE=(198.18.0.3 fd00::3)
# What runs behind the link, for the fixes (the app's side alone does not show nginx).
STACK=(--stack "nginx,gunicorn,werkzeug")
STACK_EDGE=(--stack "haproxy,nginx,gunicorn,werkzeug")

e2e_init
proxies_topology
proxies_app 1 127.0.0.1:5000 "[::1]:5000"

# doctor_run live|events NAME COUNT T4 T6: COUNT requests to T4/T6 (load
# options in LARGS) while the doctor (options in DARGS) watches live, or the
# observer writes an event file the doctor then reads.
DARGS=("${STACK[@]}")
LARGS=()
doctor_run() {
	local mode=$1 name=$2 count=$3 t4=$4 t6=$5 start
	start=$(date +%s.%N)
	if [ "$mode" = live ]; then
		proxies_doctor_start "$name" "${DARGS[@]}" --requests "$count" --duration 60
		proxies_traffic "$name" "$count" "$t4" "$t6" "${LARGS[@]}"
		proxies_doctor_finish "$name" "$count"
	else
		proxies_observer_start "$name"
		proxies_traffic "$name" "$count" "$t4" "$t6" "${LARGS[@]}"
		proxies_observer_stop "$name" "$count"
		proxies_doctor_events "$name" "$E2E_TMP/$name.events" "${DARGS[@]}"
	fi
	e2e_log "$name ($mode, $count requests, $(awk -v a="$(date +%s.%N)" -v b="$start" 'BEGIN { printf "%.1f", a - b }') s): exit $PXY_RC, diagnoses [$(proxies_ids "$name")]"
}

# app_sees NAME all|none: did the app (ProxyFix) decide each request's own client?
app_sees() {
	local saw answers
	saw=$(proxies_load_sum "$1" .app_saw_client)
	answers=$(proxies_load_sum "$1" .app_answers)
	case $2 in
	all) [ "$saw" -eq "$answers" ] && [ "$answers" -gt 0 ] ;;
	none) [ "$saw" -eq 0 ] && [ "$answers" -gt 0 ] ;;
	esac || { cat "$E2E_TMP/$1.load1" "$E2E_TMP/$1.load2" >&2; e2e_fail "$1: the app saw the client in $saw of $answers answers, expected $2"; }
}

NGX_XFF='            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;'

# 1. The seeds' topology, nginx -> [::1]:5000 while xffwatch trusts only 127.0.0.1.
proxies_nginx "$NGX_XFF" "http://[::1]:5000"
DARGS=("${STACK[@]}" --trust 127.0.0.1/32)
LARGS=()
doctor_run live s1-proxy-not-trusted "$N" "${DIRECT[@]}"
proxies_expect_diag s1-proxy-not-trusted proxy-not-trusted
jq -e '.diagnoses[] | select(.id == "proxy-not-trusted") | .evidence | (.peers // .addresses) | index("::1")' \
	"$E2E_TMP/s1-proxy-not-trusted.json" >/dev/null || e2e_fail "s1: the evidence does not name ::1"
proxies_peer s1-proxy-not-trusted ::1 '.trusted == false and .role == "proxy"'
mapfile -t fix < <(proxies_fix args s1-proxy-not-trusted proxy-not-trusted)
DARGS=("${STACK[@]}" --trust 127.0.0.1/32 "${fix[@]}")
doctor_run live s1-fixed "$N" "${DIRECT[@]}"
proxies_expect_clean s1-fixed

# 2. nginx sends no X-Forwarded-For: the app logs 127.0.0.1.
proxies_nginx ""
DARGS=("${STACK[@]}")
doctor_run events s2-proxy-sends-no-header "$N" "${DIRECT[@]}"
proxies_expect_diag s2-proxy-sends-no-header proxy-sends-no-header
app_sees s2-proxy-sends-no-header none
proxies_fix nginx s2-proxy-sends-no-header proxy-sends-no-header "$PXY_NGINX_CONF"
proxies_nginx_reload
doctor_run events s2-fixed "$N" "${DIRECT[@]}"
proxies_expect_clean s2-fixed
app_sees s2-fixed all

# 3. Clients' own X-Forwarded-For passes through nginx ($proxy_add_x_forwarded_for).
# Captured on lo meanwhile: --events (of the capture replayed) and --pcap must agree with live.
proxies_nginx "$NGX_XFF"
DARGS=("${STACK[@]}")
# A quarter of the connections carry a forged value (each client address its own
# one), as the seeds' `curl -H 'X-Forwarded-For: ...'` tests do: chains one hop
# longer than the rest. (Were every request to carry one, the forged value would
# look like the client and the clients like a layer of proxies.)
LARGS=(--header "X-Forwarded-For: 203.0.113.{n}" --header-share 0.25)
e2e_bg "$srv" "$E2E_TMP/tcpdump.log" tcpdump -Z root -U --immediate-mode -B 32768 -n -s 0 -i lo -w "$E2E_TMP/s3.pcap" tcp port 5000
tcpdump_pid=$E2E_LAST_PID
for _ in $(seq 1 100); do
	grep -q "listening on" "$E2E_TMP/tcpdump.log" && break
	sleep 0.05
done
doctor_run live s3-client-headers-pass-through "$N" "${DIRECT[@]}"
# tcpdump writes each packet as it comes (--immediate-mode -U): stop once the file stops growing.
size=-1
for _ in $(seq 1 20); do
	[ "$(stat -c %s "$E2E_TMP/s3.pcap")" -eq "$size" ] && break
	size=$(stat -c %s "$E2E_TMP/s3.pcap")
	sleep 0.5
done
e2e_stop "$tcpdump_pid" INT
proxies_expect_diag s3-client-headers-pass-through client-headers-pass-through
"$XFFWATCH" replay --no-config -q -p 5000 -o "$E2E_TMP/s3.events" "$E2E_TMP/s3.pcap" 2>"$E2E_TMP/s3-replay.err" ||
	{ cat "$E2E_TMP/s3-replay.err" >&2; e2e_fail "s3: replay of the capture failed"; }
[ "$(wc -l <"$E2E_TMP/s3.events")" -eq "$N" ] || e2e_fail "s3: the capture gave $(wc -l <"$E2E_TMP/s3.events") events, not $N"
proxies_doctor_events s3-events "$E2E_TMP/s3.events" "${DARGS[@]}"
PXY_RC_EVENTS=$PXY_RC
PXY_RC=0
"$XFFWATCH" doctor --no-config --format json -q -p 5000 "${DARGS[@]}" --pcap "$E2E_TMP/s3.pcap" \
	>"$E2E_TMP/s3-pcap.json" 2>"$E2E_TMP/s3-pcap.err" || PXY_RC=$?
proxies_doctor_valid s3-pcap
live_ids=$(proxies_ids s3-client-headers-pass-through)
for src in events pcap; do
	[ "$(proxies_ids "s3-$src")" = "$live_ids" ] ||
		e2e_fail "s3: --$src gives [$(proxies_ids "s3-$src")], live gave [$live_ids]"
done
{ [ "$PXY_RC_EVENTS" -eq 1 ] && [ "$PXY_RC" -eq 1 ]; } || e2e_fail "s3: --events exit $PXY_RC_EVENTS, --pcap exit $PXY_RC, not 1"
jq -e '.source.kind == "events" and .source.events == '"$N" "$E2E_TMP/s3-events.json" >/dev/null ||
	e2e_fail "s3: the --events report's source is not $N events"
e2e_log "s3: --events and --pcap of the same traffic: [$live_ids], as live"
# The text report (the default) of the same events names it too, and exits 1.
PXY_RC=0
"$XFFWATCH" doctor --no-config -q --events "$E2E_TMP/s3.events" "${DARGS[@]}" >"$E2E_TMP/s3.txt" 2>&1 || PXY_RC=$?
[ "$PXY_RC" -eq 1 ] && grep -q client-headers-pass-through "$E2E_TMP/s3.txt" ||
	{ cat "$E2E_TMP/s3.txt" >&2; e2e_fail "s3: the text report (exit $PXY_RC) does not name the diagnosis"; }
proxies_fix nginx s3-client-headers-pass-through client-headers-pass-through "$PXY_NGINX_CONF"
proxies_nginx_reload
doctor_run live s3-fixed "$N" "${DIRECT[@]}"
proxies_expect_clean s3-fixed
app_sees s3-fixed all

# 5. nginx copies CF-Connecting-IP from anyone.
proxies_nginx "$NGX_XFF
            proxy_set_header CF-Connecting-IP \$http_cf_connecting_ip;"
DARGS=("${STACK[@]}")
LARGS=(--header "CF-Connecting-IP: 198.51.100.{n}")
doctor_run events s5-cdn-header-not-from-cdn "$N" "${DIRECT[@]}"
proxies_expect_diag s5-cdn-header-not-from-cdn cdn-header-not-from-cdn
proxies_fix nginx s5-cdn-header-not-from-cdn cdn-header-not-from-cdn "$PXY_NGINX_CONF"
proxies_nginx_reload
doctor_run events s5-fixed "$N" "${DIRECT[@]}"
proxies_expect_clean s5-fixed

# 6. Clients forge X-Real-IP, which nginx passes on (it sets only X-Forwarded-For).
proxies_nginx "$NGX_XFF"
DARGS=("${STACK[@]}")
LARGS=(--header "X-Real-IP: 192.0.2.{n}")
doctor_run live s6-headers-disagree "$N" "${DIRECT[@]}"
proxies_expect_diag s6-headers-disagree headers-disagree
proxies_fix nginx s6-headers-disagree headers-disagree "$PXY_NGINX_CONF"
proxies_nginx_reload
doctor_run live s6-fixed "$N" "${DIRECT[@]}"
proxies_expect_clean s6-fixed

# 7. Correct: nginx at the edge (its own X-Forwarded-For and X-Real-IP, so a
# few forged ones vanish) -> the app, default trust; mixed traffic.
proxies_nginx '            proxy_set_header X-Real-IP $remote_addr;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Forwarded-Proto $scheme;'
DARGS=("${STACK[@]}")
LARGS=(--header "X-Forwarded-For: 203.0.113.{n}" --header-share 0.02)
doctor_run live s7-clean-nginx "$CLEAN_N" "${DIRECT[@]}"
proxies_expect_clean s7-clean-nginx
proxies_peer s7-clean-nginx 127.0.0.1 '.trusted and .role == "proxy" and .depth == 1'
app_sees s7-clean-nginx all

# 4. HAProxy (option forwardfor, clients' own X-Forwarded-For dropped) -> nginx
# ($proxy_add_x_forwarded_for) -> ProxyFix(x_for=1), doctor --hops 1.
proxies_haproxy '    http-request del-header X-Forwarded-For
    option forwardfor'
proxies_nginx "$NGX_XFF"
DARGS=("${STACK_EDGE[@]}" --hops 1)
LARGS=()
doctor_run live s4-hops-mismatch "$N" "${EDGE[@]}"
proxies_expect_diag s4-hops-mismatch hops-mismatch
app_sees s4-hops-mismatch none
mapfile -t fix < <(proxies_fix args s4-hops-mismatch hops-mismatch)
x_for=$(proxies_fix x_for s4-hops-mismatch hops-mismatch)
proxies_app "$x_for" 127.0.0.1:5000 "[::1]:5000"
DARGS=("${STACK_EDGE[@]}" --hops 1 "${fix[@]}")
doctor_run live s4-fixed "$N" "${EDGE[@]}"
proxies_expect_clean s4-fixed
app_sees s4-fixed all

# 8. Correct: HAProxy -> nginx -> ProxyFix(x_for=2), doctor --hops 2; mixed
# traffic, a few clients forging X-Forwarded-For (HAProxy drops it).
[ "$x_for" -eq 2 ] || proxies_app 2 127.0.0.1:5000 "[::1]:5000"
DARGS=("${STACK_EDGE[@]}" --hops 2)
LARGS=(--header "X-Forwarded-For: 203.0.113.{n}" --header-share 0.02)
doctor_run live s8-clean-haproxy-nginx "$CLEAN_N" "${EDGE[@]}"
proxies_expect_clean s8-clean-haproxy-nginx
proxies_peer s8-clean-haproxy-nginx 127.0.0.1 '.role == "proxy" and .depth == 2'
app_sees s8-clean-haproxy-nginx all

e2e_pass
