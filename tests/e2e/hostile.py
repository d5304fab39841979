#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""Hostile clients for test_hostile.sh, and the check of what came out.

    hostile.py send MODE PORT COUNT SEED SUMMARY
        COUNT requests (a fixed, seeded mix) to nginx on 127.0.0.1:PORT from
        127.9.0.1, over raw sockets: one request per connection, keep-alive,
        pipelining (in one write, or cut into pieces); the paths name the mode,
        the request and its kind (/h/MODE/N/KIND, probes /p/MODE/N/KIND,
        requests nginx must refuse /r/MODE/N/KIND, alone on a connection).
        Writes a JSON summary to SUMMARY. Every socket operation has a timeout
        and the whole run a deadline.

    hostile.py check EVENTS APP_LOG NGINX_LOG STATS BUDGET PSEUDO SUMMARY...
        Every line of EVENTS is JSON (strict UTF-8); one event per request the
        app received (by path, exactly); nginx's upstream lines say the same;
        every probe reached the app and names the expected client; the
        truncation counter agrees with the heads the app saw.

Loopback only: every connection goes to 127.0.0.1.
"""
import collections
import ipaddress
import json
import random
import socket
import sys
import time

SRC = "127.9.0.1"
DEADLINE = 120.0
TIMEOUT = 10.0
# What nginx is configured for (test_hostile.sh): large_client_header_buffers
# 5 LINE_MAX: a line must fit in one buffer, a head in five of them. Heads
# meant to pass keep to NBUF of them: one is left for the bytes of pipelined
# requests, which nginx keeps in the buffer they came in. (Heads stay under
# the 64 KiB past which the observer gives a connection up.)
LINE_MAX = 15 * 1024
NBUF = 4
HEAD_MAX = NBUF * LINE_MAX
# nginx 1.22 refuses a head of more lines than this ("too many header lines").
LINES_MAX = 990
# A probe every PROBE_EVERY requests.
PROBE_EVERY = 40

# --- probes: well-formed requests whose answer is known, per mode ---------

# mode: [(kind, [header lines], expected client.ip, findings that must be there)]
PROBES = {
    "hops1": [("plain", [b"X-Forwarded-For: 203.0.113.7"], SRC, []),
              ("none", [], SRC, [])],
    "hops2": [("plain", [b"X-Forwarded-For: 203.0.113.7"], "203.0.113.7", []),
              ("two", [b"X-Forwarded-For: 198.51.100.1, 203.0.113.7"], "203.0.113.7",
               ["leftmost-differs"])],
    "hops1raw": [("lines", [b"X-Forwarded-For: 203.0.113.7", b"X-Forwarded-For: 198.51.100.8"],
                  "198.51.100.8", ["multiple-header-lines", "leftmost-differs"])],
    "recursive": [("walk", [b"X-Forwarded-For: 198.51.100.9, 10.1.2.3"], "10.1.2.3",
                   ["leftmost-differs"]),
                  # One line far over the kernel's 2 KiB pieces, all of it trusted
                  # but its start: the walk reaches the client, as nginx's does.
                  ("longline", [b"X-Forwarded-For: 198.51.100.10, " + b", ".join(
                      b"127.0.%d.%d" % (i // 200, i % 200 + 1) for i in range(250))],
                   "198.51.100.10", []),
                  ("longline6", [b"X-Forwarded-For: 2001:db8::6, " +
                                 b", ".join([b"::ffff:127.0.0.1"] * 250)], "2001:db8::6", [])],
    "norecursive": [("rightmost", [b"X-Forwarded-For: 198.51.100.9"], SRC,
                     ["leftmost-differs"])],
    "forwarded": [("elements",
                   [b'Forwarded: for=192.0.2.60;proto=http, for="[2001:db8::7]:8080"'],
                   "2001:db8::7", ["leftmost-differs"])],
    "xrealip": [("plain", [b"X-Real-IP: 192.0.2.61"], "192.0.2.61", [])],
    "cfip": [("plain", [b"CF-Connecting-IP: 192.0.2.62"], "192.0.2.62", [])],
    "tcip": [("plain", [b"True-Client-IP: 192.0.2.63"], "192.0.2.63", []),
             ("fallback", [b"X-Forwarded-For: 192.0.2.64"], "192.0.2.64", [])],
}

# --- the hostile mix -------------------------------------------------------

CTL = bytes(b for b in range(1, 32) if b not in (10, 13)) + b"\x7f"
BAD_UTF8 = [b"\xff", b"\xfe\xff", b"\xc0\x80", b"\xc3", b"\x80\x80", b"\xed\xa0\x80",
            b"\xf4\x90\x80\x80", b"\xe2\x80\xa8", b"\xef\xbb\xbf", b"\xf0\x9f\x92", b"\xc2\xa0"]
V6 = [b"::", b"::1", b"[::1]", b"[::1]:80", b"::ffff:1.2.3.4", b"[::ffff:1.2.3.4]:0443",
      b"fe80::1%eth0", b"[fe80::1%25eth0]", b"2001:db8::7:", b":2001:db8::7", b"2001:db8:::7",
      b"1:2:3:4:5:6:7:8:9", b"[2001:db8::7", b"2001:db8::7]", b"[[::1]]", b"::ffff:300.1.1.1",
      b"2001:0db8:0000:0000:0000:0000:0000:0007", b"[2001:db8::7]:", b"[2001:db8::7]:99999",
      b"0:0:0:0:0:0:0:0", b"ffff:" * 7 + b"ffff", b"1::2::3", b"::ffff:127.0.0.1"]
PORTS = [b"1.2.3.4:0080", b"1.2.3.4:0", b"1.2.3.4:65536", b"1.2.3.4:99999999999999999999",
         b"1.2.3.4:", b"1.2.3.4::80", b"1.2.3.4:-1", b"1.2.3.4:+80", b"1.2.3.4:0x50",
         b"[::1]:00000000080", b"1.2.3.4:_obf", b"_hidden:_port", b"1.2.3.4:80:80"]
ODD = [b'"', b"\\", b"[", b"]", b'"\\"', b"\\\\\\", b"unknown", b"_hidden", b"for=", b";",
       b"=", b"for=1.2.3.4", b'"1.2.3.4"', b"'1.2.3.4'", b"010.0.0.1", b"1..2.3",
       b"255.255.255.255", b"0.0.0.0", b"203.0.113", b"localhost", b"%00", b"%0d%0a",
       b"1.2.3.4/24", b"0x7f.1", b"2130706433", b"a" * 300, b"\t", b"(", b")", b"<", b">",
       b"{}", b"\\u0000", b"\\x00", b"${jndi:ldap://127.0.0.1/a}", b"\x1b[31m"]


def ip4(r):
    return b"%d.%d.%d.%d" % tuple(r.randrange(256) for _ in range(4))


def token(r):
    k = r.random()
    if k < 0.35:
        return ip4(r)
    if k < 0.5:
        return r.choice(V6)
    if k < 0.6:
        return r.choice(PORTS)
    if k < 0.75:
        return r.choice(ODD)
    if k < 0.85:
        return r.choice(BAD_UTF8) + ip4(r)
    if k < 0.95:
        return bytes(r.choice(CTL) for _ in range(r.randrange(1, 6))) + ip4(r)
    return b""


SEPS = [b", ", b",", b" ", b",,", b", , ", b"\t", b" ,", b",\t"]


def entries(r, size):
    out = []
    n = 0
    while n < size:
        t = token(r) + r.choice(SEPS)
        out.append(t)
        n += len(t)
    return b"".join(out)[:size]


def lines_of(name, r, total, lo=20, hi=400):
    """Header @name in lines of lo..hi bytes of entries, about @total in all."""
    out = []
    n = 0
    while n < total:
        v = entries(r, r.randrange(lo, hi))
        out.append(name + b": " + v)
        n += len(v)
    return out


def fwd_element(r):
    k = r.random()
    node = r.choice([ip4(r), b'"[' + r.choice(V6) + b']"', b'"' + r.choice(PORTS) + b'"',
                     r.choice(ODD), b'"' + token(r) + b'"', b"_obf"])
    parts = [b"for=" + node]
    if k < 0.3:
        parts.append(b"proto=" + r.choice([b"http", b"https", b'"ht\\"tp"', b""]))
    if k < 0.2:
        parts.append(b"by=" + r.choice([ip4(r), b'"[::1]:80"', b"_b"]))
    if k < 0.15:
        parts.append(b"host=" + r.choice([b'"a"', b"example.net", b'"\\\\"', b'"unclosed']))
    if 0.9 < k:
        parts.append(r.choice([b"for=1.1.1.1", b"noequals", b'="x"', b"for", b'for="']))
    r.shuffle(parts)
    return b";".join(parts)


def cat_xffmany(r):
    """The original crash: 8-12 KiB of X-Forwarded-For in many lines."""
    return lines_of(b"X-Forwarded-For", r, r.randrange(8192, 12289))


def cat_xffline(r):
    return [b"X-Forwarded-For: " + entries(r, r.randrange(1024, LINE_MAX - 64))]


def cat_hops(r):
    """Thousands of hops, in one line or in many."""
    hop = r.choice([b"1.2.3.4,", b"1,", b"::1,", b",", b"10.0.0.1, ", b"a,"])
    n = r.randrange(1000, 6000)
    value = hop * n
    name = r.choice([b"X-Forwarded-For", b"X-Real-IP", b"True-Client-IP"])
    if len(value) < LINE_MAX - 64 and r.random() < 0.5:
        return [name + b": " + value]
    step = r.randrange(200, 4000)
    return [name + b": " + value[i:i + step] for i in range(0, min(len(value), 40000), step)]


def cat_fwdpad(r):
    """Forwarded: seven elements padded with host="aaaa..." before a real one."""
    pad = [b'for="%s";host="%s"' % (r.choice([b"..", b"", b"1.2.3.4", b"[::1]"]),
                                    b"a" * r.randrange(100, 1800)) for _ in range(7)]
    real = b"for=198.51.100.%d" % r.randrange(256)
    if r.random() < 0.5:
        return [b"Forwarded: " + b", ".join(pad + [real])]
    return [b"Forwarded: " + p for p in pad] + [b"Forwarded: " + real]


def cat_fwdjunk(r):
    out = []
    for _ in range(r.randrange(1, 30)):
        els = [fwd_element(r) for _ in range(r.randrange(1, 12))]
        out.append(b"Forwarded: " + r.choice([b", ", b",", b",,", b" , "]).join(els))
    return out


def cat_ctl(r):
    """Control bytes and invalid UTF-8 everywhere nginx lets them through."""
    out = []
    for name in (b"X-Forwarded-For", b"Forwarded", b"X-Real-IP", b"CF-Connecting-IP",
                 b"True-Client-IP", b"User-Agent", b"Via", b"X-Forwarded-Host"):
        if r.random() < 0.7:
            v = b"".join(r.choice([r.choice(BAD_UTF8), bytes([r.choice(CTL)]), ip4(r), b'"',
                                   b"\\", b"\xc3\xa9"]) for _ in range(r.randrange(1, 40)))
            out.append(name + b": " + v)
    return out


def cat_single(r):
    """The single-IP headers: many lines, long values, junk."""
    out = []
    for name in (b"X-Real-IP", b"CF-Connecting-IP", b"True-Client-IP"):
        for _ in range(r.randrange(0, 40)):
            out.append(name + b": " + r.choice([token(r), entries(r, r.randrange(1, 3000)),
                                                ip4(r), r.choice(V6)]))
    r.shuffle(out)
    return out


def cat_ipv6(r):
    out = [b"X-Forwarded-For: " + b", ".join(r.choice(V6) for _ in range(r.randrange(1, 50)))]
    out.append(b'Forwarded: for="[' + r.choice(V6) + b']:' + r.choice([b"80", b"0080", b"_p",
                                                                       b""]) + b'"')
    out.append(b"X-Real-IP: " + r.choice(V6))
    return out


def cat_ports(r):
    return [b"X-Forwarded-For: " + b", ".join(r.choice(PORTS) for _ in range(r.randrange(1, 20))),
            b'Forwarded: for="' + r.choice(PORTS) + b'", for=' + r.choice(PORTS),
            b"CF-Connecting-IP: " + r.choice(PORTS)]


def cat_empty(r):
    """Empty values, blanks only, lines of only commas."""
    out = []
    for _ in range(r.randrange(1, 60)):
        name = r.choice([b"X-Forwarded-For", b"Forwarded", b"X-Real-IP", b"True-Client-IP",
                         b"CF-Connecting-IP"])
        out.append(name + b":" + r.choice([b"", b" ", b"\t", b" , ", b"," * r.randrange(1, 3000),
                                           b", " * r.randrange(1, 500), b";;;", b'""']))
    return out


def cat_mixed(r):
    """Every forwarding header at once, many lines of each, in a random order."""
    out = []
    for name in (b"X-Forwarded-For", b"Forwarded", b"X-Real-IP", b"CF-Connecting-IP",
                 b"True-Client-IP", b"X-Forwarded-Proto", b"X-Forwarded-Host",
                 b"X-Forwarded-Port", b"Via"):
        for _ in range(r.randrange(1, 25)):
            out.append(name + b": " + (fwd_element(r) if name == b"Forwarded"
                                       else entries(r, r.randrange(1, 200))))
    r.shuffle(out)
    return out


def cat_manylines(r):
    """Hundreds of short lines of watched headers (nginx takes up to 1,000 lines)."""
    name = r.choice([b"Via", b"X-Forwarded-For", b"X-Real-IP", b"Forwarded"])
    return [name + b": " + ip4(r)[:r.randrange(1, 8)] for _ in range(r.randrange(300, 980))]


def cat_budget(r):
    """A big cookie first, so that forwarding headers come past the head budget."""
    cookie = [b"Cookie: c%d=%s" % (i, b"c" * r.randrange(8000, LINE_MAX - 64))
              for i in range(r.randrange(1, 4))]
    return cookie + cat_mixed(r)[:40] + [b"X-Forwarded-For: 203.0.113.%d" % r.randrange(256)]


def cat_names(r):
    """Header names that are almost, or oddly spelled, forwarding headers."""
    names = [b"x-FORWARDED-for", b"X-Forwarded-For-X", b"XX-Forwarded-For", b"X-Forwarded-Fo",
             b"Forwarded-For", b"X_Forwarded_For", b"FORWARDED", b"forwarded", b"X-Forwarded", b"Via-X", b"X-Forwarded-For-",
             b"True-Client-IPv6", b"Cf-Connecting-Ip", b"X-Forwarded-For\xff"]
    return [r.choice(names) + b": " + entries(r, r.randrange(1, 100))
            for _ in range(r.randrange(1, 20))]


def cat_big(r):
    """Heads up to nginx's limit, watched and unwatched lines mixed."""
    out = []
    n = 0
    limit = r.randrange(20000, HEAD_MAX - 4096)
    while n < limit:
        if r.random() < 0.5:
            line = b"X-Pad-%d: %s" % (len(out), b"p" * r.randrange(100, 4000))
        else:
            line = r.choice([b"X-Forwarded-For", b"Forwarded", b"Via", b"X-Real-IP"]) + \
                b": " + entries(r, r.randrange(10, 2000))
        out.append(line)
        n += len(line) + 2
    return out


CATS = [(cat_xffmany, 14), (cat_xffline, 6), (cat_hops, 8), (cat_fwdpad, 8), (cat_fwdjunk, 8),
        (cat_ctl, 8), (cat_single, 6), (cat_ipv6, 5), (cat_ports, 5), (cat_empty, 6),
        (cat_mixed, 8), (cat_manylines, 3), (cat_budget, 4), (cat_names, 4), (cat_big, 3)]

# Requests nginx refuses (400, 414, 494): no app request, no event.
REJECTS = {
    "longline": lambda r: [b"X-Forwarded-For: " + b"1.2.3.4, " * (LINE_MAX // 8 + 100)],
    "total": lambda r: [b"X-Pad-%d: %s" % (i, b"q" * (LINE_MAX - 100)) for i in range(6)],
    "nul": lambda r: [b"X-Forwarded-For: 1.2.3.4\x00, 5.6.7.8"],
    "cr": lambda r: [b"X-Forwarded-For: 1.2.3.4\r, 5.6.7.8"],
    "nulname": lambda r: [b"X-Forwarded\x00For: 1.2.3.4"],
    "twolengths": lambda r: [b"Content-Length: 1", b"Content-Length: 2"],
    "ctlname": lambda r: [b"X-Forwarded-\x01For: 1.2.3.4"],
    "blankname": lambda r: [r.choice([b"X-Forwarded-For\t: 1.2.3.4", b"X-Real-IP : 1.2.3.4"])],
    "fold": lambda r: [b"X-Forwarded-For: 203.0.113.1",
                       r.choice([b" 198.51.100.1", b"\t, 6.6.6.6"])],
    "lines": lambda r: [b"Via: %d" % i for i in range(1200)],
}


def fits(lines):
    """Would nginx take these header lines? Each buffer is taken as 1 KiB
    smaller than it is, for the request line and pipelined bytes."""
    used, free = 0, 0
    if len(lines) > LINES_MAX:
        return False
    for line in lines + [b""]:
        n = len(line) + 2
        if n > free:
            used += 1
            free = LINE_MAX - 1024
            if used > NBUF or n > free:
                return False
        free -= n
    return True


def head(method, path, lines, close, body=b""):
    h = [b"%s %s HTTP/1.1" % (method, path.encode()), b"Host: hostile.test"] + lines
    if body:
        h.append(b"Content-Length: %d" % len(body))
    if close:
        h.append(b"Connection: close")
    return b"\r\n".join(h) + b"\r\n\r\n" + body


def request(r, mode, i, close):
    """One request of the mix: (kind, bytes)."""
    if i % PROBE_EVERY == 0:
        kind, lines, _, _ = PROBES[mode][(i // PROBE_EVERY) % len(PROBES[mode])]
        return "probe", head(b"GET", f"/p/{mode}/{i}/{kind}", lines, close)
    fn = r.choices([c for c, _ in CATS], [w for _, w in CATS])[0]
    kind = fn.__name__[4:]
    lines = fn(r)
    # Within nginx's limits: lines go from the middle (the last one stays).
    while not fits(lines):
        del lines[len(lines) // 2 - 1 if len(lines) > 1 else 0]
    method, body = b"GET", b""
    k = r.random()
    if k < 0.1:
        # A body that looks like more requests, with forged forwarding headers.
        method = r.choice([b"POST", b"PUT", b"PATCH"])
        body = (b"GET /smuggled HTTP/1.1\r\nX-Forwarded-For: 6.6.6.6\r\n\r\n" *
                r.randrange(1, 40))[:r.randrange(1, 5000)]
    elif k < 0.15:
        method = r.choice([b"DELETE", b"OPTIONS"])
    return kind, head(method, f"/h/{mode}/{i}/{kind}", lines, close, body)


# --- sending ---------------------------------------------------------------

class Client:
    def __init__(self, port, deadline):
        self.port = port
        self.deadline = deadline
        self.stats = collections.Counter()

    def connect(self):
        if time.monotonic() > self.deadline:
            raise SystemExit("hostile.py: deadline passed")
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(TIMEOUT)
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        s.bind((SRC, 0))
        s.connect(("127.0.0.1", self.port))
        self.stats["connections"] += 1
        return s

    @staticmethod
    def read_response(s, buf):
        """One response from @s (bytes already read in @buf): (status, rest)."""
        while b"\r\n\r\n" not in buf:
            data = s.recv(65536)
            if not data:
                raise EOFError
            buf += data
        h, _, buf = buf.partition(b"\r\n\r\n")
        status = int(h.split(b" ", 2)[1])
        length = 0
        for line in h.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        while len(buf) < length:
            data = s.recv(65536)
            if not data:
                raise EOFError
            buf += data
        return status, buf[length:]

    @staticmethod
    def drain(s):
        """Everything until the server closes; the number of status lines seen."""
        data = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return data.count(b"HTTP/1.1 ")
            data += chunk

    def sequential(self, reqs):
        s = self.connect()
        try:
            buf = b""
            for kind, data in reqs:
                s.sendall(data)
                status, buf = self.read_response(s, buf)
                self.stats["status %d" % status] += 1
        except (OSError, EOFError, ValueError, IndexError) as e:
            self.stats["errors " + type(e).__name__] += 1
        finally:
            s.close()

    def pipelined(self, reqs, r):
        """@reqs in one connection without waiting; @r decides how the bytes are cut."""
        s = self.connect()
        try:
            data = b"".join(d for _, d in reqs)
            if r.random() < 0.5:
                s.sendall(data)
            else:
                # In pieces, some of them cutting lines and CRLFs in two.
                pos = 0
                while pos < len(data):
                    step = r.choice([1, 2, 7, 100, 1460, 4096, 30000])
                    s.sendall(data[pos:pos + step])
                    pos += step
            self.stats["responses"] += self.drain(s)
        except (OSError, EOFError) as e:
            self.stats["errors " + type(e).__name__] += 1
        finally:
            s.close()

    def alone(self, data):
        s = self.connect()
        try:
            s.sendall(data)
            first = s.recv(65536)
            self.stats["refused %s" % first[9:12].decode("latin-1")] += 1
            self.drain(s)
        except (OSError, EOFError) as e:
            self.stats["errors " + type(e).__name__] += 1
        finally:
            s.close()


def send(mode, port, count, seed, summary):
    r = random.Random(seed)
    # How the bytes are cut into writes depends on their length (the mode's
    # name is in the paths): its own generator, the same requests in every mode.
    cuts = random.Random(seed + 1)
    start = time.monotonic()
    c = Client(port, start + DEADLINE)
    kinds = collections.Counter()
    i = 0
    nrej = 0
    while i < count:
        if i % PROBE_EVERY and r.random() < 0.03:
            kind = r.choice(sorted(REJECTS))
            c.alone(head(b"GET", f"/r/{mode}/{i}/{kind}", REJECTS[kind](r), True))
            kinds["refused-" + kind] += 1
            nrej += 1
            i += 1
            continue
        # Probes come first on their connection: nothing before them can be refused.
        next_probe = (i // PROBE_EVERY + 1) * PROBE_EVERY
        n = min(r.choice([1, 1, 2, 3, 5, 8, 12]), count - i, next_probe - i)
        style = r.random()
        reqs = []
        for j in range(n):
            last = j == n - 1
            kind, data = request(r, mode, i + j, last and style >= 0.4)
            kinds[kind] += 1
            reqs.append((kind, data))
        i += n
        if style < 0.4:
            c.sequential(reqs)
        else:
            c.pipelined(reqs, cuts)
    took = time.monotonic() - start
    out = {"mode": mode, "port": port, "requests": count, "refused_sent": nrej,
           "probes": kinds["probe"], "seconds": round(took, 2), "kinds": dict(kinds),
           "client": dict(c.stats)}
    with open(summary, "w") as f:
        json.dump(out, f)
    print(f"  [hostile] {mode}: {count - kinds['probe']} hostile requests ({nrej} for nginx to "
          f"refuse) and {kinds['probe']} probes in {took:.1f} s over "
          f"{c.stats['connections']} connections", file=sys.stderr)


# --- checking --------------------------------------------------------------

def truncated_ip(text):
    """--pseudonymize truncate: IPv4 (also IPv4-mapped) to its /24, IPv6 to its /48."""
    a = ipaddress.ip_address(text)
    if a.version == 6 and a.ipv4_mapped:
        return "::ffff:" + truncated_ip(str(a.ipv4_mapped))
    bits = 24 if a.version == 4 else 48
    return str(ipaddress.ip_network(f"{a}/{bits}", strict=False).network_address)


def check(events_file, app_log, nginx_log, stats_file, budget, pseudo, summaries):
    bad = []
    budget = int(budget)
    pseudo = pseudo == "truncate"
    sums = [json.load(open(f)) for f in summaries]
    modes = {s["mode"] for s in sums}

    events = []
    with open(events_file, "rb") as f:
        for n, raw in enumerate(f, 1):
            try:
                e = json.loads(raw.decode("utf-8"))
                e["url"]["path"]
                events.append(e)
            except (UnicodeDecodeError, ValueError, KeyError, TypeError) as err:
                bad.append(f"event line {n} is not a valid event ({err}): {raw[:200]!r}")
    app = []
    for line in open(app_log, encoding="latin-1"):
        port, head_bytes, wanted_end, folded, path = line.rstrip("\n").split(" ", 4)
        app.append((path, int(head_bytes), int(wanted_end), folded == "1"))
    upstream = []
    refusals = collections.Counter()
    for line in open(nginx_log, encoding="latin-1"):
        f = line.split()
        if len(f) >= 4 and f[2] != '"-"':
            upstream.append(f[3].split("?")[0])
        elif len(f) >= 4 and f[3].count("/") >= 4:
            refusals[f[1] + " " + f[3].split("/")[1] + "/" + f[3].split("/")[4]] += 1
    stats = json.load(open(stats_file))

    # Exactly one event per request the app received, by path.
    by_path = collections.defaultdict(list)
    for e in events:
        by_path[e["url"]["path"]].append(e)
    got = collections.Counter(e["url"]["path"] for e in events)
    want = collections.Counter(p for p, _, _, _ in app)
    if got != want:
        extra, missing = got - want, want - got
        bad.append(f"{len(events)} events for {len(app)} app requests: "
                   f"{sum(extra.values())} extra {list(extra)[:5]}, "
                   f"{sum(missing.values())} missing {list(missing)[:5]}")
    if collections.Counter(upstream) != want:
        bad.append(f"nginx proxied {len(upstream)} requests, the app logged {len(app)}")
    if any(n > 1 for n in want.values()):
        bad.append("a path reached the app twice")

    # Each mode really got its share through; nginx refused what it must.
    per_mode = collections.Counter(p.split("/")[2] for p, _, _, _ in app if p.count("/") >= 3)
    for s in sums:
        through = per_mode[s["mode"]]
        sent = s["requests"] - s["refused_sent"]
        if through < 0.99 * sent:
            bad.append(f"{s['mode']}: only {through} of {sent} requests reached the app")
        refused = [p for p in want if p.startswith(f"/r/{s['mode']}/")]
        if refused:
            bad.append(f"{s['mode']}: nginx passed requests it should refuse: {refused[:3]}")
        answered = sum(v for k, v in s["client"].items() if k.startswith("refused 4"))
        if answered != s["refused_sent"]:
            bad.append(f"{s['mode']}: {answered} of {s['refused_sent']} requests to refuse "
                       f"got a 4xx: {s['client']}")

    # Probes: every one reached the app and names the expected client.
    probes = 0
    for path in want:
        parts = path.split("/")
        if parts[1] != "p":
            continue
        mode, kind = parts[2], parts[4]
        probes += 1
        _, _, ip, findings = next(p for p in PROBES[mode] if p[0] == kind)
        for e in by_path.get(path, []):
            expect = truncated_ip(ip) if pseudo else ip
            fnd = e["xffwatch"]["findings"]
            if e["client"]["ip"] != expect or any(x not in fnd for x in findings) or \
                    "truncated" in fnd:
                bad.append(f"probe {path}: client {e['client']['ip']} {fnd}, expected {expect} "
                           f"with {findings}")
    sent_probes = sum(s["probes"] for s in sums)
    if probes != sent_probes:
        bad.append(f"{probes} probes reached the app, {sent_probes} were sent")

    # Every event: a response (the app always answers 200), an address as client.
    for e in events:
        try:
            ipaddress.ip_address(e["client"]["ip"])
        except (KeyError, ValueError):
            bad.append(f"client.ip is not an address: {e.get('client')}")
        if e.get("http", {}).get("response", {}).get("status_code") != 200:
            bad.append(f"{e['url']['path']}: no 200 response: {e['xffwatch']['findings']}")
        if pseudo:
            if e["xffwatch"].get("pseudonymized", {}).get("method") != "truncate" or \
                    "forwarded" in e["xffwatch"] or \
                    e["client"]["ip"] != truncated_ip(e["client"]["ip"]):
                bad.append(f"{e['url']['path']}: not pseudonymised: {e['client']} "
                           f"{e['xffwatch'].get('pseudonymized')}")

    # Truncation: the counter counts the events whose head was not seen whole.
    # Heads whose last watched line ends past the budget, or with a folded
    # line, are such heads; every such event says truncated; the counter is
    # at least their number, and at most the events that say truncated (a
    # value cut short says it too without an incomplete head).
    trunc_events = sum(1 for e in events if "truncated" in e["xffwatch"]["findings"])
    must = [p for p, _, end, folded in app if end > budget + 8 or folded]
    maybe = [p for p, _, end, folded in app if budget - 8 <= end <= budget + 8 and not folded]
    for p in must:
        for e in by_path.get(p, []):
            if "truncated" not in e["xffwatch"]["findings"]:
                bad.append(f"{p}: head past the budget, not truncated: {e['xffwatch']}")
    if not len(must) <= stats["truncated"] <= min(trunc_events, len(must) + len(maybe) +
                                                  stats["kernel"]["desyncs"]):
        bad.append(f"counter truncated = {stats['truncated']}: {len(must)} heads past the "
                   f"budget, {len(maybe)} at its edge, {trunc_events} events say truncated")
    if not must:
        bad.append("no head went past the budget: the mix does not test truncation")
    # Every event that says truncated is counted, whatever cut it; and none is
    # written short here (one output, a file: events stay under 48 KiB).
    shortened = sum(1 for e in events if e["xffwatch"].get("shortened"))
    if stats["events_truncated"] != trunc_events:
        bad.append(f"counter events_truncated = {stats['events_truncated']}, "
                   f"{trunc_events} events say truncated")
    if stats["events_shortened"] != shortened:
        bad.append(f"counter events_shortened = {stats['events_shortened']}, "
                   f"{shortened} events are short")

    # The counters agree with the events.
    n = len(events)
    for key, value in (("requests", n), ("paired", n), ("events_written", n),
                       ("events_dropped", 0), ("no_response", 0), ("ringbuf_lost", 0),
                       ("pending", 0)):
        if stats[key] != value:
            bad.append(f"counter {key} = {stats[key]}, expected {value}")
    for key in ("bad_records", "unusable_heads", "parts_lost"):
        if stats["tracker"][key]:
            bad.append(f"counter tracker.{key} = {stats['tracker'][key]}")
    for key in ("load_failed", "ringbuf_lost", "gaps", "desyncs", "step_limit"):
        if stats["kernel"][key]:
            bad.append(f"counter kernel.{key} = {stats['kernel'][key]}")

    findings = collections.Counter(x for e in events for x in e["xffwatch"]["findings"])
    for f in ("truncated", "invalid-entry", "leftmost-differs", "multiple-header-lines"):
        if not findings[f]:
            bad.append(f"no event says {f}: the mix did not reach the trust walk")
    print(f"  [hostile] {n} events = {len(app)} app requests = {len(upstream)} proxied by nginx "
          f"({', '.join(sorted(modes))}); {probes} probes checked; truncated: counter "
          f"{stats['truncated']}, {len(must)} heads past the budget, {trunc_events} events; "
          f"heads_over_budget {stats['kernel']['heads_over_budget']}", file=sys.stderr)
    print("  [hostile] findings: " + ", ".join(f"{k} {v}" for k, v in findings.most_common()),
          file=sys.stderr)
    print("  [hostile] refused by nginx: " + ", ".join(f"{k} {v}" for k, v in
                                                      sorted(refusals.items())), file=sys.stderr)
    for b in bad[:30]:
        print("  mismatch:", b, file=sys.stderr)
    if len(bad) > 30:
        print(f"  ... and {len(bad) - 30} more", file=sys.stderr)
    return 1 if bad else 0


def main():
    if len(sys.argv) == 7 and sys.argv[1] == "send":
        send(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), sys.argv[6])
        return 0
    if len(sys.argv) >= 9 and sys.argv[1] == "check":
        return check(*sys.argv[2:8], sys.argv[8:])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main())
