#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Outputs, privacy and privileges, against real nginx, gunicorn and rsyslog:
#  1. one daemon writes a file and sends syslog over UDP, TCP and a local
#     socket to rsyslog
#     (Debian's, its own instance on the server's loopback): every event
#     arrives on each, with its structured data; started with only the
#     systemd unit's capability bounding set, the daemon runs as nobody with
#     no capabilities while events flow; no cookie, authorization or query
#     string reaches any output; the file is 0640 root:adm;
#  2. logrotate's way (rename, SIGHUP) five times and size rotation, under a
#     bounded load: every request is in exactly one file, no line is cut;
#     then the real logrotate with deploy/logrotate/xffwatch.conf, three times;
#  3. a disk that fills: the daemon keeps running, counts what it drops, and
#     writes again once there is room; a file size limit is an error, not a
#     signal that kills;
#  4. the privileged helper killed: the daemon logs it and exits 1 (for its
#     supervisor to restart it).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

e2e_init
e2e_textbook

# rsyslog on the server's loopback: UDP and TCP (octet counting) on 5514, and a local socket.
rs="$E2E_TMP/rsyslog"
e2e_rsyslog "$srv" "$rs"
# The daemon connects to the local socket as nobody: the way there must be open to it.
chmod 711 "$E2E_TMP" "$rs"

lines() { if [ -f "$1" ]; then wc -l <"$1"; else echo 0; fi; }

# wait_for CMD N WHAT: until CMD prints at least N, at most 20 s.
wait_for() {
	local i
	for i in $(seq 1 200); do
		[ "$($1)" -ge "$2" ] && return 0
		sleep 0.1
	done
	e2e_fail "$3: $($1) of $2"
}

# requests PREFIX FIRST LAST: GET /PREFIX/N through nginx, with secrets the
# outputs must not carry.
requests() {
	ip netns exec "$cli" curl -s --no-progress-meter -Z --parallel-max 4 -o /dev/null \
		-H "Cookie: session=SECRETCOOKIE" -H "Authorization: Bearer SECRETBEARER" \
		"http://198.18.0.2/$1/[$2-$3]?token=SECRETQUERY" >/dev/null
}

# ---- 1. syslog over UDP, TCP and a local socket; privileges, secrets ----
# Run with no more capabilities than the systemd unit's bounding set allows.
caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$E2E_ROOT/deploy/systemd/xffwatch.service" |
	tr ' ' '\n' | sed 's/^CAP_/+/' | tr 'A-Z' 'a-z' | paste -sd, -)
[ -n "$caps" ] || e2e_fail "no CapabilityBoundingSet in the systemd unit"
printf '#!/bin/sh\nexec setpriv --bounding-set=-all,%s --inh-caps=-all -- %s "$@"\n' \
	"$caps" "$XFFWATCH" >"$E2E_TMP/xffwatch-capped"
chmod +x "$E2E_TMP/xffwatch-capped"
real_xffwatch=$XFFWATCH
XFFWATCH=$E2E_TMP/xffwatch-capped
ev="$E2E_TMP/events.json"
e2e_xffwatch "$srv" "$ev" --port 5000 --syslog udp://127.0.0.1:5514 \
	--syslog tcp://127.0.0.1:5514 --syslog "unix:$rs/log" --stats "$E2E_TMP/stats.json" \
	--file-owner root:adm
XFFWATCH=$real_xffwatch
requests a 1 100
e2e_wait_lines "$ev" 100 || e2e_fail "no events in the file"

# Least privilege, checked while events flow.
requests a 101 200 &
load=$!
status=/proc/$XFFW_PID/status
grep -Eq '^Uid:\s+65534\s+65534\s+65534\s+65534$' "$status" ||
	{ grep Uid "$status" >&2; e2e_fail "the daemon did not become nobody"; }
grep -Eq '^CapEff:\s+0+$' "$status" || { grep Cap "$status" >&2; e2e_fail "capabilities left"; }
for set in CapPrm CapInh CapAmb CapBnd; do
	grep -Eq "^$set:\s+0+$" "$status" || { grep Cap "$status" >&2; e2e_fail "$set not empty"; }
done
grep -Eq '^NoNewPrivs:\s+1$' "$status" || e2e_fail "no_new_privs not set"
# Of the program's objects, the daemon holds only the ring buffer.
fds=$(ls -l "/proc/$XFFW_PID/fd" 2>/dev/null)
[ "$(grep -c 'anon_inode:bpf-prog' <<<"$fds")" -eq 0 ] || e2e_fail "the daemon holds a BPF program"
[ "$(grep -c 'anon_inode:bpf-map' <<<"$fds")" -eq 1 ] ||
	{ echo "$fds" >&2; e2e_fail "the daemon holds more maps than the ring buffer"; }
helper=$(e2e_helper_pid "$XFFW_PID")
[ -n "$helper" ] || e2e_fail "no privileged helper"
[ "$(stat -c %u "/proc/$helper")" = 0 ] || e2e_fail "the helper is not root"
# The helper keeps what attaching needs, not what changing users needs.
hcap=$((16#$(sed -n 's/^CapEff:\s*//p' "/proc/$helper/status")))
(((hcap >> 39) & 1 && (hcap >> 12) & 1)) || e2e_fail "the helper lost CAP_BPF or CAP_NET_ADMIN"
(((hcap >> 6) & 7)) && e2e_fail "the helper kept CAP_SETGID, CAP_SETUID or CAP_SETPCAP"
wait "$load"

wait_for "lines $ev" 200 "events in the file"
wait_for "lines $rs/udp.log" 200 "syslog over UDP"
wait_for "lines $rs/tcp.log" 200 "syslog over TCP"
wait_for "lines $rs/unix.log" 200 "syslog on a local socket"
[ "$(lines "$ev")" -eq 200 ] || e2e_fail "$(lines "$ev") events in the file, expected 200"
for t in udp tcp unix; do
	f="$rs/$t.log"
	[ "$(lines "$f")" -eq 200 ] || e2e_fail "$t: $(lines "$f") messages, expected 200"
	# MSGID, then the structured data, then the JSON event.
	n=$(grep -c '^audit \[xffwatch@32473 client="198.18.0.1" source="127.0.0.1" dport="5000" method="GET" path="/a/[0-9]*" status="200"\] {' "$f" || true)
	[ "$n" -eq 200 ] || { head -3 "$f" >&2; e2e_fail "$t: $n of 200 messages have the structured data"; }
	# Each path once, and the JSON whole.
	got=$(sed 's/^[^{]*//' "$f" | jq -r '.url.path' | sort -u | wc -l)
	[ "$got" -eq 200 ] || e2e_fail "$t: $got distinct requests of 200"
	sed 's/^[^{]*//' "$f" | jq -e 'select(.client.ip != "198.18.0.1")' >/dev/null &&
		e2e_fail "$t: an event with the wrong client"
done
e2e_stop "$XFFW_PID" TERM
for f in "$ev" "$rs/udp.log" "$rs/tcp.log" "$rs/unix.log" "$E2E_TMP/stats.json" "$E2E_TMP/xffwatch.log"; do
	if grep -l -E 'SECRET(COOKIE|BEARER|QUERY)' "$f"; then
		e2e_fail "a secret reached $f"
	fi
done
[ "$(stat -c %a:%U:%G "$ev")" = 640:root:adm ] || e2e_fail "the events file is not 0640 root:adm"

# ---- 2. rename + SIGHUP, and size rotation, under load ----
mkdir -p "$E2E_TMP/rot"
ev="$E2E_TMP/rot/events.json"
e2e_xffwatch "$srv" "$ev" --port 5000 --rotate-size 256K --stats "$E2E_TMP/stats-rot.json"
total=3000
timeout 120 bash -c "$(declare -f requests); cli=$cli; requests b 1 $total" &
load=$!
for i in 1 2 3 4 5; do
	sleep 0.4
	[ -f "$ev" ] && mv "$ev" "$ev.moved-$i"
	kill -HUP "$XFFW_PID"
done
wait "$load" || e2e_fail "the load did not finish"
all_lines() { cat "$E2E_TMP"/rot/events.json* 2>/dev/null | wc -l; }
wait_for all_lines "$total" "events across the rotated files"
kill -USR1 "$XFFW_PID"
sleep 0.3
e2e_stop "$XFFW_PID" TERM
for f in "$E2E_TMP"/rot/events.json*; do
	[ -s "$f" ] || continue
	[ "$(tail -c 1 "$f" | od -An -c | tr -d ' ')" = '\n' ] || e2e_fail "$f ends in a cut line"
	jq -e . "$f" >/dev/null || e2e_fail "$f has a line that is not a whole event"
done
n=$(cat "$E2E_TMP"/rot/events.json* | jq -r .url.path | sort | uniq -c | awk '$1 == 1' | wc -l)
all=$(all_lines)
[ "$n" -eq "$total" ] && [ "$all" -eq "$total" ] ||
	e2e_fail "$all lines, $n requests exactly once, of $total"
ls "$E2E_TMP"/rot/events.json.moved-5 >/dev/null || e2e_fail "no file after the fifth rename"
printf '%s\n' "$E2E_TMP"/rot/* | grep -Eq '/events\.json\.[0-9]{8}-[0-9]{6}' || e2e_fail "no size rotation"
e2e_log "$total events in $(ls "$E2E_TMP"/rot | wc -l) files after 5 renames and size rotations"

# ---- 2b. the shipped logrotate stanza, run by the real logrotate, under load ----
mkdir -p "$E2E_TMP/lr"
ev="$E2E_TMP/lr/audit.json"
e2e_xffwatch "$srv" "$ev" --port 5000
# The stanza as shipped, but its postrotate signals this test's observer only:
# the shipped one (systemctl, else pkill -x xffwatch) reaches every xffwatch on
# the machine, a production one or another suite's too.
sed -e "s|^/var/log/xffwatch/|$E2E_TMP/lr/|" \
	-e "s|^\t\tsystemctl kill .*|\t\tkill -HUP $XFFW_PID|" -e '/^\t\t\tpkill -HUP -x xffwatch/d' \
	"$E2E_ROOT/deploy/logrotate/xffwatch.conf" >"$E2E_TMP/logrotate.conf"
grep -q "^$E2E_TMP/lr/\*.json {" "$E2E_TMP/logrotate.conf" || e2e_fail "the stanza's path was not found"
grep -q "^		kill -HUP $XFFW_PID\$" "$E2E_TMP/logrotate.conf" && ! grep -q pkill "$E2E_TMP/logrotate.conf" ||
	e2e_fail "the stanza's postrotate was not found"
# Batches of 100 requests until the rotations are done (at most 200 batches).
(
	b=0
	while [ ! -e "$E2E_TMP/lr.stop" ] && [ "$b" -lt 200 ]; do
		requests "l$b" 1 100
		b=$((b + 1))
	done
	echo "$b" >"$E2E_TMP/lr.batches"
) &
load=$!
for i in 1 2 3; do
	sleep 1.1 # dateformat has seconds in it: one rotation per second at most
	logrotate -f -s "$E2E_TMP/logrotate.state" "$E2E_TMP/logrotate.conf" ||
		e2e_fail "logrotate failed with the shipped stanza"
done
touch "$E2E_TMP/lr.stop"
wait "$load" || e2e_fail "the load did not finish"
total=$(($(cat "$E2E_TMP/lr.batches") * 100))
lr_lines() { zcat -f "$E2E_TMP"/lr/audit.json* 2>/dev/null | wc -l; }
wait_for lr_lines "$total" "events across logrotate's files"
e2e_stop "$XFFW_PID" TERM
n=$(zcat -f "$E2E_TMP"/lr/audit.json* | jq -r .url.path | sort | uniq -c | awk '$1 == 1' | wc -l)
[ "$n" -eq "$total" ] && [ "$(lr_lines)" -eq "$total" ] ||
	e2e_fail "logrotate: $(lr_lines) lines, $n requests exactly once, of $total"
ls "$E2E_TMP"/lr/audit.json-*.gz >/dev/null 2>&1 || e2e_fail "logrotate compressed nothing"
[ "$(stat -c %a "$ev")" = 640 ] || e2e_fail "the reopened file is not mode 0640"
e2e_log "logrotate: $total events in $(ls "$E2E_TMP"/lr | wc -l) files after 3 rotations"

# ---- 3. a full disk ----
e2e_tmpfs "$E2E_TMP/small" 256k
ev="$E2E_TMP/small/events.json"
e2e_xffwatch "$srv" "$ev" --port 5000 --queue 64K --stats "$E2E_TMP/stats-full.json"
requests c 1 600
sleep 0.5
kill -0 "$XFFW_PID" || e2e_fail "the daemon died on a full disk"
kill -USR1 "$XFFW_PID"
sleep 0.5
st="$E2E_TMP/stats-full.json"
jq -e '.outputs[0].errors > 0 and .outputs[0].dropped > 0 and .events_dropped > 0' "$st" >/dev/null ||
	{ cat "$st" >&2; e2e_fail "drops on a full disk not counted"; }
full=$(grep -c "No space left on device" "$E2E_TMP/xffwatch.log" || true)
[ "$full" -ge 1 ] && [ "$full" -le 2 ] || e2e_fail "the full disk was logged $full times"
jq -e . "$ev" >/dev/null || e2e_fail "a cut line on the full disk"
# Room again: the next events are written.
truncate -s 0 "$ev"
requests d 1 20
wait_for "lines $ev" 1 "events after the disk had room again"
for _ in $(seq 1 100); do
	[ "$(jq -r 'select(.url.path | startswith("/d/")) | .url.path' "$ev" | wc -l)" -ge 20 ] && break
	sleep 0.1
done
[ "$(jq -r 'select(.url.path | startswith("/d/")) | .url.path' "$ev" | sort -u | wc -l)" -eq 20 ] ||
	e2e_fail "the output did not resume"
grep -q "writing again" "$E2E_TMP/xffwatch.log" || e2e_fail "resuming was not logged"
jq -e . "$ev" >/dev/null || e2e_fail "a cut line after resuming"
e2e_stop "$XFFW_PID" TERM
e2e_log "full disk: $(jq .outputs[0].dropped "$st") events dropped and counted, then resumed"

# ---- 3b. a file size limit (RLIMIT_FSIZE): EFBIG, not SIGXFSZ ----
ev="$E2E_TMP/fsize.json"
printf '#!/bin/sh\nulimit -f 64\nexec %s "$@"\n' "$real_xffwatch" >"$E2E_TMP/xffwatch-fsize"
chmod +x "$E2E_TMP/xffwatch-fsize"
XFFWATCH=$E2E_TMP/xffwatch-fsize
e2e_xffwatch "$srv" "$ev" --port 5000 --stats "$E2E_TMP/stats-fsize.json"
XFFWATCH=$real_xffwatch
requests f 1 300
sleep 0.5
kill -0 "$XFFW_PID" 2>/dev/null || e2e_fail "the daemon died at the file size limit"
kill -USR1 "$XFFW_PID"
sleep 0.5
jq -e '.outputs[0].errors > 0' "$E2E_TMP/stats-fsize.json" >/dev/null || e2e_fail "EFBIG not counted"
jq -e . "$ev" >/dev/null || e2e_fail "a cut line at the file size limit"
[ "$(stat -c %s "$ev")" -le 65536 ] || e2e_fail "the file grew past the limit"
e2e_stop "$XFFW_PID" TERM

# ---- 4. the privileged helper dies: the daemon says so and exits 1 ----
e2e_xffwatch "$srv" "$E2E_TMP/helper.json" --port 5000
helper=$(e2e_helper_pid "$XFFW_PID")
[ -n "$helper" ] || e2e_fail "no privileged helper"
kill -9 "$helper"
rc=0
for _ in $(seq 1 100); do
	kill -0 "$XFFW_PID" 2>/dev/null || break
	sleep 0.05
done
wait "$XFFW_PID" || rc=$?
[ "$rc" -eq 1 ] || e2e_fail "the daemon exited $rc after its helper died, expected 1"
grep -q "the privileged helper ended (signal 9); stopping" "$E2E_TMP/xffwatch.log" ||
	{ cat "$E2E_TMP/xffwatch.log" >&2; e2e_fail "the helper's death was not logged"; }
e2e_log "helper killed: the daemon stopped with status 1"

e2e_pass
