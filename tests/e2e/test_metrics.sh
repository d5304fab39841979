#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# --metrics scraped by Debian's Prometheus. A client host, and a host with
# nginx on port 80 in front of gunicorn + Flask on 127.0.0.1:5000, and nginx
# answering 204 itself on 127.0.0.1:5001 and 5010-5045. The observer runs as nobody with
# --metrics 127.0.0.1:9877; Prometheus, in the same namespace, scrapes it every
# second. Mixed traffic (proxied, forged through nginx, bypassing nginx with a
# forged header, statuses of classes 2xx to 5xx, slow answers) must give counters in
# Prometheus equal to what the events file holds (metrics_check.py);
# `promtool check metrics` finds nothing in the page; 100,000 distinct client
# addresses leave the number of series (in Prometheus and in the page) as it
# was, under the bound docs/metrics.md gives; 38 app ports: the first 32 get
# their own listener label, the rest "other", counted, and the series stay
# under the bound (new ports past the 32 add none). Also: 404, 405, HEAD, a
# bad --metrics value, a port in use.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

E2E_DIR="$E2E_ROOT/tests/e2e"
FLOOD=${FLOOD:-100000}
MPORT=9877
PPORT=9090
METRICS=http://127.0.0.1:$MPORT
PROM=http://127.0.0.1:$PPORT

e2e_init

# --- Topology: the textbook host, plus nginx answering on 127.0.0.1:5001. ---
e2e_netns mcli
cli=$E2E_LAST_NS
e2e_netns msrv
srv=$E2E_LAST_NS
e2e_link "$cli" 198.18.0.1 fd00::1 "$srv" 198.18.0.2 fd00::2
e2e_gunicorn "$srv" "[::]:5000"
e2e_nginx "$srv" "
    server {
        listen 198.18.0.2:80;
        location / {
            proxy_pass http://127.0.0.1:5000;
            proxy_set_header Host \$host;
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
        }
    }
    server {
        listen 127.0.0.1:5001;
$(for p in $(seq 5010 5045); do echo "        listen 127.0.0.1:$p;"; done)
        keepalive_requests 1000000;
        access_log off;
        location / {
            return 204;
        }
    }"
e2e_wait_http "$srv" http://127.0.0.1:5000/
e2e_wait_http "$srv" http://127.0.0.1:5001/
e2e_wait_http "$cli" http://198.18.0.2/

# --- A bad --metrics value: one line, exit 2, before anything starts. ---
bad_value() {
	local rc=0 err="$E2E_TMP/bad.err"
	ip netns exec "$srv" "$XFFWATCH" --no-config --iface lo --metrics "$1" >/dev/null 2>"$err" ||
		rc=$?
	[ "$rc" -eq 2 ] && [ "$(wc -l <"$err")" -eq 1 ] && grep -q -- "$2" "$err" ||
		{ cat "$err" >&2; e2e_fail "--metrics '$1' exited $rc, expected 2 and one line with '$2'"; }
}
bad_value 127.0.0.1: "no port"
bad_value 127.0.0.1:0 port
bad_value 127.0.0.1:65536 port
bad_value localhost:9877 localhost
bad_value "[::1:9877" "::1"
# PORT alone means loopback.
"$XFFWATCH" check-config --no-config --metrics $MPORT | grep -q -x "metrics = \"127.0.0.1:$MPORT\";" ||
	e2e_fail "check-config --metrics $MPORT does not print metrics = \"127.0.0.1:$MPORT\";"

# --- The observer as nobody, serving /metrics. ---
events="$E2E_TMP/events.json"
e2e_xffwatch "$srv" "$events" --no-config --iface lo --iface eth0 --port 5000,5001,5010-5045 \
	--metrics 127.0.0.1:$MPORT --user nobody
e2e_wait_listen "$srv" $MPORT
uid=$(awk '/^Uid:/ { print $2 }' "/proc/$XFFW_PID/status")
[ "$uid" = "$(id -u nobody)" ] || e2e_fail "the observer runs as uid $uid, not as nobody"

mget() { ip netns exec "$srv" curl -s -g -m 5 "$@"; }
code() { mget -o /dev/null -w '%{http_code}' "$@"; }
[ "$(code "$METRICS/metrics")" = 200 ] || e2e_fail "/metrics after the privilege drop: HTTP $(code "$METRICS/metrics")"
ctype=$(mget -o /dev/null -w '%{content_type}' "$METRICS/metrics")
[ "$ctype" = "text/plain; version=0.0.4; charset=utf-8" ] || e2e_fail "/metrics is '$ctype'"
[ "$(code "$METRICS/nope")" = 404 ] || e2e_fail "/nope: HTTP $(code "$METRICS/nope"), expected 404"
[ "$(code -X POST "$METRICS/metrics")" = 405 ] || e2e_fail "POST /metrics: not 405"
[ "$(code -X DELETE "$METRICS/metrics")" = 405 ] || e2e_fail "DELETE /metrics: not 405"
# HEAD: the headers of GET, no body (read to the close: HTTP/1.0).
ip netns exec "$srv" bash -c "exec 3<>/dev/tcp/127.0.0.1/$MPORT
	printf 'HEAD /metrics HTTP/1.0\r\n\r\n' >&3; cat <&3" >"$E2E_TMP/head.txt"
head -n 1 "$E2E_TMP/head.txt" | grep -q '^HTTP/1\.[01] 200' &&
	[ "$(sed '1,/^\r$/d' "$E2E_TMP/head.txt" | wc -c)" -eq 0 ] ||
	{ cat -A "$E2E_TMP/head.txt" | head -n 20 >&2; e2e_fail "HEAD /metrics: not a 200 without a body"; }
mget "$METRICS/" | grep -q /metrics || e2e_fail "/ does not point at /metrics"

# A second observer on the same port: a clear error at start, exit 1.
rc=0
ip netns exec "$srv" timeout 10 "$XFFWATCH" --no-config --iface lo --port 5002 -o /dev/null \
	--metrics 127.0.0.1:$MPORT >/dev/null 2>"$E2E_TMP/inuse.err" || rc=$?
[ "$rc" -eq 1 ] && grep -q "cannot listen on 127.0.0.1:$MPORT: Address already in use" \
	"$E2E_TMP/inuse.err" || { cat "$E2E_TMP/inuse.err" >&2; e2e_fail "port in use: exit $rc"; }

# --- Prometheus in the same namespace, scraping every second. ---
mkdir -p "$E2E_TMP/prom"
cat >"$E2E_TMP/prom/prometheus.yml" <<EOF
global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
scrape_configs:
  - job_name: xffwatch
    static_configs:
      - targets: ['127.0.0.1:$MPORT']
EOF
promtool check config "$E2E_TMP/prom/prometheus.yml" >/dev/null ||
	e2e_fail "promtool refuses the configuration"
e2e_bg "$srv" "$E2E_TMP/prometheus.log" prometheus --config.file="$E2E_TMP/prom/prometheus.yml" \
	--storage.tsdb.path="$E2E_TMP/prom/data" --web.listen-address=127.0.0.1:$PPORT
e2e_wait_http "$srv" "$PROM/-/ready"

# prom_expr EXPR: the value of a one-series instant query ("" if none).
prom_expr() {
	mget --data-urlencode "query=$1" "$PROM/api/v1/query" | jq -r '.data.result[0].value[1] // ""'
}

# after A B: is the time A (seconds, "" for none) later than B?
after() { [ -n "$1" ] && awk -v a="$1" -v b="$2" 'BEGIN { exit !(a > b) }'; }

# prom_catch_up N: until the metrics say every event is written, then until
# Prometheus holds a scrape made after that (at most 30 s each).
prom_catch_up() {
	local lines written now ts
	for _ in $(seq 1 300); do
		lines=$(wc -l <"$events")
		written=$(mget "$METRICS/metrics" | awk '/^xffwatch_events_written_total/ { n += $2 } END { print n + 0 }')
		[ "$written" -eq "$lines" ] && [ "$lines" -ge "$1" ] && break
		sleep 0.1
	done
	[ "$written" -eq "$lines" ] && [ "$lines" -ge "$1" ] ||
		e2e_fail "the page says $written events written, the file has $lines, expected $1"
	now=$(date +%s.%N)
	for _ in $(seq 1 300); do
		ts=$(prom_expr 'timestamp(up{job="xffwatch"})')
		after "$ts" "$now" && break
		sleep 0.1
	done
	after "$ts" "$now" || e2e_fail "Prometheus did not scrape again"
	[ "$(prom_expr 'up{job="xffwatch"}')" = 1 ] ||
		{ tail -n 20 "$E2E_TMP/prometheus.log" >&2; e2e_fail "Prometheus's scrape failed"; }
}

check_metrics() {
	ip netns exec "$srv" "$E2E_PY" "$E2E_DIR/metrics_check.py" "$PROM" "$events" file1 >&2 ||
		e2e_fail "Prometheus's counters differ from the events ($1): see above"
}

# The page, linted by promtool: nothing to say.
promtool_clean() {
	mget "$METRICS/metrics" >"$E2E_TMP/page-$1.txt"
	promtool check metrics <"$E2E_TMP/page-$1.txt" >"$E2E_TMP/promtool-$1.txt" 2>&1 ||
		{ cat "$E2E_TMP/promtool-$1.txt" >&2; e2e_fail "promtool check metrics ($1) failed"; }
	[ ! -s "$E2E_TMP/promtool-$1.txt" ] ||
		{ cat "$E2E_TMP/promtool-$1.txt" >&2; e2e_fail "promtool check metrics ($1) has something to say"; }
}

# --- Mixed traffic. ---
client() { ip netns exec "$cli" curl -s -g -o /dev/null -w '%{http_code}' -m 10 "$@"; }
n=0
for i in $(seq 1 20); do client "http://198.18.0.2/plain/$i" >/dev/null; n=$((n + 1)); done
for s in 204 302 404 418 503 599; do client "http://198.18.0.2/status/$s" >/dev/null; n=$((n + 1)); done
for s in 0.03 0.3; do client "http://198.18.0.2/slow/$s" >/dev/null; n=$((n + 1)); done
for i in $(seq 1 5); do
	client -H "X-Forwarded-For: 203.0.113.$i" "http://198.18.0.2/forged/$i" >/dev/null
	client -H "X-Forwarded-For: 192.0.2.$i" "http://198.18.0.2:5000/bypass/$i" >/dev/null
	n=$((n + 2))
done
# The flood's listener, seen before the series are counted.
ip netns exec "$srv" curl -s -o /dev/null -H 'X-Forwarded-For: 2001:db8::ffff:ffff' \
	http://127.0.0.1:5001/first
n=$((n + 1))

prom_catch_up "$n"
check_metrics "mixed traffic"
promtool_clean before
series_before=$(ip netns exec "$srv" "$E2E_PY" "$E2E_DIR/metrics_check.py" --series "$PROM")
lines_before=$(wc -l <"$E2E_TMP/page-before.txt")
e2e_log "$n requests: counters agree; $series_before series, a page of $lines_before lines"

# --- 100,000 distinct clients. ---
ip netns exec "$srv" "$E2E_PY" "$E2E_DIR/xff_flood.py" 127.0.0.1 5001 "$FLOOD" \
	>"$E2E_TMP/flood.json" || e2e_fail "the flood did not finish"
jq -e ".[\"204\"] == $FLOOD" "$E2E_TMP/flood.json" >/dev/null ||
	e2e_fail "flood: $(cat "$E2E_TMP/flood.json")"
n=$((n + FLOOD))
prom_catch_up "$n"
check_metrics "after $FLOOD clients"
promtool_clean after
series_after=$(ip netns exec "$srv" "$E2E_PY" "$E2E_DIR/metrics_check.py" --series "$PROM")
lines_after=$(wc -l <"$E2E_TMP/page-after.txt")
clients=$(jq -r 'select(.url.path | startswith("/flood/")) | .client.ip' "$events" | sort -u | wc -l)
[ "$clients" -eq "$FLOOD" ] || e2e_fail "$clients distinct clients in the flood's events, expected $FLOOD"
[ "$series_after" -eq "$series_before" ] ||
	e2e_fail "$series_before series before $FLOOD clients, $series_after after"
[ "$lines_after" -eq "$lines_before" ] ||
	{ diff <(sed 's/ .*//' "$E2E_TMP/page-before.txt") <(sed 's/ .*//' "$E2E_TMP/page-after.txt") >&2
	  e2e_fail "the page had $lines_before lines, now $lines_after"; }
# The bound docs/metrics.md computes: its "series bound" section's result ("... = N").
bound=$(awk '/^## / { in_bound = tolower($0) ~ /series bound/ }
	in_bound && match($0, /= *[0-9,]+ *$/) { n = substr($0, RSTART + 1) } END { print n }' \
	"$E2E_ROOT/docs/metrics.md" | tr -dc 0-9)
[ -n "$bound" ] || e2e_fail "docs/metrics.md computes no series bound (a section 'The series bound')"
[ "$series_after" -le "$bound" ] || e2e_fail "$series_after series, the documented bound is $bound"
samples=$(grep -c -v '^#' "$E2E_TMP/page-after.txt")
[ "$samples" -eq "$series_after" ] ||
	e2e_fail "the page has $samples samples, Prometheus holds $series_after xffwatch_ series"
e2e_log "$clients distinct clients: still $series_after series (bound $bound), $lines_after lines"

# --- Listeners: 2 seen, 30 more fill the labels, then 4 more go to "other". ---
listeners() {
	local p
	for p in $(seq "$1" "$2"); do
		ip netns exec "$srv" curl -s -o /dev/null -m 5 "http://127.0.0.1:$p/listener/$p"
		n=$((n + 1))
	done
}
listeners 5010 5039
prom_catch_up "$n"
check_metrics "32 listeners"
series_full=$(ip netns exec "$srv" "$E2E_PY" "$E2E_DIR/metrics_check.py" --series "$PROM")
listeners 5040 5043
prom_catch_up "$n"
check_metrics "36 listeners"
promtool_clean listeners
series_other=$(ip netns exec "$srv" "$E2E_PY" "$E2E_DIR/metrics_check.py" --series "$PROM")
[ "$series_other" -le "$bound" ] || e2e_fail "$series_other series, the documented bound is $bound"
# "other" adds its series once; more new ports past the labels add none.
listeners 5044 5045
prom_catch_up "$n"
check_metrics "38 listeners"
series_again=$(ip netns exec "$srv" "$E2E_PY" "$E2E_DIR/metrics_check.py" --series "$PROM")
[ "$series_again" -eq "$series_other" ] ||
	e2e_fail "$series_other series with 36 listeners, $series_again with 38"
other=$(prom_expr 'xffwatch_metrics_listeners_overflow_total')
[ "$other" = 6 ] || e2e_fail "xffwatch_metrics_listeners_overflow_total is '$other', expected 6"
e2e_log "32 listeners: $series_full series; 36 and 38: $series_other (bound $bound)"

kill -0 "$XFFW_PID" || e2e_fail "the observer died"
e2e_stop "$XFFW_PID" INT
e2e_pass
