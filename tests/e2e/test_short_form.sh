#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# The short form through the real daemon (docs/audit-event.md, "Short form").
# A tiny app (tests/app/count_app.py) on loopback gets three requests from a
# trusted peer (127.0.0.1): one plain, one with about 9 KiB of X-Forwarded-For
# lines (an event of about 11 KiB) and one with about 50 KiB of them
# (--head-budget 65536 keeps them: an event past 48 KiB). The daemon writes
# to a file, to a raw UDP receiver and to rsyslog over TCP. Then:
#  - the file has the ~11 KiB event whole and the ~50 KiB one short;
#  - every datagram is at most 8 KiB and parses; the two large ones are short
#    forms whose structured data lists truncated;
#  - TCP has the ~11 KiB event whole, the ~50 KiB one short;
#  - the counters: events_shortened 1, shortened per output (file 1, UDP 2,
#    TCP 1), events_truncated 2 (both were written short somewhere), nothing
#    dropped.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

e2e_init
[ -x "$E2E_PY" ] || e2e_fail "no $E2E_PY"
e2e_netns srv
srv=$E2E_LAST_NS

applog="$E2E_TMP/app.log"
e2e_bg "$srv" "$E2E_TMP/app.out" "$E2E_PY" "$E2E_APP_DIR/count_app.py" "$applog" 5000
rs="$E2E_TMP/rsyslog"
e2e_rsyslog "$srv" "$rs"
chmod 711 "$E2E_TMP" "$rs"
# Each datagram as it came: its length, a space, its bytes (a message has no newline).
udp="$E2E_TMP/udp.raw"
e2e_bg "$srv" "$E2E_TMP/udp.out" "$E2E_PY" -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", 5515))
with open(sys.argv[1], "ab", buffering=0) as f:
    while True:
        d = s.recv(65535)
        f.write(b"%d " % len(d) + d + b"\n")
' "$udp"
for i in $(seq 1 100); do
	ip netns exec "$srv" ss -Hlun 'sport = :5515' | grep -q . && break
	[ "$i" -lt 100 ] || e2e_fail "the UDP receiver did not start"
	sleep 0.05
done
e2e_wait_listen "$srv" 5000

ev="$E2E_TMP/events.json"
stats="$E2E_TMP/stats.json"
e2e_xffwatch "$srv" "$ev" --port 5000 --head-budget 65536 --syslog udp://127.0.0.1:5515 \
	--syslog tcp://127.0.0.1:5514 --stats "$stats"

# headers FILE LINES HOPS: LINES X-Forwarded-For lines of HOPS addresses each.
headers() {
	"$E2E_PY" -c '
import sys
hops = ", ".join("198.51.100.%d" % (i % 250 + 1) for i in range(int(sys.argv[2])))
sys.stdout.write("".join("X-Forwarded-For: %s\n" % hops for _ in range(int(sys.argv[1]))))
' "$2" "$3" >"$1"
}
headers "$E2E_TMP/h10k" 2 300
headers "$E2E_TMP/h50k" 8 400
get() { ip netns exec "$srv" curl -s -o /dev/null -f "$@" || e2e_fail "curl $*"; }
get http://127.0.0.1:5000/small
get -H @"$E2E_TMP/h10k" http://127.0.0.1:5000/big10k
get -H @"$E2E_TMP/h50k" http://127.0.0.1:5000/big50k

lines() { if [ -f "$1" ]; then wc -l <"$1"; else echo 0; fi; }
for _ in $(seq 1 100); do
	[ "$(lines "$ev")" -ge 3 ] && [ "$(lines "$udp")" -ge 3 ] &&
		[ "$(lines "$rs/tcp.log")" -ge 3 ] && break
	sleep 0.1
done
e2e_stop "$XFFW_PID" TERM
[ "$(lines "$applog")" -eq 3 ] || e2e_fail "the app got $(lines "$applog") requests, expected 3"
for f in "$ev" "$udp" "$rs/tcp.log"; do
	[ "$(lines "$f")" -eq 3 ] || e2e_fail "$(lines "$f") events in $f, expected 3"
done

# The JSON message after the structured data; the structured data's findings.
json_of() { sed 's/^[^{]*//'; }
sd_findings() { sed 's/\] {.*//' | sed -n 's/.* findings="\([^"]*\)".*/\1/p'; }
# check WHERE PATH whole|short JSON: what an event of PATH must be.
check() {
	local where=$1 path=$2 form=$3 json=$4
	jq -e --arg p "$path" '.url.path == $p' <<<"$json" >/dev/null ||
		e2e_fail "$where: no valid event for $path"
	if [ "$form" = whole ]; then
		jq -e --arg p "$path" '(.xffwatch.shortened | not) and
			(.xffwatch.findings | index("truncated") | not) and
			($p == "/small" or (.xffwatch.forwarded["x-forwarded-for"] | length) >= 1)' \
			<<<"$json" >/dev/null ||
			e2e_fail "$where: $path is not whole"
	else
		jq -e '.xffwatch.shortened == true and (.xffwatch.findings | index("truncated"))
			and (.xffwatch.forwarded | not)' <<<"$json" >/dev/null ||
			e2e_fail "$where: $path is not the short form"
		[ "${#json}" -le 5632 ] || e2e_fail "$where: the short form of $path is ${#json} bytes"
	fi
}

# The file.
for p in /small:whole /big10k:whole /big50k:short; do
	check file "${p%:*}" "${p#*:}" "$(jq -c --arg p "${p%:*}" 'select(.url.path == $p)' "$ev")"
done
size=$(jq -c 'select(.url.path == "/big10k")' "$ev" | wc -c)
[ "$size" -gt 8192 ] && [ "$size" -lt 49152 ] || e2e_fail "the /big10k event is $size bytes"

# UDP: every datagram within 8 KiB, and the large ones short with truncated in their SD.
while read -r len msg; do
	[ "$len" -le 8192 ] || e2e_fail "udp: a datagram of $len bytes"
	json=$(json_of <<<"$msg")
	path=$(jq -r .url.path <<<"$json") || e2e_fail "udp: a message whose JSON does not parse"
	case $path in
	/small) check udp "$path" whole "$json" ;;
	/big10k | /big50k)
		check udp "$path" short "$json"
		grep -qw truncated <<<"$(sd_findings <<<"$msg")" ||
			e2e_fail "udp: $path: structured data findings=\"$(sd_findings <<<"$msg")\""
		;;
	*) e2e_fail "udp: an event for $path" ;;
	esac
done <"$udp"

# TCP: whole up to 48 KiB.
for p in /small:whole /big10k:whole /big50k:short; do
	msg=$(grep -F "path=\"${p%:*}\"" "$rs/tcp.log")
	check tcp "${p%:*}" "${p#*:}" "$(json_of <<<"$msg")"
done
grep -F 'path="/big50k"' "$rs/tcp.log" | sd_findings | grep -qw truncated ||
	e2e_fail "tcp: the short form's structured data lacks truncated"

# The counters at exit.
jq -e '.events_shortened == 1 and .events_truncated == 2 and .events_dropped == 0 and
	([.outputs[] | {(.name): [.events, .dropped, .shortened]}] | add) == {
		"'"$ev"'": [3, 0, 1],
		"syslog udp://127.0.0.1:5515": [3, 0, 2],
		"syslog tcp://127.0.0.1:5514": [3, 0, 1]}' "$stats" >/dev/null ||
	{ cat "$stats" >&2; e2e_fail "the counters do not match"; }
e2e_log "file, UDP and TCP: the ~11 KiB event whole where it fits, short in a datagram; the ~50 KiB one short everywhere; counters match"
e2e_pass
