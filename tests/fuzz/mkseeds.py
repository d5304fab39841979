#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-2-Clause
"""Writes the hand-made seeds of fuzz_daemon (seeds/daemon/) and the long-chain
seed of fuzz_record (seeds/record/xff-8k-parts). Not part of the build: run it
after changing the input format of either target (tests/fuzz/fuzz_daemon.c
says what the bytes mean), then commit the files. Seeds found by fuzzing are
added by `make fuzz-seeds` instead."""

import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))

# fuzz_daemon's modes and operations
HOPS, RECURSIVE, RIGHTMOST, FORWARDED, SINGLE_IP, EXTERNAL, LISTENERS, PREFERENCE = range(8)
NONE, TRUNCATE, HMAC = 0, 1, 2


def config(mode, param=0, pseudo=NONE, keep_query=False, no_ua=False, trace=False,
           datagram=3, tuples=0):
    """Byte 0-3: mode, its parameter, privacy and datagram size, the flows' tuples."""
    c2 = pseudo | keep_query << 2 | no_ua << 3 | trace << 4 | datagram << 5
    return bytes([mode, param, c2, tuples])


def head(text, flow=0, flags=0, repeat=0, parts=0):
    """OP_HEAD: a request head through the extractor twin; text ends with its blank line.

    Its last line is repeated `repeat` more times up to 127; from 128, (repeat - 127) * 16."""
    return b"0" + bytes([flow | flags | parts << 5, repeat]) + text


def part(fields, flow=0, new=False, head_end=False, lost=False):
    """OP_PART: one REQUEST record as given: (field id, field flags, repeat, value)."""
    s = flow | new << 2 | lost << 3 | head_end << 4
    out = b"1" + bytes([s, len(fields) - 1])
    for fid, fflags, rep, value in fields:
        assert b"\n" not in value
        out += bytes([fid - 1, fflags, rep]) + value + b"\n"
    return out


def response(flow=0, which=0, status=0):
    """OP_RESPONSE: status is an index into fuzz_daemon's statuses[] (0: 200, 2: 304)."""
    return b"2" + bytes([flow | which << 2 | status << 4])


def flow_end(flow=0, reason=1, keep=False):
    return b"3" + bytes([flow | reason << 2 | keep << 6])


def wait(tens_of_ms):
    return b"4" + bytes([tens_of_ms])


def not_http(flow=0, reason=1):
    return b"5" + bytes([flow | reason << 2])


LOCAL, NONE_SEEN, UNSEEN = 1, 2, 0
# OWNER's uids (index) and cgroup ids (1: nginx.service, 2: its worker, 3: a session,
# 4: a docker scope, 5: kubepods, 6: nginx.serviced, 7: "/"; 0 or past: not found)
# and its --trust-local specs (bits: user=33, group=4, unit=nginx, cgroup=/system.slice).
U_ROOT, U_WWW, U_1000 = 0, 1, 2
S_USER, S_GROUP, S_UNIT, S_CGROUP = 1, 2, 4, 8


def owner(flow=0, app=False, seen=LOCAL, uid=U_WWW, cgroup=1, specs=0):
    return b"\xf0" + bytes([flow | app << 2 | seen << 3, uid | cgroup << 3, specs])


def preamble(data, flow=0, last=True, seen=True, proxied=True, mode=0):
    """PREAMBLE: one PROXY record of the flow's connection; mode: 0 optional, 1 required, 2 off."""
    s = flow | last << 2 | seen << 4 | proxied << 5 | mode << 6
    return b"\xe0" + bytes([s, len(data)]) + data


CRLF = b"\r\n"
XFF, FWD, REAL_IP, REQUEST_LINE = 4, 5, 6, 1
CONT, CONTINUED = 4, 8


def xff_8k():
    """8 lines of 120 addresses: the request that crashed the daemon in hop counting.

    14.5 KiB of header: the chain's fixed text (12 KiB) ran out at 12,288
    bytes of addresses, which these 960 addresses pass."""
    h = b"GET / HTTP/1.1" + CRLF + b"Host: app" + CRLF
    for line in range(8):
        addrs = ", ".join("198.51.100.%d" % (i + line) for i in range(1, 121))
        h += b"X-Forwarded-For: " + addrs.encode() + CRLF
    return h + CRLF


def forwarded_padding():
    """Seven Forwarded lines padded with host=, then the proxy's element on the last."""
    h = b"GET / HTTP/1.1" + CRLF + b"Host: app" + CRLF
    for i in range(7):
        line = b'Forwarded: for="..";host="' + b"a" * 1700 + b'"'
        if i == 6:
            line += b', for="198.18.0.1:4711"'
        h += line + CRLF
    return h + CRLF


SEEDS = {
    # --trust-local: nginx (www-data, nginx.service) on flow 0, a shell on flow 1, a
    # remote peer on flow 2, a flow whose start was not seen on flow 3; CIDR trust.
    "trust-local": config(RECURSIVE, 0, tuples=0) + owner(0, specs=S_UNIT | S_USER)
    + owner(0, app=True, uid=U_1000, cgroup=4, specs=S_UNIT | S_USER)
    + owner(1, uid=U_1000, cgroup=3, specs=S_UNIT | S_USER)
    + owner(2, seen=NONE_SEEN, specs=S_UNIT | S_USER)
    + owner(3, seen=UNSEEN, specs=S_UNIT | S_USER)
    + b"".join(head(b"GET /a HTTP/1.1\r\nX-Forwarded-For: 203.0.113.7\r\n\r\n", flow=f)
               + response(flow=f) for f in range(4))
    + head(b"GET /b HTTP/1.1\r\n\r\n", flow=1) + response(flow=1),
    # The same under hop counting and listeners, by group and cgroup prefix, no cgroup found.
    "trust-local-hops": config(HOPS, 1, trace=True) + owner(0, uid=U_ROOT, cgroup=0, specs=S_CGROUP | S_GROUP)
    + owner(1, uid=U_WWW, cgroup=2, specs=S_CGROUP | S_GROUP)
    + b"".join(head(b"GET /a HTTP/1.1\r\nX-Forwarded-For: 6.6.6.6, 203.0.113.7\r\n\r\n", flow=f)
               + response(flow=f) for f in range(2)),
    "trust-local-listeners": config(LISTENERS, 2, pseudo=HMAC, tuples=0x28)
    + owner(0, uid=U_1000, cgroup=5, specs=15) + owner(1, cgroup=7, specs=S_CGROUP)
    + b"".join(head(b"GET /a HTTP/1.1\r\nX-Real-IP: 203.0.113.7\r\nForwarded: for=198.51.100.1\r\n\r\n", flow=f)
               + response(flow=f) for f in range(4)),
    # The issue 13 reproducer: --hops 1, peer 127.0.0.1, answered, then FIN.
    "xff-8k-hops1": config(HOPS, 1) + head(xff_8k()) + response() + flow_end(),
    # The Forwarded padding, trusted CIDRs, recursive.
    "forwarded-padding": config(FORWARDED, 0) + head(forwarded_padding()) + response(),
    # Keep-alive and pipelining on two flows under several listeners, HMAC tokens,
    # a response that skips one, a timeout, a reused tuple.
    "listeners-pipelined": config(LISTENERS, 1, HMAC, keep_query=True, datagram=0, tuples=0x08)
    + head(b"GET /a?x=1 HTTP/1.1\r\nHost: app:8080\r\nX-Forwarded-For: 203.0.113.9, 10.0.0.2\r\n"
           b"User-Agent: curl/7.88.1\r\n\r\n")
    + head(b"HEAD /b HTTP/1.1\r\nForwarded: for=\"[2001:db8::1]:443\";proto=https, for=_hidden\r\n\r\n",
           flow=1)
    + head(b"POST /c HTTP/1.1\r\nX-Real-IP: 198.51.100.7\r\nX-Forwarded-For: 192.0.2.1:80\r\n\r\n")
    + response(0, 0, 0) + response(1, 0, 2) + response(0, 1, 5) + wait(120)
    + head(b"GET /d HTTP/1.1\r\nCF-Connecting-IP: ::ffff:1.2.3.4\r\nTrue-Client-IP: fe80::1%eth0\r\n\r\n",
           flow=2)
    + wait(120) + flow_end(1, 3) + not_http(3, 1),
    # A value in pieces across request parts (CONT, CONTINUED), one part lost, truncated
    # addresses, no response before the flow ends.
    "parts-continued": config(RECURSIVE, 1, TRUNCATE, trace=True, tuples=0x04)
    + part([(REQUEST_LINE, 0, 0, b"GET /p?q=1 HTTP/1.1"), (XFF, CONT, 150, b"10.0.0.1, ")],
           new=True)
    + part([(XFF, CONTINUED | CONT, 150, b"198.51.100.7,"), (REAL_IP, 0, 0, b"10.0.0.9")])
    + part([(XFF, CONTINUED, 0, b" 203.0.113.9:00080"), (FWD, 0, 0, b"for=unknown;by=_x:_y")],
           head_end=True, lost=True)
    + flow_end(0, 2),
    # The single-IP headers and external proxies over IPv6 peers, past the budget.
    "external-v6": config(EXTERNAL, 1, NONE, no_ua=True, datagram=7, tuples=0x04)
    + head(b"GET http://h/ HTTP/1.1\r\nX-Real-IP: 2001:db8::1\r\nX-Forwarded-For: unknown, "
           b"[2001:db8::1]:443, 192.0.2.10\r\nVia: 1.1 proxy\r\nX-Forwarded-Proto: https\r\n"
           b"X-Forwarded-Host: h\r\nX-Forwarded-Port: 00443\r\n\r\n", flags=0x14)
    + response(0, 0, 3),
    # Every client header at once, in an order of preference; lines repeated.
    "preference": config(PREFERENCE, 0x21, tuples=0x11)
    + head(b"OPTIONS * HTTP/1.0\r\nTrue-Client-IP: 1.2.3.4\r\nCF-Connecting-IP: 5.6.7.8\r\n"
           b"X-Real-IP: 9.9.9.9\r\nForwarded: for=1.1.1.1, for=\"[::1]\"\r\n"
           b"X-Forwarded-For: 8.8.8.8, 127.0.0.1\r\n\r\n", repeat=40)
    + response(0, 0, 0),
    # --no-recursive, heads whose parts come wrong: the last one lost, each one twice.
    "rightmost-parts": config(RIGHTMOST, 1, tuples=0x20)
    + head(b"GET / HTTP/1.1\r\nX-Real-IP: 10.0.0.3\r\nX-Forwarded-For: 10.9.8.7, 10.0.0.3, "
           b"10.0.0.4, 10.0.0.5, 10.0.0.6, 10.0.0.7, 10.0.0.8\r\n\r\n", repeat=100, parts=5)
    + head(b"GET /r HTTP/1.1\r\nX-Forwarded-For: 10.9.8.7, 10.0.0.3, 10.0.0.4, 10.0.0.5, "
           b"10.0.0.6\r\n\r\n", repeat=120, parts=6)
    + response(0, 3, 0),
    # CF-Connecting-IP from an untrusted peer (spoofed), then from a trusted one, twice.
    "single-ip": config(SINGLE_IP, 1, TRUNCATE, tuples=0x02)
    + head(b"GET / HTTP/1.1\r\nCF-Connecting-IP: 203.0.113.9\r\n\r\n", flow=0)
    + head(b"GET / HTTP/1.1\r\nCF-Connecting-IP: 203.0.113.9\r\nCF-Connecting-IP: 10.0.0.1\r\n\r\n",
           flow=2)
    + response(2) + response(0, 0, 4),
    # PROXY preambles (issue 18): v1 then a request with a forged header behind it, in two
    # parts; v2 with ALPN from an untrusted peer under --proxy-protocol required.
    "proxy-v1": config(PREFERENCE, 0)
    + preamble(b"PROXY TCP4 203.0.113.7 127.0.0.1 5", last=False)
    + preamble(b"6324 5000\r\n")
    + head(b"GET / HTTP/1.1\r\nX-Forwarded-For: 192.0.2.1\r\n\r\n")
    + head(b"GET /2 HTTP/1.1\r\nX-Forwarded-For: 192.0.2.2\r\n\r\n")
    + response(0) + response(0),
    "proxy-v2-untrusted": config(PREFERENCE, 0, tuples=0x02)
    + preamble(b"\r\n\r\n\x00\r\nQUIT\n\x21\x11\x00\x15" + bytes([203, 0, 113, 8, 127, 0, 0, 1])
               + b"\x9c\x40\x13\x88\x01\x00\x06http/1", mode=1)
    + head(b"GET / HTTP/1.1\r\n\r\n") + response(0) + flow_end(0),
}


ABI_VERSION = 4


def record(rtype, data=b"", flags=0, msg=0, part_no=0, status=0, reason=0, ts=1000, conn=1):
    """A kernel record for fuzz_record: after a 2-byte length, flow 1, 127.0.0.1 -> :5000."""
    hdr = struct.pack("<QQQHBBHHIIIHHHHHH16s16s32s", ts, 1, conn, ABI_VERSION, rtype, 4, flags,
                      len(data), 1, 0, msg, part_no, status, reason, 40000, 5000, 0,
                      bytes([127, 0, 0, 1]), bytes([127, 0, 0, 1]), bytes(32))
    assert len(hdr) == 120
    rec = hdr + data
    return struct.pack("<H", len(rec)) + rec


def upgrade_record_seeds():
    """Seeds of fuzz_record kept from older ABIs, rewritten in place: ABI 3 gains conn_id."""
    folder = os.path.join(HERE, "seeds", "record")
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        data = open(path, "rb").read()
        out, pos = b"", 0
        while pos + 2 <= len(data):
            n = struct.unpack_from("<H", data, pos)[0]
            rec = data[pos + 2:pos + 2 + n]
            pos += 2 + n
            if len(rec) >= 112 and struct.unpack_from("<H", rec, 16)[0] == 3:
                rec = rec[:16] + rec[8:16] + struct.pack("<H", ABI_VERSION) + rec[18:]
            out += struct.pack("<H", min(len(rec), 0xffff)) + rec
        out += data[pos:]
        if out != data:
            with open(path, "wb") as f:
                f.write(out)


PP_V1 = b"PROXY TCP4 203.0.113.7 127.0.0.1 56324 5000\r\n"
PP_V2 = (b"\r\n\r\n\x00\r\nQUIT\n\x21\x11\x00\x15" + bytes([203, 0, 113, 8, 127, 0, 0, 1])
         + b"\x9c\x40\x13\x88" + b"\x01\x00\x06http/1")
# Record flags (include/xffwatch_abi.h).
HEAD_END, PP_END, PP_SEEN, PROXIED = 1, 1 << 5, 1 << 8, 1 << 9


def proxy_records(pre, split):
    """A connection that begins with preamble @pre, sent in two PROXY parts, then a request."""
    conn = PP_SEEN | PROXIED
    out = record(5, pre[:split], flags=conn, part_no=0)
    out += record(5, pre[split:], flags=conn | PP_END, part_no=1)
    out += record(1, field(REQUEST_LINE, b"GET / HTTP/1.1") + field(XFF, b" 192.0.2.1"),
                  flags=conn | HEAD_END, ts=1500)
    return out + record(2, status=200, ts=2000, flags=conn) + record(3, reason=1, ts=3000)


def field(fid, value, flags=0):
    return struct.pack("<BBH", fid, flags, len(value)) + value


def xff_8k_records():
    """The reproducer as the kernel sends it: the head in parts of at most 6144 field bytes."""
    lines = xff_8k().split(CRLF)
    fields = [field(REQUEST_LINE, lines[0]), field(2, b" app")]
    fields += [field(XFF, line[len(b"X-Forwarded-For:"):]) for line in lines[2:10]]
    parts, cur = [], b""
    for f in fields:
        if len(cur) + len(f) > 6144:
            parts.append(cur)
            cur = b""
        cur += f
    parts.append(cur)
    out = b""
    for i, data in enumerate(parts):
        out += record(1, data, flags=1 if i == len(parts) - 1 else 0, part_no=i)
    return out + record(2, status=200, ts=2000) + record(3, reason=1, ts=3000)


def main():
    os.makedirs(os.path.join(HERE, "seeds", "daemon"), exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(HERE, "seeds", "daemon", name), "wb") as f:
            f.write(data)
    with open(os.path.join(HERE, "seeds", "record", "xff-8k-parts"), "wb") as f:
        f.write(xff_8k_records())
    upgrade_record_seeds()
    for name, pre in (("proxy-v1", PP_V1), ("proxy-v2", PP_V2)):
        with open(os.path.join(HERE, "seeds", "record", name), "wb") as f:
            f.write(proxy_records(pre, 7))


if __name__ == "__main__":
    main()
