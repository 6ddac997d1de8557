"""An HTTPS peer for hermes' TLS tests: the standard library's http.server behind an ssl context
with whatever certificate the test generated (a throw-away CA's, or one for the wrong host name).

  hostile_tls.py --cert server.pem --key server.key [--host 127.0.0.1]

It answers just enough to show that a request got through TLS:
  POST /mcp          a minimal MCP server: initialize, tools/list (one tool), notifications (202)
  POST /oauth-mcp    401 with a Bearer challenge pointing at the protected resource metadata
  GET  /.well-known/oauth-protected-resource/oauth-mcp   that metadata, naming this origin as issuer
  GET  /.well-known/oauth-authorization-server           authorization server metadata (PKCE S256)
  POST /register     RFC 7591 registration of a public client
so a login gets as far as printing the authorization URL only when every OAuth request trusted
the certificate.
Binds port 0, prints `READY {json}` and exits when its stdin closes.
"""
import argparse
import http.server
import json
import ssl
import sys
import threading

parser = argparse.ArgumentParser()
parser.add_argument("--cert", required=True)
parser.add_argument("--key", required=True)
parser.add_argument("--host", default="127.0.0.1")
args = parser.parse_args()


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    @property
    def base(self):
        return self.server.base

    def send_json(self, status, body, headers=None):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def do_GET(self):
        if self.path == "/.well-known/oauth-protected-resource/oauth-mcp":
            self.send_json(200, {"resource": self.base + "/oauth-mcp", "authorization_servers": [self.base],
                                 "scopes_supported": ["read"]})
        elif self.path == "/.well-known/oauth-authorization-server":
            self.send_json(200, {
                "issuer": self.base,
                "authorization_endpoint": self.base + "/authorize",
                "token_endpoint": self.base + "/token",
                "registration_endpoint": self.base + "/register",
                "response_types_supported": ["code"],
                "grant_types_supported": ["authorization_code", "refresh_token"],
                "code_challenge_methods_supported": ["S256"],
                "token_endpoint_auth_methods_supported": ["none"],
            })
        else:
            self.send_json(404, {"error": "not found"})

    def do_DELETE(self):
        self.body()
        self.send_json(200, {})

    def do_POST(self):
        raw = self.body()
        if self.path == "/oauth-mcp":
            challenge = f'Bearer resource_metadata="{self.base}/.well-known/oauth-protected-resource/oauth-mcp"'
            self.send_json(401, {"error": "unauthorized"}, {"WWW-Authenticate": challenge})
            return
        if self.path == "/register":
            request = json.loads(raw or b"{}")
            self.send_json(201, {"client_id": "tls-client", "redirect_uris": request.get("redirect_uris", []),
                                 "token_endpoint_auth_method": "none",
                                 "grant_types": ["authorization_code", "refresh_token"], "response_types": ["code"]})
            return
        if self.path != "/mcp":
            self.send_json(404, {"error": "not found"})
            return
        message = json.loads(raw or b"{}")
        if "id" not in message:
            self.send_response(202)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        method = message.get("method")
        if method == "initialize":
            result = {"protocolVersion": message["params"]["protocolVersion"], "capabilities": {"tools": {}},
                      "serverInfo": {"name": "hostile-tls", "version": "1"}}
        elif method == "tools/list":
            result = {"tools": [{"name": "tls_echo", "description": "reached over TLS",
                                 "inputSchema": {"type": "object"}}]}
        else:
            self.send_json(200, {"jsonrpc": "2.0", "id": message["id"],
                                 "error": {"code": -32601, "message": "method not found"}})
            return
        self.send_json(200, {"jsonrpc": "2.0", "id": message["id"], "result": result})


class Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def get_request(self):
        # The handshake happens in the handler's thread (first read), so a client that refuses
        # the certificate fails only its own connection.
        sock, addr = self.socket.accept()
        return self.context.wrap_socket(sock, server_side=True, do_handshake_on_connect=False), addr

    def handle_error(self, request, client_address):
        pass  # a refused handshake is expected here, not an error worth a traceback


context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain(args.cert, args.key)
server = Server((args.host, 0), Handler)
server.context = context
port = server.server_address[1]
host = f"[{args.host}]" if ":" in args.host else args.host
server.base = f"https://{host}:{port}"
threading.Thread(target=server.serve_forever, daemon=True).start()
print("READY " + json.dumps({"port": port, "base": server.base, "mcp_url": server.base + "/mcp",
                             "oauth_mcp_url": server.base + "/oauth-mcp"}), flush=True)
sys.stdin.read()
server.shutdown()
