"""token-endpoint-auth.ts: the AS supports exactly one token endpoint auth method (and registers
the client with it); the client must use it, and send a consistent RFC 8707 resource."""
import base64
import binascii
import time
from urllib.parse import urlparse

from .. import spec_references as refs
from ..auth_server import create_auth_server
from ..checks import check, now
from ..mcp_server import McpServer
from ..scenario import Scenario
from ..token_verifier import MockTokenVerifier

NAMES = {"client_secret_basic": "HTTP Basic authentication (client_secret_basic)",
         "client_secret_post": "client_secret_post", "none": "no authentication (public client)"}


def detect_auth_method(authorization, body_secret):
    if authorization and authorization.startswith("Basic "):
        return "client_secret_basic"
    return "client_secret_post" if body_secret else "none"


def validate_basic_format(authorization):
    # Buffer.from(x, 'base64') never throws: it skips what is not base64, so only the colon matters
    encoded = "".join(ch for ch in authorization[len("Basic "):] if ch.isalnum() or ch in "+/-_")
    try:
        decoded = base64.b64decode(encoded + "=" * (-len(encoded) % 4), altchars=None).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        decoded = ""
    return (True, None) if ":" in decoded else (False, "missing colon separator")


class TokenEndpointAuthScenario(Scenario):
    source = {"introducedIn": "2025-06-18"}

    def __init__(self, method):
        super().__init__()
        self.expected = method
        self.name = "auth/token-endpoint-auth-" + {"client_secret_basic": "basic", "client_secret_post": "post",
                                                   "none": "none"}[method]
        self.description = f"Tests that client uses {NAMES[method]} when server only supports {method}"

    async def start(self, ctx):
        self.checks = checks = []
        self.authorization_resource = self.token_resource = None
        auth, server = self.lifecycle(), self.lifecycle()
        verifier = MockTokenVerifier(checks, [])

        def on_auth(data):
            self.authorization_resource = data["resource"]

        def on_token(data):
            body = data["body"]
            self.token_resource = body.get("resource")
            secret = body.get("client_secret")
            header = data["authorizationHeader"]
            actual = detect_auth_method(header, secret)
            correct = actual == self.expected
            format_error = None
            if actual == "client_secret_basic" and header:
                valid, format_error = validate_basic_format(header)
            if format_error:
                d = f"Client sent Basic auth header but {format_error}"
            elif correct:
                d = f"Client correctly used {NAMES[self.expected]} for token endpoint"
            else:
                d = f"Client used {actual} but server only supports {self.expected}"
            details = {"expectedAuthMethod": self.expected, "actualAuthMethod": actual,
                       "hasAuthorizationHeader": bool(header), "hasBodyClientSecret": bool(secret)}
            if format_error:
                details["formatError"] = format_error
            checks.append(check("token-endpoint-auth-method", "Token endpoint authentication method", d,
                                "SUCCESS" if correct and not format_error else "FAILURE", [refs.OAUTH_2_1_TOKEN],
                                details, data["timestamp"]))
            return {"token": f"test-token-{int(time.time() * 1000)}", "scopes": []}

        def on_register(req):
            ms = int(time.time() * 1000)
            return {"clientId": f"test-client-{ms}",
                    "clientSecret": None if self.expected == "none" else f"test-secret-{ms}",
                    "tokenEndpointAuthMethod": self.expected}
        await self.serve(auth, create_auth_server(ctx, checks, auth.get_url, token_verifier=verifier,
                                                  token_endpoint_auth_methods_supported=[self.expected],
                                                  on_authorization_request=on_auth, on_token_request=on_token,
                                                  on_registration_request=on_register))
        await self.serve(server, McpServer(ctx, checks, server.get_url, auth.get_url, required_scopes=[],
                                           token_verifier=verifier))
        return {"serverUrl": f"{server.get_url()}/mcp"}

    def get_checks(self):
        ts = now()
        has = lambda id: any(c["id"] == id for c in self.checks)
        if not has("token-endpoint-auth-method"):
            self.checks.append(check("token-endpoint-auth-method", "Token endpoint authentication method",
                                     "Client did not make a token request", "FAILURE", [refs.OAUTH_2_1_TOKEN],
                                     timestamp=ts))
        spec = [refs.RFC_8707_RESOURCE_INDICATORS, refs.MCP_RESOURCE_PARAMETER]
        a, t = self.authorization_resource, self.token_resource
        if not has("resource-parameter-in-authorization"):
            self.checks.append(check("resource-parameter-in-authorization", "Resource parameter in authorization request",
                                     "Client included resource parameter in authorization request" if a else
                                     "Client MUST include resource parameter in authorization request per RFC 8707",
                                     "SUCCESS" if a else "FAILURE", spec, {"resource": a or "not provided"}, ts))
        if not has("resource-parameter-in-token"):
            self.checks.append(check("resource-parameter-in-token", "Resource parameter in token request",
                                     "Client included resource parameter in token request" if t else
                                     "Client MUST include resource parameter in token request per RFC 8707",
                                     "SUCCESS" if t else "FAILURE", spec, {"resource": t or "not provided"}, ts))
        if not has("resource-parameter-valid-uri") and (a or t):
            uri = a or t
            error = _canonical_uri_error(uri)
            details = {"resource": uri}
            if error:
                details["error"] = error
            self.checks.append(check("resource-parameter-valid-uri", "Resource parameter is valid canonical URI",
                                     "Resource parameter is a valid canonical URI (has scheme, no fragment)" if not error
                                     else f"Resource parameter is invalid: {error}",
                                     "FAILURE" if error else "SUCCESS", spec, details, ts))
        if not has("resource-parameter-consistency") and a and t:
            same = a == t
            self.checks.append(check("resource-parameter-consistency", "Resource parameter consistency",
                                     "Resource parameter is consistent between authorization and token requests" if same
                                     else "Resource parameter MUST be consistent between authorization and token requests",
                                     "SUCCESS" if same else "FAILURE", spec,
                                     {"authorizationResource": a, "tokenResource": t}, ts))
        return self.checks


def _canonical_uri_error(uri):
    # new URL(uri): needs a scheme; a non-empty fragment is refused (RFC 8707)
    p = urlparse(uri)
    if not p.scheme or (p.scheme in ("http", "https") and not p.netloc):
        return "invalid URI format"
    if p.fragment:
        return "contains fragment (not allowed per RFC 8707)"
    return None


SCENARIOS = [lambda m=m: TokenEndpointAuthScenario(m) for m in ("client_secret_basic", "client_secret_post", "none")]
