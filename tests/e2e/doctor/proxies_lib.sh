# shellcheck shell=bash
# SPDX-License-Identifier: BSD-2-Clause
# Helpers of test_doctor_proxies.sh (sourced after ../lib.sh): a switch with
# client hosts, an edge host (HAProxy) and a server host (nginx in front of
# gunicorn + Flask on loopback); nginx configurations that can be changed and
# reloaded; the traffic; `xffwatch doctor` live and on an event file.
#
# Addresses: server 198.18.0.2 / fd00::2, edge 198.18.0.3 / fd00::3, clients
# 198.18.0.1x / fd00::1x (first client host) and 198.18.0.2x / fd00::2x
# (second). Forged values only from documentation ranges.

PXY_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PXY_CLI1_SRC="198.18.0.11,198.18.0.12,198.18.0.13,fd00::11,fd00::12"
PXY_CLI2_SRC="198.18.0.21,198.18.0.22,fd00::21"

# proxies_host SW NAME ADDR4... -- ADDR6...: a host on the switch SW (eth0).
proxies_host() {
	local sw=$1 name=$2 a v6=0
	shift 2
	e2e_netns "$name"
	ip -n "$E2E_LAST_NS" link add eth0 type veth peer name "p-$name" netns "$sw"
	ip -n "$sw" link set "p-$name" master br0 up
	for a in "$@"; do
		if [ "$a" = -- ]; then
			v6=1
		elif [ "$v6" -eq 0 ]; then
			ip -n "$E2E_LAST_NS" addr add "$a/24" dev eth0
		else
			ip -n "$E2E_LAST_NS" addr add "$a/64" dev eth0 nodad
		fi
	done
	ip -n "$E2E_LAST_NS" link set eth0 up
}

# proxies_topology: sets $sw, $srv, $edge, $cli1, $cli2.
proxies_topology() {
	e2e_netns sw
	sw=$E2E_LAST_NS
	ip -n "$sw" link add br0 type bridge
	ip -n "$sw" link set br0 up
	proxies_host "$sw" srv 198.18.0.2 -- fd00::2
	srv=$E2E_LAST_NS
	proxies_host "$sw" edge 198.18.0.3 -- fd00::3
	edge=$E2E_LAST_NS
	proxies_host "$sw" cli1 198.18.0.11 198.18.0.12 198.18.0.13 -- fd00::11 fd00::12
	cli1=$E2E_LAST_NS
	proxies_host "$sw" cli2 198.18.0.21 198.18.0.22 -- fd00::21
	cli2=$E2E_LAST_NS
}

# proxies_app X_FOR BIND...: (re)starts gunicorn + Flask behind ProxyFix(x_for=X_FOR) in $srv.
PXY_APP_PID=""
proxies_app() {
	local xfor=$1 args=() b
	shift
	if [ -n "$PXY_APP_PID" ]; then
		e2e_stop "$PXY_APP_PID"
	fi
	for b in "$@"; do
		args+=(--bind "$b")
	done
	e2e_bg "$srv" "$E2E_TMP/gunicorn.log" env XFFW_X_FOR="$xfor" "$E2E_PY" -m gunicorn \
		--workers 2 --backlog 512 --chdir "$PXY_DIR" "${args[@]}" proxies_app:app
	PXY_APP_PID=$E2E_LAST_PID
	for b in "$@"; do
		e2e_wait_http "$srv" "http://$b/"
	done
}

# proxies_nginx_conf FILE GEN UPSTREAM LOCATION_LINES: an nginx configuration
# (master process, so that it reloads) whose server on port 80 proxies / to
# UPSTREAM with LOCATION_LINES; "# proxies-fix" marks where fixes go.
# /__gen answers GEN, to know when a reload took effect.
proxies_nginx_conf() {
	mkdir -p "$E2E_TMP/nginx"
	e2e_nginx_conf "$E2E_TMP/nginx" off "    server {
        listen 198.18.0.2:80;
        listen [fd00::2]:80;
        location = /__gen { return 200 \"$2\"; }
        location / {
            proxy_pass $3;
            proxy_set_header Host \$host;
$4
            # proxies-fix
        }
    }" >"$1"
}

PXY_NGINX_PID=""
PXY_NGINX_CONF=""
PXY_NGINX_GEN=0
# proxies_nginx LOCATION_LINES [UPSTREAM]: nginx in $srv with that location
# (default upstream http://127.0.0.1:5000): started, or reloaded with it.
proxies_nginx() {
	PXY_NGINX_GEN=$((PXY_NGINX_GEN + 1))
	PXY_NGINX_CONF="$E2E_TMP/nginx/nginx.conf"
	proxies_nginx_conf "$PXY_NGINX_CONF" "$PXY_NGINX_GEN" "${2:-http://127.0.0.1:5000}" "$1"
	proxies_nginx_reload
}

# proxies_nginx_reload: `nginx -t` on $PXY_NGINX_CONF, then (re)start; waits for it.
proxies_nginx_reload() {
	local gen
	gen=$(sed -n 's|.*location = /__gen { return 200 "\([0-9]*\)"; }.*|\1|p' "$PXY_NGINX_CONF")
	ip netns exec "$srv" nginx -t -q -c "$PXY_NGINX_CONF" 2>"$E2E_TMP/nginx-t.log" ||
		{ cat "$E2E_TMP/nginx-t.log" "$PXY_NGINX_CONF" >&2; e2e_fail "nginx -t rejects the configuration"; }
	if [ -z "$PXY_NGINX_PID" ]; then
		e2e_bg "$srv" "$E2E_TMP/nginx.log" nginx -c "$PXY_NGINX_CONF"
		PXY_NGINX_PID=$E2E_LAST_PID
	else
		kill -HUP "$PXY_NGINX_PID"
	fi
	for _ in $(seq 1 100); do
		[ "$(ip netns exec "$srv" curl -s -m 1 http://198.18.0.2/__gen)" = "$gen" ] && return 0
		sleep 0.05
	done
	e2e_fail "nginx did not take configuration $gen"
}

# proxies_haproxy HTTP_REQUEST_LINES: HAProxy in $edge on port 80 in front of nginx in $srv.
proxies_haproxy() {
	local cfg="$E2E_TMP/haproxy.cfg"
	cat >"$cfg" <<CONF
global
    maxconn 1024
defaults
    mode http
    timeout connect 5s
    timeout client 30s
    timeout server 30s
frontend edge
    bind 198.18.0.3:80
    bind [fd00::3]:80
$1
    default_backend nginx
backend nginx
    server nginx 198.18.0.2:80
CONF
	haproxy -c -q -f "$cfg" || e2e_fail "haproxy -c rejects the configuration"
	e2e_bg "$edge" "$E2E_TMP/haproxy.log" haproxy -db -f "$cfg"
	e2e_wait_http "$edge" http://198.18.0.3/__gen
}

# proxies_traffic NAME COUNT TARGET4 TARGET6 [LOAD_ARGS...]: COUNT requests,
# split over both client hosts (in parallel), from all their addresses.
# Writes $E2E_TMP/NAME.load1 and .load2 (JSON); fails on errors.
proxies_traffic() {
	local name=$1 count=$2 t4=$3 t6=$4 n1 p1 p2 f
	shift 4
	n1=$((count * 2 / 3))
	ip netns exec "$cli1" "$E2E_PY" "$PXY_DIR/proxies_load.py" --target4 "$t4" --target6 "$t6" \
		--source "$PXY_CLI1_SRC" --count "$n1" --seed 1 "$@" >"$E2E_TMP/$name.load1" &
	p1=$!
	ip netns exec "$cli2" "$E2E_PY" "$PXY_DIR/proxies_load.py" --target4 "$t4" --target6 "$t6" \
		--source "$PXY_CLI2_SRC" --count "$((count - n1))" --seed 2 "$@" >"$E2E_TMP/$name.load2" &
	p2=$!
	wait "$p1" || e2e_fail "$name: the first client host failed"
	wait "$p2" || e2e_fail "$name: the second client host failed"
	for f in "$E2E_TMP/$name.load1" "$E2E_TMP/$name.load2"; do
		jq -e '.errors == 0' "$f" >/dev/null || { cat "$f" >&2; e2e_fail "$name: requests failed"; }
	done
}

# proxies_load_sum NAME JQ_FIELD: the field summed over both client hosts.
proxies_load_sum() {
	jq -s "map($2) | add" "$E2E_TMP/$1.load1" "$E2E_TMP/$1.load2"
}

# proxies_doctor_start NAME ARGS...: `xffwatch doctor --format json` live in
# $srv, watching lo port 5000, into $E2E_TMP/NAME.json; returns once its
# observer is attached. Sets PXY_DOCTOR_PID.
proxies_doctor_start() {
	local name=$1 before
	shift
	before=$(e2e_attached "$srv" lo)
	printf '%s\n' "doctor --no-config --format json -q -i lo -p 5000 $*" >"$E2E_TMP/$name.cmd"
	# The doctor ends at --requests or --duration; the timeout only catches a hang (SIGINT: it still reports).
	ip netns exec "$srv" timeout -s INT 150 "$XFFWATCH" doctor --no-config --format json -q -i lo -p 5000 "$@" \
		>"$E2E_TMP/$name.json" 2>"$E2E_TMP/$name.err" &
	PXY_DOCTOR_PID=$!
	E2E_PIDS+=("$PXY_DOCTOR_PID")
	for _ in $(seq 1 200); do
		[ "$(e2e_attached "$srv" lo)" -gt "$before" ] && return 0
		kill -0 "$PXY_DOCTOR_PID" 2>/dev/null || break
		sleep 0.05
	done
	cat "$E2E_TMP/$name.err" >&2
	e2e_fail "$name: the doctor did not attach"
}

# proxies_doctor_finish NAME COUNT: waits for the live doctor, which must have
# judged COUNT events; sets PXY_RC.
proxies_doctor_finish() {
	PXY_RC=0
	wait "$PXY_DOCTOR_PID" || PXY_RC=$?
	proxies_doctor_valid "$1"
	jq -e ".source.kind == \"live\" and .source.events == $2" "$E2E_TMP/$1.json" >/dev/null ||
		{ jq -c .source "$E2E_TMP/$1.json" >&2; e2e_fail "$1: the live report's source is not $2 events"; }
}

# proxies_doctor_events NAME FILE ARGS...: the doctor on an event file; sets PXY_RC.
proxies_doctor_events() {
	local name=$1 file=$2
	shift 2
	printf '%s\n' "doctor --no-config --format json -q --events $file $*" >"$E2E_TMP/$name.cmd"
	PXY_RC=0
	"$XFFWATCH" doctor --no-config --format json -q --events "$file" "$@" \
		>"$E2E_TMP/$name.json" 2>"$E2E_TMP/$name.err" || PXY_RC=$?
	proxies_doctor_valid "$name"
}

# proxies_doctor_valid NAME: the report is one JSON object of the documented schema.
proxies_doctor_valid() {
	local f="$E2E_TMP/$1.json"
	[ "$PXY_RC" -le 1 ] || { cat "$E2E_TMP/$1.err" >&2; e2e_fail "$1: the doctor exited $PXY_RC"; }
	jq -s -e 'length == 1 and (.[0] | .schema == "xffwatch.doctor/1"
		and (.diagnoses | type == "array")
		and all(.diagnoses[]; (.id | type == "string")
			and (.severity | IN("low", "medium", "high"))
			and (.confidence | IN("low", "medium", "high"))
			and (.evidence | type == "object") and (.fixes | type == "array"))
		and .summary.diagnoses == (.diagnoses | length))' "$f" >/dev/null ||
		{ cat "$f" "$E2E_TMP/$1.err" >&2; e2e_fail "$1: the report does not follow the schema"; }
}

# proxies_peer NAME ADDRESS JQ_TEST: the model's peer ADDRESS on port 5000 passes JQ_TEST.
proxies_peer() {
	jq -e --arg a "$2" "[.topology.listeners[] | select(.port == 5000) | .peers[]
		| select(.address == \$a) | $3] | length == 1 and all" "$E2E_TMP/$1.json" >/dev/null ||
		{ jq -c .topology "$E2E_TMP/$1.json" >&2; e2e_fail "$1: peer $2 in the model is not: $3"; }
}

# proxies_ids NAME: the diagnosis ids of a report, sorted, one line.
proxies_ids() {
	jq -r '[.diagnoses[].id] | sort | join(",")' "$E2E_TMP/$1.json"
}

# proxies_expect_diag NAME ID: the report names ID, with evidence (>= 5
# requests, at most 3 examples) and fixes, and the doctor exited 1.
proxies_expect_diag() {
	jq -e --arg id "$2" 'any(.diagnoses[]; .id == $id)' "$E2E_TMP/$1.json" >/dev/null ||
		{ jq . "$E2E_TMP/$1.json" >&2; e2e_fail "$1: no diagnosis $2 (got: $(proxies_ids "$1"))"; }
	jq -e --arg id "$2" '.diagnoses[] | select(.id == $id) | .evidence.requests >= 5
		and ((.evidence.examples // []) | length <= 3) and (.fixes | length >= 1)' \
		"$E2E_TMP/$1.json" >/dev/null ||
		{ jq . "$E2E_TMP/$1.json" >&2; e2e_fail "$1: $2 lacks evidence or fixes"; }
	[ "$PXY_RC" -eq 1 ] || e2e_fail "$1: diagnosis $2 but exit $PXY_RC, not 1"
}

# proxies_expect_clean NAME: "diagnoses": [] and exit 0.
proxies_expect_clean() {
	jq -e '.diagnoses == []' "$E2E_TMP/$1.json" >/dev/null ||
		{ jq . "$E2E_TMP/$1.json" >&2; e2e_fail "$1: diagnoses $(proxies_ids "$1"), expected none"; }
	[ "$PXY_RC" -eq 0 ] || e2e_fail "$1: no diagnosis but exit $PXY_RC, not 0"
}

# proxies_fix KIND NAME ID [CONF]: the fix of diagnosis ID in report NAME
# (proxies_fix.py): nginx (applied to CONF), args (printed one per line),
# x_for (printed).
proxies_fix() {
	"$E2E_PY" "$PXY_DIR/proxies_fix.py" "$1" "$E2E_TMP/$2.json" "$3" "${@:4}" ||
		e2e_fail "$2: no usable $1 fix for $3"
}

# proxies_observer_start NAME ARGS...: the observer in $srv on lo port 5000,
# writing the event file $E2E_TMP/NAME.events (for `doctor --events`).
proxies_observer_start() {
	local name=$1
	shift
	e2e_xffwatch "$srv" "$E2E_TMP/$name.events" --no-config -i lo -p 5000 "$@"
}

# proxies_observer_stop NAME COUNT: once COUNT events are written, stops the observer.
proxies_observer_stop() {
	e2e_wait_lines "$E2E_TMP/$1.events" "$2" || true
	e2e_stop "$XFFW_PID" INT
	[ "$(wc -l <"$E2E_TMP/$1.events")" -eq "$2" ] ||
		e2e_fail "$1: the observer wrote $(wc -l <"$E2E_TMP/$1.events") events, expected $2"
}
