#!/usr/bin/env python3
"""Git servers gone wrong, on 127.0.0.1, for the fetch deadline and cancel tests.

  fault-server.py silent PORT_FILE
      accepts every connection and never answers (reads and drops what it gets)
  fault-server.py trickle-git PORT_FILE
      answers a git:// request with a pkt-line length, then one byte a second, forever
  fault-server.py trickle-http PORT_FILE
      answers an HTTP request with a status line and a header, one byte a second, forever
  fault-server.py proxy PORT_FILE UPSTREAM_PORT RATE_FILE STATE_DIR
      a TCP proxy in front of a real git server: the client's bytes go through at once,
      the server's at the rate RATE_FILE holds (bytes a second, 0 or absent: unlimited),
      read again for every chunk; STATE_DIR/sent counts the server's bytes passed on,
      STATE_DIR/eof appears when a connection's server side has ended.

The listening port goes to PORT_FILE (written whole, once listening).
"""
import os
import socket
import sys
import threading
import time


def write_file(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def serve_silent(conn):
    while conn.recv(65536):
        pass


def serve_trickle(prefix):
    def serve(conn):
        conn.recv(65536)
        for b in prefix:
            conn.sendall(bytes([b]))
            time.sleep(1)
        while True:
            conn.sendall(b"a")
            time.sleep(1)

    return serve


class Proxy:
    def __init__(self, upstream_port, rate_file, state_dir):
        self.upstream_port = upstream_port
        self.rate_file = rate_file
        self.state_dir = state_dir
        self.sent = 0
        self.lock = threading.Lock()

    def rate(self):
        try:
            with open(self.rate_file) as f:
                return int(f.read().strip() or 0)
        except (OSError, ValueError):
            return 0

    def client_to_server(self, conn, up):
        try:
            while True:
                data = conn.recv(65536)
                if not data:
                    break
                up.sendall(data)
        except OSError:
            pass

    def server_to_client(self, conn, up):
        try:
            while True:
                rate = self.rate()
                data = up.recv(max(1, rate // 10) if rate else 65536)
                if not data:
                    break
                conn.sendall(data)
                with self.lock:
                    self.sent += len(data)
                    write_file(os.path.join(self.state_dir, "sent"), str(self.sent))
                if rate:
                    time.sleep(len(data) / rate)
        except OSError:
            pass
        write_file(os.path.join(self.state_dir, "eof"), str(self.sent))
        for s in (conn, up):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def __call__(self, conn):
        up = socket.create_connection(("127.0.0.1", self.upstream_port))
        threading.Thread(target=self.client_to_server, args=(conn, up), daemon=True).start()
        self.server_to_client(conn, up)


def main():
    mode, port_file = sys.argv[1], sys.argv[2]
    if mode == "silent":
        serve = serve_silent
    elif mode == "trickle-git":
        serve = serve_trickle(b"fff0")  # a pkt-line of 65520 bytes is on its way
    elif mode == "trickle-http":
        serve = serve_trickle(b"HTTP/1.1 200 OK\r\nX-Slow: ")
    elif mode == "proxy":
        serve = Proxy(int(sys.argv[3]), sys.argv[4], sys.argv[5])
    else:
        sys.exit("unknown mode " + mode)
    srv = socket.socket()
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    write_file(port_file, str(srv.getsockname()[1]))

    def run(conn):
        try:
            serve(conn)
        except OSError:
            pass
        finally:
            conn.close()

    while True:
        conn, _ = srv.accept()
        threading.Thread(target=run, args=(conn,), daemon=True).start()


if __name__ == "__main__":
    main()
