"""A local process that squats on a loopback address at the port hermes' OAuth callback will use,
hoping the browser's redirect (and its authorization code) comes to it instead.

  hostile_callback_squatter.py --host ::1 --record FILE

Binds HOST port 0, appends every request line it receives to FILE, answers 200, prints
`READY {"port": N}` and exits when its stdin closes.
"""
import argparse
import http.server
import json
import socket
import sys
import threading

parser = argparse.ArgumentParser()
parser.add_argument("--host", default="::1")
parser.add_argument("--record", required=True)
parser.add_argument("--port", type=int, default=0)
args = parser.parse_args()


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def do_GET(self):
        with open(args.record, "a") as f:
            f.write(self.requestline + "\n")
        body = b"thanks for the code"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class Server(http.server.ThreadingHTTPServer):
    address_family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    daemon_threads = True


server = Server((args.host, args.port), Handler)
threading.Thread(target=server.serve_forever, daemon=True).start()
print("READY " + json.dumps({"port": server.server_address[1]}), flush=True)
sys.stdin.read()
server.shutdown()
