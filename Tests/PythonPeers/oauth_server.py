"""An OAuth-protected MCP server for hermes' tests, built on the official MCP Python SDK (mcp 2.3.0).

The SDK serves the authorization server (RFC 8414 metadata, RFC 7591 /register, /authorize with
PKCE S256, /token, RFC 7009 /revoke) over an in-memory provider, and the MCP streamable-HTTP
endpoint. A thin front door in this file gates the MCP endpoint with bearer tokens (401 with
`WWW-Authenticate: Bearer ... resource_metadata=...`, 403 `insufficient_scope` for step-up), serves
the discovery documents in whichever layout a test asks for, records every request, and injects
faults on request of the admin API:

  GET  /admin/log            every request seen (method, path, query, form, bearer token)
  POST /admin/config         merge JSON into the behaviour settings below
  POST /admin/revoke-access  forget every access token (server-side revocation)
  POST /admin/forget-clients forget every registered client (invalid_client from now on)
  GET  /admin/state          clients, live tokens, refresh tokens

With --sse the MCP endpoint is the SDK's legacy HTTP+SSE app instead (GET on --mcp-path opens the
stream, POSTs go to /messages/), both behind the same bearer gate.

It binds port 0 on the given loopback host, prints one line `READY {json}` with its URLs, and exits
when its stdin closes, so a test that dies never leaves it behind.
"""
import argparse
import asyncio
import json
import logging
import os
import secrets
import socket
import sys
import threading
import time
from urllib.parse import parse_qs, urlencode, urlparse, urlunparse

import uvicorn
from starlette.applications import Starlette
from starlette.routing import Mount

from mcp.server.auth.provider import (
    AccessToken,
    AuthorizationCode,
    AuthorizeError,
    RefreshToken,
    TokenError,
)
from mcp.server.auth.routes import build_metadata, create_auth_routes
from mcp.server.auth.settings import ClientRegistrationOptions, RevocationOptions
from mcp.server.mcpserver import MCPServer
from mcp.shared.auth import OAuthClientInformationFull, OAuthToken

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peer_tools  # noqa: E402

SCOPES = ["read", "write", "admin"]

settings = {
    # Discovery layout.
    "prm_location": "path",        # "path" (/.well-known/oauth-protected-resource/mcp), "root", "custom", "none"
    "prm_in_header": True,         # advertise resource_metadata in WWW-Authenticate
    "asm_location": "oauth",       # "oauth" (RFC 8414), "oidc-insert", "oidc-append", "root" (the
                                   # origin's, whatever --issuer-path), "none" (no metadata at all)
    "prm_scopes": SCOPES[:2],      # scopes_supported in the PRM (None: omitted)
    "challenge_scope": None,       # scope="..." in the 401 challenge
    "asm_overrides": {},           # merged into the AS metadata (None values delete keys)
    "asm_raw": None,               # serve this text verbatim as the AS metadata
    "prm_resource": None,          # override the PRM "resource"
    # Authorization behaviour.
    "deny": False,                 # /authorize answers error=access_denied
    "iss_mode": "correct",         # "correct", "wrong", "missing": the iss parameter on the redirect
    "advertise_iss": True,         # authorization_response_iss_parameter_supported
    "required_scope": None,        # 403 insufficient_scope unless the token carries this scope
    "always_insufficient": False,  # 403 insufficient_scope (scope="admin") whatever the token holds
    "refuse_tokens": False,        # 401 invalid_token to every bearer token, even one just issued
    # Per JSON-RPC method (the conformance suite's step-up server): methods let through with or
    # without a token ("notifications/" covers every notification), and a scope a method needs
    # (403 insufficient_scope naming only that scope unless the token carries it).
    "open_methods": [],
    "method_scopes": {},
    # The MCP endpoint's answer to a request whose token it accepted, instead of MCP:
    # {"status": 400, "body": "...", "content_type": "application/json"} (a missing header, say).
    "mcp_fault": None,
    # Tokens.
    "access_ttl": 3600,
    "rotate_refresh": True,
    "issue_refresh": True,
    # Presenting a refresh token that was already rotated away revokes its whole family (every
    # access and refresh token descended from the same grant), as OAuth 2.1 section 4.3.1 advises.
    "revoke_family_on_reuse": True,
    # Faults at the token endpoint: {"status": 503, "count": 1, "body": "..."}; "delay" in seconds.
    "token_fault": None,
    "token_delay": 0,
    # Clients this server knows without registration: pre-registered ones and Client ID Metadata
    # Documents (keyed by their URL), as {client_id: OAuthClientInformationFull fields}.
    "static_clients": {},
    # Accept a registration whatever grant_types it asks for (the SDK insists on authorization_code
    # and refresh_token): the log keeps what the client sent, the SDK sees both.
    "register_any_grants": False,
}

SSE = False
SSE_MESSAGES = "/messages"

log = []
clients = {}
codes = {}
access_tokens = {}
refresh_tokens = {}
families = {}           # token (access or refresh) -> the grant it descends from
spent_refresh = {}      # rotated-away refresh token -> its family
family_revocations = []


def now():
    return time.time()


class Provider:
    """The in-memory authorization server behind the SDK's handlers."""

    async def get_client(self, client_id):
        if client_id in clients:
            return clients[client_id]
        known = settings["static_clients"].get(client_id)
        return OAuthClientInformationFull(client_id=client_id, **known) if known else None

    async def register_client(self, client_info: OAuthClientInformationFull):
        # Any scope this server knows may later be requested (step-up), whatever was registered.
        client_info.scope = " ".join(SCOPES)
        clients[client_info.client_id] = client_info

    async def authorize(self, client, params):
        redirect = str(params.redirect_uri)
        iss = {"correct": ISSUER, "wrong": "http://evil.invalid", "missing": None}[settings["iss_mode"]]
        if settings["deny"]:
            return construct(redirect, error="access_denied", error_description="the user said no",
                             state=params.state, iss=iss)
        code = secrets.token_urlsafe(24)
        codes[code] = AuthorizationCode(
            code=code, scopes=params.scopes or [], expires_at=now() + 300, client_id=client.client_id,
            code_challenge=params.code_challenge, redirect_uri=params.redirect_uri,
            redirect_uri_provided_explicitly=params.redirect_uri_provided_explicitly, resource=params.resource)
        return construct(redirect, code=code, state=params.state, iss=iss)

    async def load_authorization_code(self, client, authorization_code):
        c = codes.get(authorization_code)
        return c if c and c.client_id == client.client_id else None

    async def exchange_authorization_code(self, client, authorization_code):
        codes.pop(authorization_code.code, None)
        return self._issue(client.client_id, authorization_code.scopes, authorization_code.resource)

    async def load_refresh_token(self, client, refresh_token):
        if refresh_token in spent_refresh and settings["revoke_family_on_reuse"]:
            family = spent_refresh[refresh_token]
            for store in (access_tokens, refresh_tokens):
                for t in [t for t in store if families.get(t) == family]:
                    store.pop(t, None)
            family_revocations.append(family)
            return None
        r = refresh_tokens.get(refresh_token)
        return r if r and r.client_id == client.client_id else None

    async def exchange_refresh_token(self, client, refresh_token, scopes):
        family = families.get(refresh_token.token)
        if settings["rotate_refresh"]:
            refresh_tokens.pop(refresh_token.token, None)
            spent_refresh[refresh_token.token] = family
        if settings.get("revoke_access_on_refresh"):
            access_tokens.clear()
        token = self._issue(client.client_id, scopes or refresh_token.scopes, refresh_token.resource,
                            keep_refresh=None if settings["rotate_refresh"] else refresh_token.token,
                            family=family)
        return token

    async def load_access_token(self, token):
        a = access_tokens.get(token)
        if a and a.expires_at and a.expires_at < now():
            return None
        return a

    async def revoke_token(self, token):
        access_tokens.pop(token.token, None)
        refresh_tokens.pop(token.token, None)

    def _issue(self, client_id, scopes, resource, keep_refresh=None, family=None):
        family = family or secrets.token_hex(8)
        access = "at_" + secrets.token_urlsafe(24)
        families[access] = family
        expires = int(now() + settings["access_ttl"])
        access_tokens[access] = AccessToken(token=access, client_id=client_id, scopes=scopes,
                                            expires_at=expires, resource=resource)
        refresh = None
        if settings["issue_refresh"] and not keep_refresh:
            refresh = "rt_" + secrets.token_urlsafe(24)
            families[refresh] = family
            refresh_tokens[refresh] = RefreshToken(token=refresh, client_id=client_id, scopes=scopes,
                                                   resource=resource)
        return OAuthToken(access_token=access, token_type="Bearer", expires_in=settings["access_ttl"],
                          scope=" ".join(scopes) if scopes else None, refresh_token=refresh)


def construct(base, **params):
    parsed = urlparse(base)
    query = [(k, v) for k, vs in parse_qs(parsed.query).items() for v in vs]
    query += [(k, v) for k, v in params.items() if v is not None]
    return urlunparse(parsed._replace(query=urlencode(query)))


async def read_body(receive):
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            return body


def replay_body(body, then=None):
    """The body once; then the real `receive` when given (an SSE stream must hear its client leave)."""
    sent = False

    async def receive():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        if then is not None:
            return await then()
        await asyncio.sleep(3600)
        return {"type": "http.disconnect"}

    return receive


async def respond(send, status, body, content_type="application/json", headers=()):
    data = body if isinstance(body, bytes) else (json.dumps(body) if not isinstance(body, str) else body).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", content_type.encode()), (b"content-length", str(len(data)).encode())]
                + [(k.encode(), v.encode()) for k, v in headers]})
    await send({"type": "http.response.body", "body": data})


class FrontDoor:
    """Routes one origin: discovery documents, admin, the MCP endpoint behind a bearer gate, and
    (when this origin is the authorization server) the SDK's OAuth endpoints."""

    def __init__(self, role, mcp_app=None, as_app=None):
        self.role, self.mcp_app, self.as_app = role, mcp_app, as_app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            return await (self.mcp_app or self.as_app)(scope, receive, send)
        if scope["type"] != "http":
            return
        path, method = scope["path"], scope["method"]
        body = await read_body(receive)
        headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
        entry = {"origin": self.role, "method": method, "path": path, "t": now(),
                 "query": {k: v[0] for k, v in parse_qs(scope.get("query_string", b"").decode()).items()},
                 "bearer": headers.get("authorization", "")[7:] if headers.get("authorization", "").lower().startswith("bearer ") else None}
        if headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            entry["form"] = {k: v[0] for k, v in parse_qs(body.decode()).items()}
        elif body and headers.get("content-type", "").startswith("application/json"):
            try:
                entry["json"] = json.loads(body)
            except ValueError:
                pass
        if headers.get("authorization", "").lower().startswith("basic "):
            entry["basic"] = True
        if not path.startswith("/admin/"):
            log.append(entry)

        if path.startswith("/admin/"):
            return await self.admin(path, body, send)
        if self.mcp_app and settings["prm_location"] != "none" and path == PRM_PATHS[settings["prm_location"]]:
            return await respond(send, 200, prm_document())
        if self.as_app and path == ASM_PATHS[settings["asm_location"]]:
            if settings["asm_raw"] is not None:
                return await respond(send, 200, settings["asm_raw"])
            return await respond(send, 200, asm_document())
        if self.as_app and path.startswith(ISSUER_PATH + "/") and path[len(ISSUER_PATH):] in ("/authorize", "/token", "/register", "/revoke"):
            if path.endswith("/token"):
                fault = settings["token_fault"]
                if fault and fault.get("count", 1) > 0:
                    fault["count"] = fault.get("count", 1) - 1
                    return await respond(send, fault.get("status", 503), fault.get("body", "unavailable"),
                                         fault.get("content_type", "text/plain"))
                if settings["token_delay"]:
                    await asyncio.sleep(settings["token_delay"])
            if path.endswith("/register") and settings["register_any_grants"] and "json" in entry:
                body = json.dumps(dict(entry["json"], grant_types=["authorization_code", "refresh_token"])).encode()
            scope = dict(scope, path=path[len(ISSUER_PATH):], root_path="")
            return await self.as_app(scope, replay_body(body), send)
        if self.mcp_app and (path.rstrip("/") == MCP_PATH or (SSE and path.rstrip("/") == SSE_MESSAGES)):
            return await self.gate(scope, body, send, entry, receive)
        return await respond(send, 404, {"error": "not_found"})

    async def gate(self, scope, body, send, entry, receive):
        token = access_tokens.get(entry["bearer"] or "")

        def replay(body):
            return replay_body(body, receive if SSE else None)

        method = entry["json"].get("method") if isinstance(entry.get("json"), dict) else None
        if method and any(method == m or (m.endswith("/") and method.startswith(m)) for m in settings["open_methods"]):
            return await self.mcp_app(scope, replay(body), send)
        if settings.get("static_bearer") and entry["bearer"] == settings["static_bearer"]:
            # A fixed API key, as a header-auth server (a personal access token) accepts.
            return await self.mcp_app(scope, replay(body), send)
        if settings.get("open_mcp") and not entry["bearer"]:
            # The MCP endpoint answers without any token (the authorization server still works).
            return await self.mcp_app(scope, replay(body), send)
        if not token or settings["refuse_tokens"] or (token.expires_at and token.expires_at < now()):
            parts = ['error="invalid_token"', 'error_description="Authentication required"']
            if settings["challenge_scope"]:
                parts.append(f'scope="{settings["challenge_scope"]}"')
            if settings["prm_in_header"]:
                parts.append(f'resource_metadata="{MCP_ORIGIN}{PRM_PATHS[settings["prm_location"]]}"')
            return await respond(send, 401, {"error": "invalid_token"}, headers=[("www-authenticate", "Bearer " + ", ".join(parts))])
        need = (settings["method_scopes"].get(method) or settings["required_scope"]
                or ("admin" if settings["always_insufficient"] else None))
        if need and (need not in token.scopes or settings["always_insufficient"]):
            challenge = (f'Bearer error="insufficient_scope", scope="{need}", '
                         f'resource_metadata="{MCP_ORIGIN}{PRM_PATHS[settings["prm_location"]]}"')
            return await respond(send, 403, {"error": "insufficient_scope"}, headers=[("www-authenticate", challenge)])
        fault = settings.get("mcp_fault")
        if fault:
            return await respond(send, fault.get("status", 400), fault.get("body", ""), fault.get("content_type", "application/json"))
        return await self.mcp_app(scope, replay(body), send)

    async def admin(self, path, body, send):
        if path == "/admin/log":
            return await respond(send, 200, log)
        if path == "/admin/config":
            settings.update(json.loads(body or b"{}"))
            return await respond(send, 200, settings)
        if path == "/admin/revoke-access":
            access_tokens.clear()
            return await respond(send, 200, {"ok": True})
        if path == "/admin/revoke-all":
            access_tokens.clear()
            refresh_tokens.clear()
            return await respond(send, 200, {"ok": True})
        if path == "/admin/end-sessions":
            # Forget every MCP session, as a restarted server would: old session ids get 404.
            instances = getattr(MCP.session_manager, "_server_instances", None)
            if isinstance(instances, dict):
                instances.clear()
            return await respond(send, 200, {"ok": True, "cleared": instances is not None})
        if path == "/admin/forget-clients":
            clients.clear()
            return await respond(send, 200, {"ok": True})
        if path == "/admin/clear-log":
            log.clear()
            return await respond(send, 200, {"ok": True})
        if path == "/admin/state":
            return await respond(send, 200, {"clients": list(clients), "access": len(access_tokens),
                                             "refresh": list(refresh_tokens),
                                             "family_revocations": len(family_revocations),
                                             "refreshes": len(spent_refresh)})
        return await respond(send, 404, {"error": "no such admin route"})


def prm_document():
    doc = {"resource": settings["prm_resource"] or MCP_URL, "authorization_servers": [ISSUER],
           "bearer_methods_supported": ["header"]}
    if settings["prm_scopes"] is not None:
        doc["scopes_supported"] = settings["prm_scopes"]
    return doc


def asm_document():
    meta = build_metadata(ISSUER_URL_OBJ, None, ClientRegistrationOptions(enabled=True, valid_scopes=SCOPES),
                          RevocationOptions(enabled=True)).model_dump(mode="json", exclude_none=True)
    meta["issuer"] = ISSUER
    meta["token_endpoint_auth_methods_supported"] = ["client_secret_post", "client_secret_basic", "none"]
    if settings["advertise_iss"]:
        meta["authorization_response_iss_parameter_supported"] = True
    for k, v in settings["asm_overrides"].items():
        if v is None:
            meta.pop(k, None)
        else:
            meta[k] = v
    return meta


def bind(host):
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Inherited by accepted connections. uvicorn sets TCP_NODELAY itself only on sockets it binds:
    # on one handed over, each response's body waited for the client's delayed ACK of its head,
    # 40 ms a request on a reused connection (a plain `uvicorn app` does not do this).
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.bind((host, 0))
    s.listen(128)
    s.set_inheritable(True)
    return s


def url_host(host):
    return f"[{host}]" if ":" in host else host


def main():
    logging.disable(logging.INFO)
    global ISSUER, ISSUER_PATH, ISSUER_URL_OBJ, MCP_URL, MCP_PATH, MCP_ORIGIN, PRM_PATHS, ASM_PATHS
    parser = argparse.ArgumentParser()
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--separate-as", action="store_true", help="serve the authorization server on its own port")
    parser.add_argument("--issuer-path", default="", help="a path for the issuer, e.g. /tenant1")
    parser.add_argument("--mcp-path", default="/mcp")
    parser.add_argument("--json-response", action="store_true")
    parser.add_argument("--config", default="{}", help="initial settings as JSON")
    parser.add_argument("--sse", action="store_true", help="serve MCP over the legacy HTTP+SSE transport")
    args = parser.parse_args()
    global SSE
    SSE = args.sse
    settings.update(json.loads(args.config))

    mcp_sock = bind(args.host)
    as_sock = bind(args.host) if args.separate_as else mcp_sock
    host = url_host(args.host)
    MCP_ORIGIN = f"http://{host}:{mcp_sock.getsockname()[1]}"
    as_origin = f"http://{host}:{as_sock.getsockname()[1]}"
    MCP_PATH = args.mcp_path
    MCP_URL = MCP_ORIGIN + MCP_PATH
    ISSUER_PATH = args.issuer_path.rstrip("/")
    ISSUER = as_origin + ISSUER_PATH
    from pydantic import AnyHttpUrl
    ISSUER_URL_OBJ = AnyHttpUrl(ISSUER)
    PRM_PATHS = {"path": "/.well-known/oauth-protected-resource" + MCP_PATH,
                 "root": "/.well-known/oauth-protected-resource",
                 "custom": "/custom/resource-metadata",
                 "none": "/no-protected-resource-metadata-here"}
    ASM_PATHS = {"oauth": "/.well-known/oauth-authorization-server" + ISSUER_PATH,
                 "oidc-insert": "/.well-known/openid-configuration" + ISSUER_PATH,
                 "oidc-append": ISSUER_PATH + "/.well-known/openid-configuration",
                 "root": "/.well-known/oauth-authorization-server",
                 "none": "/no-authorization-server-metadata-here"}

    global MCP
    mcp = MCPServer(name="hermes-test-peer")
    MCP = mcp

    peer_tools.register(mcp, "hello from the peer")

    if SSE:
        mcp_app = mcp.sse_app(sse_path=MCP_PATH, message_path=SSE_MESSAGES + "/", host=args.host)
    else:
        mcp_app = mcp.streamable_http_app(streamable_http_path=MCP_PATH, json_response=args.json_response, host=args.host)
    provider = Provider()
    as_app = Starlette(routes=create_auth_routes(provider, ISSUER_URL_OBJ,
                                                 client_registration_options=ClientRegistrationOptions(enabled=True, valid_scopes=SCOPES),
                                                 revocation_options=RevocationOptions(enabled=True)))

    servers = []
    if args.separate_as:
        servers.append((FrontDoor("mcp", mcp_app=mcp_app), mcp_sock))
        servers.append((FrontDoor("as", as_app=as_app), as_sock))
    else:
        servers.append((FrontDoor("mcp", mcp_app=mcp_app, as_app=as_app), mcp_sock))

    def watch_stdin():
        sys.stdin.read()
        os._exit(0)

    threading.Thread(target=watch_stdin, daemon=True).start()

    async def serve():
        tasks = []
        for app, sock in servers:
            config = uvicorn.Config(app, log_level="warning", lifespan="on" if app.mcp_app else "off")
            tasks.append(asyncio.create_task(uvicorn.Server(config).serve(sockets=[sock])))
        await asyncio.sleep(0.2)
        print("READY " + json.dumps({"mcp_url": MCP_URL, "issuer": ISSUER, "mcp_origin": MCP_ORIGIN,
                                     "as_origin": as_origin, "admin": MCP_ORIGIN + "/admin",
                                     "as_admin": as_origin + "/admin"}), flush=True)
        await asyncio.gather(*tasks)

    asyncio.run(serve())


if __name__ == "__main__":
    main()
