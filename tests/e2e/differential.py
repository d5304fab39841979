#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""Differential test: the same requests through the real thing and through
`xffwatch resolve` under the equivalent configuration.

Runs in the client's network namespace. For every anchor (an nginx realip
server, a gunicorn + Flask app behind ProxyFix, an Apache mod_remoteip vhost)
and every case (a set of header lines), it sends the request to the anchor,
reads the client address the anchor decided, and compares it with what
`xffwatch resolve --peer <this host>` names, by address. A difference must be
one of the documented, intentional ones in differential-expected.json, and
then both sides must still answer exactly what is recorded there.

Usage: differential.py XFFWATCH ANCHORS.json EXPECTED.json PEER4 PEER6
"""
import ipaddress
import json
import socket
import subprocess
import sys

TRUST = "198.18.0.1/32,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7"
LONG = ", ".join(["10.0.%d.%d" % (i // 200, i % 200 + 1) for i in range(30)])
# More hops than an event shows (64): the walk still covers them all.
LONGER = ", ".join(["10.0.%d.%d" % (i // 200, i % 200 + 1) for i in range(100)])
# One line over the kernel's 2 KiB pieces: it must arrive whole.
LONG_V4 = ", ".join(["10.0.%d.%d" % (i // 200, i % 200 + 1) for i in range(250)])
LONG_V6 = ", ".join(["fd00:1234:5678:9abc:def0:1234:5678:%x" % (i + 1) for i in range(100)])

# Header lines per case: (name, value) pairs in wire order.
CASES = {
    "plain": [("X-Forwarded-For", "203.0.113.7")],
    "two-hops": [("X-Forwarded-For", "203.0.113.7, 10.0.0.2")],
    "all-trusted": [("X-Forwarded-For", "10.0.0.3, 10.0.0.2")],
    "spoof-prepend": [("X-Forwarded-For", "6.6.6.6, 203.0.113.7")],
    "trailing-comma": [("X-Forwarded-For", "203.0.113.7, 10.0.0.2,")],
    "empty-element": [("X-Forwarded-For", "203.0.113.7,,10.0.0.2")],
    "empty-element-sp": [("X-Forwarded-For", "203.0.113.7, , 10.0.0.2")],
    "leading-comma": [("X-Forwarded-For", ",203.0.113.7")],
    "leading-comma-sp": [("X-Forwarded-For", ", 203.0.113.7")],
    "only-separators": [("X-Forwarded-For", ", ,")],
    "empty-value": [("X-Forwarded-For", "")],
    "space-separated": [("X-Forwarded-For", "203.0.113.7 10.0.0.2")],
    "port": [("X-Forwarded-For", "203.0.113.7:5678")],
    "port-zero": [("X-Forwarded-For", "203.0.113.7:0")],
    "port-name": [("X-Forwarded-For", "203.0.113.7:http")],
    "v6-brackets": [("X-Forwarded-For", "[2001:db8::7]")],
    "v6-brackets-port": [("X-Forwarded-For", "[2001:db8::7]:4711")],
    "v6": [("X-Forwarded-For", "2001:db8::7")],
    "v6-ula-hop": [("X-Forwarded-For", "2001:db8::7, fd00::9")],
    "v6-zone": [("X-Forwarded-For", "fe80::1%eth0")],
    "leading-zero": [("X-Forwarded-For", "010.0.0.1")],
    "empty-octet": [("X-Forwarded-For", "1..2.3")],
    "broadcast": [("X-Forwarded-For", "255.255.255.255")],
    "three-octets": [("X-Forwarded-For", "203.0.113")],
    "unknown": [("X-Forwarded-For", "unknown")],
    "unknown-then-trusted": [("X-Forwarded-For", "unknown, 10.0.0.2")],
    "garbage-left": [("X-Forwarded-For", "garbage, 203.0.113.7, 10.0.0.2")],
    "garbage-middle": [("X-Forwarded-For", "203.0.113.7, garbage, 10.0.0.2")],
    "mapped": [("X-Forwarded-For", "::ffff:203.0.113.7")],
    "mapped-trusted-hop": [("X-Forwarded-For", "203.0.113.7, ::ffff:10.0.0.2")],
    "private-client": [("X-Forwarded-For", "192.168.1.50")],
    "private-untrusted-hop": [("X-Forwarded-For", "203.0.113.7, 192.168.1.50, 10.0.0.2")],
    "hostname": [("X-Forwarded-For", "localhost")],
    "quoted": [("X-Forwarded-For", '"203.0.113.7"')],
    "lines-two": [("X-Forwarded-For", "203.0.113.7"), ("X-Forwarded-For", "10.0.0.2")],
    "lines-spoof": [("X-Forwarded-For", "6.6.6.6"), ("X-Forwarded-For", "203.0.113.7")],
    "lines-empty-last": [("X-Forwarded-For", "203.0.113.7"), ("X-Forwarded-For", "")],
    "lines-empty-first": [("X-Forwarded-For", ""), ("X-Forwarded-For", "10.0.0.2")],
    "lines-leading-comma": [("X-Forwarded-For", "203.0.113.7"), ("X-Forwarded-For", ",10.0.0.2")],
    "cgnat": [("X-Forwarded-For", "100.64.0.1")],
    "zero": [("X-Forwarded-For", "0.0.0.0")],
    "tab": [("X-Forwarded-For", "203.0.113.7,\t10.0.0.2")],
    "long-trusted": [("X-Forwarded-For", "203.0.113.7, " + LONG)],
    "hundred-trusted": [("X-Forwarded-For", "203.0.113.7, " + LONGER)],
    "hundred-all-trusted": [("X-Forwarded-For", LONGER)],
    "long-line-v4": [("X-Forwarded-For", "6.6.6.6, " + LONG_V4)],
    "long-line-v6": [("X-Forwarded-For", "2001:db8::6, " + LONG_V6)],
    "trailing-space-after-comma": [("X-Forwarded-For", "6.6.6.6, 198.51.100.1, ")],
    "trailing-tab-after-comma": [("X-Forwarded-For", "6.6.6.6, 198.51.100.1,\t")],
    "trailing-spaces": [("X-Forwarded-For", "6.6.6.6, 198.51.100.1  ")],
    "port-leading-zeros": [("X-Forwarded-For", "203.0.113.7:00000000080")],
    "port-six-digits": [("X-Forwarded-For", "203.0.113.7:000080")],
    "port-overflow": [("X-Forwarded-For", "203.0.113.7:99999999999999999999999")],
    "port-65536": [("X-Forwarded-For", "203.0.113.7:65536")],
    "many-trusted": [("X-Forwarded-For", "203.0.113.7, 10.0.0.2, 10.0.0.3, 10.0.0.4")],
    "no-header": [],
    "xri": [("X-Forwarded-For", "6.6.6.6"), ("X-Real-IP", "203.0.113.7")],
    "xri-list": [("X-Real-IP", "1.2.3.4, 5.6.7.8")],
    "xri-lines": [("X-Real-IP", "6.6.6.6"), ("X-Real-IP", "203.0.113.7")],
    "cf": [("CF-Connecting-IP", "203.0.113.7")],
    "cf-unknown": [("CF-Connecting-IP", "unknown")],
    "cf-lines": [("CF-Connecting-IP", "6.6.6.6"), ("CF-Connecting-IP", "203.0.113.7")],
    "xff-and-xri": [("X-Forwarded-For", "203.0.113.7"), ("X-Real-IP", "6.6.6.6")],
    "forwarded-only": [("Forwarded", "for=203.0.113.7")],
}


def head(case_id, lines):
    text = "GET /c/%s HTTP/1.1\r\nHost: diff.test\r\n" % case_id
    for name, value in lines:
        text += "%s: %s\r\n" % (name, value)
    return (text + "Connection: close\r\n\r\n").encode("latin-1")


def ask_anchor(anchor, server, request):
    """The client address the anchor decided, or 'rejected' (no 200/404 answer)."""
    family = socket.AF_INET6 if ":" in server else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.settimeout(5)
        s.connect((server, anchor["port"]))
        s.sendall(request)
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    head_part, _, body = data.partition(b"\r\n\r\n")
    lines = head_part.decode("latin-1").split("\r\n")
    if not lines or len(lines[0].split()) < 2 or lines[0].split()[1] not in ("200", "404"):
        return "rejected"
    if anchor["kind"] == "apache":
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.lower() == "x-client-ip":
                return value.strip()
        return "rejected"
    return body.decode("latin-1").strip()


def ask_xffwatch(xffwatch, anchor, peer, request):
    args = [xffwatch, "resolve", "--no-config", "--peer", peer] + anchor["xffwatch"]
    out = subprocess.run(args, input=request, capture_output=True, check=False)
    if out.returncode != 0:
        return "error: " + out.stderr.decode(errors="replace").strip()
    return json.loads(out.stdout)["client"]["ip"]


def same_address(a, b):
    try:
        x, y = ipaddress.ip_address(a), ipaddress.ip_address(b)
    except ValueError:
        return a == b
    x = x.ipv4_mapped or x if x.version == 6 else x
    y = y.ipv4_mapped or y if y.version == 6 else y
    return x == y


def main():
    xffwatch, anchors_path, expected_path, peer4, peer6 = sys.argv[1:6]
    with open(anchors_path, encoding="utf-8") as f:
        anchors = json.load(f)
    with open(expected_path, encoding="utf-8") as f:
        expected = {(e["anchor"], e["peer"], e["case"]): e for e in json.load(f)["differences"]}
    failures, compared, documented, seen = [], 0, 0, set()
    for anchor in anchors:
        for peer, server in ((peer4, anchor["server4"]), (peer6, anchor["server6"])):
            family = "ipv4" if ":" not in peer else "ipv6"
            for case_id, lines in CASES.items():
                request = head(case_id, lines)
                theirs = ask_anchor(anchor, server, request)
                ours = ask_xffwatch(xffwatch, anchor, peer, request)
                key = (anchor["name"], family, case_id)
                compared += 1
                doc = expected.get(key)
                if doc:
                    seen.add(key)
                    documented += 1
                    if not (same_address(theirs, doc["theirs"]) and same_address(ours, doc["ours"])):
                        failures.append("%s/%s/%s: documented difference changed: %s says %s "
                                        "(recorded %s), xffwatch %s (recorded %s)"
                                        % (key + (anchor["name"], theirs, doc["theirs"], ours,
                                                  doc["ours"])))
                elif not same_address(theirs, ours):
                    failures.append("%s/%s/%s: %s says %r, xffwatch says %r"
                                    % (key + (anchor["name"], theirs, ours)))
    for key in sorted(set(expected) - seen):
        failures.append("%s/%s/%s: recorded difference was never compared" % key)
    for line in failures:
        print("  differential: " + line, file=sys.stderr)
    print("  differential: %d comparisons over %d anchors, %d cases, 2 peers; %d documented "
          "differences; %d failures" % (compared, len(anchors), len(CASES), documented,
                                        len(failures)), file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
