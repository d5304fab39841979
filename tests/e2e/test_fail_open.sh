#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Fail-open: killing the daemon never fails a request; a restart attaches
# exactly one program (a TCX link, or a clsact filter replacing its own stale
# one) and sees the next requests; a clean stop leaves nothing attached.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

e2e_init
e2e_textbook

codes="$E2E_TMP/codes"
client_loop() {
	local n=$1 i
	for i in $(seq 1 "$n"); do
		ip netns exec "$cli" curl -s -o /dev/null -m 5 -w '%{http_code}\n' \
			"http://198.18.0.2/loop/$i" || echo "curl-failed"
	done >"$codes"
}

expect_all_ok() {
	local total ok
	total=$(wc -l <"$codes")
	ok=$(grep -c '^200$' "$codes" || true)
	[ "$total" -eq "$1" ] && [ "$ok" -eq "$1" ] ||
		e2e_fail "$2: $ok of $1 requests succeeded ($total answered)"
}

expect_attached() {
	local n
	n=$(e2e_attached "$srv" lo)
	[ "$n" -eq "$1" ] || {
		ip netns exec "$srv" "$XFFWATCH" status --iface lo >&2
		e2e_fail "$2: $n xffwatch programs on lo, expected $1"
	}
}

expect_events() {
	e2e_wait_lines "$1" "$2" || e2e_fail "$3: $(wc -l <"$1") events for $2 requests"
	sleep 0.2
	[ "$(wc -l <"$1")" -eq "$2" ] || e2e_fail "$3: $(wc -l <"$1") events for $2 requests"
}

# A killed daemon's privileged helper sees it go and detaches, TCX link or
# clsact filter alike; only when the helper dies too does a clsact filter stay.
kill_all() {
	local helper
	helper=$(e2e_helper_pid "$1")
	[ -n "$helper" ] || e2e_fail "no privileged helper under $1"
	kill -KILL "$helper" "$1"
	e2e_stop "$1" KILL
}

# 1. kill -9 in the middle of traffic.
e2e_xffwatch "$srv" "$E2E_TMP/ev1.json"
expect_attached 1 "first start"
client_loop 300 &
loop=$!
e2e_wait_lines "$E2E_TMP/ev1.json" 40 || e2e_fail "no events before the kill"
e2e_stop "$XFFW_PID" KILL
wait "$loop"
expect_all_ok 300 "kill -9 during traffic"
sleep 0.2
expect_attached 0 "after kill -9 (the helper detaches)"

# 2. A restart attaches once and sees the next requests.
e2e_xffwatch "$srv" "$E2E_TMP/ev2.json"
expect_attached 1 "restart"
client_loop 5
expect_events "$E2E_TMP/ev2.json" 5 "restarted daemon"

# 3. A clean stop detaches.
e2e_stop "$XFFW_PID" TERM
expect_attached 0 "after SIGTERM"
grep -q "counters:" "$E2E_TMP/xffwatch.log" || e2e_fail "no counters at exit"

# 4. clsact mode: the helper removes the filter when the daemon is killed;
#    when both are killed the filter stays, traffic still flows, and the next
#    run replaces it rather than stacking a second one.
e2e_xffwatch "$srv" "$E2E_TMP/ev3.json" --attach tc
expect_attached 1 "tc mode"
e2e_stop "$XFFW_PID" KILL
sleep 0.2
expect_attached 0 "tc mode, after kill -9 (the helper detaches)"
e2e_xffwatch "$srv" "$E2E_TMP/ev3.json" --attach tc
kill_all "$XFFW_PID"
expect_attached 1 "stale tc filter after kill -9 of daemon and helper"
client_loop 20
expect_all_ok 20 "requests with a stale filter and no daemon"
e2e_xffwatch "$srv" "$E2E_TMP/ev4.json" --attach tc
expect_attached 1 "tc restart replaces the stale filter"
grep -q "stale" "$E2E_TMP/xffwatch.log" || e2e_fail "the stale filter was not reported"
client_loop 5
expect_events "$E2E_TMP/ev4.json" 5 "tc-mode daemon"
kill_all "$XFFW_PID"

# 5. ...and a default run removes a stale filter instead of adding a second program.
e2e_xffwatch "$srv" "$E2E_TMP/ev5.json"
expect_attached 1 "default start over a stale tc filter"
if e2e_have_tcx; then
	ip netns exec "$srv" "$XFFWATCH" status --iface lo | grep -q "tcx link" || e2e_fail "not a TCX link"
	[ -z "$(ip netns exec "$srv" tc filter show dev lo egress)" ] || e2e_fail "tc filter left on lo"
fi
client_loop 5
expect_events "$E2E_TMP/ev5.json" 5 "daemon after a stale filter"
e2e_stop "$XFFW_PID" INT
expect_attached 0 "after SIGINT"

e2e_pass
