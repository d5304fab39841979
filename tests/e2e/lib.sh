# shellcheck shell=bash
# SPDX-License-Identifier: BSD-2-Clause
# Shared by the end-to-end tests: test hosts in network namespaces, real
# nginx and gunicorn + Flask from Debian, the observer, and assertions.
#
# Each test sources this file, calls e2e_init, builds what it needs and relies
# on the EXIT trap to remove every namespace and process it made, also on
# failure. Test hosts use 198.18.0.0/15 and fd00::/8; documentation ranges
# appear only inside headers.

set -eu

E2E_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
# The daemon under test; a test (or the caller) may name another build.
XFFWATCH=${XFFWATCH:-$E2E_ROOT/build/xffwatch}
E2E_APP_DIR="$E2E_ROOT/tests/app"
# Debian's interpreter, with Debian's Flask and Werkzeug (not a user's pyenv).
E2E_PY=/usr/bin/python3

E2E_ID="$$"
E2E_NETNS=()
E2E_PIDS=()
E2E_MOUNTS=()
E2E_CGROUPS=()
E2E_CGROUP_ROOT=""
E2E_TMP=""
E2E_NAME=$(basename "$0" .sh)

e2e_log() { printf '  [%s] %s\n' "$E2E_NAME" "$*" >&2; }

e2e_fail() {
	printf '  [%s] FAIL: %s\n' "$E2E_NAME" "$*" >&2
	exit 1
}

e2e_cleanup() {
	local rc=$? pid ns m cg
	set +e
	for pid in "${E2E_PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${E2E_PIDS[@]}"; do
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
	# Before the mounts: a cgroup2 the test mounted may hold them.
	for cg in "${E2E_CGROUPS[@]}"; do
		e2e_cgroup_remove "$E2E_CGROUP_ROOT$cg"
	done
	for m in "${E2E_MOUNTS[@]}"; do
		umount "$m" 2>/dev/null || umount -l "$m" 2>/dev/null
	done
	for ns in "${E2E_NETNS[@]}"; do
		# Anything still running in the namespace goes with it.
		for pid in $(ip netns pids "$ns" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null
		done
		ip netns del "$ns" 2>/dev/null
	done
	if [ "$rc" -ne 0 ] && [ -n "$E2E_TMP" ] && [ -d "$E2E_TMP" ]; then
		e2e_log "logs kept in $E2E_TMP"
	elif [ -n "$E2E_TMP" ]; then
		rm -rf "$E2E_TMP"
	fi
	exit "$rc"
}

e2e_init() {
	[ "$(id -u)" -eq 0 ] || { echo "e2e tests need root" >&2; exit 1; }
	[ -x "$XFFWATCH" ] || { echo "build first: $XFFWATCH missing" >&2; exit 1; }
	E2E_TMP=$(mktemp -d "/tmp/xffwatch-e2e-$E2E_NAME.XXXXXX")
	chmod 755 "$E2E_TMP"
	trap e2e_cleanup EXIT
	trap 'exit 130' INT TERM
}

# e2e_tmpfs DIR SIZE: a small tmpfs at DIR (a disk that fills), unmounted at exit.
e2e_tmpfs() {
	mkdir -p "$1"
	mount -t tmpfs -o "size=$2,mode=0755" xffw-e2e "$1"
	E2E_MOUNTS+=("$1")
}

# e2e_cgroup NAME: a cgroup v2 directory of the test (xffw-e2e-ID-NAME at the
# hierarchy's root), removed at exit with whatever still runs in it; sets
# E2E_LAST_CGROUP to its path as /proc/PID/cgroup shows it, and
# E2E_CGROUP_ROOT to the cgroup2 mount (one mounted on a temporary directory
# when the system has none). Not printed, as for e2e_netns.
e2e_cgroup() {
	if [ -z "$E2E_CGROUP_ROOT" ]; then
		# mountinfo: ... MOUNT-POINT OPTIONS [OPTIONAL...] - FSTYPE SOURCE SUPER-OPTIONS
		E2E_CGROUP_ROOT=$(awk '{ for (i = 7; i < NF; i++) if ($i == "-") {
			if ($(i + 1) == "cgroup2") { print $5; exit } break } }' /proc/self/mountinfo)
		if [ -z "$E2E_CGROUP_ROOT" ]; then
			E2E_CGROUP_ROOT="$E2E_TMP/cgroup2"
			mkdir -p "$E2E_CGROUP_ROOT"
			mount -t cgroup2 xffw-e2e "$E2E_CGROUP_ROOT"
			E2E_MOUNTS+=("$E2E_CGROUP_ROOT")
		fi
	fi
	E2E_LAST_CGROUP="/xffw-e2e-$E2E_ID-$1"
	mkdir "$E2E_CGROUP_ROOT$E2E_LAST_CGROUP"
	E2E_CGROUPS+=("$E2E_LAST_CGROUP")
}

# e2e_cgroup_remove DIR: kills what runs in the cgroup DIR, then removes it.
e2e_cgroup_remove() {
	local pid
	[ -d "$1" ] || return 0
	if [ -e "$1/cgroup.kill" ]; then
		echo 1 >"$1/cgroup.kill" 2>/dev/null
	else
		for pid in $(cat "$1/cgroup.procs" 2>/dev/null); do
			kill -KILL "$pid" 2>/dev/null
		done
	fi
	# A killed process leaves the cgroup a moment later.
	for _ in $(seq 1 50); do
		rmdir "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	e2e_log "cgroup $1 not removed"
}

# The shell that moves itself into the cgroup $0, then becomes "$@": moved
# before the command starts, every socket it makes belongs to the cgroup.
E2E_CGEXEC='echo $$ >"$0/cgroup.procs" && exec "$@"'

# e2e_cgexec CGROUP CMD...: runs CMD in CGROUP (a path from e2e_cgroup).
e2e_cgexec() {
	local cg=$1
	shift
	sh -c "$E2E_CGEXEC" "$E2E_CGROUP_ROOT$cg" "$@"
}

# e2e_bg_cgroup CGROUP NS LOGFILE CMD...: e2e_bg, in CGROUP; sets E2E_LAST_PID.
e2e_bg_cgroup() {
	local cg=$1 ns=$2 log=$3
	shift 3
	sh -c "$E2E_CGEXEC" "$E2E_CGROUP_ROOT$cg" ip netns exec "$ns" "$@" >"$log" 2>&1 &
	E2E_LAST_PID=$!
	E2E_PIDS+=("$E2E_LAST_PID")
}

# e2e_netns NAME: a namespace with loopback up, removed at exit; sets E2E_LAST_NS
# to its name. (Not printed: a command substitution would lose it from the cleanup list.)
e2e_netns() {
	E2E_LAST_NS="xffw-$1-$E2E_ID"
	ip netns add "$E2E_LAST_NS"
	E2E_NETNS+=("$E2E_LAST_NS")
	ip -n "$E2E_LAST_NS" link set lo up
}

# e2e_link NS_A ADDR4_A ADDR6_A NS_B ADDR4_B ADDR6_B [IF_A [IF_B]]: a veth pair, eth0 on
# each side unless named.
e2e_link() {
	local if1=${7:-eth0} if2=${8:-eth0}
	ip -n "$1" link add "$if1" type veth peer name "$if2" netns "$4"
	ip -n "$1" addr add "$2/24" dev "$if1"
	ip -n "$1" addr add "$3/64" dev "$if1" nodad
	ip -n "$4" addr add "$5/24" dev "$if2"
	ip -n "$4" addr add "$6/64" dev "$if2" nodad
	ip -n "$1" link set "$if1" up
	ip -n "$4" link set "$if2" up
}

# e2e_offloads NS on|off: segmentation offloads, and a small MTU when off.
e2e_offloads() {
	local ns=$1 mode=$2 dev
	for dev in lo eth0; do
		ip netns exec "$ns" ethtool -K "$dev" tso "$mode" gso "$mode" gro "$mode" \
			>/dev/null 2>&1 || true
	done
	if [ "$mode" = off ]; then
		ip -n "$ns" link set eth0 mtu 1280
	fi
}

# e2e_bg NS LOGFILE CMD...: runs CMD in NS in the background; sets E2E_LAST_PID.
e2e_bg() {
	local ns=$1 log=$2
	shift 2
	ip netns exec "$ns" "$@" >"$log" 2>&1 &
	E2E_LAST_PID=$!
	E2E_PIDS+=("$E2E_LAST_PID")
}

# e2e_rsyslog NS DIR: Debian's rsyslogd, an instance of its own in NS,
# receiving syslog on 127.0.0.1:5514 over UDP and TCP (octet counting) and on
# the local socket DIR/log (RFC 5424 needs imuxsock's special parser off) into
# DIR/udp.log, DIR/tcp.log and DIR/unix.log, one line per message: MSGID,
# structured data, MSG.
e2e_rsyslog() {
	local ns=$1 dir=$2
	mkdir -p "$dir/work"
	cat >"$dir/rsyslog.conf" <<EOF
global(workDirectory="$dir/work" maxMessageSize="64k")
module(load="imudp")
module(load="imtcp")
module(load="imuxsock" SysSock.Use="off")
template(name="sd" type="string" string="%msgid% %structured-data% %msg%\n")
ruleset(name="udp") { action(type="omfile" file="$dir/udp.log" template="sd") }
ruleset(name="tcp") { action(type="omfile" file="$dir/tcp.log" template="sd") }
ruleset(name="unix") { action(type="omfile" file="$dir/unix.log" template="sd") }
input(type="imudp" address="127.0.0.1" port="5514" ruleset="udp")
input(type="imtcp" address="127.0.0.1" port="5514" ruleset="tcp")
input(type="imuxsock" Socket="$dir/log" UseSpecialParser="off" ParseHostname="on" ruleset="unix")
EOF
	e2e_bg "$ns" "$dir/rsyslogd.log" rsyslogd -n -f "$dir/rsyslog.conf" -i "$dir/rsyslogd.pid"
	for _ in $(seq 1 100); do
		ip netns exec "$ns" ss -Hltn 'sport = :5514' | grep -q . && return 0
		sleep 0.05
	done
	e2e_fail "rsyslogd did not start"
}

# e2e_wait_http NS URL: until URL answers (any status), at most 10 s.
e2e_wait_http() {
	for _ in $(seq 1 100); do
		if ip netns exec "$1" curl -s -o /dev/null -m 1 -g "$2"; then
			return 0
		fi
		sleep 0.1
	done
	e2e_fail "no answer from $2 in $1"
}

# e2e_gunicorn NS BIND...: the Flask app under gunicorn (Debian packages).
e2e_gunicorn() {
	local ns=$1 args=() b
	shift
	for b in "$@"; do
		args+=(--bind "$b")
	done
	e2e_bg "$ns" "$E2E_TMP/gunicorn.log" "$E2E_PY" -m gunicorn --workers 2 \
		--chdir "$E2E_APP_DIR" "${args[@]}" app:app
}

# e2e_nginx_conf DIR ACCESS_LOG HTTP_BODY [MAIN_LINE]: on standard output, an
# nginx.conf in the foreground whose pid, logs and temporary files live under
# DIR (made): MAIN_LINE (e.g. "user root;") at the top, the http{} body given.
e2e_nginx_conf() {
	local dir=$1
	mkdir -p "$dir/logs" "$dir/tmp"
	echo "daemon off;"
	[ -z "${4:-}" ] || echo "$4"
	cat <<EOF
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/logs/error.log warn;
events { worker_connections 1024; }
http {
    access_log $2;
    client_body_temp_path $dir/tmp/body;
    proxy_temp_path $dir/tmp/proxy;
    fastcgi_temp_path $dir/tmp/fastcgi;
    uwsgi_temp_path $dir/tmp/uwsgi;
    scgi_temp_path $dir/tmp/scgi;
$3
}
EOF
}

# e2e_nginx NS CONF_BODY: nginx (Debian) in the foreground with an http{} body.
e2e_nginx() {
	local ns=$1 dir="$E2E_TMP/nginx"
	mkdir -p "$dir"
	e2e_nginx_conf "$dir" "$dir/logs/access.log" "$2" "master_process off;" >"$dir/nginx.conf"
	e2e_bg "$ns" "$E2E_TMP/nginx.log" nginx -p "$dir" -c "$dir/nginx.conf"
}

# e2e_xffwatch NS EVENTS_FILE ARGS...: the observer; sets XFFW_PID. Waits until attached.
e2e_xffwatch() {
	local ns=$1 events=$2
	shift 2
	: >"$E2E_TMP/xffwatch.log"
	ip netns exec "$ns" "$XFFWATCH" --output "$events" "$@" >>"$E2E_TMP/xffwatch.log" 2>&1 &
	XFFW_PID=$!
	E2E_PIDS+=("$XFFW_PID")
	for _ in $(seq 1 100); do
		if grep -q "events to" "$E2E_TMP/xffwatch.log"; then
			return 0
		fi
		kill -0 "$XFFW_PID" 2>/dev/null || break
		sleep 0.05
	done
	cat "$E2E_TMP/xffwatch.log" >&2
	e2e_fail "xffwatch did not start"
}

# e2e_sanitize DIR: makes a sanitizer build (make san) report to DIR/asan.PID
# and abort at the first error; leaks are checked at exit. DIR is open to the
# daemon once it runs as nobody. (GCC's UBSan, linked next to ASan, ignores
# log_path: its reports go to the daemon's standard error.)
e2e_sanitize() {
	mkdir -p "$1"
	chmod 1777 "$1"
	export ASAN_OPTIONS="log_path=$1/asan:halt_on_error=1:abort_on_error=1:detect_leaks=1:disable_coredump=1"
	export UBSAN_OPTIONS="log_path=$1/ubsan:halt_on_error=1:abort_on_error=1:print_stacktrace=1"
}

# e2e_sanitizer_reports DIR LOG...: prints the reports in DIR and in the
# daemon's logs; fails (status 1) if there are any.
e2e_sanitizer_reports() {
	local dir=$1 f found=0
	shift
	for f in "$dir"/asan.* "$dir"/ubsan.*; do
		[ -s "$f" ] || continue
		found=1
		printf '  --- %s\n' "$f" >&2
		head -n 40 "$f" >&2
	done
	for f in "$@"; do
		if grep -q -E 'runtime error:|Sanitizer' "$f" 2>/dev/null; then
			found=1
			printf '  --- %s\n' "$f" >&2
			sed -n -E '/runtime error:|Sanitizer/,+40p' "$f" | head -n 40 >&2
		fi
	done
	[ "$found" -eq 0 ]
}

# e2e_wait_listen NS PORT: until something listens on TCP PORT in NS, at most 10 s.
e2e_wait_listen() {
	for _ in $(seq 1 200); do
		ip netns exec "$1" ss -Hltn "sport = :$2" | grep -q . && return 0
		sleep 0.05
	done
	e2e_fail "nothing listens on port $2 in $1"
}

# e2e_helper_pid PID: the privileged helper of the daemon PID (empty if none).
e2e_helper_pid() {
	pgrep -P "$1" -x xffwatch-priv || true
}

# e2e_stop PID [SIGNAL]: stops a process and waits for it.
e2e_stop() {
	kill -"${2:-TERM}" "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

# e2e_wait_lines FILE N: until FILE has at least N lines, at most 5 s.
e2e_wait_lines() {
	for _ in $(seq 1 100); do
		[ "$(wc -l <"$1" 2>/dev/null || echo 0)" -ge "$2" ] && return 0
		sleep 0.05
	done
	return 1
}

# e2e_count FILE JQ_FILTER: how many events match the filter.
e2e_count() {
	jq -c "select($2)" "$1" | wc -l
}

# e2e_expect_count FILE JQ_FILTER N WHAT
e2e_expect_count() {
	local got
	got=$(e2e_count "$1" "$2")
	[ "$got" -eq "$3" ] || {
		jq -c . "$1" >&2 || cat "$1" >&2
		e2e_fail "$4: $got events match '$2', expected $3"
	}
}

# e2e_two_hosts: sets $cli and $srv: a client host (198.18.0.1, fd00::1) and a
# server host (198.18.0.2, fd00::2), joined by a veth pair, eth0 on each side.
e2e_two_hosts() {
	e2e_netns cli
	cli=$E2E_LAST_NS
	e2e_netns srv
	srv=$E2E_LAST_NS
	e2e_link "$cli" 198.18.0.1 fd00::1 "$srv" 198.18.0.2 fd00::2
}

# e2e_textbook [OFFLOAD]: sets $cli and $srv: a client host (198.18.0.1, fd00::1)
# and a host (198.18.0.2, fd00::2) with nginx on port 80 proxying to gunicorn +
# Flask on 127.0.0.1:5000 (the app also listens on [::]:5000, reachable directly).
e2e_textbook() {
	e2e_two_hosts
	if [ -n "${1:-}" ]; then
		e2e_offloads "$srv" "$1"
		e2e_offloads "$cli" "$1"
	fi
	e2e_gunicorn "$srv" "[::]:5000"
	e2e_nginx "$srv" "
    server {
        listen 198.18.0.2:80;
        listen [fd00::2]:80;
        location / {
            proxy_pass http://127.0.0.1:5000;
            proxy_set_header Host \$host;
            proxy_set_header X-Real-IP \$remote_addr;
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto \$scheme;
        }
    }
    server {
        listen 198.18.0.2:81;
        listen [fd00::2]:81;
        location / {
            proxy_pass http://[::1]:5000;
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
        }
    }"
	e2e_wait_http "$srv" http://127.0.0.1:5000/
	e2e_wait_http "$cli" http://198.18.0.2/
}

# e2e_have_tcx: does this kernel have TCX links (6.6+)? Otherwise auto means clsact.
e2e_have_tcx() {
	local v major minor
	v=$(uname -r)
	major=${v%%.*}
	minor=${v#*.}
	minor=${minor%%[.-]*}
	[ "$major" -gt 6 ] || { [ "$major" -eq 6 ] && [ "$minor" -ge 6 ]; }
}

# e2e_attached NS IFACE: how many xffwatch programs are attached to IFACE in NS.
e2e_attached() {
	ip netns exec "$1" "$XFFWATCH" status --iface "$2" | wc -l
}

e2e_pass() {
	printf '  [%s] ok\n' "$E2E_NAME" >&2
}
