"""A tiny HTTP/1.x app for the hostile end-to-end test: answers 200 to every
request and logs each request head it received, one line per request.

    count_app.py LOG PORT...

listens on 127.0.0.1:PORT for each PORT (threads, keep-alive, pipelining,
Content-Length and chunked bodies read and discarded) and appends to LOG, for
each request once its head is read whole:

    PORT HEAD_BYTES WANTED_END FOLDED PATH

HEAD_BYTES is the length of the head (request line to the empty line
included); WANTED_END the offset where the last line of a header the observer
copies (Host, User-Agent, the forwarding headers, Via) ends, 0 if none;
FOLDED 1 if a line starts with a blank (obsolete line folding), else 0; PATH
the request target up to '?'. It never closes an idle connection (a proxy's
kept-alive connection is the proxy's to close), so that nothing the proxy
sends is lost between the two.
"""
import socket
import sys
import threading

HEAD_MAX = 1 << 20
WANTED = {b"host", b"user-agent", b"x-forwarded-for", b"forwarded", b"x-real-ip",
          b"cf-connecting-ip", b"true-client-ip", b"x-forwarded-proto",
          b"x-forwarded-host", b"x-forwarded-port", b"via"}
BODY = b"ok\n"

lock = threading.Lock()


class Conn:
    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def fill(self):
        data = self.sock.recv(65536)
        if not data:
            raise EOFError
        self.buf += data

    def head(self):
        while True:
            end = self.buf.find(b"\r\n\r\n")
            if end >= 0:
                head, self.buf = self.buf[:end + 4], self.buf[end + 4:]
                return head
            if len(self.buf) > HEAD_MAX:
                raise EOFError
            self.fill()

    def skip(self, n):
        while len(self.buf) < n:
            self.fill()
        self.buf = self.buf[n:]

    def line(self):
        while b"\r\n" not in self.buf:
            if len(self.buf) > HEAD_MAX:
                raise EOFError
            self.fill()
        line, self.buf = self.buf.split(b"\r\n", 1)
        return line

    def chunked(self):
        while True:
            size = int(self.line().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while self.line():
                    pass  # trailers, up to the empty line
                return
            self.skip(size + 2)


def serve(sock, port, log):
    conn = Conn(sock)
    try:
        while True:
            head = conn.head()
            lines = head[:-4].split(b"\r\n")
            parts = lines[0].split(b" ")
            method = parts[0]
            target = parts[1] if len(parts) > 1 else b"-"
            version = parts[2] if len(parts) > 2 else b"HTTP/1.0"
            length, chunked, close, wanted_end = 0, False, version != b"HTTP/1.1", 0
            folded = 0
            offset = len(lines[0]) + 2
            for line in lines[1:]:
                offset += len(line) + 2
                if line[:1] in (b" ", b"\t"):
                    folded = 1
                name, _, value = line.partition(b":")
                name = name.lower()
                value = value.strip().lower()
                if name in WANTED:
                    wanted_end = offset
                if name == b"content-length":
                    length = int(value)
                elif name == b"transfer-encoding":
                    chunked = b"chunked" in value
                elif name == b"connection":
                    if b"close" in value:
                        close = True
                    elif b"keep-alive" in value:
                        close = False
            if chunked:
                conn.chunked()
            elif length:
                conn.skip(length)
            path = target.split(b"?")[0].decode("latin-1")
            with lock:
                log.write(f"{port} {len(head)} {wanted_end} {folded} {path}\n")
                log.flush()
            reply = b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 3\r\n"
            reply += b"Connection: close\r\n\r\n" if close else b"\r\n"
            if method != b"HEAD":
                reply += BODY
            sock.sendall(reply)
            if close:
                return
    except (EOFError, OSError, ValueError, IndexError):
        pass
    finally:
        sock.close()


def listen(port, log):
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", port))
    srv.listen(256)
    while True:
        sock, _ = srv.accept()
        threading.Thread(target=serve, args=(sock, port, log), daemon=True).start()


def main():
    log = open(sys.argv[1], "a", encoding="latin-1")
    threads = [threading.Thread(target=listen, args=(int(p), log), daemon=True)
               for p in sys.argv[2:]]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


if __name__ == "__main__":
    main()
