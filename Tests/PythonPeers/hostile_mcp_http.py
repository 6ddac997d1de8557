"""A Streamable HTTP MCP server that answers `initialize` properly and then misbehaves.

Standard library only. Binds 127.0.0.1 port 0, prints `READY {"url": "http://127.0.0.1:PORT"}` and
exits when its stdin closes. The URL path picks the attack and the method it hits:

    /<attack>/<method>     e.g. /fresh-cursor/tools/list, /wrong-shape/initialize

Every method other than <method> is answered properly (one tool, `echo`). Attacks:

    bad-session     a proper answer with an Mcp-Session-Id holding DEL (0x7F)
    fresh-cursor    a page of one tool and a new nextCursor, forever
    same-cursor     a page of one tool and the same nextCursor every time
    empty-pages     no items and a new nextCursor, forever
    huge-pages      5,000 small tools per page and a new nextCursor, forever
    big-page        not an attack: 5,000 tools of about 200 bytes in one page, as a huge server has
    wrong-shape     a result of the wrong shape (tools: "nope", content: "nope", protocolVersion: 5)
    no-result       a JSON-RPC response with neither result nor error
    wrong-id        a well-formed response to another request id
    invalid-json    a body that is not JSON, labelled application/json
    html            an HTML page, labelled text/html
    empty           200 with an empty body
    trickle         a JSON body announced as 1 MB that comes one byte every 0.2 s
    sse-silent      an event stream of pings (comments) that never ends and never answers
    sse-after       an event stream that answers, then never ends
    sse-flood       an event stream of large notifications, as fast as it can, never answering
    redirect        307 to another origin (a client that followed would take its token along)

Endless replies stop after LIMIT seconds (or when the client goes away), so the peer always ends.
`GET /stats` answers {"requests": {method: count}, "open_streams": n}.
"""

import json
import sys
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LIMIT = 120
stats_lock = threading.Lock()
requests = {}
open_streams = 0


def tool(name, padding=0):
    return {"name": name, "description": "x" * padding,
            "inputSchema": {"type": "object", "properties": {"text": {"type": "string"}}}}


def proper(method, params):
    if method == "initialize":
        return {"protocolVersion": params.get("protocolVersion", "2025-06-18"),
                "capabilities": {"tools": {}, "resources": {}, "prompts": {}},
                "serverInfo": {"name": "hostile", "version": "1"}}
    if method == "tools/list":
        return {"tools": [tool("echo")]}
    if method == "tools/call":
        return {"content": [{"type": "text", "text": (params.get("arguments") or {}).get("text", "")}]}
    if method in ("resources/list",):
        return {"resources": []}
    if method in ("prompts/list",):
        return {"prompts": []}
    return {}


def wrong_shape(method):
    if method == "initialize":
        return {"protocolVersion": 5, "capabilities": [], "serverInfo": "hostile"}
    if method == "tools/list":
        return {"tools": "nope"}
    if method == "tools/call":
        return {"content": "nope"}
    return "nope"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"

    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path == "/stats":
            with stats_lock:
                body = json.dumps({"requests": requests, "open_streams": open_streams}).encode()
            self.reply(200, "application/json", body)
        else:
            self.reply(405, "text/plain", b"no GET stream here")

    def do_DELETE(self):
        self.reply(200, "text/plain", b"")

    def reply(self, status, content_type, body):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def json(self, message):
        self.reply(200, "application/json", json.dumps(message).encode())

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        message = json.loads(self.rfile.read(length) or b"{}")
        method = message.get("method")
        with stats_lock:
            requests[method] = requests.get(method, 0) + 1
        if "id" not in message or method is None:
            return self.reply(202, "text/plain", b"")
        rid, params = message["id"], message.get("params") or {}
        parts = self.path.strip("/").split("/", 1)
        attack, target = parts[0], (parts[1] if len(parts) > 1 else "")
        if method != target:
            return self.json({"jsonrpc": "2.0", "id": rid, "result": proper(method, params)})
        self.attack(attack, rid, method, params)

    def attack(self, attack, rid, method, params):
        key = {"tools/list": "tools", "resources/list": "resources", "prompts/list": "prompts"}.get(method, "tools")
        if attack == "bad-session":
            # A session id with DEL in it, which no header may carry back.
            body = json.dumps({"jsonrpc": "2.0", "id": rid, "result": proper(method, params)}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Mcp-Session-Id", "bad\x7fsid")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
        elif attack == "redirect":
            self.send_response(307)
            self.send_header("Location", "http://127.0.0.1:9/elsewhere")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif attack == "fresh-cursor":
            items = [tool("t" + uuid.uuid4().hex[:8])] if key == "tools" else []
            self.json({"jsonrpc": "2.0", "id": rid, "result": {key: items, "nextCursor": uuid.uuid4().hex}})
        elif attack == "same-cursor":
            items = [tool("t" + uuid.uuid4().hex[:8])] if key == "tools" else []
            self.json({"jsonrpc": "2.0", "id": rid, "result": {key: items, "nextCursor": "again"}})
        elif attack == "empty-pages":
            self.json({"jsonrpc": "2.0", "id": rid, "result": {key: [], "nextCursor": uuid.uuid4().hex}})
        elif attack == "huge-pages":
            base = uuid.uuid4().hex[:8]
            items = [{"name": "t%s_%d" % (base, i), "inputSchema": {"type": "object"}} for i in range(5000)]
            self.json({"jsonrpc": "2.0", "id": rid, "result": {key: items, "nextCursor": uuid.uuid4().hex}})
        elif attack == "big-page":
            items = [tool("t%d" % i, padding=100) for i in range(5000)]
            self.json({"jsonrpc": "2.0", "id": rid, "result": {key: items}})
        elif attack == "wrong-shape":
            self.json({"jsonrpc": "2.0", "id": rid, "result": wrong_shape(method)})
        elif attack == "no-result":
            self.json({"jsonrpc": "2.0", "id": rid})
        elif attack == "wrong-id":
            self.json({"jsonrpc": "2.0", "id": "not-" + str(rid), "result": proper(method, params)})
        elif attack == "invalid-json":
            self.reply(200, "application/json", b'{"jsonrpc": "2.0", "id": oops')
        elif attack == "html":
            self.reply(200, "text/html", b"<html><body>Sign in to continue</body></html>")
        elif attack == "empty":
            self.reply(200, "application/json", b"")
        elif attack == "trickle":
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", "1000000")
            self.end_headers()
            end = time.monotonic() + LIMIT
            try:
                while time.monotonic() < end:
                    self.wfile.write(b" ")
                    self.wfile.flush()
                    time.sleep(0.2)
            except (BrokenPipeError, ConnectionResetError):
                pass
        elif attack in ("sse-silent", "sse-after", "sse-flood"):
            self.stream(attack, rid, method, params)
        else:
            self.reply(400, "text/plain", ("unknown attack " + attack).encode())

    def stream(self, attack, rid, method, params):
        global open_streams
        # HTTP/1.0 without a length: the body ends only when this side closes, which it never does.
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        with stats_lock:
            open_streams += 1
        try:
            if attack == "sse-after":
                answer = {"jsonrpc": "2.0", "id": rid, "result": proper(method, params)}
                self.wfile.write(("event: message\ndata: %s\n\n" % json.dumps(answer)).encode())
                self.wfile.flush()
            chunk = b""
            if attack == "sse-flood":
                note = {"jsonrpc": "2.0", "method": "notifications/message",
                        "params": {"level": "info", "data": "y" * 65536}}
                chunk = ("event: message\ndata: %s\n\n" % json.dumps(note)).encode()
            end = time.monotonic() + LIMIT
            while time.monotonic() < end:
                if attack == "sse-flood":
                    self.wfile.write(chunk)
                else:
                    self.wfile.write(b": ping\n\n")
                    self.wfile.flush()
                    time.sleep(0.2)
        except (BrokenPipeError, ConnectionResetError):
            pass
        finally:
            with stats_lock:
                open_streams -= 1


def main():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print("READY " + json.dumps({"url": "http://127.0.0.1:%d" % server.server_address[1]}), flush=True)
    sys.stdin.read()
    server.shutdown()


if __name__ == "__main__":
    main()
