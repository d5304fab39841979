#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# `make bench`: every benchmark in one run (root; bounded, about 21 minutes),
# printed and written to bench/results/latest.md. Never part of the tests.
#   cost:          bench/cost.sh (CPU per request at fixed rates: nothing / xffwatch /
#                  tcpdump / tshark, interleaved; COST_ROUNDS, COST_SECONDS; raw runs in
#                  bench/results/cost-runs.tsv)
#   kernel cost:   build/bench/kernel_cost (BPF_PROG_TEST_RUN)
#   native build:  build/bench/native_cost (the kernel program as native C, for replay)
#   replay:        bench/replay.sh (a capture of 1.1M packets: xffwatch replay against tshark)
#   user space:    build/bench/json_cost
#   end to end:    bench/overhead.sh (nothing / xffwatch / tcpdump / tshark, interleaved)
#   saturation:    bench/saturation.sh direct (the highest rate this machine reaches),
#                  and through nginx with events to a file and to rsyslog over TCP
#   scale:         bench/scale.sh (10k keep-alive connections, 100k client addresses)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
out="$here/results/latest.md"
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
mkdir -p "$here/results"

{
	echo "# xffwatch benchmarks"
	echo
	echo "Run $(date -u '+%Y-%m-%d %H:%M UTC') by \`make bench\` at $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?')."
	echo "CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ //'), $(nproc) cores;" \
		"kernel $(uname -r); $(nginx -v 2>&1 | sed 's/.*: //'); wrk $(dpkg-query -W -f='${Version}' wrk 2>/dev/null)."
	echo
	echo "## Cost per request at fixed rates"
	echo
	env ROUNDS="${COST_ROUNDS:-10}" SECONDS="${COST_SECONDS:-5}" "$here/cost.sh"
	echo
	echo "## End to end: overhead and completeness"
	echo
	"$here/overhead.sh" "${OVERHEAD_ROUNDS:-5}" "${OVERHEAD_SECONDS:-8}" 64
	echo
	echo "## Zero losses beyond 50,000 requests/s: wrk straight to the app on loopback, 20 s"
	echo
	echo '```'
	"$here/saturation.sh" 20 64 direct
	echo '```'
	echo
	echo "## Outputs at saturation: through nginx, events to a file and to rsyslog over TCP, 20 s"
	echo
	echo '```'
	"$here/saturation.sh" 20 64 syslog
	echo '```'
	echo
	echo "## Kernel: cost per packet (BPF_PROG_TEST_RUN)"
	echo
	"$root/build/bench/kernel_cost"
	echo
	echo "## The kernel program's native build (replay): packets per second on one core"
	echo
	"$root/build/bench/native_cost"
	echo
	echo "## Replay: a capture of the proxy-to-app link, xffwatch replay against tshark"
	echo
	"$here/replay.sh" "${REPLAY_PACKETS:-1100000}" "${REPLAY_ROUNDS:-5}" "${REPLAY_TSHARK_ROUNDS:-2}"
	echo
	echo "## User space: one core"
	echo
	"$root/build/bench/json_cost"
	echo
	echo "## Scale: 10,000 keep-alive connections, 100,000 client addresses"
	echo
	"$here/scale.sh" 10000 100000
} | tee "$tmp"
cp "$tmp" "$out"
echo >&2
echo "bench: written to ${out#"$root"/}" >&2
