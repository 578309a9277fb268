#!/usr/bin/env python3
"""An HTTP proxy on 127.0.0.1 that logs what it is asked, for the proxy tests.

  http-proxy.py PORT_FILE LOG_FILE

Takes CONNECT host:port (a tunnel, for https) and absolute-form requests
("GET http://host:port/path HTTP/1.1", for http: the request line is sent on
as origin-form, the rest of the connection is relayed as it is). Each
request line is appended to LOG_FILE as it arrives. Only loopback upstreams
are reached (anything else answers 403). The listening port goes to
PORT_FILE (written whole, once listening). Runs until killed.
"""
import ipaddress
import os
import socket
import sys
import threading
from urllib.parse import urlsplit


def write_file(path, text):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


log_lock = threading.Lock()


def log(path, line):
    with log_lock:
        with open(path, "a") as f:
            f.write(line + "\n")


def loopback(host):
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False
    return all(ipaddress.ip_address(i[4][0]).is_loopback for i in infos)


def pipe(src, dst):
    try:
        while True:
            data = src.recv(65536)
            if not data:
                break
            dst.sendall(data)
    except OSError:
        pass
    finally:
        try:
            dst.shutdown(socket.SHUT_WR)
        except OSError:
            pass


def relay(client, upstream, first):
    if first:
        upstream.sendall(first)
    t = threading.Thread(target=pipe, args=(upstream, client), daemon=True)
    t.start()
    pipe(client, upstream)
    t.join()


def serve(conn, log_path):
    try:
        head = b""
        while b"\r\n\r\n" not in head:
            data = conn.recv(65536)
            if not data:
                return
            head += data
            if len(head) > 1 << 20:
                return
        line, rest = head.split(b"\r\n", 1)
        text = line.decode("latin-1")
        log(log_path, text)
        parts = text.split(" ")
        if len(parts) != 3:
            conn.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
            return
        method, target, version = parts
        if method == "CONNECT":
            host, _, port = target.rpartition(":")
            host = host.strip("[]")
            if not loopback(host):
                conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
                return
            upstream = socket.create_connection((host, int(port)))
            conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
            _, _, body = rest.partition(b"\r\n\r\n")
            relay(conn, upstream, body)
            return
        url = urlsplit(target)
        if url.scheme != "http" or not url.hostname or not loopback(url.hostname):
            conn.sendall(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
            return
        upstream = socket.create_connection((url.hostname, url.port or 80))
        path = url.path or "/"
        if url.query:
            path += "?" + url.query
        first = ("%s %s %s\r\n" % (method, path, version)).encode("latin-1") + rest
        relay(conn, upstream, first)
    except OSError:
        pass
    finally:
        conn.close()


def main():
    port_file, log_path = sys.argv[1], sys.argv[2]
    open(log_path, "a").close()
    srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    srv.bind(("127.0.0.1", 0))
    srv.listen(64)
    write_file(port_file, str(srv.getsockname()[1]))
    while True:
        conn, _ = srv.accept()
        threading.Thread(target=serve, args=(conn, log_path), daemon=True).start()


if __name__ == "__main__":
    main()
