#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# `xffwatch replay` against tshark on one capture the benchmark makes itself.
#
# The capture: wrk (keep-alive, CONNECTIONS connections, a mix of forwarding
# headers: none, honest chains, forged ones) in a client namespace drives
# nginx in a server namespace, which proxies to gunicorn + Flask on
# 127.0.0.1:5000; `tcpdump -w` records that proxy-to-app link on the server's
# loopback. wrk runs in 5 s steps until the link has carried PACKETS packets
# (lo's own counter), at most 40 steps; requests are counted in nginx's log.
#
# Then, in ROUNDS rounds (replay, tshark, replay, tshark, ...; tshark in the
# first TSHARK_ROUNDS rounds only, it is slow), under GNU time:
#   xffwatch replay --no-config -q -o FILE CAPTURE
#   tshark -r CAPTURE -Y http.request -T fields -e ip.src -e http.x_forwarded_for
# wall time, user+sys CPU time, peak RSS, and packets/s per second of CPU
# (replay is single-threaded: that is packets/s on one core). Medians are
# reported; completeness is events (lines) against requests in nginx's log.
#
# The capture (and replay's events) live under /var/tmp, removed at the end,
# on failure too, with every namespace and process.
#
#   bench/replay.sh [PACKETS] [ROUNDS] [TSHARK_ROUNDS] [CONNECTIONS] > table.md
set -eu
# shellcheck source=../tests/e2e/lib.sh
. "$(dirname "$0")/../tests/e2e/lib.sh"

want=${1:-1100000}
rounds=${2:-5}
tshark_rounds=${3:-2}
conns=${4:-32}
step=5
max_steps=40

[ -x /usr/bin/time ] || { echo "replay bench: GNU time missing (scripts/deps.sh --bench)" >&2; exit 1; }

e2e_init
work=$(mktemp -d /var/tmp/xffwatch-bench-replay.XXXXXX)
# e2e_cleanup takes the exit status from $?: keep it across the rm (without
# set -e, or the status itself would end the script before the cleanup).
cleanup() {
	local rc=$?
	set +e
	rm -rf "$work"
	(exit "$rc")
	e2e_cleanup
}
trap cleanup EXIT
avail=$(df -Pk /var/tmp | awk 'NR == 2 {print $4}')
[ "$avail" -gt $((4 * 1024 * 1024)) ] || e2e_fail "less than 4 GiB free in /var/tmp"

e2e_netns cli
cli=$E2E_LAST_NS
e2e_netns srv
srv=$E2E_LAST_NS
e2e_link "$cli" 198.18.0.1 fd00::1 "$srv" 198.18.0.2 fd00::2
e2e_gunicorn "$srv" 127.0.0.1:5000
e2e_nginx "$srv" '
    server {
        listen 198.18.0.2:80 backlog=4096;
        access_log logs/proxy.log;
        keepalive_requests 1000000;
        location / {
            proxy_pass http://127.0.0.1:5000;
            proxy_set_header Host $host;
            proxy_set_header X-Real-IP $remote_addr;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
        }
    }'
e2e_wait_http "$srv" http://127.0.0.1:5000/
e2e_wait_http "$cli" http://198.18.0.2/warm

# The header mix, one request in six each: nothing from the client; a chain
# from an honest CDN; a longer one; a forged loopback claim in XFF and
# X-Real-IP; garbage in XFF beside a Forwarded header; a forged internal peer.
cat >"$work/mix.lua" <<'EOF'
local heads = {
	{},
	{ ["X-Forwarded-For"] = "203.0.113.7" },
	{ ["X-Forwarded-For"] = "203.0.113.7, 198.51.100.23" },
	{ ["X-Forwarded-For"] = "127.0.0.1", ["X-Real-IP"] = "127.0.0.1" },
	{ ["X-Forwarded-For"] = "unknown, not-an-ip", ["Forwarded"] = "for=192.0.2.60;proto=https" },
	{ ["X-Forwarded-For"] = "10.0.0.1, 203.0.113.9, 192.0.2.44", ["User-Agent"] = "forger/1.0" },
}
local n = 0
request = function()
	n = n + 1
	return wrk.format("GET", "/r/" .. n, heads[n % #heads + 1])
end
EOF

log="$E2E_TMP/nginx/logs/proxy.log"
cap="$work/capture.pcap"
lo_packets() { ip netns exec "$srv" cat /sys/class/net/lo/statistics/tx_packets; }

: >"$log"
ip netns exec "$srv" tcpdump -i lo -Z root -U -s 0 -B 32768 -w "$cap" 'tcp port 5000' \
	>"$work/tcpdump.log" 2>&1 &
tcpdump_pid=$!
E2E_PIDS+=("$tcpdump_pid")
for _ in $(seq 1 200); do
	grep -q "listening on" "$work/tcpdump.log" && break
	sleep 0.05
done
grep -q "listening on" "$work/tcpdump.log" || { cat "$work/tcpdump.log" >&2; e2e_fail "tcpdump did not start"; }
p0=$(lo_packets)
steps=0
t0=$(date +%s.%N)
while [ $(($(lo_packets) - p0)) -lt "$want" ] && [ "$steps" -lt "$max_steps" ]; do
	ip netns exec "$cli" wrk -t2 -c"$conns" -d"${step}s" -s "$work/mix.lua" http://198.18.0.2:80/ \
		>>"$work/wrk.log" 2>&1
	steps=$((steps + 1))
done
t1=$(date +%s.%N)
sleep 1 # the last responses
e2e_stop "$tcpdump_pid" INT
captured=$(awk '/packets captured/ {print $1}' "$work/tcpdump.log")
dropped=$(awk '/packets dropped by kernel/ {print $1}' "$work/tcpdump.log")
requests=$(wc -l <"$log")
[ "$captured" -ge "$want" ] || e2e_fail "only $captured packets captured in $steps steps of ${step} s"
cap_mb=$(du -m "$cap" | cut -f1)
payload_pkts=$(tcpdump -r "$cap" -nn 'tcp[tcpflags] & tcp-push != 0' 2>/dev/null | wc -l)

# measured[TOOL,ROUND,wall|cpu|rss|lines]
declare -A measured

# timed TOOL ROUND OUT CMD...: CMD under GNU time, its standard output to OUT.
timed() {
	local tool=$1 r=$2 out=$3
	shift 3
	/usr/bin/time -f '%e %U %S %M' -o "$work/time" "$@" >"$out" 2>"$work/$tool.err" ||
		{ cat "$work/$tool.err" >&2; e2e_fail "$tool failed"; }
	read -r wall user sys rss <"$work/time"
	measured[$tool,$r,wall]=$wall
	measured[$tool,$r,cpu]=$(awk -v u="$user" -v s="$sys" 'BEGIN {printf "%.2f", u + s}')
	measured[$tool,$r,rss]=$((rss / 1024))
}

for r in $(seq 1 "$rounds"); do
	timed replay "$r" /dev/null "$XFFWATCH" replay --no-config -q -o "$work/events.json" "$cap"
	measured[replay,$r,lines]=$(wc -l <"$work/events.json")
	rm -f "$work/events.json"
	if [ "$r" -le "$tshark_rounds" ]; then
		timed tshark "$r" "$work/tshark.txt" tshark -r "$cap" -n -Y http.request -T fields \
			-e ip.src -e http.x_forwarded_for
		measured[tshark,$r,lines]=$(wc -l <"$work/tshark.txt")
		rm -f "$work/tshark.txt"
	fi
done

median() { sort -g | awk '{a[NR] = $1} END {print NR ? a[int((NR + 1) / 2)] : "-"}'; }

med() { # med TOOL METRIC
	local r n=$rounds
	[ "$1" = tshark ] && n=$tshark_rounds
	for r in $(seq 1 "$n"); do echo "${measured[$1,$r,$2]}"; done | median
}

rate() { awk -v p="$captured" -v t="$1" 'BEGIN {printf "%.0f", (t > 0 ? p / t : 0)}'; }

echo "Capture: $captured packets ($payload_pkts carrying data), $cap_mb MB, $requests requests in nginx's log;" \
	"wrk -t2 -c$conns, $steps steps of ${step} s ($(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.0f", b - a}') s)" \
	"through nginx to gunicorn + Flask, tcpdump -w on the proxy-to-app link (lo, port 5000); ${dropped:-0} dropped by the kernel."
echo
echo "| tool | wall s | CPU s (user+sys) | packets/s per CPU second | packets/s wall | peak RSS | lines out | nginx log | runs |"
echo "|---|---|---|---|---|---|---|---|---|"
for tool in replay tshark; do
	n=$rounds
	[ "$tool" = tshark ] && n=$tshark_rounds
	[ "$n" -gt 0 ] || continue
	lines=$(for r in $(seq 1 "$n"); do echo "${measured[$tool,$r,lines]}"; done | sort -u | tr '\n' ' ')
	case $tool in
	replay) name="xffwatch replay --no-config -q -o FILE" ;;
	tshark) name="tshark -Y http.request -T fields -e ip.src -e http.x_forwarded_for" ;;
	esac
	printf '| %s | %s | %s | %s | %s | %s MiB | %s| %s | %s |\n' "$name" "$(med "$tool" wall)" \
		"$(med "$tool" cpu)" "$(rate "$(med "$tool" cpu)")" "$(rate "$(med "$tool" wall)")" \
		"$(med "$tool" rss)" "$lines" "$requests" "$n"
done
if [ "$tshark_rounds" -gt 0 ]; then
	echo
	echo "replay against tshark on the same file (medians): $(awk -v a="$(med tshark cpu)" -v b="$(med replay cpu)" \
		'BEGIN {printf "%.1f", a / b}')x in CPU time, $(awk -v a="$(med tshark wall)" -v b="$(med replay wall)" \
		'BEGIN {printf "%.1f", a / b}')x in wall time."
fi
echo
echo "replay per CPU second (median): $(rate "$(med replay cpu)") packets, $(awk -v m="$cap_mb" -v t="$(med replay cpu)" \
	'BEGIN {printf "%.0f", m / t}') MB of capture, $(awk -v e="$requests" -v t="$(med replay cpu)" \
	'BEGIN {printf "%.0f", e / t}') events written."
echo
echo "Every run (interleaved: replay, tshark, replay, ...):"
echo
echo "| round | replay wall s | replay CPU s | replay events | tshark wall s | tshark CPU s | tshark lines |"
echo "|---|---|---|---|---|---|---|"
for r in $(seq 1 "$rounds"); do
	echo "| $r | ${measured[replay,$r,wall]} | ${measured[replay,$r,cpu]} | ${measured[replay,$r,lines]} |" \
		"${measured[tshark,$r,wall]:--} | ${measured[tshark,$r,cpu]:--} | ${measured[tshark,$r,lines]:--} |"
done
