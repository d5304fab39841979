#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Runs every end-to-end test; the textbook test twice, with offloads on and off.
set -u
dir=$(cd "$(dirname "$0")" && pwd)
failed=()
run() {
	local name=$1
	shift
	if ! env "$@" bash "$dir/$name.sh"; then
		failed+=("$name ${*}")
	fi
}
echo "e2e:" >&2
run test_cli
run test_nginx_loopback OFFLOAD=on
run test_nginx_loopback OFFLOAD=off
run test_keepalive
run test_bridge
run test_fail_open
run test_attach
run test_sinks
run test_short_form
run test_differential
run test_hostile
run test_replay
run test_doctor_proxies
run test_doctor_bridge
run test_identity
run test_proxy_protocol OFFLOAD=on
run test_proxy_protocol OFFLOAD=off
run test_metrics
run test_report_html
if [ ${#failed[@]} -gt 0 ]; then
	printf 'e2e FAILED: %s\n' "${failed[@]}" >&2
	exit 1
fi
echo "e2e: all passed" >&2
