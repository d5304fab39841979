#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Attach hygiene: one daemon per interface and namespace (a second is refused
# and the first keeps working), daemons in different namespaces do not see
# each other, and a clsact-mode daemon leaves other filters on the hook alone.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

e2e_init
e2e_textbook
e2e_netns other
other=$E2E_LAST_NS

send() { # send N: N requests through nginx
	local i
	for i in $(seq 1 "$1"); do
		ip netns exec "$cli" curl -s -o /dev/null -m 5 "http://198.18.0.2/attach/$i"
	done
}

for mode in auto tc; do
	ev="$E2E_TMP/ev-$mode.json"
	e2e_xffwatch "$srv" "$ev" --attach "$mode"
	first=$XFFW_PID

	# A second daemon on the same interface is refused, whatever its mode...
	for second in auto tc; do
		if ip netns exec "$srv" "$XFFWATCH" --attach "$second" --output /dev/null \
			2>"$E2E_TMP/second.err"; then
			e2e_fail "$mode: a second ($second) daemon attached to lo"
		fi
		grep -q "another xffwatch is attached already (pid $first)" "$E2E_TMP/second.err" ||
			{ cat "$E2E_TMP/second.err" >&2; e2e_fail "$mode: refusal does not name the first daemon"; }
	done
	# ...and the first one has lost nothing.
	[ "$(e2e_attached "$srv" lo)" -eq 1 ] || e2e_fail "$mode: not exactly one program on lo"
	send 3
	e2e_wait_lines "$ev" 3 || e2e_fail "$mode: first daemon lost its events"

	# A daemon on lo in another namespace is a different interface.
	ip netns exec "$other" "$XFFWATCH" --output /dev/null >"$E2E_TMP/other.log" 2>&1 &
	other_pid=$!
	E2E_PIDS+=("$other_pid")
	for _ in $(seq 1 100); do
		grep -q "events to" "$E2E_TMP/other.log" && break
		kill -0 "$other_pid" 2>/dev/null || break
		sleep 0.05
	done
	grep -q "events to" "$E2E_TMP/other.log" ||
		{ cat "$E2E_TMP/other.log" >&2; e2e_fail "$mode: lo in another namespace was refused"; }
	[ "$(e2e_attached "$other" lo)" -eq 1 ] || e2e_fail "$mode: other namespace sees $(e2e_attached "$other" lo)"
	[ "$(e2e_attached "$srv" lo)" -eq 1 ] || e2e_fail "$mode: namespaces mixed up"
	e2e_stop "$other_pid" TERM

	if [ "$mode" = tc ]; then
		# Someone else's filter on the same hook survives our start and stop.
		ip netns exec "$srv" tc filter add dev lo egress pref 102 protocol all u32 match u32 0 0 flowid 1:1
		e2e_stop "$first" TERM
		ip netns exec "$srv" tc filter show dev lo egress | grep -q "pref 102 u32" ||
			e2e_fail "stopping xffwatch removed another filter"
		ip netns exec "$srv" tc filter del dev lo egress pref 102
	else
		e2e_stop "$first" TERM
	fi
	[ "$(e2e_attached "$srv" lo)" -eq 0 ] || e2e_fail "$mode: left attached after SIGTERM"
done

e2e_pass
