#!/usr/bin/env python3
"""stand-in-hub.py PORT [STATUS|silent]: a WebSub hub for tests, on 127.0.0.1:PORT.

Answers every POST with STATUS (default 204), or never answers (`silent`),
and prints one line per POST: `POST PATH CONTENT-TYPE BODY`. Prints `READY`
once it listens. Standard library only.
"""
import http.server
import sys
import time

port = int(sys.argv[1])
mode = sys.argv[2] if len(sys.argv) > 2 else "204"


class Hub(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
        print("POST", self.path, self.headers.get("Content-Type"), body, flush=True)
        if mode == "silent":
            time.sleep(3600)
            return
        self.send_response(int(mode))
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Hub)
print("READY", flush=True)
server.serve_forever()
