"""A hostile OAuth-protected MCP server and authorization server in one, for hermes' attack tests.

Standard library only. It plays whatever a test asks for through settings (--config JSON, or
POST /__config to merge more), records every request it receives, headers and form fields
included, at GET /__log, and answers:

  POST/GET /mcp                              401 + challenge, or a JSON-RPC answer when the request
                                             carries a bearer token it issued (settings "accept_any"
                                             accepts every bearer)
  /.well-known/oauth-protected-resource*     protected resource metadata naming "authorization_server"
  /.well-known/oauth-authorization-server*   authorization server metadata (plus "asm_overrides")
  POST /register                             a client (or "register_response")
  GET  /authorize                            redirects straight back with a code (no person needed)
  POST /token                                "token_response" (the default issues fresh tokens)

Templates: "{origin}" in any string setting becomes this server's own origin.
It binds 127.0.0.1 port 0, prints `READY {"origin": ..., "mcp_url": ...}` and exits when stdin closes.
"""
import json
import secrets
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse

settings = {
    "challenge": 'Bearer resource_metadata="{origin}/.well-known/oauth-protected-resource/mcp"',
    "authorization_server": "{origin}",
    "asm_overrides": {},
    "register_response": None,
    "token_response": None,
    "accept_any": False,
    "mcp_status": None,  # answer every /mcp request with this status (no JSON-RPC)
}
log = []
issued = set()
lock = threading.Lock()
origin = ""


def fill(value):
    if isinstance(value, str):
        return value.replace("{origin}", origin)
    if isinstance(value, list):
        return [fill(v) for v in value]
    if isinstance(value, dict):
        return {k: fill(v) for k, v in value.items()}
    return value


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def send(self, status, payload=None, headers=None, raw=None):
        data = raw if raw is not None else (json.dumps(payload).encode() if payload is not None else b"")
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        if payload is not None and raw is None:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def record(self, body):
        entry = {
            "method": self.command,
            "path": self.path,
            "headers": {k.lower(): v for k, v in self.headers.items()},
            "raw_headers": [f"{k}: {v}" for k, v in self.headers.items()],
            "form": {k: v[0] for k, v in parse_qs(body.decode("latin-1")).items()} if body else {},
        }
        with lock:
            log.append(entry)

    def do_GET(self):
        self.handle_any()

    def do_POST(self):
        self.handle_any()

    def do_DELETE(self):
        self.handle_any()

    def handle_any(self):
        body = self.body()
        path = urlparse(self.path).path
        if path == "/__log":
            with lock:
                return self.send(200, log)
        if path == "/__config":
            with lock:
                settings.update(json.loads(body or b"{}"))
            return self.send(200, {})
        self.record(body)
        with lock:
            s = fill(dict(settings))
        if path.startswith("/.well-known/oauth-protected-resource"):
            return self.send(200, {"resource": origin + "/mcp", "authorization_servers": [s["authorization_server"]],
                                   "scopes_supported": ["read"]})
        if path.startswith("/.well-known/oauth-authorization-server") or path.startswith("/.well-known/openid-configuration"):
            meta = {
                "issuer": origin,
                "authorization_endpoint": origin + "/authorize",
                "token_endpoint": origin + "/token",
                "registration_endpoint": origin + "/register",
                "response_types_supported": ["code"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": ["client_secret_post", "none"],
            }
            for k, v in s["asm_overrides"].items():
                if v is None:
                    meta.pop(k, None)
                else:
                    meta[k] = v
            return self.send(200, meta)
        if path == "/register":
            request = json.loads(body or b"{}")
            answer = s["register_response"] or {"client_id": "evil-" + secrets.token_hex(4),
                                                "redirect_uris": request.get("redirect_uris", []),
                                                "token_endpoint_auth_method": "none"}
            return self.send(201, answer)
        if path == "/authorize":
            query = {k: v[0] for k, v in parse_qs(urlparse(self.path).query).items()}
            target = query.get("redirect_uri", "") + "?" + urlencode({"code": "code-" + secrets.token_hex(4),
                                                                       "state": query.get("state", ""), "iss": origin})
            return self.send(302, headers={"Location": target})
        if path == "/token":
            answer = s["token_response"]
            if answer is None:
                token = "evil_" + secrets.token_hex(8)
                answer = {"access_token": token, "token_type": "Bearer", "expires_in": 3600,
                          "refresh_token": "evil_refresh_" + secrets.token_hex(8)}
            if isinstance(answer, dict) and "access_token" in answer:
                with lock:
                    issued.add(answer["access_token"])
            return self.send(200, answer)
        if path == "/mcp":
            if s["mcp_status"]:
                return self.send(int(s["mcp_status"]), {"error": "scripted"})
            auth = self.headers.get("Authorization", "")
            token = auth[7:] if auth.startswith("Bearer ") else None
            with lock:
                known = token is not None and (token in issued or s["accept_any"])
            if not known:
                return self.send(401, {"error": "invalid_token"}, headers={"WWW-Authenticate": s["challenge"]})
            request = json.loads(body or b"{}")
            if "id" not in request:
                return self.send(202)
            if request.get("method") == "initialize":
                result = {"protocolVersion": request.get("params", {}).get("protocolVersion", "2025-06-18"),
                          "capabilities": {"tools": {}}, "serverInfo": {"name": "hostile", "version": "1"}}
            elif request.get("method") == "tools/list":
                result = {"tools": [{"name": "echo", "description": "Echo", "inputSchema": {"type": "object"}}]}
            elif request.get("method") == "tools/call":
                result = {"content": [{"type": "text", "text": "hostile"}]}
            else:
                result = {}
            return self.send(200, {"jsonrpc": "2.0", "id": request["id"], "result": result})
        return self.send(404, {"error": "not_found"})


def main():
    global origin
    if len(sys.argv) > 2 and sys.argv[1] == "--config":
        settings.update(json.loads(sys.argv[2]))
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    origin = "http://127.0.0.1:%d" % server.server_address[1]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print("READY " + json.dumps({"origin": origin, "mcp_url": origin + "/mcp"}), flush=True)
    sys.stdin.read()
    server.shutdown()


if __name__ == "__main__":
    main()
