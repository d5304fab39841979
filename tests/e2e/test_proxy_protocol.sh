#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# PROXY protocol with real Debian servers. A client host (several addresses,
# IPv4 and IPv6), Debian's HAProxy on a proxy host, and an app host behind it:
#   - HAProxy (mode http, plain and TLS; mode tcp) with send-proxy-v2 and its
#     TLVs (CRC32C, unique id, authority, SSL) to nginx `listen ...
#     proxy_protocol` with `real_ip_header proxy_protocol` (port 8080);
#   - HAProxy (mode tcp) with send-proxy (v1) to gunicorn --proxy-protocol,
#     gthread workers with keep-alive, and a WSGI app that logs what it sees
#     (port 8000);
#   - HAProxy without send-proxy to a port the rule requires PROXY on (8081);
#   - HAProxy's health checks with check-send-proxy (v2 LOCAL, v1 UNKNOWN);
#   - a client that reaches nginx's PROXY port straight (the proxy host
#     routes) with a forged v1 and a forged v2 preamble, and one preamble for
#     two pipelined requests that name different clients (a shared connection).
# OFFLOAD=off: segmentation offloads off, and the app host advertises an MSS
# of 88 bytes, so that HAProxy's preambles reach the observer split across
# segments, as a real network may split them.
# Clients keep connections alive and forge X-Forwarded-For. The observer
# watches the app host's interface, trusting HAProxy and reading
# proxy-protocol alone, as nginx does. Every request gives exactly one event;
# its client is nginx's $remote_addr (its $proxy_protocol_addr when the
# sender is trusted) and what the app is given; the event's preamble fields
# are what nginx and the app read; the counters show the preambles and the
# health checks, nothing lost. A capture of the link replayed gives the same
# events, and tshark's proxy.* fields on it agree with them connection by
# connection.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

e2e_init
E2E_DIR="$E2E_ROOT/tests/e2e"
HAPROXY_APP=198.18.1.1
HAPROXY_APP6=fd00:1::1
APP=198.18.1.2

# --- Topology: cli (eth0) -- (eth0) lb (eth1) -- (eth0) app; lb routes. ---
e2e_netns cli
cli=$E2E_LAST_NS
e2e_netns lb
lb=$E2E_LAST_NS
e2e_netns app
app=$E2E_LAST_NS
e2e_link "$cli" 198.18.0.1 fd00::1 "$lb" 198.18.0.2 fd00::2
e2e_link "$lb" "$HAPROXY_APP" "$HAPROXY_APP6" "$app" "$APP" fd00:1::2 eth1 eth0
for a in 198.18.0.11/24 198.18.0.12/24; do ip -n "$cli" addr add "$a" dev eth0; done
ip -n "$cli" addr add fd00::11/64 dev eth0 nodad
ip -n "$cli" route add default via 198.18.0.2
ip -n "$cli" -6 route add default via fd00::2
ip -n "$app" route add default via "$HAPROXY_APP"
ip -n "$app" -6 route add default via "$HAPROXY_APP6"
ip netns exec "$lb" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
if [ "${OFFLOAD:-on}" = off ]; then
	for ns in "$cli" "$lb" "$app"; do e2e_offloads "$ns" off; done
	ip netns exec "$lb" ethtool -K eth1 tso off gso off gro off >/dev/null 2>&1 || true
	# (Linux raises an advertised MSS to 88 bytes at least.)
	ip -n "$app" route replace 198.18.1.0/24 dev eth0 proto kernel scope link src "$APP" \
		advmss 88
	ip -n "$app" -6 route replace fd00:1::/64 dev eth0 proto kernel metric 256 advmss 88
fi

# --- The app host: nginx on 8080 (PROXY) and 8081 (none), gunicorn on 8000. ---
ngx="$E2E_TMP/nginx"
mkdir -p "$ngx"
nginx_log="$ngx/logs/pp.log"
e2e_nginx_conf "$ngx" "$ngx/logs/access.log" "
    log_format pp escape=json '{\"uri\":\"\$request_uri\",\"pp_addr\":\"\$proxy_protocol_addr\",'
        '\"pp_port\":\"\$proxy_protocol_port\",\"remote_addr\":\"\$remote_addr\",'
        '\"peer\":\"\$realip_remote_addr\",\"peer_port\":\"\$realip_remote_port\",'
        '\"server_port\":\"\$server_port\",\"xff\":\"\$http_x_forwarded_for\",'
        '\"conn\":\"\$connection\",\"conn_requests\":\"\$connection_requests\"}';
    server {
        listen $APP:8080 proxy_protocol;
        listen $APP:8081;
        set_real_ip_from $HAPROXY_APP;
        real_ip_header proxy_protocol;
        access_log $nginx_log pp;
        location / {
            return 200 \"\$remote_addr\\n\";
        }
    }" "master_process off;" >"$ngx/nginx.conf"
e2e_bg "$app" "$E2E_TMP/nginx.log" nginx -p "$ngx" -c "$ngx/nginx.conf"
app_log="$E2E_TMP/app.log"
: >"$app_log"
chmod 0666 "$app_log"
e2e_bg "$app" "$E2E_TMP/gunicorn.log" env PP_APP_LOG="$app_log" "$E2E_PY" -m gunicorn \
	--worker-class gthread --workers 1 --threads 4 --keep-alive 5 \
	--proxy-protocol --proxy-allow-from "$HAPROXY_APP" \
	--chdir "$E2E_DIR" --bind "$APP:8000" pp_app:app

# --- The proxy host: HAProxy. ---
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
	-subj /CN=pp.test -keyout "$E2E_TMP/pp.key" -out "$E2E_TMP/pp.crt" 2>/dev/null
cat "$E2E_TMP/pp.crt" "$E2E_TMP/pp.key" >"$E2E_TMP/pp.pem"
# Health checks every 300 ms, on the backends that send PROXY.
CHECK="check check-send-proxy inter 300ms"
cat >"$E2E_TMP/haproxy.cfg" <<EOF
global
    log stderr format raw local0 info
defaults
    log global
    timeout connect 2s
    timeout client 10s
    timeout server 10s
    timeout http-keep-alive 5s
    unique-id-format %{+X}o\ %ci:%cp_%fi:%fp_%Ts_%rt
frontend fe_http
    mode http
    option httplog
    option forwardfor
    bind 198.18.0.2:80
    bind [fd00::2]:80
    default_backend be_nginx
backend be_nginx
    mode http
    server nginx $APP:8080 send-proxy-v2 proxy-v2-options crc32c,authority $CHECK
frontend fe_tls
    mode http
    option httplog
    bind 198.18.0.2:443 ssl crt $E2E_TMP/pp.pem alpn http/1.1
    default_backend be_nginx_tls
backend be_nginx_tls
    mode http
    # OFFLOAD=off splits this long preamble, and nginx 1.22 closes such a connection: try again.
    retries 5
    retry-on conn-failure empty-response
    server nginx $APP:8080 send-proxy-v2 proxy-v2-options ssl,ssl-cipher,cert-sig,cert-key,authority,crc32c,unique-id
frontend fe_tcp
    mode tcp
    option tcplog
    bind 198.18.0.2:81
    bind [fd00::2]:81
    default_backend be_nginx_tcp
backend be_nginx_tcp
    mode tcp
    server nginx $APP:8080 send-proxy-v2 proxy-v2-options crc32c
frontend fe_app
    mode tcp
    option tcplog
    bind 198.18.0.2:82
    bind [fd00::2]:82
    default_backend be_app
backend be_app
    mode tcp
    server app $APP:8000 send-proxy $CHECK
frontend fe_plain
    mode http
    option httplog
    bind 198.18.0.2:83
    default_backend be_plain
backend be_plain
    mode http
    server plain $APP:8081
EOF
haproxy -c -q -f "$E2E_TMP/haproxy.cfg" || e2e_fail "haproxy refuses its configuration"
e2e_bg "$lb" "$E2E_TMP/haproxy.log" haproxy -db -f "$E2E_TMP/haproxy.cfg"
haproxy_pid=$E2E_LAST_PID

e2e_wait_listen "$app" 8080
e2e_wait_listen "$app" 8000
for p in 80 81 82 83 443; do e2e_wait_listen "$lb" "$p"; done
e2e_wait_http "$cli" http://198.18.0.2:82/ready
e2e_wait_http "$cli" http://198.18.0.2/ready

# --- The observer on the app host's interface, and a capture of it. ---
events="$E2E_TMP/events.json"
stats="$E2E_TMP/stats.json"
PORTS=8080,8081,8000
TRUST=(--trust "$HAPROXY_APP/32,$HAPROXY_APP6/128" --header proxy-protocol --proxy-protocol required)
e2e_xffwatch "$app" "$events" --no-config --iface eth0 --port "$PORTS" "${TRUST[@]}" --stats "$stats"
pcap="$E2E_TMP/pp.pcap"
e2e_bg "$app" "$E2E_TMP/tcpdump.log" tcpdump -Z root -U --immediate-mode -n -s 0 -i eth0 \
	-w "$pcap" tcp
tcpdump_pid=$E2E_LAST_PID
for _ in $(seq 1 100); do
	grep -q "listening on" "$E2E_TMP/tcpdump.log" && break
	sleep 0.05
done
# What came before the observer is not compared.
: >"$nginx_log"
: >"$app_log"

# --- Traffic. ---
# get SRC URL... [-- CURL-ARGS...]: from the client host's address SRC; one
# connection for all the URLs (keep-alive) where the server allows it.
get() {
	local src=$1 urls=() code
	shift
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		urls+=(-o /dev/null "$1")
		shift
	done
	[ $# -eq 0 ] || shift
	code=$(ip netns exec "$cli" curl -s -g -k -m 5 --interface "$src" \
		-w '%{http_code} ' "$@" "${urls[@]}")
	[ "$code" = "$(printf '200 %.0s' $(seq 1 $((${#urls[@]} / 3))))" ] ||
		e2e_fail "$src ${urls[*]}: HTTP $code"
}
FORGE4=(-H "X-Forwarded-For: 192.0.2.10")
FORGE6=(-H "X-Forwarded-For: 2001:db8::7")
TLS=(--resolve pp.test:443:198.18.0.2)

# nginx through HAProxy mode http (send-proxy-v2 with a CRC32C; kept alive).
get 198.18.0.1 http://198.18.0.2/n/ka4/1 http://198.18.0.2/n/ka4/2 http://198.18.0.2/n/ka4/3 -- "${FORGE4[@]}"
get 198.18.0.11 http://198.18.0.2/n/a11
get fd00::1 "http://[fd00::2]/n/ka6/1" "http://[fd00::2]/n/ka6/2" -- "${FORGE6[@]}"
get fd00::11 "http://[fd00::2]/n/a6-11"
# TLS at HAProxy: SSL, authority (the SNI) and ALPN TLVs too.
get 198.18.0.12 https://pp.test/n/tls/1 https://pp.test/n/tls/2 -- "${TLS[@]}" "${FORGE4[@]}"
# nginx through HAProxy mode tcp: the client's own header passes untouched.
get 198.18.0.1 http://198.18.0.2:81/t/ka/1 http://198.18.0.2:81/t/ka/2 http://198.18.0.2:81/t/ka/3 \
	-- -H "X-Forwarded-For: 198.51.100.20"
get fd00::1 "http://[fd00::2]:81/t/v6"
# gunicorn through HAProxy mode tcp (send-proxy, v1).
get 198.18.0.1 http://198.18.0.2:82/g/ka/1 http://198.18.0.2:82/g/ka/2 http://198.18.0.2:82/g/ka/3 \
	-- -H "X-Forwarded-For: 203.0.113.30"
get 198.18.0.11 http://198.18.0.2:82/g/one
get fd00::11 "http://[fd00::2]:82/g/v6/1" "http://[fd00::2]:82/g/v6/2"
# No preamble, where the rule requires one.
get 198.18.0.1 http://198.18.0.2:83/m/1
# Forged preambles, straight to nginx's PROXY port from the client host.
ip netns exec "$cli" "$E2E_PY" - "$APP" <<'PY' || e2e_fail "forged preambles"
import socket, struct, sys
app = sys.argv[1]
def send(preamble, path):
    s = socket.create_connection((app, 8080), source_address=("198.18.0.1", 0))
    s.sendall(preamble + b"GET " + path + b" HTTP/1.1\r\nHost: pp\r\n"
              b"X-Forwarded-For: 192.0.2.99\r\nConnection: close\r\n\r\n")
    while s.recv(65536):
        pass
    s.close()
send(b"PROXY TCP4 203.0.113.66 " + app.encode() + b" 4444 8080\r\n", b"/forged/v1")
sig = b"\r\n\r\n\x00\r\nQUIT\n"
addrs = socket.inet_aton("203.0.113.77") + socket.inet_aton(app) + struct.pack("!HH", 5555, 8080)
send(sig + bytes([0x21, 0x11]) + struct.pack("!H", len(addrs)) + addrs, b"/forged/v2")
# One preamble, two pipelined requests that name different clients (the first the
# preamble's source, as an L7 sender writes it: only then is the connection compared).
s = socket.create_connection((app, 8080), source_address=("198.18.0.1", 0))
s.sendall(b"PROXY TCP4 203.0.113.88 " + app.encode() + b" 6666 8080\r\n"
          b"GET /shared/1 HTTP/1.1\r\nHost: pp\r\nX-Forwarded-For: 203.0.113.88\r\n\r\n"
          b"GET /shared/2 HTTP/1.1\r\nHost: pp\r\nX-Forwarded-For: 192.0.2.2\r\n"
          b"Connection: close\r\n\r\n")
while s.recv(65536):
    pass
s.close()
PY

# --- Stop: HAProxy first (no more health checks), then the capture, then the observer. ---
requests=$(($(wc -l <"$nginx_log") + $(wc -l <"$app_log")))
e2e_wait_lines "$events" "$requests" || true
# The counters on SIGUSR1, until they show two LOCAL health checks (300 ms apart).
for _ in $(seq 1 30); do
	kill -USR1 "$XFFW_PID"
	sleep 0.1
	[ "$(jq '.proxy_protocol.local // 0' "$stats" 2>/dev/null || echo 0)" -lt 2 ] || break
done
e2e_stop "$haproxy_pid" TERM
kill -USR1 "$XFFW_PID"
sleep 0.2
cp "$stats" "$E2E_TMP/stats-usr1.json"
e2e_stop "$tcpdump_pid" INT
e2e_stop "$XFFW_PID" INT
e2e_log "$requests requests (nginx $(wc -l <"$nginx_log"), app $(wc -l <"$app_log")), $(wc -l <"$events") events"

# --- What nginx and the app logged, against the events. ---
check() { "$E2E_PY" "$E2E_DIR/pp_check.py" "$@" || e2e_fail "$1: see above"; }
lines=$(wc -l <"$events")
# Split preambles nginx 1.22 refuses (it wants one in its first read); HAProxy tries again.
refused=$(grep -c "header is too large while reading PROXY protocol" "$E2E_TMP/nginx/logs/error.log" ||
	true)
[ "$lines" -eq $((requests + refused)) ] ||
	{ cat "$events" >&2; e2e_fail "$lines events for $requests requests and $refused refused"; }
check requests "$events" "$nginx_log" "$app_log" "$HAPROXY_APP" "$E2E_TMP/table.txt" "$refused"
# V=1: what nginx and the app saw next to each event.
[ "${V:-0}" = 0 ] || cat "$E2E_TMP/table.txt" >&2
# The counters, at SIGUSR1 and at exit: the preambles (requests' and
# health checks'), the LOCAL checks, nothing lost or malformed. (While
# running, the kernel may have counted a preamble the daemon has not read
# yet: the two agree at exit.)
for f in "$E2E_TMP/stats-usr1.json" "$stats"; do
	jq -e '.ringbuf_lost == 0 and .events_dropped == 0 and .tracker.bad_records == 0
		and .tracker.parts_lost == 0 and .kernel.gaps == 0 and .kernel.desyncs == 0
		and .proxy_protocol.lost == 0 and .proxy_protocol.malformed == 0
		and .proxy_protocol.truncated == 0 and .proxy_protocol.evicted == 0
		and .proxy_protocol.parts_lost == 0 and .proxy_protocol.local >= 2
		and .proxy_protocol.v1 >= 4 and .proxy_protocol.v2 >= 10
		and .kernel.pp_cut == 0 and .kernel.pp_bad == 0' "$f" >/dev/null ||
		{ cat "$f" >&2; e2e_fail "counters in $f"; }
done
jq -e ".kernel.pp_preambles == .proxy_protocol.preambles and .proxy_protocol.conns == 0
	and .events_written == $((requests + refused)) and .paired == $requests" "$stats" >/dev/null ||
	{ cat "$stats" >&2; e2e_fail "counters at exit"; }
[ "$(grep -c "counters:" "$E2E_TMP/xffwatch.log")" -ge 2 ] || e2e_fail "counters not printed"
e2e_log "counters: $(jq -c .proxy_protocol "$stats")"

# --- The capture replayed: the same events. ---
chmod 0644 "$pcap"
replayed="$E2E_TMP/replayed.json"
install -d -o nobody -g nogroup "$E2E_TMP/replay"
setpriv --reuid=nobody --regid=nogroup --clear-groups --inh-caps=-all --bounding-set=-all \
	"$XFFWATCH" replay --no-config -q -o - --port "$PORTS" "${TRUST[@]}" \
	--stats "$E2E_TMP/replay/stats.json" "$pcap" >"$replayed" 2>"$E2E_TMP/replay.err" ||
	{ cat "$E2E_TMP/replay.err" >&2; e2e_fail "replay failed"; }
check replay "$events" "$replayed"

if [ "${OFFLOAD:-on}" = on ]; then
	# --- tshark on the same capture: the preambles, one row per connection. ---
	# Wireshark 4.0 finds PROXY by a heuristic (no port to decode as): tried
	# before the port's own dissector, or port 8080 would go to HTTP.
	# (The columns, in pp_check.py's COLS order; ssl.keu_alg is Wireshark's spelling.)
	tshark -r "$pcap" -o tcp.try_heuristic_first:TRUE -Y proxy -T fields -E separator=/t \
		-e tcp.stream -e tcp.srcport -e tcp.dstport -e ip.src -e ipv6.src -e proxy.version \
		-e proxy.v2.cmd -e proxy.v2.addr_family_protocol -e proxy.v1.proto -e proxy.src.ipv4 \
		-e proxy.src.ipv6 -e proxy.srcport -e proxy.dst.ipv4 -e proxy.dst.ipv6 -e proxy.dstport \
		-e proxy.v2.tlv.type -e proxy.v2.tlv.value -e proxy.v2.tlv.ssl.client \
		-e proxy.v2.tlv.ssl.verify -e proxy.v2.tlv.ssl.version -e proxy.v2.tlv.ssl.cipher \
		-e proxy.v2.tlv.ssl.sig_alg -e proxy.v2.tlv.ssl.keu_alg -e proxy.v2.length -e tcp.payload \
		>"$E2E_TMP/tshark.tsv" 2>"$E2E_TMP/tshark.err" || { cat "$E2E_TMP/tshark.err" >&2; e2e_fail "tshark"; }
	# Connections whose start is in the capture (the observer's and the replay's too).
	tshark -r "$pcap" -Y 'tcp.flags.syn == 1 && tcp.flags.ack == 0' -T fields -E separator=/t \
		-e tcp.stream -e frame.time_epoch -e ip.src -e ipv6.src -e tcp.srcport \
		>"$E2E_TMP/syn.tsv" 2>>"$E2E_TMP/tshark.err" || { cat "$E2E_TMP/tshark.err" >&2; e2e_fail "tshark"; }
	# The replay's events and counters against tshark; the live events too.
	summary=$(check tshark "$replayed" "$E2E_TMP/tshark.tsv" "$E2E_TMP/syn.tsv" "$E2E_TMP/replay/stats.json")
	check tshark "$events" "$E2E_TMP/tshark.tsv" "$E2E_TMP/syn.tsv" "$E2E_TMP/replay/stats.json" >/dev/null
	e2e_log "replay: the same $requests events; $summary"
else
	# Wireshark's heuristic PROXY dissector reads one segment: split preambles are not its.
	e2e_log "replay: the same events; tshark not asked (it does not join a split preamble)"
fi

if [ "${OFFLOAD:-on}" = off ]; then
	# The preambles came split: no segment from HAProxy to the app over 88 bytes,
	# and preambles longer than that (the TLS front end's, with its SSL TLV).
	big=$(tshark -r "$pcap" -Y "ip.src == $HAPROXY_APP && tcp.len > 88" -T fields -e frame.number |
		wc -l)
	long=$(jq -s '[.[] | select((.xffwatch.proxy_protocol.ssl // null) != null)] | length' \
		"$events")
	if [ "$big" -ne 0 ] || [ "$long" -lt 1 ]; then
		e2e_fail "not split: $big segments over 88 bytes, $long preambles with SSL"
	fi
	e2e_log "split: segments from HAProxy at most 88 bytes; $long long preambles read whole, $refused refused by nginx"
fi

e2e_pass
