#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# Differential test against the real thing (Debian 12 packages): nginx realip,
# gunicorn + Flask behind Werkzeug's ProxyFix, Apache mod_remoteip. Each gets
# the same requests from a client host over IPv4 and IPv6 and answers the
# client address it decided; `xffwatch resolve` under the equivalent settings
# must name the same address, or differ exactly as documented in
# tests/e2e/differential-expected.json (see docs/trust.md).
# shellcheck source=lib.sh
. "$(dirname "$0")/lib.sh"

TRUST="198.18.0.1/32,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7"
HERE=$(cd "$(dirname "$0")" && pwd)

e2e_init
e2e_netns cli
cli=$E2E_LAST_NS
e2e_netns srv
srv=$E2E_LAST_NS
e2e_link "$cli" 198.18.0.1 fd00::1 "$srv" 198.18.0.2 fd00::2

# nginx: one server per realip setting, answering $remote_addr.
realip_server() { # PORT HEADER RECURSIVE CIDR...
	local port=$1 header=$2 recursive=$3 cidr
	shift 3
	printf '    server {\n        listen 198.18.0.2:%s;\n        listen [fd00::2]:%s;\n' "$port" "$port"
	for cidr in "$@"; do
		printf '        set_real_ip_from %s;\n' "$cidr"
	done
	printf '        real_ip_header %s;\n        real_ip_recursive %s;\n' "$header" "$recursive"
	printf '        location / { default_type text/plain; return 200 "$remote_addr"; }\n    }\n'
}
IFS=, read -r -a trust_list <<<"$TRUST"
e2e_nginx "$srv" "$(
	realip_server 8101 X-Forwarded-For on "${trust_list[@]}"
	realip_server 8102 X-Forwarded-For off "${trust_list[@]}"
	realip_server 8103 X-Forwarded-For on 10.0.0.0/8
	realip_server 8104 X-Real-IP off "${trust_list[@]}"
	realip_server 8105 CF-Connecting-IP on "${trust_list[@]}"
)"

# gunicorn + Flask behind ProxyFix(x_for=N), answering REMOTE_ADDR.
for n in 1 2 3; do
	e2e_bg "$srv" "$E2E_TMP/proxyfix$n.log" env XFFW_X_FOR=$n "$E2E_PY" -m gunicorn \
		--workers 1 --chdir "$E2E_APP_DIR" --bind "198.18.0.2:820$n" --bind "[fd00::2]:820$n" \
		proxyfix_app:app
done

# Apache mod_remoteip, answering %{REMOTE_ADDR} in a response header.
apache_vhost() { # PORT DIRECTIVE...
	printf 'Listen 198.18.0.2:%s\nListen [fd00::2]:%s\n' "$1" "$1"
	printf '<VirtualHost 198.18.0.2:%s [fd00::2]:%s>\n  RemoteIPHeader X-Forwarded-For\n' "$1" "$1"
	printf '  %s\n' "${@:2}"
	printf '  Header always set X-Client-IP "expr=%%{REMOTE_ADDR}"\n</VirtualHost>\n'
}
ap="$E2E_TMP/apache"
mkdir -p "$ap/docs"
{
	printf 'ServerRoot %s\nPidFile %s/httpd.pid\nErrorLog %s/error.log\nLogLevel warn\n' "$ap" "$ap" "$ap"
	for m in mpm_event authz_core remoteip headers; do
		printf 'LoadModule %s_module /usr/lib/apache2/modules/mod_%s.so\n' "$m" "$m"
	done
	printf 'ServerName differential.test\nUser nobody\nGroup nogroup\nDocumentRoot %s/docs\n' "$ap"
	apache_vhost 8301 "RemoteIPInternalProxy ${TRUST//,/ }"
	apache_vhost 8302 "RemoteIPTrustedProxy ${TRUST//,/ }"
	apache_vhost 8303 "RemoteIPInternalProxy 198.18.0.1/32 fd00::1/128" \
		"RemoteIPTrustedProxy 203.0.113.0/24 2001:db8::/32"
} >"$ap/httpd.conf"
# mod_remoteip resolves names (the "hostname" case): Apache gets an /etc/hosts
# of the test's own, so that localhost is 127.0.0.1 also where the machine has
# no /etc/hosts (a minimal image). It is a read-only overlay on /etc in
# Apache's own mount namespace; nothing outside changes.
mkdir -p "$ap/etc"
echo "127.0.0.1 localhost" >"$ap/etc/hosts"
e2e_bg "$srv" "$E2E_TMP/apache.log" unshare --mount sh -c \
	'mount -t overlay -o "lowerdir=$1:/etc" xffw-e2e /etc && shift && exec "$@"' sh "$ap/etc" \
	apache2 -f "$ap/httpd.conf" -DFOREGROUND

# The anchors, and the xffwatch settings equivalent to each.
anchor() { # NAME KIND PORT XFFWATCH-ARG...
	local list="" a
	for a in "${@:4}"; do
		list="$list${list:+, }\"$a\""
	done
	printf ' {"name": "%s", "kind": "%s", "port": %s, "server4": "198.18.0.2", "server6": "fd00::2", "xffwatch": [%s]}' \
		"$1" "$2" "$3" "$list"
}
{
	echo "["
	anchor nginx-recursive nginx 8101 --trust "$TRUST" --header x-forwarded-for
	echo ","
	anchor nginx-rightmost nginx 8102 --trust "$TRUST" --no-recursive
	echo ","
	anchor nginx-peer-untrusted nginx 8103 --trust 10.0.0.0/8
	echo ","
	anchor nginx-x-real-ip nginx 8104 --trust "$TRUST" --header x-real-ip --no-recursive
	echo ","
	anchor nginx-cf-connecting-ip nginx 8105 --trust "$TRUST" --header cf-connecting-ip
	for n in 1 2 3; do
		echo ","
		anchor "proxyfix-$n" proxyfix "820$n" --hops "$n"
	done
	echo ","
	anchor apache-internal apache 8301 --trust "$TRUST"
	echo ","
	anchor apache-trusted apache 8302 --trust none --external-proxy "$TRUST"
	echo ","
	anchor apache-mixed apache 8303 --trust 198.18.0.1/32,fd00::1/128 \
		--external-proxy 203.0.113.0/24,2001:db8::/32
	echo "]"
} >"$E2E_TMP/anchors.json"

for port in 8101 8102 8103 8104 8105 8201 8202 8203 8301 8302 8303; do
	e2e_wait_http "$cli" "http://198.18.0.2:$port/"
	e2e_wait_http "$cli" "http://[fd00::2]:$port/"
done

ip netns exec "$cli" "$E2E_PY" "$HERE/differential.py" "$XFFWATCH" "$E2E_TMP/anchors.json" \
	"$HERE/differential-expected.json" 198.18.0.1 fd00::1 ||
	e2e_fail "xffwatch and the real software disagree (see above)"
e2e_pass
