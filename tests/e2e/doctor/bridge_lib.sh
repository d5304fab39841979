# shellcheck shell=bash
# SPDX-License-Identifier: BSD-2-Clause
# The Compose topology of tests/e2e/test_doctor_bridge.sh without Docker, and
# how it runs `xffwatch doctor` and applies the fixes it prints. Sourced after
# ../lib.sh.
#
#   lan0 (198.18.0.1/24, fd00::1/64)        br0, the "docker0" (198.18.2.1/24, fd00:2::1/64)
#   cli1..cli4  198.18.0.11-14  ── hst ──   ngx  198.18.2.20  nginx :80 -> app:5000
#               fd00::11-14      (routes,   app  198.18.2.10  gunicorn + Flask ProxyFix, 0.0.0.0:5000
#                                 NAT)      rog  198.18.2.40  a client on the bridge itself
#
# The namespaces are made once; the app and nginx are restarted with each
# scenario's settings; masquerading and firewall rules come and go.

BRIDGE_HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
BRIDGE_GW=198.18.2.1
BRIDGE_NGX=198.18.2.20
BRIDGE_APP=198.18.2.10
BRIDGE_ROG=198.18.2.40
BRIDGE_NGX6=fd00:2::20
BRIDGE_APP6=fd00:2::10
BRIDGE_CLIENTS=(198.18.0.11 198.18.0.12 198.18.0.13 198.18.0.14)
BRIDGE_CLIENTS6=(fd00::11 fd00::12 fd00::13 fd00::14)
# The namespaces, once made (cli is an array, one per client address).
hst="" ngx="" app="" rog=""
cli=()
# The app's settings: ProxyFix(x_for=...), gunicorn's FORWARDED_ALLOW_IPS.
APP_X_FOR=1
APP_ALLOW_IPS=$BRIDGE_GW
APP_PID=""

# bridge_port NS PORT ADDR4 ADDR6 BRIDGE GW4 GW6: NS's eth0 on BRIDGE (in hst) as PORT.
bridge_port() {
	ip -n "$hst" link add "$2" type veth peer name eth0 netns "$1"
	ip -n "$1" addr add "$3/24" dev eth0
	ip -n "$1" addr add "$4/64" dev eth0 nodad
	ip -n "$1" link set eth0 up
	ip -n "$1" route add default via "$6"
	ip -n "$1" -6 route add default via "$7"
	ip -n "$hst" link set "$2" master "$5" up
}

# bridge_bridge NAME ADDR4 ADDR6: a bridge in hst with the host's address on it.
bridge_bridge() {
	ip -n "$hst" link add "$1" type bridge
	ip -n "$hst" addr add "$2/24" dev "$1"
	ip -n "$hst" addr add "$3/64" dev "$1" nodad
	ip -n "$hst" link set "$1" up
}

# bridge_topology: every namespace, link and route of the picture above.
bridge_topology() {
	local i
	e2e_netns hst
	hst=$E2E_LAST_NS
	ip netns exec "$hst" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
	bridge_bridge br0 "$BRIDGE_GW" fd00:2::1
	bridge_bridge lan0 198.18.0.1 fd00::1
	e2e_netns app
	app=$E2E_LAST_NS
	bridge_port "$app" vapp "$BRIDGE_APP" "$BRIDGE_APP6" br0 "$BRIDGE_GW" fd00:2::1
	e2e_netns ngx
	ngx=$E2E_LAST_NS
	bridge_port "$ngx" vngx "$BRIDGE_NGX" "$BRIDGE_NGX6" br0 "$BRIDGE_GW" fd00:2::1
	e2e_netns rog
	rog=$E2E_LAST_NS
	bridge_port "$rog" vrog "$BRIDGE_ROG" fd00:2::40 br0 "$BRIDGE_GW" fd00:2::1
	for i in 0 1 2 3; do
		e2e_netns "cli$((i + 1))"
		cli[i]=$E2E_LAST_NS
		bridge_port "${cli[i]}" "vcli$((i + 1))" "${BRIDGE_CLIENTS[i]}" "${BRIDGE_CLIENTS6[i]}" \
			lan0 198.18.0.1 fd00::1
	done
}

# bridge_app: (re)starts gunicorn + Flask behind ProxyFix(x_for=$APP_X_FOR) in
# the app container, FORWARDED_ALLOW_IPS=$APP_ALLOW_IPS, on 0.0.0.0:5000 and
# [fd00:2::10]:5000.
bridge_app() {
	if [ -n "$APP_PID" ]; then
		e2e_stop "$APP_PID"
	fi
	e2e_bg "$app" "$E2E_TMP/app.log" env XFFW_X_FOR="$APP_X_FOR" \
		FORWARDED_ALLOW_IPS="$APP_ALLOW_IPS" "$E2E_PY" -m gunicorn --workers 2 \
		--chdir "$E2E_APP_DIR" --bind 0.0.0.0:5000 --bind "[$BRIDGE_APP6]:5000" proxyfix_app:app
	APP_PID=$E2E_LAST_PID
	# From nginx's side: a firewall the fixes set up may drop everyone else.
	e2e_wait_listen "$app" 5000
	e2e_wait_http "$ngx" "http://$BRIDGE_APP:5000/"
}

# bridge_nginx_conf: the nginx container's configuration; fix.conf (in the
# location that proxies to the app) holds what a fix adds; headers.conf the
# X-Forwarded-For line a fix may replace.
bridge_nginx_conf() {
	local d="$E2E_TMP/ngx"
	mkdir -p "$d/logs" "$d/tmp"
	[ -f "$d/fix.conf" ] || : >"$d/fix.conf"
	[ -f "$d/headers.conf" ] ||
		echo 'proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;' >"$d/headers.conf"
	e2e_nginx_conf "$d" off "    upstream app4 { server $BRIDGE_APP:5000; keepalive 16; }
    upstream app6 { server [$BRIDGE_APP6]:5000; keepalive 16; }
$(bridge_nginx_server 80 app4 "$d")
$(bridge_nginx_server "[::]:80 ipv6only=on" app6 "$d")" "user root;" >"$d/nginx.conf"
}

# bridge_nginx_server LISTEN UPSTREAM DIR: one server block of the nginx container.
bridge_nginx_server() {
	cat <<EOF
    server {
        listen $1;
        location / {
            proxy_pass http://$2;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host \$host;
            proxy_set_header X-Real-IP \$remote_addr;
            include $3/headers.conf;
            include $3/fix.conf;
        }
    }
EOF
}

# bridge_nginx: starts the nginx container (master process, so that reload works).
bridge_nginx() {
	bridge_nginx_conf
	e2e_bg "$ngx" "$E2E_TMP/ngx.log" nginx -p "$E2E_TMP/ngx" -c "$E2E_TMP/ngx/nginx.conf"
	e2e_wait_http "${cli[0]}" "http://$BRIDGE_NGX/"
}

# bridge_nginx_reload: nginx -t, then reload; fails the test when the config is invalid.
bridge_nginx_reload() {
	ip netns exec "$ngx" nginx -t -q -p "$E2E_TMP/ngx" -c "$E2E_TMP/ngx/nginx.conf" ||
		e2e_fail "nginx -t rejects the configuration"
	ip netns exec "$ngx" nginx -s reload -p "$E2E_TMP/ngx" -c "$E2E_TMP/ngx/nginx.conf"
	sleep 0.5
	e2e_wait_http "${cli[0]}" "http://$BRIDGE_NGX/"
}

# bridge_nat on|off: the host masquerades the clients towards the bridge, as
# Docker's userland proxy hides them behind the gateway (nft).
bridge_nat() {
	if [ "$1" = on ]; then
		ip netns exec "$hst" nft -f - <<EOF
table ip xffw_nat {
    chain post {
        type nat hook postrouting priority srcnat;
        ip saddr 198.18.0.0/24 oifname "br0" masquerade
    }
}
EOF
	else
		ip netns exec "$hst" nft delete table ip xffw_nat 2>/dev/null || true
	fi
}

# bridge_load NS HOST PORT ARGS...: tests/e2e/doctor/bridge_load.py in NS;
# its JSON line ({"ok": N, ...}) to standard output.
bridge_load() {
	local ns=$1 out
	shift
	out=$(ip netns exec "$ns" "$E2E_PY" "$BRIDGE_HERE/bridge_load.py" "$@") || {
		echo "load $* from $ns failed: $out" >&2
		return 1
	}
	printf '%s\n' "$out"
}

# bridge_parallel CMD...: each CMD (one string, a bridge_load call) at once,
# in the background; fails when one fails. Waits for these only (not for the
# servers, which run in the background too).
bridge_parallel() {
	local c pids=() pid rc=0
	for c in "$@"; do
		eval "$c" &
		pids+=("$!")
	done
	for pid in "${pids[@]}"; do
		wait "$pid" || rc=1
	done
	return "$rc"
}

# bridge_traffic NAME TRAFFIC_FN: runs the scenario's traffic; LOAD_OK is how
# many requests were answered (each one reached the app once).
bridge_traffic() {
	"$2" >"$E2E_TMP/$1.load" || e2e_fail "$1: traffic failed"
	LOAD_OK=$(jq -s 'map(.ok) | add // 0' "$E2E_TMP/$1.load")
}

# bridge_watched: until the observer's program is on the app's bridge port (5 s at most).
bridge_watched() {
	for _ in $(seq 1 100); do
		if ip netns exec "$hst" "$XFFWATCH" status --iface vapp 2>/dev/null | grep -q egress; then
			return 0
		fi
		sleep 0.05
	done
	return 1
}

# bridge_doctor_live NAME TRAFFIC_FN N DURATION ARGS...: `xffwatch doctor`
# live on br0 in hst, --requests N --duration DURATION, while TRAFFIC_FN runs;
# the JSON report in $E2E_TMP/NAME.json, the exit status in DOCTOR_RC. A run
# still going 3 s after the traffic (fewer events than N: a blocked bypass)
# gets Ctrl-C, which still reports.
bridge_doctor_live() {
	local name=$1 traffic=$2 n=$3 dur=$4 pid
	shift 4
	ip netns exec "$hst" "$XFFWATCH" doctor --no-config -i br0 -p 5000 --requests "$n" \
		--duration "$dur" --format json -q "$@" >"$E2E_TMP/$name.json" 2>"$E2E_TMP/$name.err" &
	pid=$!
	E2E_PIDS+=("$pid")
	bridge_watched || { cat "$E2E_TMP/$name.err" >&2; e2e_fail "$name: doctor did not attach"; }
	bridge_traffic "$name" "$traffic"
	for _ in $(seq 1 30); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		e2e_log "$name: $LOAD_OK requests answered, fewer than $n; Ctrl-C"
		kill -INT "$pid"
	fi
	DOCTOR_RC=0
	wait "$pid" || DOCTOR_RC=$?
	bridge_report "$name"
	# Every request that was answered reached the app once, and the doctor saw it.
	jq -e --argjson n "$LOAD_OK" '.source.events == $n' "$E2E_TMP/$name.json" >/dev/null ||
		e2e_fail "$name: doctor saw $(jq .source.events "$E2E_TMP/$name.json") requests, $LOAD_OK were answered"
}

# bridge_observe NAME TRAFFIC_FN ARGS...: the observer on br0 in hst writes
# $E2E_TMP/NAME.events while TRAFFIC_FN runs; stopped once every answered
# request is written.
bridge_observe() {
	local name=$1 traffic=$2 events="$E2E_TMP/$1.events"
	shift 2
	: >"$events"
	e2e_xffwatch "$hst" "$events" --no-config -i br0 -p 5000 "$@"
	bridge_traffic "$name" "$traffic"
	e2e_wait_lines "$events" "$LOAD_OK" || true
	sleep 0.2
	e2e_stop "$XFFW_PID" INT
	[ "$(wc -l <"$events")" -eq "$LOAD_OK" ] ||
		e2e_fail "$name: the observer wrote $(wc -l <"$events") events, $LOAD_OK requests were answered"
}

# bridge_doctor_events NAME EVENTS ARGS...: `xffwatch doctor --events EVENTS`.
bridge_doctor_events() {
	local name=$1 events=$2
	shift 2
	DOCTOR_RC=0
	"$XFFWATCH" doctor --no-config --events "$events" --format json -q "$@" \
		>"$E2E_TMP/$name.json" 2>"$E2E_TMP/$name.err" || DOCTOR_RC=$?
	bridge_report "$name"
}

# bridge_report NAME: the report is one JSON object of the spec's schema; logs its ids.
bridge_report() {
	local j="$E2E_TMP/$1.json"
	jq -e '.schema == "xffwatch.doctor/1" and (.diagnoses | type == "array")' "$j" >/dev/null 2>&1 || {
		cat "$j" "$E2E_TMP/$1.err" >&2
		e2e_fail "$1: doctor exited $DOCTOR_RC without a JSON report"
	}
	e2e_log "$1: exit $DOCTOR_RC, $(jq -r '.source.events' "$j") events, diagnoses: [$(bridge_ids "$1" | tr '\n' ' ')]"
}

# bridge_ids NAME: the report's diagnosis ids, sorted, one a line.
bridge_ids() {
	jq -r '.diagnoses[].id' "$E2E_TMP/$1.json" | sort -u
}

# bridge_expect NAME ID...: each ID is diagnosed, with the schema's fields, and doctor exited 1.
bridge_expect() {
	local name=$1 id
	shift
	[ "$DOCTOR_RC" -eq 1 ] || e2e_fail "$name: doctor exited $DOCTOR_RC, expected 1"
	for id in "$@"; do
		jq -e --arg id "$id" 'any(.diagnoses[]; .id == $id
			and (.severity | IN("low", "medium", "high"))
			and (.confidence | IN("low", "medium", "high"))
			and (.evidence.requests >= 5) and (.fixes | length > 0))' \
			"$E2E_TMP/$name.json" >/dev/null ||
			{ jq . "$E2E_TMP/$name.json" >&2; e2e_fail "$name: no diagnosis $id"; }
	done
}

# bridge_expect_clean NAME: no diagnosis, exit 0.
bridge_expect_clean() {
	jq -e '.diagnoses == [] and .summary.diagnoses == 0' "$E2E_TMP/$1.json" >/dev/null ||
		{ jq . "$E2E_TMP/$1.json" >&2; e2e_fail "$1: diagnoses where there should be none"; }
	[ "$DOCTOR_RC" -eq 0 ] || e2e_fail "$1: doctor exited $DOCTOR_RC with no diagnosis"
}

# bridge_apply_fixes NAME: applies every fix the report NAME prints:
#   xffwatch  its args, appended to FIX_ARGS (for the next doctor/observer command line);
#   network   run in the app container when it is an nft command and nft is
#             there; otherwise BYPASS=off (the test stops the traffic that
#             bypasses the proxy) or, for NAT, the test stops masquerading;
#   nginx     the snippet into the location that proxies to the app (one that
#             sets X-Forwarded-For replaces our line), nginx -t, reload;
#   werkzeug  ProxyFix's x_for into the app's start;
#   gunicorn  --forwarded-allow-ips into the app's start (FORWARDED_ALLOW_IPS).
# Logs what it applied.
FIX_ARGS=()
BYPASS=on
bridge_apply_fixes() {
	local j="$E2E_TMP/$1.json" arg text v restart_app=0 d="$E2E_TMP/ngx"
	while IFS= read -r arg; do
		FIX_ARGS+=("$arg")
	done < <(jq -r '.diagnoses[].fixes[] | select(.for == "xffwatch") | .args[]?' "$j")
	text=$(jq -r '[.diagnoses[].fixes[] | select(.for == "network") | .text] | unique | join("\n")' "$j")
	if grep -q '^nft ' <<<"$text" && command -v nft >/dev/null; then
		e2e_log "$1: network fix, run in the app container: $(grep '^nft ' <<<"$text" | head -c 300)"
		ip netns exec "$app" sh -e -c "$text" >"$E2E_TMP/$1.nft.log" 2>&1 ||
			{ cat "$E2E_TMP/$1.nft.log" >&2; e2e_fail "$1: the printed nft command failed"; }
	elif jq -e 'any(.diagnoses[]; .id == "app-reached-directly")' "$j" >/dev/null; then
		e2e_log "$1: no nft command to run (or no nft): the test stops the traffic that bypasses nginx"
		BYPASS=off
	fi
	if jq -e 'any(.diagnoses[]; .id == "clients-behind-nat")' "$j" >/dev/null; then
		e2e_log "$1: the NAT fix is outside any program (Docker's userland proxy): the test stops masquerading"
		bridge_nat off
	fi
	text=$(jq -r '[.diagnoses[].fixes[] | select(.for == "nginx") | .text] | unique | join("")' "$j")
	if [ -n "$text" ]; then
		if grep -qi '^[[:space:]]*proxy_set_header[[:space:]]\+X-Forwarded-For' <<<"$text"; then
			: >"$d/headers.conf"
		fi
		printf '%s\n' "$text" >>"$d/fix.conf"
		e2e_log "$1: nginx fix into the location: $(grep -v '^[[:space:]]*#' <<<"$text" | tr '\n' ' ')"
		bridge_nginx_reload
	fi
	# Python and command-line flags: the values from lines that are not comments.
	v=$(jq -r '.diagnoses[].fixes[] | select(.for == "werkzeug") | .text' "$j" |
		grep -v '^[[:space:]]*#' | grep -o 'x_for=[0-9]\+' | head -n 1 | cut -d= -f2)
	if [ -n "$v" ] && [ "$v" != "$APP_X_FOR" ]; then
		APP_X_FOR=$v
		restart_app=1
	fi
	v=$(jq -r '.diagnoses[].fixes[] | select(.for == "gunicorn") | .text' "$j" |
		grep -v '^[[:space:]]*#' | grep -o -- "--forwarded-allow-ips[= ]['\"]\?[^'\" ]\+" |
		head -n 1 | sed -E "s/^--forwarded-allow-ips[= ]['\"]?//")
	if [ -n "$v" ] && [ "$v" != "$APP_ALLOW_IPS" ]; then
		APP_ALLOW_IPS=$v
		restart_app=1
	fi
	if [ "$restart_app" -eq 1 ]; then
		e2e_log "$1: app restarted with ProxyFix(x_for=$APP_X_FOR), FORWARDED_ALLOW_IPS=$APP_ALLOW_IPS"
		bridge_app
	fi
	e2e_log "$1: xffwatch args added: ${FIX_ARGS[*]}"
}

# bridge_fixed TRUST_ARGS...: FIXED = the scenario's trust options and the
# fixes' args. A fix's --trust list is complete (the rule's list plus the
# proxies, or only the proxies where the trust was too broad), and repeated
# --trust options add up, so it takes the place of the scenario's --trust
# rather than following it (which could never narrow a 0.0.0.0/0).
FIXED=()
bridge_fixed() {
	FIXED=()
	if [[ " ${FIX_ARGS[*]} " != *" --trust "* ]]; then
		FIXED=("$@")
	fi
	FIXED+=("${FIX_ARGS[@]}")
}

# bridge_reset: no fix applied, no firewall, no NAT, nginx and the app as at the start.
bridge_reset() {
	FIX_ARGS=()
	# shellcheck disable=SC2034 # the scenarios' traffic reads it
	BYPASS=on
	bridge_nat off
	ip netns exec "$app" nft flush ruleset 2>/dev/null || true
	if [ -s "$E2E_TMP/ngx/fix.conf" ] || [ ! -s "$E2E_TMP/ngx/headers.conf" ]; then
		: >"$E2E_TMP/ngx/fix.conf"
		echo 'proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;' >"$E2E_TMP/ngx/headers.conf"
		bridge_nginx_reload
	fi
	if [ "$APP_X_FOR" != 1 ] || [ "$APP_ALLOW_IPS" != "$BRIDGE_GW" ]; then
		APP_X_FOR=1
		APP_ALLOW_IPS=$BRIDGE_GW
		bridge_app
	fi
}
