#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# `xffwatch doctor --html` opened in Debian's headless Chromium. The textbook
# host (nginx on port 80 in front of gunicorn + Flask on 127.0.0.1:5000) is
# watched live while clients from several addresses go through nginx and
# others bypass it with forged headers, some of them hostile (`<script>`,
# `</svg>`, an <img> with an external URL, quotes, a <style> in X-Real-IP);
# one client rotates forged values (a diagnosis). The doctor reads the events
# and writes its JSON and the page; its summary, timeline, top clients and
# forgers must be what the events say. Chromium, in a namespace of its own
# with no network: the DOM (--dump-dom) shows every data-json figure exactly
# as the JSON has it and every figure the report must show; no script, no
# external resource; the hostile values appear as text; no console message;
# the net log has no request of the page. Screenshots at a desktop and a
# phone width are kept in $XFFW_ARTIFACTS (build/artifacts by default);
# UPDATE_README_IMAGE=1 also writes docs/img/report.png. With --pseudonymize,
# no client address appears in the page.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

E2E_DIR="$E2E_ROOT/tests/e2e"
ARTIFACTS=${XFFW_ARTIFACTS:-$E2E_ROOT/build/artifacts}/report_html

e2e_init
e2e_textbook
e2e_netns chr
chr=$E2E_LAST_NS
CLIENTS4=(198.18.0.1 198.18.0.11 198.18.0.12 198.18.0.13)
for a in "${CLIENTS4[@]:1}"; do ip -n "$cli" addr add "$a/24" dev eth0; done
ip -n "$cli" addr add fd00::11/64 dev eth0 nodad

events="$E2E_TMP/events.json"
e2e_xffwatch "$srv" "$events" --no-config --iface lo --iface eth0

client() { ip netns exec "$cli" curl -s -g -o /dev/null -m 5 "$@" || true; }
# (No spaces: the observer splits a chain's hops at them.)
HOSTILE=('<script>alert(1)</script>' '</svg><img/src=http://198.18.0.1/x.png>'
	"\"'&amp;<b>x</b>" '<style>*{background:url(http://198.18.0.1/y)}</style>')
n=0
# Through nginx: 12, 8, 5 and 3 requests from four addresses, 2 over IPv6.
counts=(12 8 5 3)
for i in 0 1 2 3; do
	for j in $(seq 1 "${counts[$i]}"); do
		client --interface "${CLIENTS4[$i]}" "http://198.18.0.2/page/$i/$j"
		n=$((n + 1))
	done
	# A few seconds of traffic: the charts get several bars.
	sleep 1
done
client --interface fd00::11 "http://[fd00::2]/v6/1"
client --interface fd00::11 "http://[fd00::2]/v6/2"
n=$((n + 2))
# Forged through nginx, then straight to the app with hostile values.
client --interface 198.18.0.11 -H "X-Forwarded-For: ${HOSTILE[0]}" http://198.18.0.2/forged
n=$((n + 1))
# One client rotating its forged leftmost value: a diagnosis (leftmost-rotation).
for i in $(seq 20 31); do
	client --interface 198.18.0.13 -H "X-Forwarded-For: 203.0.113.$i" http://198.18.0.2/rotate
	n=$((n + 1))
done
for v in "${HOSTILE[@]:0:3}" 203.0.113.9 203.0.113.9 192.0.2.7; do
	client --interface 198.18.0.12 -H "X-Forwarded-For: $v" http://198.18.0.2:5000/bypass
	n=$((n + 1))
done
client --interface 198.18.0.13 -H "X-Real-IP: ${HOSTILE[3]}" http://198.18.0.2:5000/bypass-real
client --interface fd00::11 -H "X-Forwarded-For: 2001:db8::5" "http://[fd00::2]:5000/bypass6"
n=$((n + 2))
e2e_wait_lines "$events" "$n" || e2e_fail "$(wc -l <"$events") events, expected $n"
e2e_stop "$XFFW_PID" INT

# doctor_html NAME ARGS...: the doctor's JSON (NAME.json) and page (NAME.html).
doctor_html() {
	local name=$1 rc=0
	shift
	# (From the directory: the page names the file as "events.json", for the README's image.)
	(cd "$E2E_TMP" && "$XFFWATCH" doctor --no-config --events events.json --format json \
		--html "$name.html" "$@" >"$name.json" 2>"$name.err") || rc=$?
	[ "$rc" -le 1 ] && [ -s "$E2E_TMP/$name.html" ] && jq -e .schema "$E2E_TMP/$name.json" >/dev/null ||
		{ cat "$E2E_TMP/$name.err" >&2; e2e_fail "doctor --html ($name) exited $rc"; }
	# The page's source: no script, and every hostile value escaped.
	! grep -i -q '<script' "$E2E_TMP/$name.html" || e2e_fail "$name.html holds '<script'"
	! grep -q '<img' "$E2E_TMP/$name.html" || e2e_fail "$name.html holds '<img'"
}

# Chromium, headless, in a namespace with no network, as root: no sandbox.
CHROMIUM=(chromium --headless --no-sandbox --disable-gpu --no-first-run
	--disable-background-networking --disable-component-update --disable-sync
	--disable-default-apps --disable-extensions --hide-scrollbars
	--enable-logging=stderr --v=0)

# chromium_run NAME ARGS...: Chromium on NAME.html with a fresh profile; its
# standard error in NAME-ARG.log.
chromium_run() {
	local name=$1 tag=$2 rc=0
	shift 2
	rm -rf "$E2E_TMP/chromium-profile"
	timeout 60 ip netns exec "$chr" "${CHROMIUM[@]}" --user-data-dir="$E2E_TMP/chromium-profile" \
		"$@" "file://$E2E_TMP/$name.html" 2>"$E2E_TMP/$name-$tag.log" || rc=$?
	[ "$rc" -eq 0 ] || { tail -n 20 "$E2E_TMP/$name-$tag.log" >&2; e2e_fail "chromium ($name $tag) exited $rc"; }
	# (Chromium's own pages, chrome://, may log too: not the page's.)
	if grep -E ':CONSOLE' "$E2E_TMP/$name-$tag.log" | grep -v 'source: chrome://' >&2; then
		e2e_fail "console messages from $name.html ($tag): above"
	fi
}

# check_page NAME TEXT...: the DOM against NAME.json; the net log.
check_page() {
	local name=$1 t args=()
	shift
	for t in "$@"; do args+=(--text "$t"); done
	chromium_run "$name" dom --log-net-log="$E2E_TMP/$name-net.json" --dump-dom \
		>"$E2E_TMP/$name-dom.html"
	"$E2E_PY" "$E2E_DIR/report_check.py" dom "$E2E_TMP/$name-dom.html" "$E2E_TMP/$name.json" \
		"${args[@]}" >&2 || e2e_fail "the DOM of $name.html differs from its JSON: above"
	"$E2E_PY" "$E2E_DIR/report_check.py" netlog "$E2E_TMP/$name-net.json" \
		"file://$E2E_TMP/$name.html" >&2 || e2e_fail "$name.html made network requests: above"
}

# --- The report. ---
rc=0
"$XFFWATCH" doctor --no-config --events "$events" --html - >/dev/null 2>"$E2E_TMP/dash.err" || rc=$?
[ "$rc" -eq 2 ] && [ "$(wc -l <"$E2E_TMP/dash.err")" -eq 1 ] ||
	{ cat "$E2E_TMP/dash.err" >&2; e2e_fail "doctor --html - exited $rc, expected 2 and one line"; }
# What is not a regular file is refused before any work and left as it was: a FIFO, a
# directory, a symbolic link, a device node (made here, in the test's own directory).
odd="$E2E_TMP/odd"
mkdir "$odd" "$odd/dir"
mkfifo "$odd/fifo"
ln -s page.html "$odd/link"
mknod "$odd/null" c 1 3
for f in fifo dir link null; do
	rc=0
	"$XFFWATCH" doctor --no-config --events "$events" --html "$odd/$f" >/dev/null \
		2>"$E2E_TMP/odd.err" || rc=$?
	[ "$rc" -eq 2 ] && [ "$(wc -l <"$E2E_TMP/odd.err")" -eq 1 ] && grep -q refused "$E2E_TMP/odd.err" ||
		{ cat "$E2E_TMP/odd.err" >&2; e2e_fail "doctor --html $f exited $rc, expected 2 and one line"; }
done
[ -p "$odd/fifo" ] && [ -d "$odd/dir" ] && [ -L "$odd/link" ] && [ -c "$odd/null" ] &&
	[ "$(stat -c %t,%T "$odd/null")" = 1,3 ] && [ "$(ls "$odd" | wc -l)" -eq 4 ] ||
	{ ls -la "$odd" >&2; e2e_fail "a refused --html target changed"; }
rm -rf "$odd"
# Where no new file can be made (a missing directory; a name that fits while the new
# file's, 7 bytes longer, does not), --html fails before any work: before the events
# are read, so the read error of a missing events file never shows.
long="$E2E_TMP/$(printf 'a%.0s' $(seq 250)).html"
for target in "$E2E_TMP/missing/page.html" "$long"; do
	rc=0
	"$XFFWATCH" doctor --no-config --events "$E2E_TMP/no-such-events" --html "$target" \
		>/dev/null 2>"$E2E_TMP/probe.err" || rc=$?
	[ "$rc" -eq 2 ] && [ "$(wc -l <"$E2E_TMP/probe.err")" -eq 1 ] &&
		grep -q "cannot make a file there" "$E2E_TMP/probe.err" ||
		{ cat "$E2E_TMP/probe.err" >&2; e2e_fail "doctor --html $target exited $rc, expected 2 at once"; }
done
# A read error says what it is (not "cannot write").
rc=0
"$XFFWATCH" doctor --no-config --events "$E2E_TMP" >/dev/null 2>"$E2E_TMP/read.err" || rc=$?
[ "$rc" -eq 2 ] && grep -qx "xffwatch: $E2E_TMP: Is a directory" "$E2E_TMP/read.err" ||
	{ cat "$E2E_TMP/read.err" >&2; e2e_fail "doctor --events DIR exited $rc, expected 2 and 'Is a directory'"; }
# In a shared sticky directory, another user's report.html.tmp does not become the page.
shared="$E2E_TMP/shared"
mkdir -m 1777 "$shared"
chmod 0711 "$E2E_TMP"
setpriv --reuid=65534 --regid=65534 --clear-groups touch "$shared/report.html.tmp"
(cd "$shared" && "$XFFWATCH" doctor --no-config --events "$events" --html report.html >/dev/null) ||
	true
[ "$(stat -c %u "$shared/report.html")" = 0 ] && [ ! -s "$shared/report.html.tmp" ] &&
	[ "$(ls "$shared" | wc -l)" -eq 2 ] ||
	{ ls -la "$shared" >&2; e2e_fail "the page in a shared directory is not root's own new file"; }
rm -rf "$shared"
chmod 0700 "$E2E_TMP"
doctor_html report
# Real client addresses: for the owner only.
[ "$(stat -c %a "$E2E_TMP/report.html")" = 600 ] ||
	e2e_fail "report.html has mode $(stat -c %a "$E2E_TMP/report.html"), expected 600"
jq -e ".summary.requests == $n and .forgers.forgers != [] and .top_clients.clients != []
	and (.timeline.buckets | length) > 1 and any(.diagnoses[]; .id == \"leftmost-rotation\")" \
	"$E2E_TMP/report.json" >/dev/null ||
	{ jq -c '{summary, top_clients, forgers, diagnoses: [.diagnoses[].id]}' "$E2E_TMP/report.json" >&2
	  e2e_fail "the JSON does not show $n requests, forgers, clients, a timeline and leftmost-rotation"; }
"$E2E_PY" "$E2E_DIR/report_check.py" events "$E2E_TMP/report.json" "$events" >&2 ||
	e2e_fail "the doctor's figures differ from the events: above"
check_page report "${HOSTILE[@]}"
mkdir -p "$ARTIFACTS"
chromium_run report desktop --window-size=1280,4200 --screenshot="$ARTIFACTS/report-desktop.png"
chromium_run report phone --window-size=390,1600 --screenshot="$ARTIFACTS/report-phone.png"
for f in report-desktop.png report-phone.png; do
	[ "$(head -c 8 "$ARTIFACTS/$f" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] ||
		e2e_fail "$f is not a PNG"
done
cp "$E2E_TMP/report.html" "$E2E_TMP/report.json" "$ARTIFACTS/"
if [ "${UPDATE_README_IMAGE:-0}" = 1 ]; then
	mkdir -p "$E2E_ROOT/docs/img"
	chromium_run report readme --window-size=1280,2900 --screenshot="$E2E_ROOT/docs/img/report.png"
	e2e_log "docs/img/report.png written"
fi
e2e_log "$n requests: the DOM agrees with the JSON; screenshots in $ARTIFACTS"

# --- Pseudonymised: no client address in the page. ---
head -c 32 /dev/urandom >"$E2E_TMP/hmac.key"
chmod 0600 "$E2E_TMP/hmac.key"
doctor_html pseudo --pseudonymize hmac --hmac-key "$E2E_TMP/hmac.key"
[ "$(stat -c %a "$E2E_TMP/pseudo.html")" = 644 ] ||
	e2e_fail "pseudo.html has mode $(stat -c %a "$E2E_TMP/pseudo.html"), expected 644"
check_page pseudo
# Whom the events name as clients, and the addresses forged in headers.
mapfile -t real < <({ jq -r '.client.ip' "$events"; printf '%s\n' "${CLIENTS4[@]}" fd00::11 \
	203.0.113.9 192.0.2.7 2001:db8::5 203.0.113.{20..31}; } | grep -v -x -e 127.0.0.1 -e ::1 | sort -u)
for f in pseudo.html pseudo.json; do
	"$E2E_PY" "$E2E_DIR/report_check.py" absent "$E2E_TMP/$f" "${real[@]}" >&2 ||
		e2e_fail "a client address in the pseudonymised $f: above"
done
cp "$E2E_TMP/pseudo.html" "$ARTIFACTS/"

e2e_pass
