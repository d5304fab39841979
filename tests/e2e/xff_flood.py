#!/usr/bin/python3
# SPDX-License-Identifier: BSD-2-Clause
"""Many requests, each naming another client in X-Forwarded-For.

xff_flood.py HOST PORT COUNT [CONNECTIONS]: COUNT GET requests over
CONNECTIONS kept-alive connections (8 by default), one at a time on each, the
i-th with "X-Forwarded-For: 2001:db8::I" (I in hex: COUNT distinct clients).
The server must keep the connections open (keepalive_requests) and answer
without a body (e.g. nginx `return 204`). Prints the number of answers by
status as JSON; exits 1 if any request got no answer.
"""
import json
import selectors
import socket
import sys


def request(i):
    addr = "2001:db8::%x:%x" % (i >> 16, i & 0xFFFF)
    return ("GET /flood/%d HTTP/1.1\r\nHost: flood\r\nX-Forwarded-For: %s\r\n\r\n"
            % (i, addr)).encode()


def main():
    host, port, count = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    conns = int(sys.argv[4]) if len(sys.argv) > 4 else 8
    sel = selectors.DefaultSelector()
    nxt = 0
    statuses = {}
    answered = 0
    for _ in range(min(conns, count)):
        s = socket.create_connection((host, port))
        s.setblocking(False)
        s.sendall(request(nxt))
        nxt += 1
        sel.register(s, selectors.EVENT_READ, bytearray())
    while answered < count:
        events = sel.select(timeout=10)
        if not events:
            print("no answer in 10 s after %d" % answered, file=sys.stderr)
            return 1
        for key, _ in events:
            s, buf = key.fileobj, key.data
            data = s.recv(65536)
            if not data:
                print("server closed a connection after %d" % answered, file=sys.stderr)
                return 1
            buf += data
            # Answers have no body: each ends at its blank line.
            while b"\r\n\r\n" in buf:
                end = buf.index(b"\r\n\r\n") + 4
                status = buf[9:12].decode()
                statuses[status] = statuses.get(status, 0) + 1
                del buf[:end]
                answered += 1
                if nxt < count:
                    s.sendall(request(nxt))
                    nxt += 1
    print(json.dumps(statuses, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
