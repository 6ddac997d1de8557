"""An MCP server that never answers, for the deadline tests (issue 13, item 1).

`silent_server.py http [LOG]`: binds 127.0.0.1 port 0, accepts every TCP connection and reads what
it is sent, but never writes a byte. Prints `READY {"url": ..., "port": ...}` (flushed) and exits
when its stdin closes. With LOG, appends one line per accepted connection, so a test can count
hermes' tries.

`silent_server.py forgetful`: an MCP server over streamable HTTP (tool `echo`) that answers a
first `tools/call` after 2 s with 404, as a server that forgot the session does, and from then on
answers nothing at all, so the reconnect hermes then makes never ends by itself. Same READY line.

`silent_server.py stdio PIDFILE`: a stdio "server" that appends its pid to PIDFILE, reads its stdin
and never writes. When stdin ends it keeps running (as a hung server would), so whoever started it
must stop it with a signal.
"""
import json
import os
import socket
import sys
import threading
import time


def http(log):
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    port = listener.getsockname()[1]

    def hold(conn):
        # Read (so the client's writes never block) until the client hangs up; answer nothing.
        try:
            while conn.recv(65536):
                pass
        except OSError:
            pass
        finally:
            conn.close()

    def accept():
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            if log:
                with open(log, "a") as f:
                    f.write("connection\n")
            threading.Thread(target=hold, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    print("READY " + json.dumps({"url": f"http://127.0.0.1:{port}/mcp", "port": port}), flush=True)
    sys.stdin.read()


def forgetful():
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    state = {"forgot": False}
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def reply(self, status, body=None):
            data = json.dumps(body).encode() if body is not None else b""
            self.send_response(status)
            if body is not None:
                self.send_header("Content-Type", "application/json")
            self.send_header("Mcp-Session-Id", "s1")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self):
            self.reply(405)

        def do_DELETE(self):
            self.reply(200)

        def do_POST(self):
            message = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))) or b"{}")
            with lock:
                forgot = state["forgot"]
            if forgot:
                threading.Event().wait()
            method, rid = message.get("method"), message.get("id")
            if rid is None:
                return self.reply(202)
            if method == "initialize":
                return self.reply(200, {"jsonrpc": "2.0", "id": rid, "result": {
                    "protocolVersion": message["params"]["protocolVersion"], "capabilities": {"tools": {}},
                    "serverInfo": {"name": "forgetful", "version": "1"}}})
            if method == "tools/list":
                return self.reply(200, {"jsonrpc": "2.0", "id": rid, "result": {"tools": [
                    {"name": "echo", "inputSchema": {"type": "object"}}]}})
            if method == "tools/call":
                time.sleep(2)
                with lock:
                    state["forgot"] = True
                return self.reply(404, {"jsonrpc": "2.0", "id": rid, "error": {"code": -32001, "message": "Session not found"}})
            self.reply(200, {"jsonrpc": "2.0", "id": rid, "result": {}})

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = server.server_address[1]
    print("READY " + json.dumps({"url": f"http://127.0.0.1:{port}/mcp", "port": port}), flush=True)
    sys.stdin.read()


def stdio(pidfile):
    with open(pidfile, "a") as f:
        f.write(f"{os.getpid()}\n")
    while sys.stdin.buffer.read(65536):
        pass
    while True:
        time.sleep(1)


if __name__ == "__main__":
    mode = sys.argv[1] if len(sys.argv) > 1 else "http"
    if mode == "http":
        http(sys.argv[2] if len(sys.argv) > 2 else None)
    elif mode == "forgetful":
        forgetful()
    elif mode == "stdio":
        stdio(sys.argv[2])
    else:
        sys.exit(f"unknown mode {mode!r}")
