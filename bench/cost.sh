#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Cost per request at fixed rates: the whole machine's CPU time per request
# with nothing, xffwatch, tcpdump -w or tshark observing, at offered rates
# below saturation, so that the observer's cost shows as CPU time instead of
# lost throughput (which this VM's drift hides).
#
# Topology as bench/overhead.sh: wrk in a client namespace, nginx (2 workers)
# in a server namespace proxying with upstream keep-alive to an nginx app on
# 127.0.0.1:8080 answering "200 ok". Requests carry about 1 KiB of head as
# the app sees it (bench/cost_pace.lua; the size is measured and printed).
#
# First the saturation rate (wrk unpaced, nothing observing), then for each
# rate (about 25 % and 60 % of it unless RATES says) ROUNDS rounds of the
# configurations
#   a) nothing;  b) xffwatch, events to a file;  c) tcpdump -w;
#   d) tshark decoding http.x_forwarded_for live,
# the order rotated each round (a b c d, b c d a, ...). A run starts the
# observer, waits until it is ready, starts wrk paced to the rate, and
# measures a window of SECONDS after one second of warm-up:
#   - busy CPU of the machine: /proc/stat, the cores' time minus idle and
#     iowait (measured exactly with NOHZ, unlike the other fields);
#   - completed requests: lines of nginx's access log (the proxy's) whose
#     $msec falls in the window;
#   - the benchmark's tasks' CPU (nginx, wrk, the observer, ksoftirqd):
#     every thread's run time, /proc/PID/task/TID/schedstat, which other
#     work on the machine does not disturb;
#   - the observer's CPU: every thread of its process and of its children
#     (xffwatch's privileged helper, tshark's dumpcap), the same way;
#   - the TC program: run_time_ns and run_cnt of xffwatch_tc (bpf_stats,
#     enabled for every configuration alike).
# "Added" is a configuration minus (a) of the same round. Raw per-run
# numbers: bench/results/cost-runs.tsv. Root; bounded (about 10 minutes
# with the defaults); namespaces and processes are removed at exit.
#
#   [RATES="9000 21000"] [ROUNDS=10] [SECONDS=5] [CONNS=32] bench/cost.sh > table.md
set -eu
# Bash counts SECONDS up from the value it inherits: read it first.
secs=${SECONDS:-0}
[ "$secs" -gt 0 ] || secs=5
# shellcheck source=../tests/e2e/lib.sh
. "$(dirname "$0")/../tests/e2e/lib.sh"
# shellcheck source=proxy_link.sh
. "$(dirname "$0")/proxy_link.sh"

here=$(cd "$(dirname "$0")" && pwd)
rounds=${ROUNDS:-10}
conns=${CONNS:-32}
threads=2
warm=1
lua="$here/cost_pace.lua"
mkdir -p "$here/results"
tsv="$here/results/cost-runs.tsv"
ns_per_jiffy=$((1000000000 / $(getconf CLK_TCK)))
cores=$(getconf _NPROCESSORS_ONLN)

e2e_init
# /size/ on the app logs the length of the head it received ($request_length:
# request line and header lines), for a path as long as the measured one.
# shellcheck disable=SC2016
bench_proxy_link '
    log_format cost_msec "$msec";
    log_format cost_size "$request_length";' cost_msec off '
        location /size/ {
            access_log logs/size.log cost_size;
            default_type text/plain;
            return 200 "ok\n";
        }'
url='http://198.18.0.2:80/cost/catalog/items?id=42'

stats_was=$(sysctl -n kernel.bpf_stats_enabled)
sysctl -qw kernel.bpf_stats_enabled=1
# e2e_cleanup exits with the status it finds in $?: keep the script's.
# Captures and event files are large: never kept, even when the logs are.
trap 'rc=$?; set +e; sysctl -qw kernel.bpf_stats_enabled="$stats_was"
	rm -f "$E2E_TMP"/*.pcap "$E2E_TMP"/*.events "$E2E_TMP"/*.fields; (exit $rc); e2e_cleanup' EXIT


# Every process of the tree under PID (itself included), one per line.
tree_pids() {
	local p
	echo "$1"
	for p in $(pgrep -P "$1"); do
		tree_pids "$p"
	done
}

# The ids of the xffwatch_tc programs the tree under PID holds (its
# privileged helper holds the attachment): other namespaces may run their own.
tc_prog_ids() {
	local p
	for p in $(tree_pids "$1"); do
		cat /proc/"$p"/fdinfo/* 2>/dev/null || true
	done | awk '$1 == "prog_id:" { print $2 }' | sort -u | while read -r p; do
		bpftool prog show id "$p" --json | jq -r 'select(.name == "xffwatch_tc") | .id'
	done
}

# "RUN_TIME_NS RUN_CNT" summed over the program ids given (bpf_stats).
tc_stats() {
	local id ns=0 cnt=0 line
	for id in "$@"; do
		line=$(bpftool prog show id "$id" --json | jq -r '"\(.run_time_ns // 0) \(.run_cnt // 0)"')
		ns=$((ns + ${line% *}))
		cnt=$((cnt + ${line#* }))
	done
	echo "$ns $cnt"
}

# The benchmark's processes: everything in the two namespaces (nginx, wrk,
# the observer) and the softirq threads, one per line.
task_pids() {
	{
		ip netns pids "$cli"
		ip netns pids "$srv"
		pgrep '^ksoftirqd/'
	} | sort -u
}

# "ALL OBSERVER": CPU time in ns of every thread of the processes PIDS (one
# string), and of those among them in OBSERVER_PIDS, from schedstat's run
# time (this kernel has no IRQ time accounting: a task's run time includes
# the softirq work done in its context, the network stack on lo and veth).
task_ns() {
	local p files=()
	for p in $1; do
		files+=(/proc/"$p"/task/*/schedstat)
	done
	# grep names each file (/proc/PID/task/TID/schedstat:RUN_NS ...) and goes
	# on past a task that has gone.
	grep -H . "${files[@]}" 2>/dev/null | awk -v obs=" $2 " '{
			split($0, f, "[/:]"); all += f[7]
			if (index(obs, " " f[3] " ")) mine += f[7] }
		END { printf "%.0f %.0f\n", all, mine }'
}

# "IDLE BUSY STEAL" jiffies of the machine: idle and iowait, the other fields
# but guest (already in user), steal (among them). With NOHZ the kernel
# measures idle time exactly, while the busy fields are sampled at each tick
# (their sum scattered by up to 20 % from one 5-second run to the next, the
# complement of idle stayed 1-2 % above the tasks' own run times): busy time
# is the cores' time minus idle and iowait.
machine_jiffies() {
	local _cpu user nice sys idle iowait irq softirq steal
	read -r _cpu user nice sys idle iowait irq softirq steal _ </proc/stat
	echo "$((idle + iowait)) $((user + nice + sys + irq + softirq + steal)) $steal"
}

# The microseconds of the wall clock.
now_us() { echo "${EPOCHREALTIME/./}"; }

# wrk with the script's heads, in the client namespace: RATE (total
# requests/s, 0 unpaced) CONNECTIONS SECONDS OUTPUT URL.
load() {
	local per_thread=0
	[ "$1" -eq 0 ] || per_thread=$(awk -v r="$1" -v t="$threads" 'BEGIN { printf "%.3f", r / t }')
	ip netns exec "$cli" env COST_RATE="$per_thread" \
		wrk -t"$threads" -c"$2" -d"$3s" -s "$lua" "$5" >"$4" 2>&1
}

# The head the app receives: one second of requests to /size/, same length.
: >"$E2E_TMP/nginx/logs/size.log"
load 0 2 1 "$E2E_TMP/size.wrk" "http://198.18.0.2:80/size/catalog/items?id=42"
head_bytes=$(awk '{ s += $1; n++ } END { printf "%d", n ? s / n : 0 }' \
	"$E2E_TMP/nginx/logs/size.log")

# Saturation: unpaced, nothing observing.
load 0 64 5 "$E2E_TMP/saturation.wrk" "$url"
saturation=$(awk '/Requests\/sec/ { printf "%d", $2 }' "$E2E_TMP/saturation.wrk")
[ "${saturation:-0}" -ge 1000 ] || { cat "$E2E_TMP/saturation.wrk" >&2; e2e_fail "no saturation rate"; }
if [ -n "${RATES:-}" ]; then
	rates=$RATES
else
	# About 25 % and 60 %, rounded down to hundreds.
	rates="$((saturation / 400 * 100)) $((saturation * 6 / 1000 * 100))"
fi
# At or near saturation the configurations would serve different rates.
for rate in $rates; do
	[ "$rate" -gt 0 ] && [ "$rate" -le $((saturation * 85 / 100)) ] ||
		e2e_fail "rate $rate requests/s: not between 1 and 85 % of the saturation rate ($saturation/s)"
done

# The deltas of two machine_jiffies samples, tab-separated.
jiffies_delta() {
	local a b
	read -r -a a <<<"$1"
	read -r -a b <<<"$2"
	printf '%s\t%s\t%s' $((b[0] - a[0])) $((b[1] - a[1])) $((b[2] - a[2]))
}

# Lines of the log with $msec in [T0, T1) (microseconds of the wall clock).
served() {
	awk -v t0="${1:0:-6}.${1: -6}" -v t1="${2:0:-6}.${2: -6}" \
		'$1 >= t0 && $1 < t1 { n++ } END { print n + 0 }' "$log"
}

echo -e "rate\tround\tposition\tconfig\twindow_us\tcores\tidle_jiffies\tsampled_busy_jiffies\tsteal_jiffies\trequests\ttask_window_us\ttask_requests\ttask_ns\tobserver_ns\ttc_window_us\ttc_requests\ttc_run_ns\ttc_run_cnt\tlog_lines\tevents\tlost" >"$tsv"

# One run: RATE ROUND POSITION CONFIG; appends a line to the TSV. Three
# windows, nested and each with its own count of requests: the machine's
# (innermost), the benchmark's tasks', the TC program's (bpftool).
run() {
	local rate=$1 r=$2 pos=$3 cfg=$4 out="$E2E_TMP/$1-$2-$4" pid="" wrk_pid
	local t0 t1 m0 m1 tp0 tp1 task0 task1 tb0 tb1 tc0="0 0" tc1="0 0"
	local pids obs_pids="" prog_ids=() lines events=- lost=-
	: >"$log"
	if [ "$cfg" != a ]; then
		bench_observer_start "$cfg" "$out"
		pid=$observer_pid
	fi
	if [ "$cfg" = b ]; then
		mapfile -t prog_ids < <(tc_prog_ids "$pid")
		[ ${#prog_ids[@]} -gt 0 ] || { echo "cost: xffwatch_tc not found" >&2; exit 1; }
	fi
	load "$rate" "$conns" $((warm + secs + 1)) "$out.wrk" "$url" &
	wrk_pid=$!
	sleep "$warm"
	[ -z "$pid" ] || obs_pids=$(tree_pids "$pid" | tr '\n' ' ')
	pids=$(task_pids | tr '\n' ' ')
	tb0=$(now_us)
	tc0=$(tc_stats "${prog_ids[@]}")
	tp0=$(now_us)
	# bpftool reads the counters somewhere in its 20-60 ms: count from the middle.
	tb0=$(((tb0 + tp0) / 2))
	task0=$(task_ns "$pids" "$obs_pids")
	t0=$(now_us)
	m0=$(machine_jiffies)
	sleep "$secs"
	m1=$(machine_jiffies)
	t1=$(now_us)
	task1=$(task_ns "$pids" "$obs_pids")
	tp1=$(now_us)
	tc1=$(tc_stats "${prog_ids[@]}")
	tb1=$(now_us)
	tb1=$(((tp1 + tb1) / 2))
	wait "$wrk_pid"
	lines=$(wc -l <"$log")
	if [ "$cfg" = b ]; then
		# The daemon's last events, before it is stopped: up to 3 s.
		for _ in $(seq 1 60); do
			[ "$(wc -l <"$out.events")" -lt "$lines" ] || break
			sleep 0.05
		done
	fi
	if [ "$cfg" = d ]; then
		# tshark would decode its backlog first, seconds at the higher rate.
		# shellcheck disable=SC2046
		kill -KILL $(tree_pids "$pid")
	elif [ -n "$pid" ]; then
		kill -INT "$pid" 2>/dev/null || true
	fi
	[ -z "$pid" ] || wait "$pid" 2>/dev/null || true
	if [ "$cfg" = b ]; then
		events=$(wc -l <"$out.events")
		lost=$(jq -r '.ringbuf_lost' "$out.stats")
	fi
	rm -f "$out.pcap" "$out.events" "$out.fields"
	printf '%s\t' "$rate" "$r" "$pos" "$cfg" \
		$((t1 - t0)) "$cores" "$(jiffies_delta "$m0" "$m1")" "$(served "$t0" "$t1")" \
		$((tp1 - tp0)) "$(served "$tp0" "$tp1")" $((${task1% *} - ${task0% *})) $((${task1#* } - ${task0#* })) \
		$((tb1 - tb0)) "$(served "$tb0" "$tb1")" $((${tc1% *} - ${tc0% *})) $((${tc1#* } - ${tc0#* })) \
		"$lines" "$events" >>"$tsv"
	echo "$lost" >>"$tsv"
}

configs=(a b c d)
for rate in $rates; do
	for r in $(seq 1 "$rounds"); do
		took=""
		for i in 0 1 2 3; do
			cfg=${configs[$(((r - 1 + i) % 4))]}
			start=$(now_us)
			run "$rate" "$r" $((i + 1)) "$cfg"
			took+=" $cfg $((($(now_us) - start) / 100000))"
		done
		echo "cost: $rate requests/s, round $r of $rounds at $(date -u +%T); run times (0.1 s):$took" >&2
	done
done

# The report, from the TSV alone.

# Median, 10th and 90th percentile (linear between ranks) of numbers on stdin.
pct() {
	sort -g | awk '{ v[NR] = $1 }
		function q(p,  h, i) { h = (NR - 1) * p + 1; i = int(h)
			return i >= NR ? v[NR] : v[i] + (h - i) * (v[i + 1] - v[i]) }
		END { if (NR) printf "%s %s %s\n", q(0.5), q(0.1), q(0.9); else print "- - -" }'
}

# FORMAT (printf, for one number) applied to "median p10 p90": "m (p10-p90)".
spread() {
	local m lo hi
	read -r m lo hi
	if [ "$m" = - ]; then
		echo -
		return
	fi
	# shellcheck disable=SC2059
	printf "$1 ($1-$1)" "$m" "$lo" "$hi"
}

# Per-round values at RATE of CONFIG: the awk expression EXPR, one line per
# round where it is defined. Per request, in µs unless named ns:
#   cpu, tcpu     the machine's busy time; the benchmark's tasks' time
#   added, tadded the same minus (a)'s in that round (a_cpu, a_tcpu);
#                 c_add, c_tadd: (c)'s
#   daemon        the observer's processes; tc, tcpkt: the TC program (ns,
#                 per request and per packet), pkts: packets per request
#   rps           requests/s in the machine's window
per_round() {
	awk -F'\t' -v rate="$1" -v cfg="$2" -v jns="$ns_per_jiffy" '
		function per(x, n) { return n > 0 ? x / n : "" }
		NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i }
		NR > 1 && $1 == rate {
			k = $c["config"] SUBSEP $c["round"]; rounds[$c["round"]] = 1
			req = $c["requests"]; treq = $c["task_requests"]
			Rps[k] = per(req * 1e6, $c["window_us"])
			idle = $c["idle_jiffies"] * jns / ($c["cores"] * $c["window_us"] * 1000)
			# A run counts only if it held the rate with CPU to spare (held()).
			Have[k] = req > 0 && treq > 0 && Rps[k] >= 0.98 * rate && idle >= 0.05
			Cpu[k] = per(($c["cores"] * $c["window_us"] * 1000 - $c["idle_jiffies"] * jns) / 1000, req)
			Tcpu[k] = per($c["task_ns"] / 1000, treq); Daemon[k] = per($c["observer_ns"] / 1000, treq)
			Tc[k] = per($c["tc_run_ns"], $c["tc_requests"]); Tcpkt[k] = per($c["tc_run_ns"], $c["tc_run_cnt"])
			Pkts[k] = per($c["tc_run_cnt"], $c["tc_requests"]) }
		END { for (r in rounds) {
			k = cfg SUBSEP r; ka = "a" SUBSEP r; kc = "c" SUBSEP r
			if (!Have[k] || !Have[ka]) continue
			rps = Rps[k]; cpu = Cpu[k]; tcpu = Tcpu[k]; daemon = Daemon[k]
			tc = Tc[k]; tcpkt = Tcpkt[k]; pkts = Pkts[k]; a_cpu = Cpu[ka]; a_tcpu = Tcpu[ka]
			added = cpu - a_cpu; tadded = tcpu - a_tcpu
			c_add = Have[kc] ? Cpu[kc] - a_cpu : 0; c_tadd = Have[kc] ? Tcpu[kc] - a_tcpu : 0
			v = '"$3"'
			if (v != "") print v } }' "$tsv"
}

# Runs of CONFIG at RATE that held it: "kept of all", where a run is kept when
# it served at least 98 % of the offered rate with at least 5 % of the cores
# idle (else it measured a saturated machine, not the cost of a request).
held() {
	awk -F'\t' -v rate="$1" -v cfg="$2" -v jns="$ns_per_jiffy" '
		NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i }
		NR > 1 && $1 == rate && $c["config"] == cfg { n++
			idle = $c["idle_jiffies"] * jns / ($c["cores"] * $c["window_us"] * 1000)
			if ($c["requests"] * 1e6 / $c["window_us"] >= 0.98 * rate && idle >= 0.05) k++ }
		END { printf "%d of %d", k, n }' "$tsv"
}

# "m (p10-p90)" of EXPR at RATE for CONFIG, with FORMAT.
show() { per_round "$1" "$2" "$3" | pct | spread "$4"; }

name() {
	case $1 in
	a) echo "(a) nothing observing" ;;
	b) echo "(b) xffwatch, events to a file" ;;
	c) echo "(c) tcpdump -w" ;;
	d) echo "(d) tshark, http.x_forwarded_for live" ;;
	esac
}

echo "Heads: $head_bytes bytes on average as the app receives them (nginx's \$request_length on the app: request line and headers, nginx's own included)."
echo "Saturation, wrk unpaced (64 connections, 5 s, nothing observing): $saturation requests/s."
echo "Runs: $rounds rounds of the four configurations at each rate, the order rotated each round;" \
	"a ${secs}-second window per run after ${warm} s of warm-up; wrk with $threads threads and $conns connections, paced by bench/cost_pace.lua." \
	"Requests: lines of the proxy's access log whose \$msec falls in the window." \
	"Figures: median (10th-90th percentile) over the rounds; \"added\" is against (a) of the same round, and so is the ratio to (c)'s added."
for rate in $rates; do
	echo
	echo "### Offered $rate requests/s"
	echo
	echo "Runs that held the rate (at least 98 % of it served, at least 5 % of the cores idle; only those count, and a round counts for a configuration only if its (a) run held too):" \
		"(a) $(held "$rate" a), (b) $(held "$rate" b), (c) $(held "$rate" c), (d) $(held "$rate" d)."
	echo
	echo "Whole machine (/proc/stat: the cores' time in the window minus idle and iowait):"
	echo
	echo "| configuration | requests/s achieved | CPU µs per request | added µs per request | added % of (a) | added / (c)'s added | observer's own CPU µs per request |"
	echo "|---|---|---|---|---|---|---|"
	for cfg in a b c d; do
		if [ "$cfg" = a ]; then
			add=- pc=- ratio=- obs=-
		else
			add=$(show "$rate" "$cfg" added '%.2f')
			pc=$(show "$rate" "$cfg" '100 * added / a_cpu' '%.1f')
			ratio=$(show "$rate" "$cfg" 'c_add > 0 ? added / c_add : ""' '%.2f')
			obs=$(show "$rate" "$cfg" daemon '%.2f')
		fi
		echo "| $(name "$cfg") | $(show "$rate" "$cfg" rps '%.0f') | $(show "$rate" "$cfg" cpu '%.2f') | $add | $pc | $ratio | $obs |"
	done
	echo
	echo "The benchmark's own tasks (nginx, wrk, the observer, ksoftirqd; their network stack work included), not disturbed by other work on the machine;" \
		"the last column is the rest of the machine (other work, kernel threads such as writeback): near zero on a quiet machine:"
	echo
	echo "| configuration | CPU µs per request | added µs per request | added % of (a) | added / (c)'s added | machine minus tasks µs per request |"
	echo "|---|---|---|---|---|---|"
	for cfg in a b c d; do
		if [ "$cfg" = a ]; then
			add=- pc=- ratio=-
		else
			add=$(show "$rate" "$cfg" tadded '%.2f')
			pc=$(show "$rate" "$cfg" '100 * tadded / a_tcpu' '%.1f')
			ratio=$(show "$rate" "$cfg" 'c_tadd > 0 ? tadded / c_tadd : ""' '%.2f')
		fi
		echo "| $(name "$cfg") | $(show "$rate" "$cfg" tcpu '%.2f') | $add | $pc | $ratio" \
			"| $(show "$rate" "$cfg" 'cpu - tcpu' '%.2f') |"
	done
	echo
	echo "(b)'s added CPU split, per request: the TC program (bpf_stats: every packet it ran on, requests, responses and ACKs), the daemon's processes, and the rest (added minus both; whole machine, and the tasks):"
	echo
	echo "| TC program ns | TC ns per packet | packets | daemon µs | rest µs, machine | rest µs, tasks |"
	echo "|---|---|---|---|---|---|"
	echo "| $(show "$rate" b tc '%.0f') | $(show "$rate" b tcpkt '%.0f') | $(show "$rate" b pkts '%.2f')" \
		"| $(show "$rate" b daemon '%.2f') | $(show "$rate" b 'added - tc / 1000 - daemon' '%.2f')" \
		"| $(show "$rate" b 'tadded - tc / 1000 - daemon' '%.2f') |"
	echo
	echo "Completeness at $rate requests/s, (b) in every round (nginx's log lines of the run = events, ring-buffer losses):" \
		"$(awk -F'\t' -v rate="$rate" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i }
			NR > 1 && $1 == rate && $c["config"] == "b" {
			printf "%s%s = %s, %s lost", sep, $c["log_lines"], $c["events"], $c["lost"]; sep = "; " }' "$tsv")."
done
echo
echo "Raw runs: bench/results/cost-runs.tsv."
