#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Writes proxy-protocol.jsonl: PROXY protocol v1/v2 conformance vectors.

Each line is one case: the input bytes (hex), whether they are a cut copy
(the first bytes of a longer preamble), and what a strict parser must say
(haproxy doc/proxy-protocol.txt). The expectations are written by hand here,
from the spec, never taken from the parser. The hex is the data; this script
is only how it was made:  tests/vectors/mkvectors.py > tests/vectors/proxy-protocol.jsonl

With --seeds DIR it also writes each case as a seed of fuzz_proxy (DIR/<name>):
two bytes of cut point (the middle of the input, at least 16), then the bytes.
"""
import json
import sys

V2_SIG = bytes.fromhex("0d0a0d0a000d0a515549540a")
HTTP = b"GET / HTTP/1.1\r\nHost: example.test\r\n\r\n"
# Full-length IPv6 text (39 characters) in the documentation range.
V6_FULL_A = "2001:0db8:ffff:ffff:ffff:ffff:ffff:fffe"
V6_FULL_B = "2001:0db8:ffff:ffff:ffff:ffff:ffff:ffff"


def crc32c(data):
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
    return crc ^ 0xFFFFFFFF


assert crc32c(b"123456789") == 0xE3069283


def tlv(kind, value, length=None):
    n = len(value) if length is None else length
    return bytes([kind]) + n.to_bytes(2, "big") + value


def ssl(client, verify, subs):
    return bytes([client]) + verify.to_bytes(4, "big") + b"".join(subs)


def inet(src, sport, dst, dport):
    ip = lambda s: bytes(int(x) for x in s.split("."))
    return ip(src) + ip(dst) + sport.to_bytes(2, "big") + dport.to_bytes(2, "big")


def inet6(src, sport, dst, dport):
    import ipaddress

    ip = lambda s: ipaddress.IPv6Address(s).packed
    return ip(src) + ip(dst) + sport.to_bytes(2, "big") + dport.to_bytes(2, "big")


def v2(cmd=1, fam=0x11, body=b"", ver=2, length=None, crc=None):
    """A v2 preamble. crc: None, 'ok', 'bad' (CRC32C TLV appended, its value right or off by one)."""
    if crc:
        body = body + tlv(0x03, b"\0\0\0\0")
    n = len(body) if length is None else length
    out = V2_SIG + bytes([ver << 4 | cmd, fam]) + n.to_bytes(2, "big") + body
    if crc:
        value = crc32c(out[: 16 + n])
        if crc == "bad":
            value ^= 1
        at = 16 + len(body) - 4
        out = out[:at] + value.to_bytes(4, "big") + out[at + 4 :]
    return out


INET = inet("203.0.113.7", 40000, "192.0.2.10", 443)
INET_ADDR = {"src": "203.0.113.7", "sport": 40000, "dst": "192.0.2.10", "dport": 443}
INET6 = inet6("2001:db8::7", 40001, "2001:db8::10", 8443)
INET6_ADDR = {"src": "2001:db8::7", "sport": 40001, "dst": "2001:db8::10", "dport": 8443}
UNIX = b"/run/haproxy/client.sock".ljust(108, b"\0") + b"/run/app.sock".ljust(108, b"\0")
SSL_FULL = ssl(
    0x07,
    0,
    [
        tlv(0x21, b"TLSv1.3"),
        tlv(0x22, b"client.example"),
        tlv(0x23, b"TLS_AES_128_GCM_SHA256"),
        tlv(0x24, b"RSA-SHA256"),
        tlv(0x25, b"RSA2048"),
        tlv(0x26, b"X25519"),
    ],
)

cases = []


def case(name, data, result, cut=False, **want):
    cases.append((name, data, cut, result, want))


def ok(name, data, preamble_len, cut=False, **want):
    case(name, data, "ok", cut, len=preamble_len, **want)


def bad(name, data, error, version=None):
    extra = {"version": version} if version else {}
    case(name, data, "malformed", error_contains=error, **extra)


def short(name, data, error, version=None, cut=False):
    extra = {"version": version} if version else {}
    case(name, data, "truncated", cut, error_contains=error, **extra)


def v1_ok(name, line, tail=b"", **want):
    b = line.encode()
    ok(name, b + tail, len(b), version=1, **want)


def v1_bad(name, line, error):
    bad(name, line.encode(), error, version=1)


# --- v1 -------------------------------------------------------------------------------------------
v1_ok("v1-tcp4", "PROXY TCP4 203.0.113.7 192.0.2.10 56324 443\r\n", HTTP, command="PROXY",
      transport="tcp4", src="203.0.113.7", sport=56324, dst="192.0.2.10", dport=443)
v1_ok("v1-tcp4-widest", "PROXY TCP4 255.255.255.255 255.255.255.255 65535 65535\r\n",
      command="PROXY", transport="tcp4", src="255.255.255.255", sport=65535,
      dst="255.255.255.255", dport=65535)
v1_ok("v1-tcp4-port-0", "PROXY TCP4 203.0.113.7 192.0.2.10 0 0\r\n", command="PROXY",
      transport="tcp4", src="203.0.113.7", sport=0, dst="192.0.2.10", dport=0)
v1_ok("v1-tcp6", "PROXY TCP6 2001:db8::7 2001:db8::10 4711 80\r\n", HTTP, command="PROXY",
      transport="tcp6", src="2001:db8::7", sport=4711, dst="2001:db8::10", dport=80)
line = f"PROXY TCP6 {V6_FULL_A} {V6_FULL_B} 65535 65535\r\n"
assert len(line) == 104
v1_ok("v1-tcp6-full-104", line, command="PROXY", transport="tcp6", src=V6_FULL_A, sport=65535,
      dst=V6_FULL_B, dport=65535)
# The longest IPv6 text embeds an IPv4 address: a TCP6 line of exactly 107 bytes, then 108.
A107 = "2001:db8:ffff:ffff:ffff:ffff:203.0.113.255"
B107 = "2001:db8:ffff:ffff:ffff:ffff:192.0.2.25"
line = f"PROXY TCP6 {A107} {B107} 65535 65535\r\n"
assert len(line) == 107, len(line)
v1_ok("v1-tcp6-107", line, HTTP, command="PROXY", transport="tcp6", src=A107, sport=65535,
      dst=B107, dport=65535)
line = f"PROXY TCP6 {A107} {B107}5 65535 65535\r\n"
assert len(line) == 108
v1_bad("v1-tcp6-108", line, "longer than 107 bytes")
v1_ok("v1-unknown-short", "PROXY UNKNOWN\r\n", HTTP, command="UNKNOWN", transport="unknown")
line = f"PROXY UNKNOWN {V6_FULL_A} {V6_FULL_B} 65535 65535\r\n"
assert len(line) == 107
v1_ok("v1-unknown-worst-107", line, HTTP, command="UNKNOWN", transport="unknown")
line = f"PROXY UNKNOWN {V6_FULL_A} {V6_FULL_B} 65535 655355\r\n"
assert len(line) == 108
v1_bad("v1-unknown-108", line, "longer than 107 bytes")
v1_ok("v1-unknown-anything", "PROXY UNKNOWN whatever the sender had\r\n", command="UNKNOWN",
      transport="unknown")
# "PROXY UNKNOWN" needs a space, CR or LF after it: "PROXY UNKNOWN://h/ HTTP/1.1" is a request.
bad("v1-unknown-glued", b"PROXY UNKNOWNX\r\n", "no PROXY protocol signature")
bad("v1-unknown-scheme", b"PROXY UNKNOWN://h/ HTTP/1.1\r\n\r\n", "no PROXY protocol signature")
v1_ok("v1-unknown-lf", "PROXY UNKNOWN\nfoo\r\n", HTTP, command="UNKNOWN", transport="unknown")
v1_ok("v1-unknown-cr", "PROXY UNKNOWN\rfoo\r\n", command="UNKNOWN", transport="unknown")
v1_bad("v1-addr-leading-zero", "PROXY TCP4 203.0.113.07 192.0.2.10 56324 443\r\n",
       "source address has a leading zero")
v1_bad("v1-dst-addr-leading-zero", "PROXY TCP4 203.0.113.7 192.0.02.10 56324 443\r\n",
       "destination address has a leading zero")
v1_bad("v1-port-leading-zero", "PROXY TCP4 203.0.113.7 192.0.2.10 080 443\r\n",
       "source port has a leading zero")
v1_bad("v1-dport-leading-zero", "PROXY TCP4 203.0.113.7 192.0.2.10 80 0443\r\n",
       "destination port has a leading zero")
v1_ok("v1-port-65535", "PROXY TCP4 203.0.113.7 192.0.2.10 65535 1\r\n", command="PROXY",
      transport="tcp4", src="203.0.113.7", sport=65535, dst="192.0.2.10", dport=1)
v1_bad("v1-port-65536", "PROXY TCP4 203.0.113.7 192.0.2.10 65536 443\r\n",
       "source port is above 65535")
v1_bad("v1-port-6-digits", "PROXY TCP4 203.0.113.7 192.0.2.10 1 100000\r\n",
       "destination port is above 65535")
v1_bad("v1-port-sign", "PROXY TCP4 203.0.113.7 192.0.2.10 +80 443\r\n",
       "source port is not a decimal number")
v1_bad("v1-double-space", "PROXY TCP4 203.0.113.7  192.0.2.10 56324 443\r\n", "empty field")
bad("v1-double-space-after-proxy", b"PROXY  TCP4 203.0.113.7 192.0.2.10 56324 443\r\n",
       "no PROXY protocol signature")
v1_bad("v1-space-before-crlf", "PROXY TCP4 203.0.113.7 192.0.2.10 56324 443 \r\n", "empty field")
# A bare LF does not end a line (section 2.1, nginx): the line runs to the first CRLF.
bad("v1-missing-cr", b"PROXY TCP4 203.0.113.7 192.0.2.10 56324 443\n" + HTTP, "bare LF", version=1)
short("v1-lf-only", b"PROXY TCP4 203.0.113.7 192.0.2.10 56324 443\n", "before the CRLF", version=1)
v1_ok("v1-unknown-bare-lf", "PROXY UNKNOWN x\ny\r\n", HTTP, command="UNKNOWN", transport="unknown")
v1_bad("v1-bare-lf-inside", "PROXY TCP4 203.0.113.7\n192.0.2.10 56324 443\r\n", "bare LF")
v1_bad("v1-cr-without-lf", "PROXY TCP4 203.0.113.7\r192.0.2.10 56324 443\r\n", "CR without LF")
v1_bad("v1-missing-field", "PROXY TCP4 203.0.113.7 192.0.2.10 443\r\n", "missing field")
# Not a v1 signature ("PROXY TCP4 " with its space): the bytes of an HTTP request, for the kernel.
bad("v1-no-fields", b"PROXY TCP4\r\n", "no PROXY protocol signature")
bad("v1-proxy-method", b"PROXY /x HTTP/1.1\r\n\r\n", "no PROXY protocol signature")
v1_bad("v1-extra-field", "PROXY TCP4 203.0.113.7 192.0.2.10 56324 443 1\r\n", "extra field")
v1_bad("v1-tcp4-with-ipv6", "PROXY TCP4 2001:db8::7 192.0.2.10 56324 443\r\n",
       "TCP4 source is not an IPv4 address")
v1_bad("v1-tcp6-with-ipv4", "PROXY TCP6 2001:db8::7 192.0.2.10 56324 443\r\n",
       "TCP6 destination is not an IPv6 address")
v1_bad("v1-octet-256", "PROXY TCP4 203.0.113.256 192.0.2.10 56324 443\r\n",
       "TCP4 source is not an IPv4 address")
v1_bad("v1-ipv6-zone", "PROXY TCP6 fe80::1%eth0 2001:db8::10 56324 443\r\n", "zone or brackets")
v1_bad("v1-ipv6-brackets", "PROXY TCP6 [2001:db8::7] 2001:db8::10 56324 443\r\n",
       "zone or brackets")
bad("v1-transport-lower-case", b"PROXY tcp4 203.0.113.7 192.0.2.10 56324 443\r\n",
       "no PROXY protocol signature")
bad("v1-transport-tcp5", b"PROXY TCP5 203.0.113.7 192.0.2.10 56324 443\r\n",
       "no PROXY protocol signature")
short("v1-no-crlf-yet", b"PROXY TCP4 203.0.113.7 192.0.2.10 56324 443", "before the CRLF",
      version=1)
short("v1-cr-only-yet", b"PROXY TCP4 203.0.113.7 192.0.2.10 56324 443\r", "before the CRLF",
      version=1)
short("v1-106-no-lf", b"PROXY UNKNOWN " + b"f" * 92, "before the CRLF", version=1)
short("v1-107-no-lf", b"PROXY UNKNOWN " + b"f" * 93, "before the CRLF", version=1)
bad("v1-108-no-lf", b"PROXY UNKNOWN " + b"f" * 94, "longer than 107 bytes", version=1)
# The kernel looks for the CRLF within 2048 bytes (XFFW_PP_KEEP), and so does the parser.
bad("v1-2048-no-crlf", b"PROXY UNKNOWN " + b"f" * 2034, "no CRLF within 2048 bytes", version=1)
bad("v1-2047-then-crlf", b"PROXY UNKNOWN " + b"f" * 2032 + b"\r\n" + HTTP, "longer than 107 bytes",
    version=1)
short("signature-prefix", b"PROX", "inside the signature")
bad("not-a-preamble", HTTP, "no PROXY protocol signature")
bad("lower-case-proxy", b"proxy TCP4 203.0.113.7 192.0.2.10 1 2\r\n", "no PROXY protocol signature")

# --- v2 -------------------------------------------------------------------------------------------
def v2_ok(name, data, tail=b"", cut=False, total=None, crc="absent", other_tlvs=0, **want):
    ok(name, data + tail, total if total is not None else len(data), cut, version=2,
       crc32c=crc, other_tlvs=other_tlvs, **want)


def v2_bad(name, data, error):
    bad(name, data, error, version=2)


v2_ok("v2-local", v2(cmd=0, fam=0x00), HTTP, command="LOCAL", transport="unspec")
v2_ok("v2-local-noop", v2(cmd=0, fam=0x00, body=tlv(0x04, b"\0" * 5)), command="LOCAL",
      transport="unspec", other_tlvs=1)
v2_ok("v2-local-inet-ignored", v2(cmd=0, fam=0x11, body=INET), command="LOCAL", transport="tcp4")
v2_ok("v2-proxy-inet", v2(body=INET), HTTP, command="PROXY", transport="tcp4", **INET_ADDR)
v2_ok("v2-proxy-inet6", v2(fam=0x21, body=INET6), HTTP, command="PROXY", transport="tcp6",
      **INET6_ADDR)
v2_ok("v2-proxy-udp4", v2(fam=0x12, body=INET), command="PROXY", transport="udp4")
v2_ok("v2-proxy-udp6", v2(fam=0x22, body=INET6), command="PROXY", transport="udp6")
v2_ok("v2-proxy-unix", v2(fam=0x31, body=UNIX), command="PROXY", transport="unix-stream")
v2_ok("v2-proxy-unix-dgram", v2(fam=0x32, body=UNIX), command="PROXY", transport="unix-dgram")
v2_ok("v2-proxy-unspec", v2(fam=0x00), HTTP, command="PROXY", transport="unspec")
v2_ok("v2-proxy-unspec-with-bytes", v2(fam=0x00, body=tlv(0xE0, b"x")), command="PROXY",
      transport="unspec", other_tlvs=1)
v2_ok("v2-tlv-alpn-authority", v2(body=INET + tlv(0x01, b"h2") + tlv(0x02, b"example.com")),
      HTTP, command="PROXY", transport="tcp4", alpn="h2", authority="example.com", **INET_ADDR)
v2_ok("v2-tlv-empty-alpn", v2(body=INET + tlv(0x01, b"")), command="PROXY", transport="tcp4",
      alpn="", **INET_ADDR)
uid128 = bytes(range(128))
v2_ok("v2-unique-id-128", v2(body=INET + tlv(0x05, uid128)), command="PROXY", transport="tcp4",
      unique_id_hex=uid128.hex(), **INET_ADDR)
v2_bad("v2-unique-id-129", v2(body=INET + tlv(0x05, uid128 + b"\x80")), "UNIQUE_ID is longer than 128")
v2_ok("v2-ssl", v2(fam=0x21, body=INET6 + tlv(0x20, SSL_FULL)), command="PROXY", transport="tcp6",
      ssl_client=7, ssl_verify=0, ssl_version="TLSv1.3", ssl_cn="client.example",
      ssl_cipher="TLS_AES_128_GCM_SHA256", ssl_sig_alg="RSA-SHA256", ssl_key_alg="RSA2048",
      other_tlvs=1, **INET6_ADDR)
v2_ok("v2-ssl-no-subtlvs", v2(body=INET + tlv(0x20, ssl(0x01, 1, []))), command="PROXY",
      transport="tcp4", ssl_client=1, ssl_verify=1, **INET_ADDR)
v2_ok("v2-ssl-twice", v2(body=INET + tlv(0x20, ssl(0x01, 0, [tlv(0x22, b"first")]))
                      + tlv(0x20, ssl(0x01, 0, [tlv(0x22, b"second")]))),
      command="PROXY", transport="tcp4", ssl_client=1, ssl_verify=0, ssl_cn="first",
      other_tlvs=1, **INET_ADDR)
v2_bad("v2-ssl-short", v2(body=INET + tlv(0x20, b"\x01\0\0\0")), "SSL TLV is shorter")
v2_bad("v2-ssl-sub-overflow",
       v2(body=INET + tlv(0x20, ssl(0x01, 0, [tlv(0x22, b"client.example", 15)]))),
       "SSL sub-TLV runs past the end")
v2_bad("v2-ssl-sub-header-cut", v2(body=INET + tlv(0x20, ssl(0x01, 0, []) + b"\x22\0")),
       "SSL sub-TLV header runs past")
v2_bad("v2-ssl-sub-one-byte-left",
       v2(body=INET + tlv(0x20, ssl(0x01, 0, [tlv(0x22, b"client.example", 13)]))),
       "SSL sub-TLV header runs past")
v2_ok("v2-netns", v2(body=INET + tlv(0x30, b"blue")), command="PROXY", transport="tcp4",
      netns="blue", **INET_ADDR)
v2_ok("v2-noop-custom-experimental",
      v2(body=INET + tlv(0x04, b"") + tlv(0xE0, b"custom") + tlv(0xF0, b"x") + tlv(0xFF, b"")),
      command="PROXY", transport="tcp4", other_tlvs=4, **INET_ADDR)
v2_ok("v2-alpn-twice", v2(body=INET + tlv(0x01, b"h2") + tlv(0x01, b"http/1.1")),
      command="PROXY", transport="tcp4", alpn="h2", other_tlvs=1, **INET_ADDR)
v2_ok("v2-crc-ok", v2(body=INET + tlv(0x01, b"h2"), crc="ok"), HTTP, crc="ok", command="PROXY",
      transport="tcp4", alpn="h2", **INET_ADDR)
v2_ok("v2-crc-ok-local", v2(cmd=0, fam=0, crc="ok"), crc="ok", command="LOCAL",
      transport="unspec")
v2_bad("v2-crc-bad", v2(body=INET + tlv(0x01, b"h2"), crc="bad"), "CRC32C mismatch")
bad_addr = bytearray(v2(body=INET + tlv(0x01, b"h2"), crc="ok"))
bad_addr[16] ^= 0x80
v2_bad("v2-crc-bad-address", bytes(bad_addr), "CRC32C mismatch")
v2_bad("v2-crc-3-bytes", v2(body=INET + tlv(0x03, b"\0\0\0")), "CRC32C TLV is not 4 bytes")
v2_bad("v2-crc-twice", v2(body=INET + tlv(0x03, b"\0\0\0\0"), crc="ok"), "second CRC32C")
whole = v2(body=INET + tlv(0x02, b"example.com") + tlv(0x04, b"\0" * 64), crc="ok")
crc_first = v2(body=INET + tlv(0x03, b"\0\0\0\0") + tlv(0x02, b"example.com") + tlv(0x04, b"\0" * 64))
crc_first = bytearray(crc_first)
crc_first[31:35] = crc32c(bytes(crc_first)).to_bytes(4, "big")
crc_first = bytes(crc_first)
v2_ok("v2-crc-first-whole", crc_first, crc="ok", command="PROXY", transport="tcp4",
      authority="example.com", other_tlvs=1, **INET_ADDR)
v2_ok("v2-crc-cut", crc_first[:60], cut=True, total=len(crc_first), crc="not-checked",
      command="PROXY", transport="tcp4", authority="example.com", **INET_ADDR)
bad_cut = bytearray(crc_first)
bad_cut[-1] ^= 1
v2_ok("v2-crc-cut-bad-unseen", bytes(bad_cut[:60]), cut=True, total=len(crc_first),
      crc="not-checked", command="PROXY", transport="tcp4", authority="example.com", **INET_ADDR)
v2_bad("v2-crc-bad-whole", bytes(bad_cut), "CRC32C mismatch")
v2_ok("v2-cut-flag-but-whole", crc_first, cut=True, crc="ok", command="PROXY", transport="tcp4",
      authority="example.com", other_tlvs=1, **INET_ADDR)
# Longer than the kernel's copy (XFFW_PP_KEEP, 2048 bytes): cut there.
big = v2(body=INET + tlv(0x02, b"example.com") + tlv(0x05, b"id-1") + tlv(0x04, b"\0" * 3000))
v2_ok("v2-cut-at-keep", big[:2048], cut=True, total=len(big), command="PROXY", transport="tcp4",
      authority="example.com", unique_id_hex=b"id-1".hex(), **INET_ADDR)
v2_ok("v2-cut-in-addresses", v2(fam=0x21, body=INET6)[:30], cut=True, total=52, command="PROXY",
      transport="tcp6")
v2_ok("v2-big-noop", big, HTTP, command="PROXY", transport="tcp4", authority="example.com",
      unique_id_hex=b"id-1".hex(), other_tlvs=1, **INET_ADDR)

# Lengths off by one, both ways: the length field against the bytes, a TLV's against its value.
body = INET + tlv(0x01, b"h2")
short("v2-length-one-more-than-bytes", v2(body=body, length=len(body) + 1), "length field says",
      version=2)
v2_bad("v2-length-one-more-into-http", v2(body=body, length=len(body) + 1) + HTTP,
       "too few for a TLV header")
v2_bad("v2-length-one-less", v2(body=body, length=len(body) - 1) + b"2" + HTTP[1:],
       "TLV 0x01 (ALPN) runs past the end")
v2_bad("v2-tlv-length-one-more", v2(body=INET + tlv(0x02, b"example.com", 12)),
       "TLV 0x02 (AUTHORITY) runs past the end")
v2_bad("v2-tlv-length-one-less", v2(body=INET + tlv(0x02, b"example.com", 10)),
       "too few for a TLV header")
v2_bad("v2-custom-tlv-past-end", v2(body=INET + tlv(0xE0, b"abc", 4)), "a TLV runs past the end")
v2_bad("v2-inet-length-11", v2(body=INET[:11]), "shorter than the INET addresses (12)")
v2_ok("v2-inet-length-12", v2(body=INET), command="PROXY", transport="tcp4", **INET_ADDR)
v2_bad("v2-inet6-length-35", v2(fam=0x21, body=INET6[:35]), "shorter than the INET6 addresses (36)")
v2_bad("v2-unix-length-215", v2(fam=0x31, body=UNIX[:215]), "shorter than the UNIX addresses (216)")
# LOCAL: "the protocol block including the family is ignored" (section 2.2).
v2_ok("v2-local-inet-length-0", v2(cmd=0, fam=0x11), HTTP, command="LOCAL", transport="tcp4")
v2_ok("v2-local-family-0x41", v2(cmd=0, fam=0x41), HTTP, command="LOCAL")
v2_bad("v2-version-1", v2(ver=1, body=INET), "version is not 2")
v2_bad("v2-version-3", v2(ver=3, body=INET), "version is not 2")
v2_bad("v2-command-2", v2(cmd=2, body=INET), "command is neither LOCAL (0) nor PROXY (1)")
v2_bad("v2-command-15", v2(cmd=15, body=INET), "command is neither")
v2_bad("v2-family-0x41", v2(fam=0x41, body=INET), "family and transport byte")
v2_bad("v2-family-0x13", v2(fam=0x13, body=INET), "family and transport byte")
v2_bad("v2-family-0x10", v2(fam=0x10, body=INET), "family and transport byte")
v2_bad("v2-family-0x01", v2(fam=0x01), "family and transport byte")
short("v2-header-15", v2(body=INET)[:15], "inside the 16-byte header", version=2)
short("v2-signature-11", V2_SIG[:11], "inside the signature")
short("v2-inet-cut-not-flagged", v2(body=INET)[:20], "length field says", version=2)


def write_seeds(folder):
    import os

    os.makedirs(folder, exist_ok=True)
    for name, data, _, _, _ in cases:
        k = max(16, len(data) // 2)
        with open(os.path.join(folder, name), "wb") as f:
            f.write(k.to_bytes(2, "big") + data)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--seeds":
        write_seeds(sys.argv[2])
        return
    for name, data, cut, result, want in cases:
        row = {"name": name, "hex": data.hex(), "cut": cut, "result": result}
        row.update(want)
        sys.stdout.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
