#!/usr/bin/env python3
"""A small HTTP(S) server for tests/test_fetch.c, on 127.0.0.1 and a free port.

    server.py ROOT PORT_FILE LOG [MODE] [CERT KEY]

Serves the files of ROOT whole (no range requests: a Range header is ignored, as a plain
static server does) with an ETag and Last-Modified, answering If-None-Match with 304.
Writes its port to PORT_FILE once listening, and one line per request to LOG:
"METHOD PATH STATUS range=yes|no" (and " auth=USER:PASSWORD" after a Basic Authorization).
MODE: "normal" (default), "short" (announces 1000 more bytes than it sends, then closes),
"tls" (HTTPS with CERT and KEY).

A file F may have a F.headers beside it, one "Name: value" a line, sent instead of the
defaults of the same name: "Content-Type: text/html", "Content-Encoding: gzip" (F is then
sent as it is, already compressed), or "Status: 302" with "Location: URL" (a redirect,
no body)."""
import base64
import http.server
import os
import ssl
import sys

root, port_file, log_path = sys.argv[1:4]
mode = sys.argv[4] if len(sys.argv) > 4 else "normal"


class Handler(http.server.SimpleHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def __init__(self, *a, **k):
        super().__init__(*a, directory=root, **k)

    def log_message(self, fmt, *args):
        pass

    def log_request(self, code="-", size="-"):
        with open(log_path, "a") as f:
            auth = self.headers.get("Authorization", "")
            if auth.startswith("Basic "):  # credentials the client was given in the URL
                auth = " auth=" + base64.b64decode(auth[6:]).decode()
            f.write("%s %s %s range=%s%s\n" % (self.command, self.path, code,
                                               "yes" if "Range" in self.headers else "no", auth))

    def do_GET(self):
        path = self.translate_path(self.path)
        if not os.path.isfile(path):
            self.send_error(404)
            return
        st = os.stat(path)
        etag = '"%x-%x"' % (st.st_mtime_ns, st.st_size)
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        extra = {"Content-Type": "application/octet-stream"}
        if os.path.isfile(path + ".headers"):
            with open(path + ".headers") as f:
                extra.update(l.rstrip("\n").split(": ", 1) for l in f if ": " in l)
        status = int(extra.pop("Status", "200"))
        if 300 <= status < 400:
            self.send_response(status)
            self.send_header("Location", extra["Location"])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        with open(path, "rb") as f:
            body = f.read()
        self.send_response(status)
        for k, v in extra.items():
            self.send_header(k, v)
        self.send_header("Content-Length",
                         str(len(body) + (1000 if mode == "short" else 0)))
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", self.date_time_string(int(st.st_mtime)))
        self.end_headers()
        self.wfile.write(body)
        self.wfile.flush()


srv = http.server.HTTPServer(("127.0.0.1", 0), Handler)
if mode == "tls":
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(sys.argv[5], sys.argv[6])
    srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
with open(port_file + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(port_file + ".tmp", port_file)
try:
    srv.serve_forever()
except KeyboardInterrupt:
    pass
