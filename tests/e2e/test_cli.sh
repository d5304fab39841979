#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# The command line: --help documents every option; a bad option or value is
# one line on stderr and exit status 2; a setup that cannot work exits 1.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

e2e_init
e2e_netns cli
ns=$E2E_LAST_NS

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

# resolve: a malformed head or option is one line and status 2; a good one an event.
expect_resolve_error() { # WHAT INPUT ARGS...
	local rc=0 what=$1 input=$2
	shift 2
	printf '%b' "$input" | "$XFFWATCH" resolve "$@" >"$out" 2>"$err" || rc=$?
	[ "$rc" -eq 2 ] || e2e_fail "resolve ($what) exited $rc, expected 2"
	[ "$(wc -l <"$err")" -eq 1 ] || { cat "$err" >&2; e2e_fail "resolve ($what): $(wc -l <"$err") lines"; }
	[ ! -s "$out" ] || e2e_fail "resolve ($what) printed an event"
}
expect_resolve_error "no input" "" --peer 127.0.0.1
expect_resolve_error "no peer" 'GET / HTTP/1.1\r\n\r\n'
expect_resolve_error "bad peer" 'GET / HTTP/1.1\r\n\r\n' --peer 127.0.0.1.1
expect_resolve_error "bad request line" 'GET /\r\n\r\n' --peer 127.0.0.1
grep -q "line 1" "$err" || e2e_fail "resolve does not say which line is bad"
expect_resolve_error "bad header line" 'GET / HTTP/1.1\r\nno colon\r\n\r\n' --peer 127.0.0.1
grep -q "line 2" "$err" || e2e_fail "resolve does not say which line is bad"
expect_resolve_error "folding" 'GET / HTTP/1.1\r\nX-Forwarded-For: a,\r\n b\r\n\r\n' --peer 127.0.0.1
expect_resolve_error "bad header" 'GET / HTTP/1.1\r\n\r\n' --peer 127.0.0.1 --header x-client-ip
expect_resolve_error "no target" 'GETGET HTTP/1.1\r\n\r\n' --peer 127.0.0.1
# A lone CR at the very end ends the last line; it is not read past.
printf 'GET / HTTP/1.1\nX-Forwarded-For: 203.0.113.7\n\r' |
	"$XFFWATCH" resolve --no-config --peer 127.0.0.1 >"$out" 2>"$err" || e2e_fail "resolve with a final CR"
jq -e '.client.ip == "203.0.113.7" and .xffwatch.findings == []' "$out" >/dev/null ||
	{ cat "$out" >&2; e2e_fail "a final CR changed the answer"; }
printf 'GET /r HTTP/1.1\nX-Forwarded-For: 203.0.113.7\n' |
	"$XFFWATCH" resolve --no-config --peer 127.0.0.1 --explain >"$out" 2>"$err" || e2e_fail "resolve failed"
jq -e '.client.ip == "203.0.113.7" and .url.path == "/r"' "$out" >/dev/null || e2e_fail "resolve event"
grep -q "client 203.0.113.7 (x-forwarded-for)" "$err" || e2e_fail "--explain says nothing"

# resolve writes what the daemon would: pseudonymised, without the query or UA.
key="$E2E_TMP/hmac.key"
printf '0123456789abcdef-test-key' >"$key"
chmod 600 "$key"
head='GET /p?secret=1 HTTP/1.1\nUser-Agent: ua\nX-Forwarded-For: 203.0.113.7\n\n'
printf '%b' "$head" | "$XFFWATCH" resolve --no-config --peer 127.0.0.1 --pseudonymize hmac \
	--hmac-key "$key" --no-user-agent >"$out" 2>"$err" || { cat "$err" >&2; e2e_fail "resolve hmac"; }
jq -e '.client.ip == "5b1c3af33baf13b99a9099f06b88db75" and .url.query == null and
	.user_agent == null and .xffwatch.forwarded == null and
	.xffwatch.pseudonymized == {"method":"hmac-sha256","key_id":"fcca81b2"}' "$out" >/dev/null ||
	{ cat "$out" >&2; e2e_fail "resolve does not pseudonymise as the daemon does"; }
printf '%b' "$head" | "$XFFWATCH" resolve --no-config --peer 127.0.0.1 --pseudonymize truncate \
	--keep-query >"$out" 2>"$err" || e2e_fail "resolve truncate"
jq -e '.client.ip == "203.0.113.0" and .url.query == "secret=1"' "$out" >/dev/null ||
	{ cat "$out" >&2; e2e_fail "resolve truncate/keep-query"; }
chmod 644 "$key"
rc=0
printf '%b' "$head" | "$XFFWATCH" resolve --no-config --peer 127.0.0.1 --pseudonymize hmac \
	--hmac-key "$key" >"$out" 2>"$err" || rc=$?
[ "$rc" -eq 1 ] && grep -q "mode 0600" "$err" && [ ! -s "$out" ] ||
	{ cat "$err" >&2; e2e_fail "a readable key file was accepted (rc $rc)"; }
expect_usage_error --pseudonymize hmac
expect_usage_error --pseudonymize md5
expect_usage_error --output ""
expect_usage_error --syslog udp://127.0.0.1
expect_usage_error --rotate-size 10Q
expect_usage_error --file-mode 0999

# check-config: a bad file is FILE:LINE and status 2; a good one prints settings that read back.
conf="$E2E_TMP/x.conf"
printf 'trust = {\n  proxies = [ "10.0.0.0/8", "10.0.0.0/99" ];\n};\n' >"$conf"
rc=0
"$XFFWATCH" check-config "$conf" >"$out" 2>"$err" || rc=$?
[ "$rc" -eq 2 ] || e2e_fail "check-config of a bad file exited $rc"
grep -q "$conf:2: trust.proxies\[1\]: '10.0.0.0/99' is not an IP address or CIDR" "$err" ||
	{ cat "$err" >&2; e2e_fail "check-config error is not precise"; }
printf 'ports = [ 5000 ];\noutput = [ "-", "/tmp/x.json" ];\nsyslog = [ "tcp://127.0.0.1:514" ];\nfiles = { rotate_size = "1G"; retain_days = 7; };\nprivacy = { pseudonymize = "truncate"; keep_query = true; };\nlisteners = ( { port = 8000; headers = [ "x-real-ip" ]; } );\n' >"$conf"
"$XFFWATCH" check-config "$conf" >"$out" 2>"$err" || e2e_fail "check-config of a good file failed"
cp "$out" "$conf.effective"
"$XFFWATCH" check-config "$conf.effective" >"$out.2" || e2e_fail "check-config output does not read back"
cmp -s "$out" "$out.2" || e2e_fail "check-config output changes when read back"
"$XFFWATCH" --config /nonexistent.conf >"$out" 2>"$err" && e2e_fail "a missing --config was accepted"
grep -q "/nonexistent.conf: No such file" "$err" || e2e_fail "missing --config not named"

# Integers past 32 bits in the file are errors, not their value modulo 2^32.
for setting in 'trust = { hops = 4294967297; };' 'ports = [ 4294975376 ];' 'flows = 4294968320;' \
	'listeners = ( { port = 4294975376; } );' 'files = { retain_days = 4294967296; };'; do
	printf '%s\n' "$setting" >"$conf"
	rc=0
	"$XFFWATCH" check-config "$conf" >"$out" 2>"$err" || rc=$?
	[ "$rc" -eq 2 ] && [ "$(wc -l <"$err")" -eq 1 ] && grep -q "^xffwatch: $conf:1: " "$err" ||
		{ cat "$err" >&2; e2e_fail "check-config accepted '$setting' (rc $rc)"; }
done

# A file of settings that is not a regular file (a directory, a FIFO, a device)
# is exactly one line and status 2: libconfig's scanner exits on a directory,
# and a FIFO must not be waited on. Daemon command lines run in the namespace.
fifo="$E2E_TMP/settings.fifo"
mkfifo "$fifo"
mkdir "$E2E_TMP/settings.d"
expect_not_regular() { # PATH ARGS...
	local rc=0 path=$1
	shift
	ip netns exec "$ns" timeout 5 "$XFFWATCH" "$@" </dev/null >"$out" 2>"$err" || rc=$?
	[ "$rc" -eq 2 ] || { cat "$err" >&2; e2e_fail "'$*' exited $rc, expected 2 (124: it hung)"; }
	[ "$(cat "$err")" = "xffwatch: $path: not a regular file" ] ||
		{ cat "$err" >&2; e2e_fail "'$*' did not say '$path: not a regular file'"; }
	[ ! -s "$out" ] || e2e_fail "'$*' wrote to stdout"
}
for f in "$E2E_TMP/settings.d" "$fifo" /dev/null; do
	expect_not_regular "$f" --config "$f" --output /dev/null
	expect_not_regular "$f" check-config "$f"
	expect_not_regular "$f" resolve --peer 127.0.0.1 --config "$f"
	expect_not_regular "$f" --no-config --output /dev/null --pseudonymize hmac --hmac-key "$f"
	expect_not_regular "$f" resolve --no-config --peer 127.0.0.1 --pseudonymize hmac --hmac-key "$f"
done

# Output that cannot be written is a one-line error and a failure, not silence.
expect_write_error() { # WHAT ARGS...
	local rc=0 what=$1
	shift
	printf 'GET / HTTP/1.1\nX-Forwarded-For: 203.0.113.7\n\n' |
		"$XFFWATCH" "$@" >/dev/full 2>"$err" || rc=$?
	[ "$rc" -ne 0 ] || e2e_fail "'$*' >/dev/full exited 0"
	[ "$(wc -l <"$err")" -eq 1 ] && grep -qx "xffwatch: writing $what: No space left on device" "$err" ||
		{ cat "$err" >&2; e2e_fail "'$*' >/dev/full did not say it could not write"; }
}
expect_write_error events resolve --no-config --peer 127.0.0.1
expect_write_error settings check-config --no-config
expect_write_error "standard output" --help

# Bytes from outside (an argument, a configuration value, a header) never reach
# the terminal raw: control characters are escaped and an error is one line.
has_control() { LC_ALL=C grep -q '[[:cntrl:]]' "$1"; }
expect_usage_error --port $'80\e]0;owned\a\nxffwatch: fake\r'
grep -qF "'80\x1b]0;owned\x07\nxffwatch: fake\r'" "$err" && ! has_control "$err" ||
	{ cat -A "$err" >&2; e2e_fail "an argument with control bytes was not escaped"; }
expect_usage_error --trust $'10.0.0.0/8\xff\xc2\x9b2J'
grep -qF "'10.0.0.0/8\xff\xc2\x9b2J'" "$err" ||
	{ cat -A "$err" >&2; e2e_fail "bytes that are not printable UTF-8 were not escaped"; }
printf 'attach = "t\\x1b[2J\\nc";\n' >"$conf"
rc=0
"$XFFWATCH" check-config "$conf" >"$out" 2>"$err" || rc=$?
[ "$rc" -eq 2 ] && [ "$(wc -l <"$err")" -eq 1 ] && ! has_control "$err" &&
	grep -qF "attach: 't\x1b[2J\nc' is not one of" "$err" ||
	{ cat -A "$err" >&2; e2e_fail "a configuration value with control bytes was not escaped"; }
# --explain: one line per step, the sender's bytes escaped, the event unchanged.
printf 'GET / HTTP/1.1\r\nX-Forwarded-For: 198.51.100.7, 203.0.113.9\033[2J\001\177\377\r\n\r\n' |
	"$XFFWATCH" resolve --no-config --peer 127.0.0.1 --explain >"$out" 2>"$err" ||
	{ cat -A "$err" >&2; e2e_fail "resolve --explain of a header with control bytes failed"; }
grep -qF '203.0.113.9\x1b[2J\x01\x7f\xff' "$err" && ! has_control "$err" &&
	[ "$(wc -l <"$err")" -ge 3 ] ||
	{ cat -A "$err" >&2; e2e_fail "--explain printed the header's control bytes raw"; }
jq -e '.client.ip == "127.0.0.1"' "$out" >/dev/null || { cat "$out" >&2; e2e_fail "resolve event"; }

# resolve --peer-user / --peer-cgroup: a bad one is one line and status 2.
forged='GET / HTTP/1.1\r\nX-Forwarded-For: 203.0.113.7\r\n\r\n'
expect_resolve_error "unknown --peer-user" "$forged" --no-config --peer 127.0.0.1 --peer-user no-such-user-xffw
grep -q "no user 'no-such-user-xffw'" "$err" || e2e_fail "resolve does not name the unknown user"
expect_resolve_error "relative --peer-cgroup" "$forged" --no-config --peer 127.0.0.1 --peer-cgroup system.slice/nginx.service
grep -q "must start with /" "$err" || e2e_fail "resolve does not say the cgroup must be absolute"
expect_resolve_error "--peer-cgroup with .." "$forged" --no-config --peer 127.0.0.1 --peer-cgroup /a/../b
expect_resolve_error "bad --trust-local" "$forged" --no-config --peer 127.0.0.1 --trust-local unit=a/b

# Issue 13's regressions through the command line: one valid event, exit 0.
resolve_json() { # JQ-TEST WHAT ARGS... (the request on stdin)
	local test=$1 what=$2 rc=0
	shift 2
	"$XFFWATCH" resolve --no-config "$@" >"$out" 2>"$err" || rc=$?
	[ "$rc" -eq 0 ] || { cat "$err" >&2; e2e_fail "$what: resolve exited $rc"; }
	[ "$(wc -l <"$out")" -eq 1 ] && jq -e "$test" "$out" >/dev/null ||
		{ head -c 2000 "$out" >&2; e2e_fail "$what: unexpected event"; }
}
# Eight lines of 120 X-Forwarded-For entries in hop counting mode (a SIGSEGV once).
xff_lines() { # HEADER
	python3 -c "import sys;l=b'$1: '+b', '.join(b'198.51.100.%d'%(i%250) for i in range(120))+b'\r\n';sys.stdout.buffer.write(b'GET / HTTP/1.1\r\n'+l*8+b'\r\n')"
}
for h in X-Forwarded-For True-Client-IP CF-Connecting-IP X-Real-IP; do
	header=$(echo "$h" | tr 'A-Z' 'a-z')
	xff_lines "$h" | resolve_json '.client.ip == "198.51.100.119" and .xffwatch.trust.chain_length == 960' \
		"8 KiB of $h, --hops 1" --peer 127.0.0.1 --hops 1 --header "$header"
	xff_lines "$h" | resolve_json '.client.ip == "198.51.100.119"' "8 KiB of $h, CIDR trust" \
		--peer 127.0.0.1 --header "$header"
done
# A client's padded Forwarded values cannot hide the proxy's element.
python3 -c "import sys;p=b'Forwarded: for=\"..\";host=\"'+b'a'*1900+b'\"\r\n';sys.stdout.buffer.write(b'GET / HTTP/1.1\r\n'+p*7+b'Forwarded: for=\"198.18.0.1:4711\"\r\n\r\n')" |
	resolve_json '.client.ip == "198.18.0.1" and (.xffwatch.findings | index("invalid-entry") | not)' \
		"Forwarded padding" --peer 127.0.0.1 --header forwarded
# 100 trusted hops, then the client: the walk covers them all, as nginx's.
python3 -c "import sys;sys.stdout.buffer.write(b'GET / HTTP/1.1\r\nX-Forwarded-For: 203.0.113.9, '+b', '.join(b'10.0.0.%d'%(i+1) for i in range(100))+b'\r\n\r\n')" |
	resolve_json '.client.ip == "203.0.113.9" and .xffwatch.trust.chain_shortened and (.xffwatch.trust.chain | length) == 64' \
		"100 hops" --peer 127.0.0.1 --trust 127.0.0.0/8,10.0.0.0/8
# --trust-local: the peer's owner, as given, decides; the address does not.
printf '%b' "$forged" | resolve_json '.client.ip == "203.0.113.7" and .xffwatch.trust.peer_rule == "trust-local" and .source.user.name == "www-data" and .source.user.id == "33"' \
	"a matching --peer-user" --peer 127.0.0.1 --trust-local user=www-data --peer-user www-data
printf '%b' "$forged" | resolve_json '.client.ip == "127.0.0.1" and (.xffwatch.findings | index("header-from-unexpected-local-process")) and (.xffwatch.findings | index("spoofed-header-from-untrusted-peer") | not)' \
	"another --peer-user" --peer 127.0.0.1 --trust-local user=www-data --peer-user root
printf '%b' "$forged" | resolve_json '.client.ip == "203.0.113.7" and .xffwatch.identity.source.unit == "nginx.service" and (.source.user | not)' \
	"a matching --peer-cgroup" --peer 127.0.0.1 --trust-local unit=nginx --peer-cgroup /system.slice/nginx.service/
printf '%b' "$forged" | resolve_json '.client.ip == "::1" and (.xffwatch.findings | index("header-from-unexpected-local-process"))' \
	"another --peer-cgroup" --peer ::1 --trust-local cgroup=/system.slice/nginx.service --peer-cgroup /system.slice/nginx.serviced
printf '%b' "$forged" | resolve_json '.client.ip == "203.0.113.7" and (.xffwatch.trust.peer_rule | not) and (.xffwatch.identity | not)' \
	"no owner given: address rules" --peer 127.0.0.1 --trust-local user=www-data
printf 'GET / HTTP/1.1\r\n\r\n' | resolve_json '.client.ip == "127.0.0.1" and (.xffwatch.findings | index("header-from-unexpected-local-process") | not)' \
	"no header, not matching" --peer 127.0.0.1 --trust-local user=www-data --peer-user root
# Ports: any number of leading zeros in X-Forwarded-For (ngx_atoi), 1*5DIGIT in Forwarded.
printf 'GET / HTTP/1.1\r\nX-Forwarded-For: 198.51.100.1:00000000080\r\n\r\n' |
	resolve_json '.client.ip == "198.51.100.1"' "leading zeros" --peer 127.0.0.1
printf 'GET / HTTP/1.1\r\nForwarded: for="198.51.100.1:000080"\r\n\r\n' |
	resolve_json '.client.ip == "127.0.0.1" and (.xffwatch.findings | index("invalid-entry"))' \
		"six-digit Forwarded port" --peer 127.0.0.1 --header forwarded
# RFC 7239: a parameter twice in one element makes it invalid.
printf 'GET / HTTP/1.1\r\nForwarded: for=198.51.100.1;proto=http;proto=https\r\n\r\n' |
	resolve_json '.client.ip == "127.0.0.1" and (.xffwatch.findings | index("invalid-entry"))' \
		"repeated parameter" --peer 127.0.0.1 --header forwarded
# Hop counting believes whoever connects: the event says so.
printf 'GET / HTTP/1.1\r\nX-Forwarded-For: 203.0.113.9\r\n\r\n' |
	resolve_json '.client.ip == "203.0.113.9" and (.xffwatch.findings | index("hops-from-untrusted-peer"))' \
		"hops from an untrusted peer" --peer 198.51.100.9 --hops 1
printf 'GET / HTTP/1.1\r\nX-Forwarded-For: 203.0.113.9\r\n\r\n' |
	resolve_json '.client.ip == "203.0.113.9" and (.xffwatch.findings | index("hops-from-untrusted-peer") | not)' \
		"hops from a trusted peer" --peer 127.0.0.1 --hops 1

# The shipped example configuration is valid.
"$XFFWATCH" check-config "$E2E_ROOT/deploy/xffwatch.conf" >"$out" 2>"$err" ||
	{ cat "$err" >&2; e2e_fail "deploy/xffwatch.conf does not check"; }
[ ! -s "$err" ] || { cat "$err" >&2; e2e_fail "deploy/xffwatch.conf gives warnings"; }

# The configuration inside the Kubernetes manifest is valid too.
awk '/xffwatch.conf: \|/ { on = 1; next } on && /^    / { print substr($0, 5); next } on { exit }' \
	"$E2E_ROOT/deploy/kubernetes/daemonset.yaml" >"$E2E_TMP/k8s.conf"
grep -q '^output = "-";' "$E2E_TMP/k8s.conf" || e2e_fail "no configuration found in the DaemonSet"
"$XFFWATCH" check-config "$E2E_TMP/k8s.conf" >"$out" 2>"$err" ||
	{ cat "$err" >&2; e2e_fail "the DaemonSet's configuration does not check"; }
# The DaemonSet adds the capabilities the systemd unit bounds the daemon to.
unit_caps=$(sed -n 's/^CapabilityBoundingSet=//p' "$E2E_ROOT/deploy/systemd/xffwatch.service" |
	tr ' ' '\n' | sed 's/^CAP_//' | sort | paste -sd, -)
k8s_caps=$(sed -n 's/^ *add: \[\(.*\)\]$/\1/p' "$E2E_ROOT/deploy/kubernetes/daemonset.yaml" |
	tr -d '" ' | tr , '\n' | sort | paste -sd, -)
[ -n "$unit_caps" ] && [ "$unit_caps" = "$k8s_caps" ] ||
	e2e_fail "capabilities differ: unit $unit_caps, DaemonSet $k8s_caps"

e2e_pass
