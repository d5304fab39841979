#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# `xffwatch doctor` on the seeds' Compose topology without Docker: an nginx
# container and an app container (gunicorn + Flask behind ProxyFix on
# 0.0.0.0:5000) on a Linux bridge, clients routed to nginx by the host (the
# picture is in doctor/bridge_lib.sh). Each misconfiguration sends >= 200
# requests; doctor must name its diagnosis; the test then applies the fixes
# printed in the JSON report (xffwatch's args on the next command line, the
# nft command in the app container, nginx's snippet with nginx -t and a
# reload, ProxyFix's x_for and gunicorn's FORWARDED_ALLOW_IPS in the app's
# start), sends the same traffic again, and doctor must report nothing:
#   1. proxy-not-trusted (live): trust = the gateway, as FORWARDED_ALLOW_IPS,
#      while nginx is another address on the bridge;
#   2. app-reached-directly (live): a container on the bridge talks to the app
#      port, with and without a forged X-Forwarded-For; the same traffic,
#      captured by tcpdump on the bridge and written by an observer in the app
#      container, gives the same diagnoses through --pcap and --events;
#   3. trust-too-broad (events): 0.0.0.0/0; and the bridge's /24, which also
#      covers a client on the bridge;
#   4. leftmost-rotation (events): one client, a new forged leftmost
#      X-Forwarded-For on each of 60 requests within seconds;
#   5. clients-behind-nat (live): four clients masqueraded by the host (nft),
#      as Docker's userland proxy hides them behind the gateway;
#   6. no false alarm (live): nginx container -> app container, 10,000 mixed
#      requests from four clients: methods, paths, keep-alive and not;
#   7. the same over IPv6 (events).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=doctor/bridge_lib.sh
. "$(dirname "$0")/doctor/bridge_lib.sh"

STACK=(--stack "nginx,werkzeug,gunicorn")
# The doctor's bound on a live run: the traffic takes seconds; this is a safety net.
DURATION=60

e2e_init
command -v nft >/dev/null || e2e_fail "nft missing (scripts/deps.sh --test installs nftables)"
"$XFFWATCH" doctor --help >/dev/null 2>&1 || e2e_fail "no doctor in $XFFWATCH"
t_start=$(date +%s)
bridge_topology
bridge_app
bridge_nginx

# The app names the client behind nginx (ProxyFix x_for=1): the topology works.
got=$(ip netns exec "${cli[0]}" curl -s -m 5 "http://$BRIDGE_NGX/whoami")
[ "$got" = "${BRIDGE_CLIENTS[0]}" ] || e2e_fail "the app answers '$got' through nginx"

# done_in NAME: logs how long the scenario took (since the previous one).
t_prev=$(date +%s%N)
done_in() {
	local now
	now=$(date +%s%N)
	e2e_log "$1 done in $(((now - t_prev) / 1000000)) ms"
	t_prev=$now
}

# through_nginx N [ARGS...]: N requests from each of the four clients through nginx, at once.
through_nginx() {
	local n=$1 i c=()
	shift
	for i in 0 1 2 3; do
		c+=("bridge_load ${cli[i]} $BRIDGE_NGX 80 --requests $n --seed $i $*")
	done
	bridge_parallel "${c[@]}"
}

# bypass N: N requests from the container on the bridge straight to the app
# port, every other one with a forged X-Forwarded-For; unless the test stopped
# it (BYPASS=off); through a firewall the printed fix set up, it must be blocked.
bypass() {
	local out
	[ "$BYPASS" = on ] || return 0
	if ip netns exec "$app" nft list ruleset 2>/dev/null | grep -q .; then
		out=$(bridge_load "$rog" "$BRIDGE_APP" 5000 --requests "$1" --forge 2 --path '/direct/{n}' \
			--give-up --timeout 0.5) || return 1
		jq -e '.ok == 0 and .gave_up' <<<"$out" >/dev/null ||
			{ echo "the firewall let the bypass through: $out" >&2; return 1; }
		printf '%s\n' "$out"
	else
		bridge_load "$rog" "$BRIDGE_APP" 5000 --requests "$1" --forge 2 --path '/direct/{n}'
	fi
}

# ---- 1. proxy-not-trusted: FORWARDED_ALLOW_IPS=<gateway>, nginx elsewhere on the bridge
s1_traffic() { through_nginx 60; }
trust=(--trust "$BRIDGE_GW/32")
bridge_doctor_live s1 s1_traffic 240 "$DURATION" "${trust[@]}" "${STACK[@]}"
bridge_expect s1 proxy-not-trusted
jq -e --arg ngx "$BRIDGE_NGX" 'any(.diagnoses[]; .id == "proxy-not-trusted"
	and ((.evidence.addresses // .evidence.peers) | index($ngx)))' "$E2E_TMP/s1.json" >/dev/null ||
	e2e_fail "s1: proxy-not-trusted does not name nginx's address"
jq -e --arg ngx "$BRIDGE_NGX" 'any(.topology.listeners[].peers[]; .address == $ngx
	and .role == "proxy" and .trusted == false)' "$E2E_TMP/s1.json" >/dev/null ||
	e2e_fail "s1: the topology does not show nginx as an untrusted proxy"
bridge_apply_fixes s1
bridge_fixed "${trust[@]}"
bridge_doctor_live s1-fixed s1_traffic 240 "$DURATION" "${FIXED[@]}" "${STACK[@]}"
bridge_expect_clean s1-fixed
got=$(ip netns exec "${cli[1]}" curl -s -m 5 "http://$BRIDGE_NGX/whoami")
[ "$got" = "${BRIDGE_CLIENTS[1]}" ] || e2e_fail "after the fixes the app answers '$got' through nginx"
bridge_reset
done_in "1 proxy-not-trusted"

# ---- 2. app-reached-directly, live; the same traffic from a capture and from events
s2_traffic() {
	bridge_parallel "through_nginx 50" "bypass 120"
}
trust=(--trust "$BRIDGE_NGX/32")
mkdir -p "$E2E_TMP/cap"
chmod 0755 "$E2E_TMP/cap"
e2e_bg "$hst" "$E2E_TMP/tcpdump.log" tcpdump -Z root -U --immediate-mode -B 32768 -n -s 0 -i br0 -w "$E2E_TMP/cap/s2.pcap" \
	tcp port 5000
tcpdump_pid=$E2E_LAST_PID
for _ in $(seq 1 100); do
	grep -q "listening on" "$E2E_TMP/tcpdump.log" && break
	sleep 0.05
done
# An observer of its own in the app container (one observer per interface and namespace).
: >"$E2E_TMP/s2.events"
e2e_xffwatch "$app" "$E2E_TMP/s2.events" --no-config -i eth0 -p 5000 "${trust[@]}"
bridge_doctor_live s2 s2_traffic 320 "$DURATION" "${trust[@]}" "${STACK[@]}"
e2e_wait_lines "$E2E_TMP/s2.events" 320 || e2e_fail "s2: the app container's observer wrote $(wc -l <"$E2E_TMP/s2.events") events, expected 320"
sleep 0.3
e2e_stop "$XFFW_PID" INT
e2e_stop "$tcpdump_pid" INT
bridge_expect s2 app-reached-directly
jq -e --arg rog "$BRIDGE_ROG" 'any(.diagnoses[]; .id == "app-reached-directly"
	and ((.evidence.addresses // .evidence.peers) | index($rog)))' "$E2E_TMP/s2.json" >/dev/null ||
	e2e_fail "s2: app-reached-directly does not name the container that bypasses nginx"
chmod 0644 "$E2E_TMP/cap/s2.pcap"
DOCTOR_RC=0
"$XFFWATCH" doctor --no-config --pcap "$E2E_TMP/cap/s2.pcap" -p 5000 --format json -q "${trust[@]}" \
	"${STACK[@]}" >"$E2E_TMP/s2-pcap.json" 2>"$E2E_TMP/s2-pcap.err" || DOCTOR_RC=$?
bridge_report s2-pcap
bridge_doctor_events s2-events "$E2E_TMP/s2.events" "${trust[@]}" "${STACK[@]}"
for src in pcap events; do
	[ "$(bridge_ids "s2-$src")" = "$(bridge_ids s2)" ] ||
		e2e_fail "s2: --$src gives [$(bridge_ids "s2-$src" | tr '\n' ' ')], live gave [$(bridge_ids s2 | tr '\n' ' ')]"
	jq -e '.source.events == 320' "$E2E_TMP/s2-$src.json" >/dev/null ||
		e2e_fail "s2: --$src read $(jq .source.events "$E2E_TMP/s2-$src.json") events, expected 320"
done
# The text report (the default) of the same events names the diagnosis too, and exits 1.
rc=0
"$XFFWATCH" doctor --no-config --events "$E2E_TMP/s2.events" "${trust[@]}" "${STACK[@]}" \
	>"$E2E_TMP/s2.txt" 2>&1 || rc=$?
[ "$rc" -eq 1 ] && grep -q app-reached-directly "$E2E_TMP/s2.txt" ||
	{ cat "$E2E_TMP/s2.txt" >&2; e2e_fail "s2: the text report (exit $rc) does not name app-reached-directly"; }
jq -e '.source.kind == "pcap"' "$E2E_TMP/s2-pcap.json" >/dev/null || e2e_fail "s2: --pcap's source.kind"
jq -e '.source.kind == "events"' "$E2E_TMP/s2-events.json" >/dev/null || e2e_fail "s2: --events' source.kind"
bridge_apply_fixes s2
bridge_fixed "${trust[@]}"
bridge_doctor_live s2-fixed s2_traffic 200 "$DURATION" "${FIXED[@]}" "${STACK[@]}"
bridge_expect_clean s2-fixed
bridge_reset
done_in "2 app-reached-directly"

# ---- 3. trust-too-broad, from events: 0.0.0.0/0; then the bridge's /24, which covers a client too
s3_traffic() { through_nginx 50; }
bridge_observe s3a s3_traffic --trust 0.0.0.0/0
bridge_doctor_events s3a "$E2E_TMP/s3a.events" --trust 0.0.0.0/0 "${STACK[@]}"
bridge_expect s3a trust-too-broad
bridge_apply_fixes s3a
bridge_fixed --trust 0.0.0.0/0
bridge_observe s3a-fixed s3_traffic "${FIXED[@]}"
bridge_doctor_events s3a-fixed "$E2E_TMP/s3a-fixed.events" "${FIXED[@]}" "${STACK[@]}"
bridge_expect_clean s3a-fixed
bridge_reset
done_in "3a trust-too-broad (0.0.0.0/0)"

s3b_traffic() {
	local out
	bridge_parallel "through_nginx 50" \
		"[ \$BYPASS = off ] || bridge_load $rog $BRIDGE_APP 5000 --requests 60 --path '/plain/{n}' --give-up --timeout 0.5"
}
trust=(--trust 198.18.2.0/24)
bridge_observe s3b s3b_traffic "${trust[@]}"
bridge_doctor_events s3b "$E2E_TMP/s3b.events" "${trust[@]}" "${STACK[@]}"
bridge_expect s3b trust-too-broad
jq -e --arg rog "$BRIDGE_ROG" 'any(.topology.listeners[].peers[]; .address == $rog
	and .role == "client" and .trusted == true)' "$E2E_TMP/s3b.json" >/dev/null ||
	e2e_fail "s3b: the topology does not show the client on the bridge as a trusted client"
bridge_apply_fixes s3b
bridge_fixed "${trust[@]}"
bridge_observe s3b-fixed s3b_traffic "${FIXED[@]}"
bridge_doctor_events s3b-fixed "$E2E_TMP/s3b-fixed.events" "${FIXED[@]}" "${STACK[@]}"
# The doctor names a trusted peer that acts as a client trust-too-broad only;
# once the trust is narrowed, the same peer is a client that bypasses nginx: a
# second round of fixes (the firewall), and then nothing.
if [ "$(bridge_ids s3b-fixed)" = app-reached-directly ]; then
	e2e_log "s3b: app-reached-directly uncovered by the narrower trust: a second round"
	bridge_apply_fixes s3b-fixed
	bridge_fixed "${trust[@]}"
	bridge_observe s3b-fixed2 s3b_traffic "${FIXED[@]}"
	bridge_doctor_events s3b-fixed2 "$E2E_TMP/s3b-fixed2.events" "${FIXED[@]}" "${STACK[@]}"
	bridge_expect_clean s3b-fixed2
else
	bridge_expect_clean s3b-fixed
fi
bridge_reset
done_in "3b trust-too-broad (a /24 with a client)"

# ---- 4. leftmost-rotation, from events: 60 forged leftmost values from one client
s4_traffic() {
	bridge_parallel "through_nginx 40" \
		"bridge_load ${cli[0]} $BRIDGE_NGX 80 --requests 60 --rotate --rotate-base 100 --path '/login'"
}
trust=(--trust "$BRIDGE_NGX/32")
bridge_observe s4 s4_traffic "${trust[@]}"
bridge_doctor_events s4 "$E2E_TMP/s4.events" "${trust[@]}" "${STACK[@]}"
bridge_expect s4 leftmost-rotation
jq -e --arg c "${BRIDGE_CLIENTS[0]}" 'any(.diagnoses[]; .id == "leftmost-rotation"
	and (tostring | contains($c)))' "$E2E_TMP/s4.json" >/dev/null ||
	e2e_fail "s4: leftmost-rotation does not name the rotating client"
bridge_apply_fixes s4
bridge_fixed "${trust[@]}"
bridge_observe s4-fixed s4_traffic "${FIXED[@]}"
bridge_doctor_events s4-fixed "$E2E_TMP/s4-fixed.events" "${FIXED[@]}" "${STACK[@]}"
bridge_expect_clean s4-fixed
bridge_reset
done_in "4 leftmost-rotation"

# ---- 5. clients-behind-nat, live: the host masquerades the four clients
s5_traffic() { through_nginx 60; }
trust=(--trust "$BRIDGE_NGX/32")
bridge_nat on
bridge_doctor_live s5 s5_traffic 240 "$DURATION" "${trust[@]}" "${STACK[@]}"
bridge_expect s5 clients-behind-nat
bridge_apply_fixes s5
bridge_fixed "${trust[@]}"
bridge_doctor_live s5-fixed s5_traffic 240 "$DURATION" "${FIXED[@]}" "${STACK[@]}"
bridge_expect_clean s5-fixed
bridge_reset
done_in "5 clients-behind-nat"

# ---- 6. no false alarm, live: 10,000 mixed requests, four clients, no --stack (guessed)
s6_traffic() { through_nginx 2500 --mix --threads 2; }
bridge_doctor_live s6 s6_traffic 10000 "$DURATION" --trust "$BRIDGE_NGX/32"
bridge_expect_clean s6
jq -e '.source.events == 10000 and .stack.guessed == true' "$E2E_TMP/s6.json" >/dev/null ||
	e2e_fail "s6: $(jq -c .source "$E2E_TMP/s6.json"), stack $(jq -c .stack "$E2E_TMP/s6.json")"
[ "$LOAD_OK" -eq 10000 ] || e2e_fail "s6: $LOAD_OK of 10000 requests answered"
done_in "6 no false alarm (IPv4, 10,000)"

# ---- 7. the same over IPv6, from events
s7_traffic() {
	local i c=()
	for i in 0 1 2 3; do
		c+=("bridge_load ${cli[i]} $BRIDGE_NGX6 80 --requests 2500 --seed $((i + 10)) --mix --threads 2")
	done
	bridge_parallel "${c[@]}"
}
bridge_observe s7 s7_traffic --trust "$BRIDGE_NGX6/128"
[ "$(wc -l <"$E2E_TMP/s7.events")" -eq 10000 ] || e2e_fail "s7: $(wc -l <"$E2E_TMP/s7.events") events of 10000"
bridge_doctor_events s7 "$E2E_TMP/s7.events" --trust "$BRIDGE_NGX6/128" "${STACK[@]}"
bridge_expect_clean s7
jq -e --arg ngx "$BRIDGE_NGX6" '.topology.listeners[0].peers | any(.address == $ngx and .role == "proxy" and .trusted)' \
	"$E2E_TMP/s7.json" >/dev/null || e2e_fail "s7: the topology does not show nginx over IPv6 as a trusted proxy"
done_in "7 no false alarm (IPv6, 10,000)"
e2e_log "all scenarios in $(($(date +%s) - t_start)) s"
e2e_pass
