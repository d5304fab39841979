#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Containers behind a Linux bridge, Docker's topology without Docker: a client
# host, a host with nginx and a bridge (br0, the "docker0"), app "containers"
# (network namespaces on veth ports of br0) running gunicorn + Flask, and an
# nginx "container" on the same bridge in front of one of them.
#   - the gateway case: host nginx -> app1 through the bridge; the app sees the
#     bridge address (198.18.2.1 / fd00:2::1); trust it;
#   - the nginx-container case: nginx at 198.18.2.20 -> app2; trust it;
#   - app2 and the nginx container are added while xffwatch runs on br0 and
#     must be watched within one second; then removed: no error, nothing left;
#   - the bridge deleted and recreated; the daemon killed and restarted; a
#     tc filter of someone else's on a port stays untouched;
#   - --netns and a glob (--iface 'vapp*') from outside the namespace.
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

e2e_init
e2e_netns cli
cli=$E2E_LAST_NS
e2e_netns host
srv=$E2E_LAST_NS
e2e_netns app1
app1=$E2E_LAST_NS
e2e_link "$cli" 198.18.0.1 fd00::1 "$srv" 198.18.0.2 fd00::2
ip -n "$cli" route add 198.18.2.0/24 via 198.18.0.2
ip -n "$cli" -6 route add fd00:2::/64 via fd00::2
ip netns exec "$srv" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1

# The bridge, with the host's address on it (the "gateway").
mkbridge() {
	ip -n "$srv" link add br0 type bridge
	ip -n "$srv" addr add 198.18.2.1/24 dev br0
	ip -n "$srv" addr add fd00:2::1/64 dev br0 nodad
	ip -n "$srv" link set br0 up
}

# plug NS PORT ADDR4 ADDR6: the container's eth0, the host's PORT on br0.
plug() {
	ip -n "$srv" link add "$2" type veth peer name eth0 netns "$1"
	ip -n "$1" addr add "$3/24" dev eth0
	ip -n "$1" addr add "$4/64" dev eth0 nodad
	ip -n "$1" link set eth0 up
	ip -n "$1" route add default via 198.18.2.1
	ip -n "$1" -6 route add default via fd00:2::1
	ip -n "$srv" link set "$2" master br0 up
}

app() { # app NS PORT LOG
	e2e_bg "$1" "$E2E_TMP/$3" "$E2E_PY" -m gunicorn --workers 1 --chdir "$E2E_APP_DIR" \
		--bind "[::]:$2" app:app
}

mkbridge
plug "$app1" vapp1 198.18.2.11 fd00:2::11
app "$app1" 5000 app1.log
e2e_nginx "$srv" '
    server {
        listen 198.18.0.2:80;
        listen [fd00::2]:80;
        location / {
            proxy_pass http://198.18.2.11:5000;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        }
        location /v6/ {
            proxy_pass http://[fd00:2::11]:5000;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
        }
    }'
e2e_wait_http "$srv" http://198.18.2.11:5000/
e2e_wait_http "$cli" http://198.18.0.2/

# Someone else's tc filter on a port: it must be there, untouched, at the end.
ip netns exec "$srv" tc qdisc add dev vapp1 clsact
ip netns exec "$srv" tc filter add dev vapp1 egress pref 200 protocol all u32 match u32 0 0 flowid 1:1

events="$E2E_TMP/events.json"
e2e_xffwatch "$srv" "$events" --iface br0 --port 5000,5001 --trust 198.18.2.1,fd00:2::1 \
	--listener 'port=5001 trust=198.18.2.20' --response-timeout 2

client() { ip netns exec "$cli" curl -s -g -o /dev/null -w '%{http_code}' "$@"; }

# 1. The gateway case, IPv4 and IPv6.
[ "$(client http://198.18.0.2/gw/1)" = 200 ] || e2e_fail "gateway request failed"
[ "$(client -H 'X-Forwarded-For: 203.0.113.5' http://198.18.0.2/gw/forged)" = 200 ] ||
	e2e_fail "gateway request failed"
[ "$(client 'http://[fd00::2]/v6/gw6')" = 200 ] || e2e_fail "IPv6 gateway request failed"

# 2. A container added while watching: app2 and an nginx container in front of it.
e2e_netns app2
app2=$E2E_LAST_NS
e2e_netns ngx
ngx=$E2E_LAST_NS
t0=$(date +%s%N)
plug "$app2" vapp2 198.18.2.12 fd00:2::12
plug "$ngx" vngx 198.18.2.20 fd00:2::20
attached=""
for _ in $(seq 1 20); do
	if ip netns exec "$srv" "$XFFWATCH" status --iface vapp2 | grep -q egress; then
		attached=$((($(date +%s%N) - t0) / 1000000))
		break
	fi
	sleep 0.05
done
[ -n "$attached" ] || e2e_fail "the new port was not watched within 1 s"
e2e_log "new port watched after $attached ms"
app "$app2" 5001 app2.log
mkdir -p "$E2E_TMP/ngx/logs" "$E2E_TMP/ngx/tmp"
cat >"$E2E_TMP/ngx/nginx.conf" <<EOF
daemon off;
master_process off;
pid $E2E_TMP/ngx/nginx.pid;
error_log $E2E_TMP/ngx/logs/error.log warn;
events { worker_connections 64; }
http {
    access_log off;
    client_body_temp_path $E2E_TMP/ngx/tmp/body;
    proxy_temp_path $E2E_TMP/ngx/tmp/proxy;
    fastcgi_temp_path $E2E_TMP/ngx/tmp/fastcgi;
    uwsgi_temp_path $E2E_TMP/ngx/tmp/uwsgi;
    scgi_temp_path $E2E_TMP/ngx/tmp/scgi;
    server {
        listen 198.18.2.20:80;
        location / {
            proxy_pass http://198.18.2.12:5001;
            proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
        }
    }
}
EOF
e2e_bg "$ngx" "$E2E_TMP/ngx.log" nginx -p "$E2E_TMP/ngx" -c "$E2E_TMP/ngx/nginx.conf"
e2e_wait_http "$ngx" http://198.18.2.12:5001/
e2e_wait_http "$cli" http://198.18.2.20/
[ "$(client http://198.18.2.20/via-ngx)" = 200 ] || e2e_fail "nginx-container request failed"

# 3. The container goes away while watched, under traffic: no error, nothing left of ours.
ip netns exec "$srv" "$XFFWATCH" status --iface vapp2 | grep -q . || e2e_fail "vapp2 not watched"
locks_before=$(ls /run/xffwatch | wc -l)
e2e_bg "$cli" "$E2E_TMP/load.log" sh -c \
	'for i in $(seq 1 300); do curl -s -o /dev/null -m 1 http://198.18.2.20/load; done'
sleep 0.5
ip -n "$srv" link del vapp2
e2e_stop "$(ip netns pids "$app2" | head -1)" KILL
sleep 0.5
kill -0 "$XFFW_PID" || e2e_fail "the daemon died when a port went away"
[ "$(ls /run/xffwatch | wc -l)" -lt "$locks_before" ] || e2e_fail "the removed port's lock file stayed"

# 4. The bridge deleted and recreated, its port plugged back: watched again.
ip -n "$srv" link del br0
mkbridge
ip -n "$srv" link set vapp1 master br0
ip -n "$srv" link set vngx master br0
ip netns exec "$app1" ip route replace default via 198.18.2.1
e2e_wait_http "$cli" http://198.18.0.2/
sleep 0.3
[ "$(client http://198.18.0.2/gw/after-bridge)" = 200 ] || e2e_fail "request after the bridge came back failed"

# 5. Killed and restarted: no stale program, the other filter still there.
sleep 2.5 # responses and timeouts written
kill -KILL "$XFFW_PID"
wait "$XFFW_PID" 2>/dev/null || true
cp "$events" "$E2E_TMP/events-1.json"
e2e_xffwatch "$srv" "$E2E_TMP/events-2.json" --iface br0 --port 5000,5001 \
	--trust 198.18.2.1,fd00:2::1 --listener 'port=5001 trust=198.18.2.20'
[ "$(ip netns exec "$srv" "$XFFWATCH" status --iface vapp1 | grep -c .)" -eq 1 ] ||
	e2e_fail "vapp1 does not carry exactly one program after a restart"
[ "$(client http://198.18.0.2/gw/after-restart)" = 200 ] || e2e_fail "request after restart failed"
e2e_wait_lines "$E2E_TMP/events-2.json" 1 || e2e_fail "no event after the restart"
e2e_stop "$XFFW_PID" INT
[ "$(ip netns exec "$srv" "$XFFWATCH" status | grep -c .)" -eq 0 ] ||
	e2e_fail "programs left attached after SIGINT"
ip netns exec "$srv" tc filter show dev vapp1 egress | grep -q "pref 200 u32" ||
	e2e_fail "someone else's tc filter on vapp1 is gone"

# 6. From outside the namespace, by --netns, with a glob for the ports.
: >"$E2E_TMP/xffwatch.log"
"$XFFWATCH" --netns "$srv" --iface 'vapp*' --port 5000 --trust 198.18.2.1 \
	--output "$E2E_TMP/events-3.json" >>"$E2E_TMP/xffwatch.log" 2>&1 &
XFFW_PID=$!
E2E_PIDS+=("$XFFW_PID")
for _ in $(seq 1 100); do
	grep -q "events to" "$E2E_TMP/xffwatch.log" && break
	sleep 0.05
done
grep -q "watching vapp1 ingress and egress" "$E2E_TMP/xffwatch.log" ||
	{ cat "$E2E_TMP/xffwatch.log" >&2; e2e_fail "--netns with a glob did not watch vapp1"; }
[ "$(client http://198.18.0.2/gw/netns)" = 200 ] || e2e_fail "request under --netns failed"
e2e_wait_lines "$E2E_TMP/events-3.json" 1 || e2e_fail "no event under --netns"
e2e_stop "$XFFW_PID" INT

# (A host without a cgroup2 mount, such as a bare chroot, is told so once: not an error here.)
if grep -E "(error|warning): " "$E2E_TMP/xffwatch.log" | grep -v "no cgroup2 file system mounted"; then
	e2e_fail "the daemon logged errors"
fi
all="$E2E_TMP/all.json"
cat "$E2E_TMP/events-1.json" "$E2E_TMP/events-2.json" "$E2E_TMP/events-3.json" >"$all"
jq -e . "$all" >/dev/null || e2e_fail "events are not valid JSON"

e2e_expect_count "$all" '.url.path == "/gw/1" and .client.ip == "198.18.0.1"
	and .source.ip == "198.18.2.1" and .destination.ip == "198.18.2.11"
	and .observer.egress.interface.name == "vapp1" and .xffwatch.bridge == "br0"
	and .xffwatch.peer.interface == "eth0" and (.xffwatch.peer.netns | startswith("xffw-app1-"))
	and .http.response.status_code == 200 and .xffwatch.findings == []' 1 "gateway case"
e2e_expect_count "$all" '.url.path == "/gw/forged" and .client.ip == "198.18.0.1"
	and (.xffwatch.findings | index("leftmost-differs"))' 1 "gateway case, forged header"
e2e_expect_count "$all" '.url.path == "/v6/gw6" and .client.ip == "fd00::1"
	and .source.ip == "fd00:2::1" and .network.type == "ipv6"
	and .observer.egress.interface.name == "vapp1"' 1 "gateway case over IPv6"
e2e_expect_count "$all" '.url.path == "/via-ngx" and .client.ip == "198.18.0.1"
	and .source.ip == "198.18.2.20" and .destination.port == 5001
	and .observer.egress.interface.name == "vapp2" and .xffwatch.trust.peer_trusted == true
	and (.xffwatch.peer.netns | startswith("xffw-app2-"))' 1 "nginx-container case"
for p in /gw/after-bridge /gw/after-restart /gw/netns; do
	e2e_expect_count "$all" ".url.path == \"$p\" and .client.ip == \"198.18.0.1\"" 1 "$p"
done
e2e_pass
