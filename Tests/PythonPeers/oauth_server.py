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
  GET  /admin/state          clients, live tokens, refresh tokens, DPoP bindings
  GET  /admin/mint-id-token  ?sub=&ttl=&aud=&email=: an id token signed by the IdP below
  GET  /admin/mint-workload-jwt ?sub=&ttl=&aud=&iss=: a workload JWT signed by the peer's own key
  GET  /admin/new-key        ?alg=ES256|RS256: a fresh key pair (PEMs and public JWK) for a test

Off by default, each switched on by its setting (below): the client credentials grant
(client_secret_basic, client_secret_post, private_key_jwt), the JWT bearer grant for a workload
identity token (SEP-1933), enterprise-managed authorization (SEP-990: an IdP under /idp doing the
RFC 8693 token exchange for an ID-JAG, and the AS redeeming the ID-JAG), and DPoP (RFC 9449) at the
token endpoint and the MCP gate. The IdP is also an OpenID Connect provider for a person's login by
a native app: /idp/authorize (code + PKCE S256, a loopback redirect_uri on any port, RFC 8252; the
person approves at once) and the authorization_code and refresh_token grants at /idp/token,
answering with an id token signed by the IdP's key (the one its token exchange trusts). The SDK knows none of these but the ID-JAG grant, and its
ClientAuthenticator wants client_id in the body and one fixed method per client, so the front door
answers these grants itself (grant_checks.py, dpop_check.py) and issues into the SDK's token store,
where the gate finds them like any other token.

With --sse the MCP endpoint is the SDK's legacy HTTP+SSE app instead (GET on --mcp-path opens the
stream, POSTs go to /messages/), both behind the same bearer gate.

It binds port 0 on the given loopback host, prints one line `READY {json}` with its URLs, and exits
when its stdin closes, so a test that dies never leaves it behind.
"""
import argparse
import asyncio
import html
import json
import logging
import os
import secrets
import socket
import sys
import threading
import time
import uuid
from urllib.parse import parse_qs, urlencode, urlparse, urlunparse

import jwt
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
import dpop_check  # noqa: E402
import peer_tools  # noqa: E402
from grant_checks import (  # noqa: E402
    CLIENT_CREDENTIALS, ID_JAG_PROFILE, ID_JAG_TYP, ID_JAG_TYPE, JWT_BEARER, SECRET_METHODS, TOKEN_EXCHANGE,
    OIDC_SCOPES, GrantError, LoginRefusal, Presented, check_client_assertion, check_code_verifier, check_id_jag,
    check_login_request, check_secret, check_token_exchange, check_workload_assertion, key_alg, load_public_key, mint,
    new_key, private_pem, public_jwk, public_pem)

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
    # Machine grants, all off by default (an empty dict or None). The client credentials grant
    # (RFC 6749 section 4.4): {client_id: {"secret": "..."}} (client_secret_basic or _post) or
    # {client_id: {"public_key_pem": "...", "kid": "..."?}} (private_key_jwt, ES256 for a P-256 key,
    # RS256 for RSA), each optionally with "scopes": [...] (what it may ask for; granted when it
    # asks for none; default every scope).
    "client_credentials": {},
    "cc_expires_in": 3600,
    # The client authentication methods the token endpoint accepts (for every grant) and its
    # metadata lists; None: the default list (plus private_key_jwt when a client has a key).
    "auth_methods": None,
    # The JWT bearer grant with a workload identity token (SEP-1933), no client authentication:
    # {"public_key_pem": "..."? (default: the peer's own key, see /admin/mint-workload-jwt),
    #  "issuer": "..."? (iss checked when given), "audience": "..."? (default: the AS issuer,
    #  with or without one trailing slash), "scopes": [...]?}
    "workload": None,
    "jwt_bearer_expires_in": 3600,   # tokens from the JWT bearer grant (workload and ID-JAG)
    # Enterprise-managed authorization (SEP-990): AS clients that may redeem an ID-JAG with the
    # JWT bearer grant, {client_id: secret}; and the IdP under /idp (served when either is set):
    # {"id_tokens": {token: sub or {"sub": ..., "email": ...}} (accepted as they are, besides
    #  id tokens the IdP signed), "client_id": the client at the IdP (default "hermes-idp-client",
    #  the aud of its id tokens), "client_secret": "..."? (then required at the IdP's token
    #  endpoint, for every grant), "as_client_id": the client_id claim of its ID-JAGs (default: the
    #  first idjag_clients key); for a person's login at /idp/authorize: "login_sub": the person
    #  who approves (default "user@example.com"), "login_email": their email claim (default:
    #  login_sub when it holds an @, else none), "id_token_ttl": seconds an id token from the login
    #  or a refresh lives, also the expires_in of its access token (default 300)}
    "idjag_clients": {},
    "idp": None,
    # DPoP (RFC 9449): "off" (the DPoP header is ignored), "allowed" (a proof binds the token),
    # "required" (no proof, no token; the MCP gate challenges with the DPoP scheme and refuses
    # Bearer). The nonces the AS and the MCP server demand in every proof (None: none).
    "dpop": "off",
    "dpop_nonce_as": None,
    "dpop_nonce_rs": None,
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
dpop_bindings = {}      # DPoP-bound token (access, or a public client's refresh) -> RFC 7638 jkt
dpop_jtis = {}          # every DPoP proof jti whose signature verified, AS and MCP server alike
assertion_jtis = {}     # (client_id, jti) of private_key_jwt client assertions
idp_codes = {}          # the IdP login's authorization codes -> the approved request (60 s, single-use)
idp_spent_codes = {}    # a code once redeemed (or tried) -> the family of the tokens it gave (None: none)
idp_refresh = {}        # the IdP's refresh tokens -> the login they continue
idp_spent_refresh = {}  # a rotated-away IdP refresh token -> its family
# The IdP's signing key (id tokens, ID-JAGs) and the peer's own workload identity key, fresh per run.
IDP_KEY = new_key("ES256")
IDP_KID = "idp-" + secrets.token_hex(4)
WORKLOAD_KEY = new_key("ES256")


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


NO_STORE = [("cache-control", "no-store"), ("pragma", "no-cache")]  # RFC 6749 section 5.1


def recording_status(send, entry):
    """The log says what each request was answered."""
    async def wrapped(message):
        if message["type"] == "http.response.start":
            entry["status"] = message["status"]
        await send(message)
    return wrapped


def dpop_headers(scope):
    return [v.decode(errors="replace") for k, v in scope["headers"] if k.lower() == b"dpop"]


def header_safe(text):
    """A description inside a quoted-string of WWW-Authenticate: printable ASCII, no quote."""
    return "".join("'" if c == '"' else c if 32 <= ord(c) < 127 and c != "\\" else "?" for c in str(text))


async def token_refusal(send, entry, presented, status, error, description, extra=()):
    """An RFC 6749 section 5.2 error answer; a 401 to a client that sent Basic credentials
    carries the Basic challenge the section asks for."""
    entry["error"], entry["error_description"] = error, description
    headers = NO_STORE + list(extra)
    if status == 401 and presented.method == "client_secret_basic":
        headers.append(("www-authenticate", f'Basic realm="{ISSUER}"'))
    return await respond(send, status, {"error": error, "error_description": description}, headers=headers)


async def dpop_refusal(send, error, description, extra=()):
    """RFC 9449 section 7.1: the MCP endpoint refusing a DPoP-related request."""
    parts = [f'error="{error}"', f'error_description="{header_safe(description)}"', f'algs="{" ".join(dpop_check.ALGS)}"']
    if settings["prm_in_header"]:
        parts.append(f'resource_metadata="{MCP_ORIGIN}{PRM_PATHS[settings["prm_location"]]}"')
    return await respond(send, 401, {"error": error, "error_description": description},
                         headers=[("www-authenticate", "DPoP " + ", ".join(parts))] + list(extra))


def sdk_token_reply(send, entry, jkt, form):
    """The SDK's /token answer, logged; with a valid DPoP proof (`jkt`), the access token is bound
    to that key and said to be DPoP, and so is a public client's refresh token (RFC 9449 section 5).
    Without one the answer goes out untouched."""
    start = None
    chunks = []

    async def wrapped(message):
        nonlocal start
        if message["type"] == "http.response.start":
            start = message
            return
        if message["type"] != "http.response.body" or start is None:
            return await send(message)
        chunks.append(message.get("body", b""))
        if message.get("more_body"):
            return
        body = b"".join(chunks)
        try:
            answer = json.loads(body)
        except ValueError:
            answer = None
        if isinstance(answer, dict) and start["status"] != 200:
            entry["error"], entry["error_description"] = answer.get("error"), answer.get("error_description")
        if jkt and start["status"] == 200 and isinstance(answer, dict) and answer.get("access_token"):
            dpop_bindings[answer["access_token"]] = jkt
            answer["token_type"] = "DPoP"
            if answer.get("refresh_token") and public_client(form.get("client_id")):
                dpop_bindings[answer["refresh_token"]] = jkt
            body = json.dumps(answer).encode()
            start = dict(start, headers=[(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
                         + [(b"content-length", str(len(body)).encode())])
        await send(start)
        await send({"type": "http.response.body", "body": body})

    return wrapped


def public_client(client_id):
    known = clients.get(client_id)
    if known is None and client_id in settings["static_clients"]:
        known = OAuthClientInformationFull(client_id=client_id, **settings["static_clients"][client_id])
    return known is not None and not known.client_secret


async def issue(send, client_id, scopes, resource, ttl, jkt):
    """A machine grant's access token, into the same store as the SDK's (the gate finds it there);
    no refresh token (RFC 6749 section 4.4.3)."""
    access = "at_" + secrets.token_urlsafe(24)
    access_tokens[access] = AccessToken(token=access, client_id=client_id, scopes=scopes,
                                        expires_at=int(now() + ttl), resource=resource)
    answer = {"access_token": access, "token_type": "DPoP" if jkt else "Bearer", "expires_in": ttl}
    if jkt:
        dpop_bindings[access] = jkt
    if scopes:
        answer["scope"] = " ".join(scopes)
    return await respond(send, 200, answer, headers=NO_STORE)


def check_single(form_lists):
    repeated = [k for k, v in form_lists.items() if len(v) > 1 and k != "resource"]
    if repeated:
        raise GrantError("invalid_request", f"parameter(s) {', '.join(repeated)} given more than once (RFC 6749 section 3.2)")


async def refuse_other_client(client_id, presented, grant):
    """A client this AS knows for another grant: unauthorized_client once it authenticated
    (RFC 6749 section 5.2); returns for a client nobody knows (invalid_client then)."""
    if client_id in settings["idjag_clients"]:
        check_secret(presented, client_id, settings["idjag_clients"][client_id], accepted_auth_methods())
    elif client_id in settings["client_credentials"]:
        client = settings["client_credentials"][client_id]
        if client.get("public_key_pem"):
            check_client_assertion(presented, client_id, load_public_key(client["public_key_pem"]), client.get("kid"),
                                   ISSUER, assertion_jtis, now())
        else:
            check_secret(presented, client_id, client["secret"], accepted_auth_methods())
    elif not await Provider().get_client(client_id):
        return
    raise GrantError("unauthorized_client", f"client {client_id!r} may not use the {grant} grant")


def accepted_auth_methods():
    return settings["auth_methods"] or ["client_secret_basic", "client_secret_post", "private_key_jwt", "none"]


def granted_scopes(requested, allowed):
    """RFC 6749 section 3.3: what was asked for, if allowed; everything allowed when nothing was."""
    if requested is None:
        return list(allowed)
    unknown = [s for s in requested.split() if s not in allowed]
    if unknown:
        raise GrantError("invalid_scope", f"scope(s) {' '.join(unknown)} not allowed here (allowed: {' '.join(allowed)})")
    return requested.split()


def id_jag_scopes(requested, in_jag):
    """The intersection of the requested scopes and the ID-JAG's (SEP-990); either alone when the
    other is absent."""
    asked = requested.split() if requested is not None else None
    held = in_jag.split() if isinstance(in_jag, str) else None
    unknown = [s for s in asked or [] if s not in SCOPES]
    if unknown:
        raise GrantError("invalid_scope", f"scope(s) {' '.join(unknown)} unknown here (known: {' '.join(SCOPES)})")
    if asked is None:
        return [s for s in held or [] if s in SCOPES]
    if held is None:
        return asked
    granted = [s for s in asked if s in held]
    if asked and not granted:
        raise GrantError("invalid_scope", f"none of the requested scopes ({' '.join(asked)}) is in the ID-JAG's scope ({' '.join(held)})")
    return granted


def mcp_resource():
    return settings["prm_resource"] or MCP_URL


def checked_resource(form_lists):
    """RFC 8707: every resource indicator sent must be this MCP server's (exactly)."""
    values = form_lists.get("resource", [])
    for value in values:
        if value != mcp_resource():
            raise GrantError("invalid_target", f"resource {value!r} is not this MCP server's {mcp_resource()!r}")
    return values[0] if values else None


def idp_enabled():
    return settings["idp"] is not None or bool(settings["idjag_clients"])


def machine_grants_enabled():
    return bool(settings["client_credentials"]) or settings["workload"] is not None or bool(settings["idjag_clients"])


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
            send = recording_status(send, entry)

        if path.startswith("/admin/"):
            return await self.admin(path, body, send, entry["query"])
        if self.mcp_app and settings["prm_location"] != "none" and path == PRM_PATHS[settings["prm_location"]]:
            return await respond(send, 200, prm_document())
        if self.as_app and path == ASM_PATHS[settings["asm_location"]]:
            if settings["asm_raw"] is not None:
                return await respond(send, 200, settings["asm_raw"])
            return await respond(send, 200, asm_document())
        if self.as_app and idp_enabled() and (path.startswith("/idp/") or path in IDP_METADATA_PATHS):
            return await self.idp(path, method, body, send, entry, headers, scope.get("query_string", b"").decode(errors="replace"))
        if self.as_app and path.startswith(ISSUER_PATH + "/") and path[len(ISSUER_PATH):] in ("/authorize", "/token", "/register", "/revoke"):
            if path.endswith("/token"):
                fault = settings["token_fault"]
                if fault and fault.get("count", 1) > 0:
                    fault["count"] = fault.get("count", 1) - 1
                    return await respond(send, fault.get("status", 503), fault.get("body", "unavailable"),
                                         fault.get("content_type", "text/plain"))
                if settings["token_delay"]:
                    await asyncio.sleep(settings["token_delay"])
                    # A client that gave up meanwhile never sees this request committed: a slow server
                    # that finished later would spend a refresh token nobody received (README, Notes),
                    # and its reuse detection would then revoke the family the next refresh started.
                    try:
                        message = await asyncio.wait_for(receive(), 0.05)
                        if message.get("type") == "http.disconnect":
                            entry["abandoned"] = True
                            return
                    except asyncio.TimeoutError:
                        pass
            if path.endswith("/register") and settings["register_any_grants"] and "json" in entry:
                body = json.dumps(dict(entry["json"], grant_types=["authorization_code", "refresh_token"])).encode()
            scope = dict(scope, path=path[len(ISSUER_PATH):], root_path="")
            if path.endswith("/token") and method == "POST":
                return await self.token(scope, body, send, entry, headers)
            return await self.as_app(scope, replay_body(body), send)
        if self.mcp_app and (path.rstrip("/") == MCP_PATH or (SSE and path.rstrip("/") == SSE_MESSAGES)):
            return await self.gate(scope, body, send, entry, receive)
        return await respond(send, 404, {"error": "not_found"})

    async def gate(self, scope, body, send, entry, receive):
        authorization = {k.decode().lower(): v.decode() for k, v in scope["headers"]}.get("authorization", "")
        scheme, _, credential = authorization.partition(" ")
        if scheme:
            entry["scheme"] = {"dpop": "DPoP", "bearer": "Bearer"}.get(scheme.lower(), scheme)
        # With DPoP off, a DPoP-scheme token is no token at all (a Bearer challenge), as before
        # DPoP existed here; a token bound while DPoP was on stays bound.
        dpop_scheme = scheme.lower() == "dpop" and (settings["dpop"] != "off" or credential.strip() in dpop_bindings)
        presented = entry["bearer"]
        if dpop_scheme:
            presented = credential.strip()
        entry["token"] = presented
        token = access_tokens.get(presented or "")

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
            if settings["dpop"] == "required" or dpop_scheme:
                # The conformance suite's DPoP server: no token, a bare challenge naming the PRM;
                # a token it does not know, invalid_token (RFC 9449 section 7.1).
                if presented:
                    return await dpop_refusal(send, "invalid_token", "the access token is unknown, expired or revoked")
                parts = [f'scope="{settings["challenge_scope"]}"'] if settings["challenge_scope"] else []
                if settings["prm_in_header"]:
                    parts.append(f'resource_metadata="{MCP_ORIGIN}{PRM_PATHS[settings["prm_location"]]}"')
                challenge = "DPoP " + (", ".join(parts) or f'algs="{" ".join(dpop_check.ALGS)}"')
                return await respond(send, 401, {"error": "invalid_token"}, headers=[("www-authenticate", challenge)])
            parts = ['error="invalid_token"', 'error_description="Authentication required"']
            if settings["challenge_scope"]:
                parts.append(f'scope="{settings["challenge_scope"]}"')
            if settings["prm_in_header"]:
                parts.append(f'resource_metadata="{MCP_ORIGIN}{PRM_PATHS[settings["prm_location"]]}"')
            return await respond(send, 401, {"error": "invalid_token"}, headers=[("www-authenticate", "Bearer " + ", ".join(parts))])
        jkt = dpop_bindings.get(presented)
        if jkt or dpop_scheme or settings["dpop"] == "required":
            refusal = self.judge_dpop_use(scope, entry, presented, jkt, dpop_scheme)
            if refusal:
                return await dpop_refusal(send, *refusal)
        need = (settings["method_scopes"].get(method) or settings["required_scope"]
                or ("admin" if settings["always_insufficient"] else None))
        if need and (need not in token.scopes or settings["always_insufficient"]):
            challenge = (f'{"DPoP" if dpop_scheme else "Bearer"} error="insufficient_scope", scope="{need}", '
                         f'resource_metadata="{MCP_ORIGIN}{PRM_PATHS[settings["prm_location"]]}"')
            return await respond(send, 403, {"error": "insufficient_scope"}, headers=[("www-authenticate", challenge)])
        fault = settings.get("mcp_fault")
        if fault:
            return await respond(send, fault.get("status", 400), fault.get("body", ""), fault.get("content_type", "application/json"))
        return await self.mcp_app(scope, replay(body), send)

    def judge_dpop_use(self, scope, entry, presented, jkt, dpop_scheme):
        """How a token is presented to the MCP endpoint, RFC 9449 section 7: a bound token only as
        `DPoP` with a valid proof by its key (plus the nonce when one is set); the DPoP scheme
        only for a bound token; with DPoP required, no Bearer at all. None, or the refusal's
        (error, description[, headers])."""
        proofs = dpop_headers(scope)
        if not dpop_scheme:
            entry["dpop"] = {"present": bool(proofs), "valid": None, "reason": "not judged: Bearer scheme"}
            if jkt:
                return ("invalid_token", "this access token is DPoP-bound: present it as Authorization: DPoP "
                                         "with a DPoP proof, not as Bearer (RFC 9449 section 7.2)")
            return ("invalid_token", "this resource requires DPoP: a Bearer token is not accepted")
        if not jkt:
            entry["dpop"] = {"present": bool(proofs), "valid": None, "reason": "not judged: the token is not DPoP-bound"}
            return ("invalid_token", "this access token is not DPoP-bound: present it as Bearer")
        verdict = dpop_check.check(proofs, method=scope["method"], url=MCP_ORIGIN + scope["path"], now=now(),
                                   seen_jtis=dpop_jtis, access_token=presented, bound_jkt=jkt)
        entry["dpop"] = verdict
        if not verdict["valid"]:
            return ("invalid_dpop_proof", verdict["reason"])
        nonce = settings["dpop_nonce_rs"]
        if nonce and verdict["nonce"] != nonce:
            verdict.update(valid=False, reason=f"nonce {verdict['nonce']!r} is not the resource server's current DPoP-Nonce")
            return ("use_dpop_nonce", "Resource server requires nonce in DPoP proof", [("dpop-nonce", nonce)])
        return None

    async def token(self, scope, body, send, entry, headers):
        """POST /token: client authentication and DPoP as the log records them, then the machine
        grants answered here, the rest (authorization_code, refresh_token) by the SDK."""
        form_lists = {}
        if headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            form_lists = parse_qs(body.decode(errors="replace"), keep_blank_values=True)
        form = {k: v[0] for k, v in form_lists.items()}
        grant = form.get("grant_type")
        presented = Presented(headers.get("authorization", ""), form)
        entry.update(grant_type=grant, client_auth=presented.method, client_id=presented.client_id)

        def refuse(status, error, description, extra=()):
            return token_refusal(send, entry, presented, status, error, description, extra)

        # DPoP first: a nonce challenge must not spend the authorization code or refresh token.
        mode = settings["dpop"]
        proofs = dpop_headers(scope)
        bound_refresh = dpop_bindings.get(form.get("refresh_token")) if grant == "refresh_token" else None
        jkt = None
        if mode != "off" or bound_refresh:
            if proofs:
                verdict = dpop_check.check(proofs, method="POST", url=ISSUER + "/token", now=now(), seen_jtis=dpop_jtis)
                entry["dpop"] = verdict
                if not verdict["valid"]:
                    return await refuse(400, "invalid_dpop_proof", verdict["reason"])
                nonce = settings["dpop_nonce_as"]
                if nonce and verdict["nonce"] != nonce:
                    verdict.update(valid=False, reason=f"nonce {verdict['nonce']!r} is not the authorization server's current DPoP-Nonce")
                    return await refuse(400, "use_dpop_nonce", "Authorization server requires nonce in DPoP proof",
                                        [("dpop-nonce", nonce)])
                jkt = verdict["jkt"]
            else:
                entry["dpop"] = {"present": False, "valid": None, "reason": "no DPoP header"}
                if bound_refresh:
                    entry["dpop"]["valid"] = False
                    return await refuse(400, "invalid_dpop_proof", "the refresh token is DPoP-bound (a public client's): "
                                                                   "refreshing it needs a DPoP proof by the same key")
                if mode == "required":
                    entry["dpop"]["valid"] = False
                    return await refuse(400, "invalid_dpop_proof", "this authorization server requires DPoP: "
                                                                   "the token request has no DPoP proof")
            if bound_refresh and jkt != bound_refresh:
                return await refuse(400, "invalid_grant", f"the refresh token is bound to DPoP key {bound_refresh}; "
                                                          f"this proof is by key {jkt}")
        elif proofs:
            entry["dpop"] = {"present": True, "valid": None, "reason": "not judged: DPoP is off"}

        if grant == CLIENT_CREDENTIALS and settings["client_credentials"]:
            return await self.client_credentials(send, entry, form, form_lists, presented, jkt, refuse)
        if grant == JWT_BEARER and (settings["workload"] is not None or settings["idjag_clients"]):
            return await self.jwt_bearer(send, entry, form, form_lists, presented, jkt, refuse)
        if machine_grants_enabled() and grant not in ("authorization_code", "refresh_token"):
            if not grant:
                return await refuse(400, "invalid_request", "grant_type is missing (the token request is a form: "
                                                            "application/x-www-form-urlencoded)")
            return await refuse(400, "unsupported_grant_type", f"grant_type {grant!r} is not supported here "
                                                               f"(grant_types_supported: {asm_document()['grant_types_supported']})")
        if settings["auth_methods"] is not None and presented.method not in settings["auth_methods"]:
            return await refuse(401, "invalid_client", f"{presented.method} is not accepted here "
                                                       f"(token_endpoint_auth_methods_supported: {settings['auth_methods']})")
        return await self.as_app(scope, replay_body(body), sdk_token_reply(send, entry, jkt, form))

    async def client_credentials(self, send, entry, form, form_lists, presented, jkt, refuse):
        try:
            presented.check_well_formed()
            check_single(form_lists)
            client_id = presented.client_id
            if presented.method == "none" or not client_id:
                raise GrantError("invalid_client", "the client_credentials grant needs client authentication "
                                                   "(client_secret_basic, client_secret_post or private_key_jwt); none came", 401)
            client = settings["client_credentials"].get(client_id)
            if client is None:
                await refuse_other_client(client_id, presented, "client_credentials")
                raise GrantError("invalid_client", f"unknown client {client_id!r}", 401)
            allowed = accepted_auth_methods()
            if client.get("public_key_pem"):
                if presented.method != "private_key_jwt":
                    raise GrantError("invalid_client", f"client {client_id!r} authenticates with private_key_jwt; "
                                                       f"the request used {presented.method}", 401)
                if "private_key_jwt" not in allowed:
                    raise GrantError("invalid_client", f"private_key_jwt is not accepted here "
                                                       f"(token_endpoint_auth_methods_supported: {allowed})", 401)
                check_client_assertion(presented, client_id, load_public_key(client["public_key_pem"]), client.get("kid"),
                                       ISSUER, assertion_jtis, now())
            else:
                check_secret(presented, client_id, client["secret"], allowed)
            scopes = granted_scopes(form.get("scope"), client.get("scopes", SCOPES))
            resource = checked_resource(form_lists)
        except GrantError as e:
            return await refuse(e.status, e.error, e.description)
        return await issue(send, client_id, scopes, resource, settings["cc_expires_in"], jkt)

    async def jwt_bearer(self, send, entry, form, form_lists, presented, jkt, refuse):
        """RFC 7523 section 2.1, for an ID-JAG (SEP-990) or a workload identity token (SEP-1933).
        Both configured: an ID-JAG by its typ, or any request that authenticates a client."""
        assertion = form.get("assertion")
        try:
            typ = jwt.get_unverified_header(assertion).get("typ") if assertion else None
        except jwt.PyJWTError:
            typ = None
        workload = settings["workload"]
        as_id_jag = bool(settings["idjag_clients"]) and (workload is None or presented.method != "none" or typ == ID_JAG_TYP)
        entry["assertion_kind"] = "id-jag" if as_id_jag else "workload"
        try:
            presented.check_well_formed()
            check_single(form_lists)
            if as_id_jag:
                client_id = presented.client_id
                if presented.method == "none" or not client_id:
                    raise GrantError("invalid_client", "redeeming an ID-JAG needs client authentication "
                                                       "(client_secret_basic or client_secret_post); none came", 401)
                secret = settings["idjag_clients"].get(client_id)
                if secret is None:
                    await refuse_other_client(client_id, presented, JWT_BEARER)
                    raise GrantError("invalid_client", f"unknown client {client_id!r}", 401)
                check_secret(presented, client_id, secret, accepted_auth_methods())
                if not assertion:
                    raise GrantError("invalid_request", "assertion (the ID-JAG) is missing")
                claims = check_id_jag(assertion, IDP_KEY.public_key(), IDP_ISSUER, ISSUER, client_id, mcp_resource(), now())
                resource = checked_resource(form_lists)
                scopes = id_jag_scopes(form.get("scope"), claims.get("scope"))
            else:
                if not assertion:
                    raise GrantError("invalid_request", "assertion (the workload identity JWT) is missing")
                key = load_public_key(workload["public_key_pem"]) if workload.get("public_key_pem") else WORKLOAD_KEY.public_key()
                audiences = [workload["audience"]] if workload.get("audience") else [ISSUER, ISSUER + "/"]
                claims = check_workload_assertion(assertion, key, audiences, workload.get("issuer"), now())
                scopes = granted_scopes(form.get("scope"), workload.get("scopes", SCOPES))
                resource = checked_resource(form_lists)
                client_id = form.get("client_id") or claims["sub"]
        except GrantError as e:
            return await refuse(e.status, e.error, e.description)
        entry["subject"] = claims.get("sub")
        return await issue(send, client_id, scopes, resource, settings["jwt_bearer_expires_in"], jkt)

    async def idp(self, path, method, body, send, entry, headers, query_string=""):
        """The enterprise identity provider: OIDC/RFC 8414 metadata, its JWKS, a person's login at
        /authorize, and a token endpoint doing the RFC 8693 exchange of an id token for an ID-JAG
        (SEP-990 leg 1) and the login's authorization_code and refresh_token grants."""
        if path in IDP_METADATA_PATHS:
            return await respond(send, 200, idp_metadata())
        if path == "/idp/jwks":
            return await respond(send, 200, {"keys": [public_jwk(IDP_KEY, IDP_KID)]})
        if path == "/idp/authorize":
            return await self.idp_authorize(method, body, send, entry, headers, query_string)
        if path != "/idp/token":
            return await respond(send, 404, {"error": "not_found"})
        if method != "POST":
            return await respond(send, 405, {"error": "invalid_request", "error_description": "POST only"})
        form_lists = {}
        if headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
            form_lists = parse_qs(body.decode(errors="replace"), keep_blank_values=True)
        form = {k: v[0] for k, v in form_lists.items()}
        presented = Presented(headers.get("authorization", ""), form)
        grant = form.get("grant_type")
        entry.update(grant_type=grant, client_auth=presented.method, client_id=presented.client_id)
        idp = settings["idp"] or {}
        conf = idp_config()
        idp_client = conf["client_id"]
        try:
            if grant not in IDP_GRANTS:
                if not grant:
                    raise GrantError("invalid_request", "grant_type is missing (the token request is a form: "
                                                        "application/x-www-form-urlencoded)")
                raise GrantError("unsupported_grant_type", f"grant_type {grant!r}: this IdP's token endpoint does "
                                                           f"{', '.join(IDP_GRANTS)}")
            presented.check_well_formed()
            if presented.client_id is not None and presented.client_id != idp_client:
                raise GrantError("invalid_client", f"client_id {presented.client_id!r} is not this IdP's client {idp_client!r}", 401)
            if conf["client_secret"]:
                check_secret(presented, idp_client, conf["client_secret"], SECRET_METHODS)
            if grant == "authorization_code":
                return await respond(send, 200, self.idp_code_grant(form, form_lists, presented, entry), headers=NO_STORE)
            if grant == "refresh_token":
                return await respond(send, 200, self.idp_refresh_grant(form, form_lists, presented, entry), headers=NO_STORE)
            subject, audience, resource, scope = check_token_exchange(
                form_lists, IDP_KEY.public_key(), IDP_ISSUER, idp_client, idp.get("id_tokens") or {}, now())
            if not subject.get("sub"):
                raise GrantError("invalid_grant", "the subject token names no subject (sub)")
        except GrantError as e:
            return await token_refusal(send, entry, presented, e.status, e.error, e.description)
        issued = int(now())
        claims = {"iss": IDP_ISSUER, "sub": subject["sub"], "aud": audience, "resource": resource,
                  "client_id": idp.get("as_client_id") or next(iter(settings["idjag_clients"]), "hermes"),
                  "jti": str(uuid.uuid4()), "iat": issued, "exp": issued + 300}
        if scope:
            claims["scope"] = scope
        if subject.get("email"):
            claims["email"] = subject["email"]
        entry["subject"] = subject["sub"]
        answer = {"access_token": mint(IDP_KEY, claims, typ=ID_JAG_TYP, kid=IDP_KID), "issued_token_type": ID_JAG_TYPE,
                  "token_type": "N_A", "expires_in": 300}
        if scope:
            answer["scope"] = scope
        return await respond(send, 200, answer, headers=NO_STORE)

    async def idp_authorize(self, method, body, send, entry, headers, query_string):
        """A person's login (OpenID Connect Core section 3.1.2): the person approves at once, as
        `idp.login_sub`. A bad client or redirect_uri gets a 400 page, never a redirect; any other
        problem goes back to the redirect_uri as error= with state and iss (RFC 9207)."""
        if method not in ("GET", "POST"):
            return await respond(send, 405, {"error": "invalid_request", "error_description": "GET or POST only"})
        params_lists = parse_qs(query_string, keep_blank_values=True)
        if method == "POST":  # OpenID Connect Core section 3.1.2.1: the parameters as a form
            params_lists = parse_qs(body.decode(errors="replace"), keep_blank_values=True) \
                if headers.get("content-type", "").startswith("application/x-www-form-urlencoded") else {}
        conf = idp_config()
        entry["client_id"] = (params_lists.get("client_id") or [None])[0]
        try:
            request = check_login_request(params_lists, conf["client_id"])
        except LoginRefusal as e:
            entry["error"], entry["error_description"] = e.error, e.description
            if e.redirect_uri is None:
                page = (f"<!doctype html><title>Login refused</title><h1>Login refused: {html.escape(e.error)}</h1>"
                        f"<p>{html.escape(e.description)}</p>")
                return await respond(send, 400, page, "text/html; charset=utf-8", headers=NO_STORE)
            location = construct(e.redirect_uri, error=e.error, error_description=e.description, state=e.state, iss=IDP_ISSUER)
            return await respond(send, 302, b"", "text/plain", headers=NO_STORE + [("location", location)])
        code = secrets.token_urlsafe(32)
        idp_codes[code] = dict(request, sub=conf["login_sub"], email=conf["login_email"], auth_time=int(now()),
                               expires_at=now() + 60)
        entry["subject"] = conf["login_sub"]
        location = construct(request["redirect_uri"], code=code, state=request["state"], iss=IDP_ISSUER)
        return await respond(send, 302, b"", "text/plain", headers=NO_STORE + [("location", location)])

    def idp_code_grant(self, form, form_lists, presented, entry):
        """RFC 6749 section 4.1.3 with RFC 7636 section 4.6: the code once, by the client it was
        issued to, with the same redirect_uri and the verifier of its challenge. A code is spent
        by any redemption that names it; one redeemed again revokes what it gave (section 4.1.2)."""
        check_single(form_lists)
        missing = [n for n in ("code", "redirect_uri", "code_verifier") if not form.get(n)]
        if presented.client_id is None:
            missing.insert(0, "client_id")
        if missing:
            raise GrantError("invalid_request", f"{', '.join(missing)} missing (a public client names itself with "
                                                "client_id, RFC 6749 section 4.1.3)")
        code = form["code"]
        record = idp_codes.pop(code, None)
        if record is None:
            if code in idp_spent_codes:
                family = idp_spent_codes[code]
                revoked = revoke_idp_family(family)
                raise GrantError("invalid_grant", "the authorization code was already used (codes are single-use)"
                                                  + (f"; the {revoked} refresh token(s) it gave are revoked" if revoked else ""))
            raise GrantError("invalid_grant", "unknown authorization code")
        idp_spent_codes[code] = None
        if record["client_id"] != presented.client_id:
            raise GrantError("invalid_grant", f"the code was issued to {record['client_id']!r}, not {presented.client_id!r}")
        if record["expires_at"] < now():
            raise GrantError("invalid_grant", f"the authorization code expired {now() - record['expires_at']:.0f} s ago "
                                              "(codes live 60 s)")
        if form["redirect_uri"] != record["redirect_uri"]:
            raise GrantError("invalid_grant", f"redirect_uri {form['redirect_uri']!r} is not the authorization "
                                              f"request's {record['redirect_uri']!r}")
        check_code_verifier(form["code_verifier"], record["code_challenge"])
        family = secrets.token_hex(8)
        idp_spent_codes[code] = family
        entry["subject"] = record["sub"]
        return idp_tokens(record, record["scopes"], family, record.get("nonce"))

    def idp_refresh_grant(self, form, form_lists, presented, entry):
        """RFC 6749 section 6: a new id token (OpenID Connect Core section 12.2: same iss, sub, aud
        and auth_time, no nonce) and a rotated refresh token; a rotated-away one presented again
        revokes its family."""
        check_single(form_lists)
        missing = [n for n in ("client_id",) if presented.client_id is None] + \
                  [n for n in ("refresh_token",) if not form.get(n)]
        if missing:
            raise GrantError("invalid_request", f"{', '.join(missing)} missing")
        token = form["refresh_token"]
        record = idp_refresh.get(token)
        if record is None:
            if token in idp_spent_refresh:
                revoked = revoke_idp_family(idp_spent_refresh[token])
                raise GrantError("invalid_grant", "the refresh token was already used (rotated away)"
                                                  + (f"; its {revoked} successor(s) are revoked" if revoked else ""))
            raise GrantError("invalid_grant", "unknown or revoked refresh token")
        if record["client_id"] != presented.client_id:
            raise GrantError("invalid_grant", f"the refresh token was issued to {record['client_id']!r}, not {presented.client_id!r}")
        scopes = record["scopes"]
        if form.get("scope") is not None:
            asked = form["scope"].split()
            beyond = [s for s in asked if s not in scopes]
            if beyond:
                raise GrantError("invalid_scope", f"scope(s) {' '.join(beyond)} beyond the login's ({' '.join(scopes)})")
            scopes = asked
        idp_refresh.pop(token)
        idp_spent_refresh[token] = record["family"]
        entry["subject"] = record["sub"]
        return idp_tokens(record, scopes, record["family"], None)

    async def admin(self, path, body, send, query=None):
        query = query or {}
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
                                             "refreshes": len(spent_refresh),
                                             "dpop_bindings": dpop_bindings})
        if path == "/admin/mint-id-token":
            # An id token from the IdP, for the token exchange's subject_token (ttl < 0: expired).
            issued = int(now())
            sub = query.get("sub", "user@example.com")
            claims = {"iss": query.get("iss", IDP_ISSUER), "sub": sub,
                      "aud": query.get("aud", (settings["idp"] or {}).get("client_id", "hermes-idp-client")),
                      "iat": issued, "exp": issued + int(query.get("ttl", 3600)), "jti": str(uuid.uuid4())}
            if query.get("email", sub if "@" in sub else None):
                claims["email"] = query.get("email", sub)
            return await respond(send, 200, {"id_token": mint(IDP_KEY, claims, kid=IDP_KID), "claims": claims})
        if path == "/admin/mint-workload-jwt":
            # A workload identity JWT signed by the peer's own key (what "workload" trusts when it
            # names no public_key_pem): header alg ES256 only, as the conformance suite's.
            issued = int(now())
            claims = {"iss": query.get("iss", "https://workload-idp.hermes.test"),
                      "sub": query.get("sub", "spiffe://hermes.test/workload"), "aud": query.get("aud", ISSUER),
                      "iat": issued, "exp": issued + int(query.get("ttl", 300)), "jti": str(uuid.uuid4())}
            return await respond(send, 200, {"jwt": mint(WORKLOAD_KEY, claims), "claims": claims})
        if path == "/admin/new-key":
            alg = query.get("alg", "ES256")
            key = new_key(alg)
            return await respond(send, 200, {"alg": alg, "private_key_pem": private_pem(key),
                                             "public_key_pem": public_pem(key), "jwk": public_jwk(key)})
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
    # Each machine grant and DPoP appear only once switched on: today's metadata otherwise.
    if settings["client_credentials"]:
        meta["grant_types_supported"].append(CLIENT_CREDENTIALS)
    if settings["workload"] is not None or settings["idjag_clients"]:
        meta["grant_types_supported"].append(JWT_BEARER)
    if settings["idjag_clients"]:
        meta["authorization_grant_profiles_supported"] = [ID_JAG_PROFILE]
    key_algs = sorted({key_alg(load_public_key(c["public_key_pem"]))
                       for c in (settings["client_credentials"] or {}).values() if c.get("public_key_pem")})
    if key_algs:
        meta["token_endpoint_auth_methods_supported"].append("private_key_jwt")
    if settings["auth_methods"] is not None:
        meta["token_endpoint_auth_methods_supported"] = list(settings["auth_methods"])
    if "private_key_jwt" in meta["token_endpoint_auth_methods_supported"]:
        meta["token_endpoint_auth_signing_alg_values_supported"] = key_algs or ["ES256", "RS256"]
    if settings["dpop"] != "off":
        meta["dpop_signing_alg_values_supported"] = list(dpop_check.ALGS)
    if settings["advertise_iss"]:
        meta["authorization_response_iss_parameter_supported"] = True
    for k, v in settings["asm_overrides"].items():
        if v is None:
            meta.pop(k, None)
        else:
            meta[k] = v
    return meta


IDP_GRANTS = ("authorization_code", "refresh_token", TOKEN_EXCHANGE)


def idp_config():
    """The `idp` setting with its defaults."""
    idp = settings["idp"] or {}
    sub = idp.get("login_sub", "user@example.com")
    return {"client_id": idp.get("client_id", "hermes-idp-client"), "client_secret": idp.get("client_secret"),
            "login_sub": sub, "login_email": idp.get("login_email", sub if "@" in sub else None),
            "id_token_ttl": int(idp.get("id_token_ttl", 300))}


def idp_tokens(record, scopes, family, nonce):
    """The IdP token endpoint's answer to a login (or its refresh): an id token signed by the IdP's
    key (ES256, its kid; the token exchange takes it as subject_token), an opaque access token and
    a new refresh token."""
    ttl = idp_config()["id_token_ttl"]
    issued = int(now())
    answer = {"access_token": "idp_at_" + secrets.token_urlsafe(24), "token_type": "Bearer", "expires_in": ttl,
              "scope": " ".join(scopes)}
    if "openid" in scopes:
        claims = {"iss": IDP_ISSUER, "sub": record["sub"], "aud": record["client_id"], "iat": issued, "exp": issued + ttl,
                  "auth_time": record["auth_time"], "jti": str(uuid.uuid4())}
        if nonce:
            claims["nonce"] = nonce
        if record.get("email"):
            claims["email"] = record["email"]
        answer["id_token"] = mint(IDP_KEY, claims, typ="JWT", kid=IDP_KID)
    refresh = "idp_rt_" + secrets.token_urlsafe(24)
    idp_refresh[refresh] = {"client_id": record["client_id"], "sub": record["sub"], "email": record.get("email"),
                            "auth_time": record["auth_time"], "scopes": list(record["scopes"]), "family": family}
    answer["refresh_token"] = refresh
    return answer


def revoke_idp_family(family):
    """Every live IdP refresh token descended from one login; how many there were."""
    doomed = [t for t, r in idp_refresh.items() if family is not None and r["family"] == family]
    for t in doomed:
        idp_refresh.pop(t)
    return len(doomed)


def idp_metadata():
    """The IdP's OIDC discovery document (also served at the RFC 8414 path-inserted URLs)."""
    secret = idp_config()["client_secret"]
    return {"issuer": IDP_ISSUER, "authorization_endpoint": IDP_ISSUER + "/authorize",
            "token_endpoint": IDP_ISSUER + "/token", "jwks_uri": IDP_ISSUER + "/jwks",
            "grant_types_supported": list(IDP_GRANTS), "response_types_supported": ["code"],
            "response_modes_supported": ["query"], "code_challenge_methods_supported": ["S256"],
            "scopes_supported": list(OIDC_SCOPES), "claims_supported": ["iss", "sub", "aud", "iat", "exp", "auth_time",
                                                                        "nonce", "email"],
            "subject_types_supported": ["public"], "id_token_signing_alg_values_supported": ["ES256"],
            "authorization_response_iss_parameter_supported": True,
            "token_endpoint_auth_methods_supported": list(SECRET_METHODS) if secret else ["none"]}


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
    global IDP_ISSUER, IDP_METADATA_PATHS
    IDP_ISSUER = as_origin + "/idp"
    IDP_METADATA_PATHS = ("/idp/.well-known/openid-configuration", "/.well-known/oauth-authorization-server/idp",
                          "/.well-known/openid-configuration/idp")
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
                                     "as_admin": as_origin + "/admin", "idp_issuer": IDP_ISSUER,
                                     "token_endpoint": ISSUER + "/token"}), flush=True)
        await asyncio.gather(*tasks)

    asyncio.run(serve())


if __name__ == "__main__":
    main()
