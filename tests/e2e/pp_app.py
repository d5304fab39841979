"""A WSGI app for test_proxy_protocol.sh: what the app sees, one JSON line per
request in the file named by $PP_APP_LOG.

Each line has the TCP peer of the connection (gunicorn's socket), the
REMOTE_ADDR and REMOTE_PORT the app is given (gunicorn --proxy-protocol sets
them from the preamble when the peer is in --proxy-allow-from), PROXY_PROTOCOL
(set only on requests whose preamble gunicorn kept), the path and the
X-Forwarded-For header.
"""
import json
import os

LOG = os.environ["PP_APP_LOG"]


def app(environ, start_response):
    peer = environ["gunicorn.socket"].getpeername()
    line = json.dumps({
        "peer_ip": peer[0],
        "peer_port": peer[1],
        "remote_addr": environ.get("REMOTE_ADDR"),
        "remote_port": int(environ.get("REMOTE_PORT", "0")),
        "proxy_protocol": environ.get("PROXY_PROTOCOL"),
        "path": environ.get("PATH_INFO"),
        "xff": environ.get("HTTP_X_FORWARDED_FOR"),
    }) + "\n"
    # One write with O_APPEND: lines of concurrent threads never interleave.
    fd = os.open(LOG, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    try:
        os.write(fd, line.encode())
    finally:
        os.close(fd)
    body = f"{environ.get('REMOTE_ADDR')}\n".encode()
    start_response("200 OK", [("Content-Type", "text/plain"),
                              ("Content-Length", str(len(body)))])
    return [body]
