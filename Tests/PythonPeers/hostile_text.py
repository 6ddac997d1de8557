"""A hostile MCP server and authorization server whose text is made to drive a terminal.

Standard library only. One origin serves everything a login and an MCP session need: the MCP
endpoint (/mcp, JSON replies), RFC 9728 protected resource metadata, RFC 8414 authorization server
metadata, /register, /authorize (redirects at once, as a person approving would), /token and
/revoke. Every place where a real server chooses text can be filled with HOSTILE (or any string)
through the settings below, given as JSON with --config or merged later with POST /admin/config.

  issuer             the "issuer" the metadata names (default: the real one)
  authorization_endpoint   replaces the authorization endpoint URL
  client_id          the client_id /register hands out
  register_error     {"status": 400, "body": {...}}: /register refuses with this body
  authorize_error    {"error": ..., "error_description": ...}: /authorize redirects with an error
  token_error        {"status": 400, "body": {...}}: /token refuses with this body
  token_scope        the "scope" of every token response
  revoke_error       {"status": 400, "body": {...}}: /revoke refuses with this body
  accept_any_token   /mcp takes any bearer token, not only those /token issued
  fail_methods       MCP methods ("initialize", "tools/list", "tools/call") answered with `failure`
  failure            "forbidden" (403 with `forbidden_challenge`), "http_error" (500 with
                     `http_error_body`) or "rpc_error" (a JSON-RPC error, `rpc_error_message`)
  tools              the tools/list answer: [{"name": ..., "description": ...}]
  tool_error         text of an isError result for every tools/call

In every string setting, {HOSTILE} stands for the hostile text below and {ORIGIN} for this
server's origin.

GET /admin/log lists the requests seen (method, path). It binds 127.0.0.1 port 0, prints
`READY {"url": ..., "origin": ..., "hostile": ...}` and exits when its stdin closes.
"""
import argparse
import json
import secrets
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlparse

# An OSC retitle ended by BEL, a clear screen, the 8-bit CSI (as U+009B), a right-to-left override,
# a left-to-right isolate and a zero-width space: a terminal acts on each, none is visible text.
HOSTILE = "\x1b]0;pwned\x07\x1b[2J\u009b31mred\u202eevil\u2066x\u200bz"

settings = {
    "issuer": None,
    "authorization_endpoint": None,
    "client_id": None,
    "register_error": None,
    "authorize_error": None,
    "token_error": None,
    "token_scope": "read",
    "revoke_error": None,
    "accept_any_token": False,
    "fail_methods": [],
    "failure": "rpc_error",
    "forbidden_challenge": 'Bearer error="insufficient_scope", scope="admin"',
    "http_error_body": "",
    "rpc_error_message": "",
    "tools": [{"name": "echo", "description": "Echoes its input."}],
    "tool_error": None,
}
log = []
tokens = set()
lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body, headers=()):
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        # The head is written by hand, header values as UTF-8 bytes whatever they hold:
        # http.server would refuse anything beyond Latin-1.
        head = f"HTTP/1.1 {status} {self.responses.get(status, ('',))[0]}\r\n"
        names = {name.lower() for name, _ in headers}
        defaults = [("Content-Type", "application/json")] if "content-type" not in names else []
        for name, value in defaults + [("Content-Length", str(len(data)))] + list(headers):
            head += f"{name}: {value}\r\n"
        self.wfile.write(head.encode("utf-8") + b"\r\n" + data)
        self.wfile.flush()

    def body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def do_GET(self):
        url = urlparse(self.path)
        with lock:
            log.append({"method": "GET", "path": url.path})
        if url.path == "/admin/log":
            return self.reply(200, log)
        if url.path == "/.well-known/oauth-protected-resource/mcp":
            return self.reply(200, {"resource": MCP_URL, "authorization_servers": [ORIGIN]})
        if url.path == "/.well-known/oauth-authorization-server":
            return self.reply(200, {
                "issuer": settings["issuer"] or ORIGIN,
                "authorization_endpoint": settings["authorization_endpoint"] or ORIGIN + "/authorize",
                "token_endpoint": ORIGIN + "/token",
                "registration_endpoint": ORIGIN + "/register",
                "revocation_endpoint": ORIGIN + "/revoke",
                "code_challenge_methods_supported": ["S256"],
                "response_types_supported": ["code"],
                "token_endpoint_auth_methods_supported": ["none"],
            })
        if url.path == "/authorize":
            query = {k: v[0] for k, v in parse_qs(url.query).items()}
            answer = {"state": query.get("state", ""), "iss": ORIGIN}
            answer.update(settings["authorize_error"] or {"code": secrets.token_urlsafe(16)})
            location = query.get("redirect_uri", "") + "?" + urlencode(answer)
            return self.reply(302, b"", [("Location", location)])
        return self.reply(404, {"error": "not_found"})

    def do_DELETE(self):
        return self.reply(200, b"")

    def do_POST(self):
        url = urlparse(self.path)
        raw = self.body()
        with lock:
            log.append({"method": "POST", "path": url.path})
        if url.path == "/admin/config":
            configure(json.loads(raw or b"{}"))
            return self.reply(200, {"ok": True})
        if url.path == "/register":
            if settings["register_error"]:
                e = settings["register_error"]
                return self.reply(e.get("status", 400), e.get("body", {}))
            request = json.loads(raw or b"{}")
            return self.reply(201, {"client_id": settings["client_id"] or "client-" + secrets.token_hex(4),
                                    "redirect_uris": request.get("redirect_uris", []),
                                    "token_endpoint_auth_method": "none"})
        if url.path == "/token":
            if settings["token_error"]:
                e = settings["token_error"]
                return self.reply(e.get("status", 400), e.get("body", {}))
            token = "at_" + secrets.token_urlsafe(16)
            with lock:
                tokens.add(token)
            return self.reply(200, {"access_token": token, "token_type": "Bearer", "expires_in": 3600,
                                    "refresh_token": "rt_" + secrets.token_urlsafe(16),
                                    "scope": settings["token_scope"]})
        if url.path == "/revoke":
            if settings["revoke_error"]:
                e = settings["revoke_error"]
                return self.reply(e.get("status", 400), e.get("body", {}))
            return self.reply(200, b"")
        if url.path == "/mcp":
            return self.mcp(raw)
        return self.reply(404, {"error": "not_found"})

    def mcp(self, raw):
        auth = self.headers.get("Authorization") or ""
        token = auth[7:] if auth.lower().startswith("bearer ") else None
        with lock:
            known = token in tokens or (token and settings["accept_any_token"])
        if not known:
            challenge = f'Bearer resource_metadata="{ORIGIN}/.well-known/oauth-protected-resource/mcp"'
            return self.reply(401, {"error": "invalid_token"}, [("WWW-Authenticate", challenge)])
        message = json.loads(raw or b"{}")
        if "id" not in message:
            return self.reply(202, b"")
        method, rid = message.get("method"), message["id"]
        if method in settings["fail_methods"]:
            failure = settings["failure"]
            if failure == "forbidden":
                return self.reply(403, {"error": "insufficient_scope"},
                                  [("WWW-Authenticate", settings["forbidden_challenge"])])
            if failure == "http_error":
                return self.reply(500, settings["http_error_body"].encode("utf-8"), [("Content-Type", "text/plain")])
            return self.reply(200, {"jsonrpc": "2.0", "id": rid,
                                    "error": {"code": -32050, "message": settings["rpc_error_message"]}})
        if method == "initialize":
            version = message.get("params", {}).get("protocolVersion", "2025-06-18")
            result = {"protocolVersion": version, "capabilities": {"tools": {}},
                      "serverInfo": {"name": "hostile-text", "version": "1.0"}}
        elif method == "tools/list":
            result = {"tools": [dict(t, inputSchema={"type": "object"}) for t in settings["tools"]]}
        elif method == "tools/call":
            text = settings["tool_error"]
            result = {"content": [{"type": "text", "text": text or "ok"}], "isError": text is not None}
        else:
            result = {}
        return self.reply(200, {"jsonrpc": "2.0", "id": rid, "result": result})


def expand(value):
    if isinstance(value, str):
        return value.replace("{HOSTILE}", HOSTILE).replace("{ORIGIN}", ORIGIN)
    if isinstance(value, list):
        return [expand(v) for v in value]
    if isinstance(value, dict):
        return {k: expand(v) for k, v in value.items()}
    return value


def configure(changes):
    with lock:
        settings.update(expand(changes))


def main():
    global ORIGIN, MCP_URL
    parser = argparse.ArgumentParser()
    parser.add_argument("--config", default="{}", help="initial settings as JSON")
    args = parser.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    ORIGIN = f"http://127.0.0.1:{server.server_address[1]}"
    MCP_URL = ORIGIN + "/mcp"
    configure(json.loads(args.config))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print("READY " + json.dumps({"url": MCP_URL, "origin": ORIGIN, "hostile": HOSTILE}), flush=True)
    sys.stdin.read()
    server.shutdown()


if __name__ == "__main__":
    main()
