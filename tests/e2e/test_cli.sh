#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# The command line: --help documents every option; a bad option or value is
# one line on stderr and exit status 2; a setup that cannot work exits 1.
. "$(dirname "$0")/lib.sh"

e2e_init
e2e_netns ns cli

out="$E2E_TMP/out"
err="$E2E_TMP/err"

"$XFFWATCH" --help >"$out" 2>"$err" || e2e_fail "--help exited $?"
for opt in --iface --port --trust --output --attach --verbose --help --version; do
	grep -q -- "$opt" "$out" || e2e_fail "--help does not mention $opt"
done
[ ! -s "$err" ] || e2e_fail "--help wrote to stderr"
"$XFFWATCH" --version | grep -q '^xffwatch [0-9]' || e2e_fail "--version"

expect_usage_error() {
	local rc=0
	"$XFFWATCH" "$@" >"$out" 2>"$err" || rc=$?
	[ "$rc" -eq 2 ] || e2e_fail "'$*' exited $rc, expected 2"
	[ "$(wc -l <"$err")" -eq 1 ] || { cat "$err" >&2; e2e_fail "'$*' printed $(wc -l <"$err") lines"; }
	[ ! -s "$out" ] || e2e_fail "'$*' wrote to stdout"
}
expect_usage_error --bogus
expect_usage_error -x
expect_usage_error --port
expect_usage_error --port 0
expect_usage_error --port 70000
expect_usage_error --port 80,x
expect_usage_error --trust 10.0.0.0/33
expect_usage_error --trust nginx.example
expect_usage_error --iface ""
expect_usage_error --attach xdp
expect_usage_error extra-argument
grep -q "extra-argument" "$err" || e2e_fail "the error does not name the bad argument"

expect_setup_error() {
	local rc=0
	ip netns exec "$ns" "$XFFWATCH" "$@" >"$out" 2>"$err" || rc=$?
	[ "$rc" -eq 1 ] || e2e_fail "'$*' exited $rc, expected 1"
	grep -q "error:" "$err" || e2e_fail "'$*' gave no error message"
}
expect_setup_error --iface no-such-if0 --output /dev/null
grep -q "no-such-if0: no such interface" "$err" || e2e_fail "missing interface not named"
expect_setup_error --output /proc/no/such/dir/events.json
[ "$(e2e_attached "$ns" lo)" -eq 0 ] || e2e_fail "a failed start left a program attached"

e2e_pass
