#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# End-to-end overhead and completeness under load, side by side in one run.
#
# wrk (keep-alive, fixed connections and duration) in a client namespace
# drives nginx (2 workers) in a server namespace, which proxies with upstream
# keep-alive to an nginx server on 127.0.0.1:8080 answering "200 ok": an
# upstream fast enough that the proxy path is the bottleneck. The
# proxy-to-app link (loopback, port 8080) is observed by:
#   a) nothing;
#   b) xffwatch, events to a file (its defaults otherwise);
#   c) tcpdump -w, on the same port;
#   d) tshark decoding http.x_forwarded_for live.
# ROUNDS rounds run the four in turn (a b c d, a b c d, ...), so that this
# machine's drift touches all of them alike; medians are reported.
#
#   bench/overhead.sh [ROUNDS] [SECONDS] [CONNECTIONS] > table.md
set -eu
# shellcheck source=../tests/e2e/lib.sh
. "$(dirname "$0")/../tests/e2e/lib.sh"
# shellcheck source=proxy_link.sh
. "$(dirname "$0")/proxy_link.sh"

rounds=${1:-3}
secs=${2:-10}
conns=${3:-64}

e2e_init
bench_proxy_link

sysctl -qw kernel.bpf_stats_enabled=1
trap 'sysctl -qw kernel.bpf_stats_enabled=0; e2e_cleanup' EXIT


cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

# measured[METRIC,CFG,ROUND] for rps, p50, p99, cpu and rss: med() takes their medians.
declare -A measured served written lost ns_pkt

# One run of config $1 in round $2.
run() {
	local cfg=$1 r=$2 pid="" out="$E2E_TMP/$1-$2" t0 t1
	: >"$log"
	if [ "$cfg" != a ]; then
		bench_observer_start "$cfg" "$out"
		pid=$observer_pid
	fi
	[ -n "$pid" ] && t0=$(cpu_ticks "$pid")
	ip netns exec "$cli" wrk -t2 -c"$conns" -d"${secs}s" --latency http://198.18.0.2:80/b \
		>"$out.wrk" 2>&1
	if [ -n "$pid" ]; then
		t1=$(cpu_ticks "$pid")
		measured[cpu,$cfg,$r]=$(((t1 - t0) * 100 / $(getconf CLK_TCK) / secs))
		measured[rss,$cfg,$r]=$(awk '/VmHWM/ {print int($2 / 1024)}' "/proc/$pid/status")
		if [ "$cfg" = b ]; then
			ns_pkt[$r]=$(bpftool prog show name xffwatch_tc --json 2>/dev/null |
				jq -r 'if (.run_cnt // 0) > 0 then (.run_time_ns / .run_cnt | floor) else "-" end' || echo -)
		fi
		sleep 1 # the last responses and records
		kill -INT "$pid"
		wait "$pid" 2>/dev/null || true
	fi
	measured[rps,$cfg,$r]=$(awk '/Requests\/sec/ {printf "%d", $2}' "$out.wrk")
	measured[p50,$cfg,$r]=$(awk '$1 == "50%" {print $2}' "$out.wrk")
	measured[p99,$cfg,$r]=$(awk '$1 == "99%" {print $2}' "$out.wrk")
	served[$cfg,$r]=$(wc -l <"$log")
	case $cfg in
	b)
		written[$cfg,$r]=$(wc -l <"$out.events")
		lost[$cfg,$r]=$(jq -r '.ringbuf_lost' "$out.stats")
		;;
	d)
		written[$cfg,$r]=$(wc -l <"$out.fields")
		lost[$cfg,$r]=$(grep -oE '[0-9]+ packets? dropped' "$out.log" | awk '{s += $1} END {print s + 0}')
		;;
	esac
	rm -f "$out.pcap" "$out.events"
}

for r in $(seq 1 "$rounds"); do
	for cfg in a b c d; do
		run "$cfg" "$r"
	done
done

# Latency in ms from wrk's units.
ms() {
	awk -v v="$1" 'BEGIN {
		if (v ~ /us$/) { sub(/us$/, "", v); print v / 1000 }
		else if (v ~ /ms$/) { sub(/ms$/, "", v); print v + 0 }
		else if (v ~ /s$/) { sub(/s$/, "", v); print v * 1000 }
		else print v }'
}

median() { sort -g | awk '{a[NR] = $1} END {print NR ? a[int((NR + 1) / 2)] : "-"}'; }

med() { # med METRIC CFG [ms]
	local r
	for r in $(seq 1 "$rounds"); do
		if [ "${3:-}" = ms ]; then ms "${measured[$1,$2,$r]}"; else echo "${measured[$1,$2,$r]}"; fi
	done | median
}

base_rps=$(med rps a)
base_p99=$(med p99 a ms)
echo "| configuration | requests/s | vs (a) | p50 ms | p99 ms | p99 vs (a) | observer CPU | observer peak RSS |"
echo "|---|---|---|---|---|---|---|---|"
for cfg in a b c d; do
	case $cfg in
	a) name="(a) nothing observing" ;;
	b) name="(b) xffwatch, events to a file" ;;
	c) name="(c) tcpdump -w" ;;
	d) name="(d) tshark, http.x_forwarded_for live" ;;
	esac
	r_=$(med rps "$cfg")
	p99_=$(med p99 "$cfg" ms)
	if [ "$cfg" = a ]; then c_="-"; m_="-"; else c_="$(med cpu "$cfg") %"; m_="$(med rss "$cfg") MiB"; fi
	printf '| %s | %s | %s | %s | %s | %s | %s | %s |\n' "$name" "$r_" \
		"$(awk -v x="$r_" -v y="$base_rps" 'BEGIN {printf "%.3f", x / y}')" \
		"$(med p50 "$cfg" ms)" "$p99_" \
		"$(awk -v x="$p99_" -v y="$base_p99" 'BEGIN {printf "%.3f", x / y}')" "$c_" "$m_"
done
echo
echo "Completeness, every run ($rounds rounds of ${secs} s, $conns connections):"
echo
echo "| run | (b) nginx log | (b) events | (b) ring-buffer losses | (d) nginx log | (d) tshark lines | (d) packets dropped |"
echo "|---|---|---|---|---|---|---|"
for r in $(seq 1 "$rounds"); do
	echo "| $r | ${served[b,$r]} | ${written[b,$r]} | ${lost[b,$r]} | ${served[d,$r]} | ${written[d,$r]} | ${lost[d,$r]} |"
done
echo
echo "TC program in (b), from bpf_stats_enabled (all packets it ran on: requests, responses, ACKs): $(for r in $(seq 1 "$rounds"); do echo "${ns_pkt[$r]}"; done | median) ns per packet (median of the runs)"
