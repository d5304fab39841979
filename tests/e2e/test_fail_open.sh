#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Fail-open and attach hygiene: killing the daemon never fails a request; a
# restart attaches exactly one program (TCX, or a clsact filter replacing its
# own stale one); a clean stop leaves nothing attached; a second daemon on the
# same interface is refused.
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

# 1. kill -9 in the middle of traffic (TCX).
e2e_xffwatch "$srv" "$E2E_TMP/ev1.json"
expect_attached 1 "first start"
client_loop 300 &
loop=$!
e2e_wait_lines "$E2E_TMP/ev1.json" 40 || e2e_fail "no events before the kill"
e2e_stop "$XFFW_PID" KILL
wait "$loop"
expect_all_ok 300 "kill -9 during traffic (tcx)"
expect_attached 0 "after kill -9 (tcx links go with the process)"

# 2. A restart attaches once and sees the next requests.
e2e_xffwatch "$srv" "$E2E_TMP/ev2.json"
expect_attached 1 "restart"
client_loop 5
e2e_wait_lines "$E2E_TMP/ev2.json" 5 || e2e_fail "restarted daemon saw $(wc -l <"$E2E_TMP/ev2.json") of 5"
first=$XFFW_PID

# 3. A second daemon on the same interface is refused.
if ip netns exec "$srv" "$XFFWATCH" --output /dev/null 2>"$E2E_TMP/second.err"; then
	e2e_fail "a second xffwatch attached to lo"
fi
grep -q "another xffwatch is attached" "$E2E_TMP/second.err" || e2e_fail "no reason given for refusing"
expect_attached 1 "after the refused second daemon"

# 4. A clean stop detaches.
e2e_stop "$first" TERM
expect_attached 0 "after SIGTERM"
grep -q "counters:" "$E2E_TMP/xffwatch.log" || e2e_fail "no counters at exit"

# 5. clsact mode: a killed run leaves its filter, traffic still flows, the next
#    run replaces it rather than stacking a second one.
e2e_xffwatch "$srv" "$E2E_TMP/ev3.json" --attach tc
expect_attached 1 "tc mode"
e2e_stop "$XFFW_PID" KILL
expect_attached 1 "stale tc filter after kill -9"
client_loop 20
expect_all_ok 20 "requests with a stale filter and no daemon"
e2e_xffwatch "$srv" "$E2E_TMP/ev4.json" --attach tc
expect_attached 1 "tc restart replaces the stale filter"
grep -q "stale" "$E2E_TMP/xffwatch.log" || e2e_fail "the stale filter was not reported"
client_loop 5
e2e_wait_lines "$E2E_TMP/ev4.json" 5 || e2e_fail "tc-mode daemon saw $(wc -l <"$E2E_TMP/ev4.json") of 5"
e2e_stop "$XFFW_PID" KILL

# 6. ...and a TCX run removes a stale filter instead of adding a second program.
e2e_xffwatch "$srv" "$E2E_TMP/ev5.json"
expect_attached 1 "tcx start over a stale tc filter"
ip netns exec "$srv" "$XFFWATCH" status --iface lo | grep -q "tcx link" || e2e_fail "not a TCX link"
[ -z "$(ip netns exec "$srv" tc filter show dev lo ingress)" ] || e2e_fail "tc filter left on lo"
client_loop 5
e2e_wait_lines "$E2E_TMP/ev5.json" 5 || e2e_fail "tcx daemon saw $(wc -l <"$E2E_TMP/ev5.json") of 5"
[ "$(wc -l <"$E2E_TMP/ev5.json")" -eq 5 ] || e2e_fail "events doubled: $(wc -l <"$E2E_TMP/ev5.json") for 5"
e2e_stop "$XFFW_PID" INT
expect_attached 0 "after SIGINT"

e2e_pass
