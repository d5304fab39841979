#!/bin/sh
# SPDX-License-Identifier: BSD-2-Clause
# Installs the Debian 12 packages xffwatch needs, and only those missing.
# Quiet when everything is there. Idempotent.
#   scripts/deps.sh          build and run
#   scripts/deps.sh --test   also everything the test suite starts (tcpdump, editcap for replay)
#   scripts/deps.sh --bench  also what `make bench` runs (wrk, nginx, tcpdump, tshark, rsyslog,
#                            gunicorn + Flask for the replay capture, GNU time)
set -eu

build="make gcc clang llvm pkg-config libbpf-dev bpftool libelf-dev zlib1g-dev libconfig-dev
       libmnl-dev libjansson-dev libssl-dev libpcap-dev libmicrohttpd-dev iproute2"
# libclang-rt-14-dev: libFuzzer and clang's sanitizers for make fuzz (clang only recommends it).
# haproxy, nftables, python3-uvicorn: the doctor's fixes are checked with them (check_fix_snippets.py).
# openssl: the PROXY-protocol test's TLS front end gets a certificate made on the spot.
# prometheus (and its promtool) scrapes --metrics (test_metrics.sh); its recommended node exporter
# is not needed. chromium renders the doctor's page (test_report_html.sh): without its
# recommends there is no chromium-sandbox (the test runs --no-sandbox as root), no
# fonts-liberation (fontconfig's DejaVu, a dependency, draws the text) and no GL driver
# (--disable-gpu).
test="libcmocka-dev libjansson-dev nginx gunicorn python3-flask apache2 curl jq ethtool procps wrk
      haproxy nftables python3-uvicorn openssl prometheus chromium
      clang-format cppcheck shellcheck rsyslog logrotate libclang-rt-14-dev
      tcpdump tshark wireshark-common"
bench="nginx wrk curl jq procps tcpdump tshark rsyslog gunicorn python3-flask time"

pkgs=$build
for arg in "$@"; do
	case $arg in
	--test) pkgs="$pkgs $test" ;;
	--bench) pkgs="$pkgs $bench" ;;
	*) echo "usage: $0 [--test] [--bench]" >&2; exit 2 ;;
	esac
done

missing=""
for p in $pkgs; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing packages:$missing (run as root to install them)" >&2
	exit 1
fi
echo "deps: installing$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
