#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Trust by process identity on loopback (--trust-local): a host with nginx
# (workers as www-data, in a cgroup of its own named like a systemd service) in
# front of gunicorn + Flask (as daemon, in a cgroup named like a scope) on
# 127.0.0.1:5000 and [::1]:5000, a client host in front of nginx, and local
# processes that talk to the app directly with a forged X-Forwarded-For: nobody
# (in the test's own cgroup), root and www-data in a third cgroup.
#   - --trust-local user=www-data: requests through nginx carry nginx's and the
#     app's identities and resolve to the client; the direct ones by nobody and
#     root get header-from-unexpected-local-process and client.ip = the peer;
#     www-data's, from outside nginx's cgroup, is trusted (it is www-data);
#   - --trust-local cgroup=NGINX'S-CGROUP, and a listener rule's
#     trust-local=unit=NGINX'S-SERVICE: www-data's direct request is flagged too;
#   - no --trust-local: identities in the events, today's resolution unchanged;
#   - an app in another network namespace, behind the host's veth: the app's
#     identity is "none" and nothing else is said about it.
# Each over IPv4 and IPv6; each run: one event per request, exactly.
#
# The observer runs in the test's mount namespace and enters the host's
# network namespace with --netns: `ip netns exec` mounts a sysfs of its own,
# without the cgroup2 hierarchy the cgroup ids are looked up in.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

e2e_init
e2e_netns cli
cli=$E2E_LAST_NS
e2e_netns host
srv=$E2E_LAST_NS
e2e_netns far
far=$E2E_LAST_NS
e2e_link "$cli" 198.18.0.1 fd00::1 "$srv" 198.18.0.2 fd00::2
# The host's veth to the app in another namespace: eth1 on the host, eth0 there.
e2e_link "$srv" 198.18.3.1 fd00:3::1 "$far" 198.18.3.2 fd00:3::2 eth1 eth0

# Named as systemd would name a service and a scope: the units in the events.
e2e_cgroup nginx.service
cg_nginx=$E2E_LAST_CGROUP
e2e_cgroup app.scope
cg_app=$E2E_LAST_CGROUP
e2e_cgroup other
cg_other=$E2E_LAST_CGROUP
e2e_cgroup far
cg_far=$E2E_LAST_CGROUP
# Where the test itself runs (nobody's curl stays there).
cg_self=$(sed -n 's/^0:://p' /proc/self/cgroup)
[ -n "$cg_self" ] || e2e_fail "no cgroup v2 line in /proc/self/cgroup"
# A cgroup's id is its directory's inode number.
cgid() { stat -c %i "$E2E_CGROUP_ROOT$1"; }

e2e_bg_cgroup "$cg_app" "$srv" "$E2E_TMP/gunicorn.log" \
	setpriv --reuid=daemon --regid=daemon --clear-groups \
	"$E2E_PY" -m gunicorn --workers 2 --chdir "$E2E_APP_DIR" \
	--bind 127.0.0.1:5000 --bind "[::1]:5000" app:app
app_pid=$E2E_LAST_PID
e2e_bg_cgroup "$cg_far" "$far" "$E2E_TMP/gunicorn-far.log" \
	"$E2E_PY" -m gunicorn --workers 1 --chdir "$E2E_APP_DIR" \
	--bind "[::]:5000" app:app
# nginx with its master: the workers, which open the upstream connections, as www-data.
ngx="$E2E_TMP/nginx"
mkdir -p "$ngx"
e2e_nginx_conf "$ngx" "$ngx/logs/access.log" '
    server {
        listen 198.18.0.2:80;
        listen [fd00::2]:80;
        listen 127.0.0.1:80;
        location / {
            proxy_pass http://127.0.0.1:5000;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        }
    }
    server {
        listen 198.18.0.2:81;
        listen [fd00::2]:81;
        location / {
            proxy_pass http://[::1]:5000;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        }
    }' "user www-data;" >"$ngx/nginx.conf"
e2e_bg_cgroup "$cg_nginx" "$srv" "$E2E_TMP/nginx.log" nginx -p "$ngx" -c "$ngx/nginx.conf"
nginx_pid=$E2E_LAST_PID

e2e_wait_http "$srv" http://127.0.0.1:5000/
e2e_wait_http "$srv" "http://[::1]:5000/"
e2e_wait_http "$srv" http://198.18.3.2:5000/
e2e_wait_http "$cli" http://198.18.0.2/
e2e_wait_http "$cli" http://198.18.0.2:81/

# The topology is what the assertions say it is.
in_cgroup() { grep -qx "0::$2" "/proc/$1/cgroup" || e2e_fail "process $1 is not in $2"; }
in_cgroup "$app_pid" "$cg_app"
in_cgroup "$nginx_pid" "$cg_nginx"
workers=$(pgrep -P "$nginx_pid") || e2e_fail "nginx has no workers"
for w in $workers; do
	in_cgroup "$w" "$cg_nginx"
	[ "$(ps -o user= -p "$w")" = www-data ] || e2e_fail "nginx worker $w is not www-data"
done

# observe NAME ARGS...: the observer on the host's lo (and what ARGS add),
# port 5000, events in $events; sets XFFW_PID. Waits until attached.
observe() {
	local name=$1
	shift
	events="$E2E_TMP/$name.events"
	xlog="$E2E_TMP/$name.log"
	stats="$E2E_TMP/$name.stats"
	"$XFFWATCH" --no-config --netns "$srv" --iface lo --port 5000 --output "$events" \
		--stats "$stats" "$@" >"$xlog" 2>&1 &
	XFFW_PID=$!
	E2E_PIDS+=("$XFFW_PID")
	for _ in $(seq 1 100); do
		grep -q "events to" "$xlog" && return 0
		kill -0 "$XFFW_PID" 2>/dev/null || break
		sleep 0.05
	done
	cat "$xlog" >&2
	e2e_fail "$name: xffwatch did not start"
}

# finish NAME N [LOCAL-ENDS]: stops the observer once N events are written;
# exactly N, their LOCAL-ENDS (default 2N) sockets' owners all known.
finish() {
	e2e_wait_lines "$events" "$2" || true
	e2e_stop "$XFFW_PID" INT
	local lines
	lines=$(wc -l <"$events")
	[ "$lines" -eq "$2" ] || { cat "$events" "$xlog" >&2; e2e_fail "$1: $lines events, expected $2"; }
	jq -e . "$events" >/dev/null || e2e_fail "$1: events are not valid JSON lines"
	jq -e ".identity.resolved == ${3:-$(($2 * 2))} and .identity.users_unknown == 0
		and .identity.cgroups_unknown == 0" "$stats" >/dev/null ||
		{ cat "$stats" >&2; e2e_fail "$1: the identity counters are not as expected"; }
	for p in "${SENT[@]}"; do
		e2e_expect_count "$events" ".url.path == \"$p\"" 1 "$1: $p exactly once"
	done
}

SENT=()
# via URL PATH [CURL-ARGS...]: from the client host through nginx.
via() {
	local code
	code=$(ip netns exec "$cli" curl -s -g -o /dev/null -m 5 -w '%{http_code}' "${@:3}" "$1$2")
	[ "$code" = 200 ] || e2e_fail "$1$2 from the client host: HTTP $code"
	SENT+=("$2")
}
# local_req CGROUP USER URL PATH [CURL-ARGS...]: from the host as USER in CGROUP
# ("" for the test's own).
local_req() {
	local cg=$1 user=$2 code as=() in=()
	[ "$user" = root ] || as=(setpriv --reuid="$user" --regid="$(id -g "$user")" --clear-groups)
	[ -z "$cg" ] || in=(sh -c "$E2E_CGEXEC" "$E2E_CGROUP_ROOT$cg")
	code=$("${in[@]}" ip netns exec "$srv" "${as[@]}" \
		curl -s -g -o /dev/null -m 5 -w '%{http_code}' "${@:5}" "$3$4")
	[ "$code" = 200 ] || e2e_fail "$3$4 as $user: HTTP $code"
	SENT+=("$4")
}

FORGED=(-H "X-Forwarded-For: 203.0.113.42")
# traffic RUN: the requests every run sends, paths under /RUN/.
traffic() {
	local r=$1
	SENT=()
	via http://198.18.0.2 "/$r/nginx4"
	via http://198.18.0.2 "/$r/nginx4-xff" -H "X-Forwarded-For: 203.0.113.7"
	via http://198.18.0.2:81 "/$r/nginx6" -H "X-Forwarded-For: 203.0.113.7"
	via "http://[fd00::2]:81" "/$r/nginx6-v6client"
	# A local client of nginx: nginx appends 127.0.0.1, a trusted address.
	local_req "" root http://127.0.0.1 "/$r/local-via-nginx" -H "X-Forwarded-For: 203.0.113.7"
	local_req "" nobody http://127.0.0.1:5000 "/$r/nobody4" "${FORGED[@]}"
	local_req "$cg_other" root http://127.0.0.1:5000 "/$r/other4" "${FORGED[@]}"
	local_req "$cg_other" www-data http://127.0.0.1:5000 "/$r/www4" "${FORGED[@]}"
	local_req "" nobody "http://[::1]:5000" "/$r/nobody6" "${FORGED[@]}"
	local_req "$cg_other" root "http://[::1]:5000" "/$r/other6" "${FORGED[@]}"
	local_req "$cg_other" www-data "http://[::1]:5000" "/$r/www6" "${FORGED[@]}"
}

# ident SIDE USER CGROUP: jq: SIDE (source|destination) is a local socket of
# USER in CGROUP, no container.
ident() {
	local id=".xffwatch.identity.$1"
	printf '(.%s.user.name == "%s" and .%s.user.id == "%s" and %s.seen == "local"
		and %s.cgroup.path == "%s" and %s.cgroup.id == %s and (%s.container // null) == null)' \
		"$1" "$2" "$1" "$(id -u "$2")" "$id" "$id" "$3" "$id" "$(cgid "$3")" "$id"
}
# unit SIDE UNIT: jq: SIDE's systemd unit is UNIT ("" none).
unit() { printf '((.xffwatch.identity.%s.unit // "") == "%s")' "$1" "$2"; }
APP="$(ident destination daemon "$cg_app") and $(unit destination "${cg_app#/}")"
NGINX="$(ident source www-data "$cg_nginx") and $(unit source "${cg_nginx#/}")"
NEW=header-from-unexpected-local-process
SPOOF=spoofed-header-from-untrusted-peer

# expect_nginx RUN: requests through nginx: nginx's and the app's identities, the client resolved.
expect_nginx() {
	local r=$1 ok
	ok="$NGINX and $APP and (.xffwatch.findings | index(\"$NEW\") | not)"
	e2e_expect_count "$events" ".url.path == \"/$r/nginx4\" and $ok and .source.ip == \"127.0.0.1\"
		and .client.ip == \"198.18.0.1\" and .xffwatch.trust.header == \"x-forwarded-for\"
		and .xffwatch.findings == []" 1 "$r: client host through nginx"
	e2e_expect_count "$events" ".url.path == \"/$r/nginx4-xff\" and $ok and .client.ip == \"198.18.0.1\"
		and .xffwatch.trust.chain == [\"203.0.113.7\", \"198.18.0.1\"]
		and (.xffwatch.findings | index(\"leftmost-differs\"))" 1 "$r: client's own header through nginx"
	e2e_expect_count "$events" ".url.path == \"/$r/nginx6\" and $ok and .source.ip == \"::1\"
		and .client.ip == \"198.18.0.1\" and .network.type == \"ipv6\"" 1 "$r: through nginx to [::1]"
	e2e_expect_count "$events" ".url.path == \"/$r/nginx6-v6client\" and $ok and .source.ip == \"::1\"
		and .client.ip == \"fd00::1\" and .xffwatch.findings == []" 1 "$r: IPv6 client through nginx to [::1]"
	e2e_expect_count "$events" ".url.path == \"/$r/local-via-nginx\" and $ok
		and .xffwatch.trust.chain == [\"203.0.113.7\", \"127.0.0.1\"]
		and .client.ip == \"203.0.113.7\"" 1 "$r: local client through nginx"
}

# direct RUN NAME USER CGROUP PEER flagged|trusted|today: a forged header straight to the app.
direct() {
	local r=$1 n=$2 who verdict
	who="$(ident source "$3" "$4") and $APP and .source.ip == \"$5\""
	# The test's own cgroup may be a unit (a session scope) or not.
	[ "$4" != "$cg_other" ] || who="$who and $(unit source "")"
	case $6 in
	flagged)
		verdict="(.xffwatch.findings | index(\"$NEW\")) and (.xffwatch.findings | index(\"$SPOOF\") | not)
			and .client.ip == \"$5\" and .xffwatch.trust.header == \"peer\""
		;;
	trusted)
		verdict="(.xffwatch.findings | index(\"$NEW\") | not) and .client.ip == \"203.0.113.42\"
			and .xffwatch.trust.header == \"x-forwarded-for\""
		;;
	today)
		# A loopback peer is trusted by address (the default), the header resolves.
		verdict="(.xffwatch.findings | index(\"$NEW\") | not) and .client.ip == \"203.0.113.42\"
			and .xffwatch.trust.header == \"x-forwarded-for\" and .xffwatch.findings == []"
		;;
	esac
	e2e_expect_count "$events" ".url.path == \"/$r/$n\" and $who and $verdict" 1 \
		"$r: $n ($3 in $4, $6)"
}

# direct_all RUN NOBODY ROOT WWW: the six direct requests' verdicts.
direct_all() {
	local r=$1 v peer
	for v in 4 6; do
		peer=127.0.0.1
		[ "$v" = 4 ] || peer=::1
		direct "$r" "nobody$v" nobody "$cg_self" "$peer" "$2"
		direct "$r" "other$v" root "$cg_other" "$peer" "$3"
		direct "$r" "www$v" www-data "$cg_other" "$peer" "$4"
	done
}

# 1. Trust www-data, whichever its cgroup.
observe user --trust-local user=www-data
traffic user
finish user "${#SENT[@]}"
expect_nginx user
direct_all user flagged flagged trusted

# 2. Trust nginx's cgroup, whichever its user; the cgroup2 mount named, as a
# container would (and a directory that is not one refused).
if "$XFFWATCH" --no-config --netns "$srv" --cgroup-root "$E2E_TMP" --output /dev/null \
	2>"$E2E_TMP/root.err"; then
	e2e_fail "--cgroup-root accepted a directory that is no cgroup2 file system"
fi
grep -q "not the root of a cgroup2 file system" "$E2E_TMP/root.err" ||
	e2e_fail "--cgroup-root: $(cat "$E2E_TMP/root.err")"
# Nor a subtree of one: its paths would name cgroups wrongly.
if "$XFFWATCH" --no-config --netns "$srv" --cgroup-root "$E2E_CGROUP_ROOT$cg_other" \
	--output /dev/null 2>"$E2E_TMP/root.err"; then
	e2e_fail "--cgroup-root accepted a cgroup below the root"
fi
observe cgroup --trust-local "cgroup=$cg_nginx" --cgroup-root "$E2E_CGROUP_ROOT"
traffic cgroup
finish cgroup "${#SENT[@]}"
expect_nginx cgroup
direct_all cgroup flagged flagged flagged

# 3. Trust nginx's systemd unit (NAME without a '.' is NAME.service), in a
# listener rule: port 5000's own, www-data's trust from above replaced.
nginx_unit=${cg_nginx#/}
observe unit --trust-local user=www-data --listener "port=5000 trust-local=unit=${nginx_unit%.service}"
traffic unit
finish unit "${#SENT[@]}"
expect_nginx unit
direct_all unit flagged flagged flagged

# 4. No --trust-local: today's behaviour, identities in the events. And the
# app in another namespace, through the host's eth1.
observe default --iface eth1
traffic default
local_req "" root http://198.18.3.2:5000 /default/far4
local_req "" root "http://[fd00:3::2]:5000" /default/far6
# The app's end of those two is no socket of the host's.
finish default "${#SENT[@]}" $((${#SENT[@]} * 2 - 2))
expect_nginx default
direct_all default today today today
# The app's socket is in another namespace: "none", and not a word more about
# it. The host's curl, whose SYN left from here, is a local socket.
for v in 4 6; do
	e2e_expect_count "$events" ".url.path == \"/default/far$v\"
		and .xffwatch.identity.destination == {\"seen\": \"none\"}
		and (.destination | has(\"user\") | not) and .destination.port == 5000
		and $(ident source root "$cg_self") and .xffwatch.findings == []" 1 "app in another namespace over IPv$v"
done
if grep '/default/far' "$events" | grep -q -e "$cg_far" -e "\"id\":$(cgid "$cg_far")[,}]"; then
	grep '/default/far' "$events" >&2
	e2e_fail "an event of the app in another namespace names its cgroup"
fi

# 5. The doctor, on a day of this host's traffic with no --trust-local: nginx
# is the one local process that carries clients, and nobody forges headers to
# the app. It names the forger, and its fix trusts nginx by its unit; with
# that fix applied, the same traffic has the forgers flagged and no more
# suggestion.
doctor_traffic() {
	local r=$1
	SENT=()
	for i in $(seq 1 6); do
		via http://198.18.0.2 "/$r/n4-$i" -A "client-$i"
		via "http://[fd00::2]:81" "/$r/n6-$i" -A "client6-$i"
	done
	for i in $(seq 1 6); do
		local_req "" nobody http://127.0.0.1:5000 "/$r/forged-$i" "${FORGED[@]}"
	done
}
observe doctor
doctor_traffic doctor
finish doctor "${#SENT[@]}"
"$XFFWATCH" doctor --no-config --port 5000 --events "$events" --format json >"$E2E_TMP/doctor.json" &&
	e2e_fail "doctor: exit 0 with a local process forging headers"
jq -e . "$E2E_TMP/doctor.json" >/dev/null || e2e_fail "doctor: not JSON"
fix=$(jq -c '[.diagnoses[] | select(.id == "local-process-forges-headers")
	| .fixes[] | select(.for == "xffwatch") | .args] | first' "$E2E_TMP/doctor.json")
jq -e '[.diagnoses[] | select(.id == "local-process-forges-headers")
	| .evidence.local_owners[] | select(.user == "nobody")] | length == 1' "$E2E_TMP/doctor.json" \
	>/dev/null || { cat "$E2E_TMP/doctor.json" >&2; e2e_fail "doctor: the forger is not named"; }
case $fix in
*"\"--trust-local\",\"unit=${cg_nginx#/}\""*) ;;
*) cat "$E2E_TMP/doctor.json" >&2; e2e_fail "doctor: the fix does not trust nginx's unit: $fix" ;;
esac
mapfile -t fix_args < <(jq -r '.[]' <<<"$fix")
observe doctor-fixed "${fix_args[@]}"
doctor_traffic fixed
finish doctor-fixed "${#SENT[@]}"
e2e_expect_count "$events" ".url.path | startswith(\"/fixed/forged-\")" 6 "fixed: forged requests"
e2e_expect_count "$events" "(.url.path | startswith(\"/fixed/forged-\")) and .client.ip == \"127.0.0.1\"
	and (.xffwatch.findings | index(\"$NEW\"))" 6 "fixed: the forgers flagged"
e2e_expect_count "$events" "(.url.path | startswith(\"/fixed/n\")) and .xffwatch.trust.peer_trusted
	and .xffwatch.trust.peer_rule == \"trust-local\"" 12 "fixed: nginx trusted by its unit"
"$XFFWATCH" doctor --no-config --port 5000 "${fix_args[@]}" --events "$events" --format json \
	>"$E2E_TMP/doctor2.json" || true
jq -e '.suggestions == [] and ([.diagnoses[] | select(.id == "proxy-not-trusted")] == [])' \
	"$E2E_TMP/doctor2.json" >/dev/null || { cat "$E2E_TMP/doctor2.json" >&2; e2e_fail "doctor after the fix"; }

e2e_pass
