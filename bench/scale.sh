#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Scale: 10,000 concurrent keep-alive connections, then 100,000 short ones
# from distinct client addresses, to an app (nginx, "200 ok") on loopback
# watched by xffwatch with its defaults. Reports the daemon's memory, the
# flow table's size and memory, evictions, and events against requests.
#
#   bench/scale.sh [KEEP] [SHORT] > table.md
set -eu
# shellcheck source=../tests/e2e/lib.sh
. "$(dirname "$0")/../tests/e2e/lib.sh"

keep=${1:-10000}
short=${2:-100000}
flood="$E2E_ROOT/build/bench/conn_flood"

e2e_init
e2e_netns srv
srv=$E2E_LAST_NS
e2e_nginx "$srv" '
    server {
        listen 127.0.0.1:8080 backlog=4096;
        access_log off;
        keepalive_timeout 600s;
        keepalive_requests 1000000;
        location / { default_type text/plain; return 200 "ok\n"; }
    }'
sed -i 's/worker_connections 1024;/worker_connections 40000;/; s/^worker_processes 1;/worker_processes 1;\nworker_rlimit_nofile 50000;/' \
	"$E2E_TMP/nginx/nginx.conf"
e2e_stop "$E2E_LAST_PID"
e2e_bg "$srv" "$E2E_TMP/nginx.log" nginx -p "$E2E_TMP/nginx" -c "$E2E_TMP/nginx/nginx.conf"
e2e_wait_http "$srv" http://127.0.0.1:8080/warm

events="$E2E_TMP/events.json"
stats="$E2E_TMP/stats.json"
e2e_xffwatch "$srv" "$events" --no-config --iface lo --port 8080 --stats "$stats"
rss_start=$(awk '/VmRSS/ {print $2}' "/proc/$XFFW_PID/status")

mkfifo "$E2E_TMP/go"
ip netns exec "$srv" "$flood" 8080 "$keep" "$short" <"$E2E_TMP/go" >"$E2E_TMP/flood.log" 2>&1 &
flood_pid=$!
E2E_PIDS+=("$flood_pid")
exec 9>"$E2E_TMP/go"
for _ in $(seq 1 600); do
	grep -q "keep-alive connections open" "$E2E_TMP/flood.log" && break
	sleep 0.1
done
sleep 1.5 # events of the last requests written
kill -USR1 "$XFFW_PID"
sleep 0.5
held_live=$(jq .kernel.flows_live "$stats")
held_events=$(wc -l <"$events")
rss_held=$(awk '/VmRSS/ {print $2}' "/proc/$XFFW_PID/status")
map=$(ip netns exec "$srv" bpftool map show name flows --json | jq 'if type == "array" then .[0] else . end | {entries: .max_entries, bytes: (.bytes_memlock // 0)}')
echo go >&9
exec 9>&-
wait "$flood_pid" || true
sleep 1.5
rss_peak=$(awk '/VmHWM/ {print int($2 / 1024)}' "/proc/$XFFW_PID/status")
e2e_stop "$XFFW_PID" INT

cat <<EOF
| measure | value |
|---|---|
| keep-alive connections held | $(grep -oE 'open: [0-9]+' "$E2E_TMP/flood.log" | cut -d' ' -f2) of $keep |
| flow-table entries while held | $held_live |
| events written while held | $held_events |
| daemon RSS at start / while held | $((rss_start / 1024)) MiB / $((rss_held / 1024)) MiB |
| flow table (kernel, preallocated) | $(echo "$map" | jq -r '"\(.entries) entries, \(.bytes / 1048576 | floor) MiB"') |
| short connections from distinct addresses | $(grep -oE 'addresses: [0-9]+' "$E2E_TMP/flood.log" | cut -d' ' -f2) of $short |
| requests in all / events written | $((keep + short)) / $(wc -l <"$events") |
| flows created / removed / evicted | $(jq -r '"\(.kernel.flows_created) / \(.kernel.flows_removed) / \(.flow_evictions)"' "$stats") |
| ring-buffer losses | $(jq .ringbuf_lost "$stats") |
| daemon peak RSS | $rss_peak MiB |
EOF
