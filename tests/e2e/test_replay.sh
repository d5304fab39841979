#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# `xffwatch replay` against the live observer on the same traffic: the
# textbook setup (nginx in front of gunicorn + Flask), the observer watching
# lo and eth0 while tcpdump captures lo and eth0 (Ethernet framing) and "any"
# (Linux cooked v2) in the same namespace. Each capture, and the lo+eth0 pair
# converted to pcapng and to nanosecond pcap with editcap, replayed as an
# unprivileged user with no capabilities, must give the live events field for
# field, but for @timestamp and event.duration (capture clock: within 1 ms),
# observer.* (the capture does not say which way a packet went) and
# xffwatch.peer (who is behind an interface is the host's to know).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

N=20

e2e_init
e2e_textbook

live="$E2E_TMP/live.json"
e2e_xffwatch "$srv" "$live" --iface lo --iface eth0
caps="$E2E_TMP/caps"
mkdir -p "$caps"
chmod 0755 "$E2E_TMP" "$caps"
for dev in lo eth0 any; do
	e2e_bg "$srv" "$E2E_TMP/tcpdump-$dev.log" tcpdump -Z root -U -n -s 0 -i "$dev" \
		-w "$caps/$dev.pcap" tcp
done
for dev in lo eth0 any; do
	for _ in $(seq 1 100); do
		grep -q "listening on" "$E2E_TMP/tcpdump-$dev.log" && break
		sleep 0.05
	done
done

client() { ip netns exec "$cli" curl -s -g -o /dev/null "$@"; }
# Through nginx; a forged header; a bypass; IPv6; keep-alive (several
# requests on one connection); a 12 KiB cookie (a head over many segments);
# a POST with a body; pipelining straight to the app; not HTTP at all.
for i in $(seq 1 $N); do
	client -A "e2e-agent/$i" "http://198.18.0.2/plain/$i?token=secret"
done
client -H 'X-Forwarded-For: 203.0.113.9' http://198.18.0.2/forged
client -H 'X-Forwarded-For: 203.0.113.9' http://198.18.0.2:5000/bypass
client -A v6-agent "http://[fd00::2]/v6"
client -H 'X-Forwarded-For: 203.0.113.9' "http://[fd00::2]:81/v6-loop6"
client http://198.18.0.2/ka/1 http://198.18.0.2/ka/2 http://198.18.0.2/ka/3
client -H "Cookie: big=$(head -c 12288 /dev/zero | tr '\0' c)" http://198.18.0.2:5000/bigcookie
client -X POST --data 'password=SECRET-BODY' http://198.18.0.2/login
ip netns exec "$cli" python3 -c '
import socket
s = socket.create_connection(("198.18.0.2", 5000))
s.sendall(b"GET /pipe/1 HTTP/1.1\r\nHost: a\r\n\r\nGET /pipe/2 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
while s.recv(65536):
    pass
s = socket.create_connection(("198.18.0.2", 5000))
s.sendall(b"\x16\x03\x01\x00\x05hello")
s.close()
'
total=$((N + 11))
e2e_wait_lines "$live" "$total" || true
sleep 0.3
for pid in "${E2E_PIDS[@]}"; do
	case "$(cat "/proc/$pid/cmdline" 2>/dev/null | tr '\0' ' ')" in
	*tcpdump*) e2e_stop "$pid" INT ;;
	esac
done
e2e_stop "$XFFW_PID" INT
[ "$(wc -l <"$live")" -eq "$total" ] || { cat "$live" >&2; e2e_fail "live: $(wc -l <"$live") events, expected $total"; }

editcap -F pcapng "$caps/lo.pcap" "$caps/lo.pcapng"
editcap -F nsecpcap "$caps/eth0.pcap" "$caps/eth0-ns.pcap"
chmod 0644 "$caps"/*

# Unprivileged: user nobody, every capability dropped, no BPF.
replay() {
	local out=$1
	shift
	setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all --bounding-set=-all \
		"$XFFWATCH" replay --no-config -q -o - "$@" >"$out" 2>"$out.err" ||
		{ cat "$out.err" >&2; e2e_fail "replay $* failed"; }
}

# compare LIVE REPLAY WHAT: the same events, field for field.
compare() {
	python3 - "$1" "$2" "$3" <<'PY' || e2e_fail "$3: replay differs from live"
import json, sys
from datetime import datetime
def load(p):
    return [json.loads(l) for l in open(p) if l.strip()]
def ts(e):
    return datetime.strptime(e["@timestamp"], "%Y-%m-%dT%H:%M:%S.%fZ").timestamp()
def key(e):
    return (e["url"].get("path", ""), e["source"]["ip"], e["destination"]["port"], e.get("user_agent", {}).get("original", ""))
def strip(e):
    e = dict(e)
    for k in ("@timestamp", "observer"):
        e.pop(k, None)
    ev = dict(e.get("event", {}))
    ev.pop("duration", None)
    e["event"] = ev
    # Who is behind the interface (a veth's namespace), and who owns the
    # sockets, are the host's to know, not the capture's: the replay says neither.
    xw = dict(e.get("xffwatch", {}))
    xw.pop("peer", None)
    xw.pop("identity", None)
    e["xffwatch"] = xw
    for end in ("source", "destination"):
        e[end] = {k: v for k, v in e[end].items() if k != "user"}
    return e
def assert_no_identity(e):
    if "identity" in e.get("xffwatch", {}) or "user" in e["source"] or "user" in e["destination"]:
        sys.exit(f"{sys.argv[3]}: a replayed event names a socket's owner: {json.dumps(e)}")
live, rep = load(sys.argv[1]), load(sys.argv[2])
if len(live) != len(rep):
    sys.exit(f"{sys.argv[3]}: {len(rep)} events from the capture, {len(live)} live")
for a, b in zip(sorted(live, key=key), sorted(rep, key=key)):
    assert_no_identity(b)
    if strip(a) != strip(b):
        sys.exit(f"{sys.argv[3]}:\n live   {json.dumps(strip(a), sort_keys=True)}\n replay {json.dumps(strip(b), sort_keys=True)}")
    if abs(ts(a) - ts(b)) > 0.001:
        sys.exit(f"{sys.argv[3]}: @timestamp {a['@timestamp']} live, {b['@timestamp']} replayed")
    da, db = a.get("event", {}).get("duration"), b.get("event", {}).get("duration")
    if (da is None) != (db is None) or (da is not None and abs(da - db) > 1000000):
        sys.exit(f"{sys.argv[3]}: event.duration {da} live, {db} replayed")
PY
}

replay "$E2E_TMP/r-pair.json" "$caps/lo.pcap" "$caps/eth0.pcap"
compare "$live" "$E2E_TMP/r-pair.json" "lo + eth0 (Ethernet, pcap)"
replay "$E2E_TMP/r-any.json" "$caps/any.pcap"
compare "$live" "$E2E_TMP/r-any.json" "any (Linux cooked v2)"
replay "$E2E_TMP/r-ng.json" "$caps/lo.pcapng" "$caps/eth0-ns.pcap"
compare "$live" "$E2E_TMP/r-ng.json" "pcapng + nanosecond pcap"
# A nanosecond capture alone: @timestamp to the nanosecond (mixed with a microsecond one: micro).
replay "$E2E_TMP/r-ns.json" "$caps/eth0-ns.pcap"
jq -e -s 'length > 0 and all(."@timestamp" | test("\\.[0-9]{9}Z$"))' "$E2E_TMP/r-ns.json" >/dev/null ||
	e2e_fail "a nanosecond capture's events do not have nanoseconds"
# The same input, byte for byte the same output.
replay "$E2E_TMP/r-pair2.json" "$caps/lo.pcap" "$caps/eth0.pcap"
cmp -s "$E2E_TMP/r-pair.json" "$E2E_TMP/r-pair2.json" || e2e_fail "two replays of one capture differ"
# In the order the requests began.
jq -s -e '[.[]."@timestamp"] | . == sort' "$E2E_TMP/r-pair.json" >/dev/null ||
	e2e_fail "replayed events are not in the order their requests began"
e2e_log "$total events live; the same from lo+eth0, any, pcapng + nanosecond pcap, as nobody"

# To a file (that may rotate), under the sanitizers: every event whole.
san="$E2E_ROOT/build/san/xffwatch"
if [ -x "$san" ]; then
	mkdir -p "$E2E_TMP/files"
	e2e_sanitize "$E2E_TMP/san"
	"$san" replay --no-config -q -o "$E2E_TMP/files/events.json" --rotate-size 4096 \
		"$caps/lo.pcap" "$caps/eth0.pcap" 2>"$E2E_TMP/san.err" ||
		{ cat "$E2E_TMP/san.err" >&2; e2e_fail "replay to a rotating file failed"; }
	e2e_sanitizer_reports "$E2E_TMP/san" "$E2E_TMP/san.err" || e2e_fail "sanitizer reports from replay"
	find "$E2E_TMP/files" -name 'events.json*' -type f -exec cat {} + >"$E2E_TMP/r-files.json"
	compare "$live" "$E2E_TMP/r-files.json" "to a file (sanitizers)"
fi

# A capture that ends with a request waiting: its event says the capture ended.
first=$(tshark -r "$caps/lo.pcap" -Y 'http.request and tcp.dstport == 5000' -T fields -e frame.number \
	2>/dev/null | head -1)
[ -n "$first" ] || e2e_fail "no request to port 5000 in the lo capture"
editcap -r "$caps/lo.pcap" "$caps/head.pcap" "1-$first"
replay "$E2E_TMP/r-head.json" "$caps/head.pcap"
e2e_expect_count "$E2E_TMP/r-head.json" '.xffwatch.no_response == "capture-end"
	and (.xffwatch.findings | index("no-response"))' 1 "the request waiting at the capture's end"
# One that begins in the middle of the connections: picked up at their next message.
n=$(tshark -r "$caps/lo.pcap" -T fields -e frame.number 2>/dev/null | tail -1)
editcap -r "$caps/lo.pcap" "$caps/tail.pcap" "$((n / 2))-$n"
replay "$E2E_TMP/r-tail.json" "$caps/tail.pcap"
got=$(wc -l <"$E2E_TMP/r-tail.json")
[ "$got" -ge 1 ] && [ "$got" -lt "$total" ] ||
	e2e_fail "the second half of the lo capture gave $got events"
jq -e . "$E2E_TMP/r-tail.json" >/dev/null || e2e_fail "events from the second half are not JSON"

# Bad input: one line naming the file, exit 2.
: >"$caps/empty.pcap"
printf 'not a capture at all\n' >"$caps/text.pcap"
for bad in "$caps/empty.pcap" "$caps/text.pcap" "$caps" "$caps/missing.pcap"; do
	set +e
	"$XFFWATCH" replay --no-config -q "$bad" >/dev/null 2>"$E2E_TMP/bad.err"
	rc=$?
	set -e
	[ "$rc" -eq 2 ] && [ "$(wc -l <"$E2E_TMP/bad.err")" -eq 1 ] && grep -qF "$bad" "$E2E_TMP/bad.err" ||
		{ cat "$E2E_TMP/bad.err" >&2; e2e_fail "replay $bad: exit $rc, not one line naming it"; }
done
e2e_pass
