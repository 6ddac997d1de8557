"""client-credentials.ts (extension io.modelcontextprotocol/oauth-client-credentials, SEP-1046): the
client_credentials grant with no user and no browser, the client authenticating with a private_key_jwt
assertion signed by a key the scenario makes for the run (the AS issuer as `aud`, iss = sub =
client_id) or with client_secret_basic. The AS advertises only that one method; the MCP server
takes the cc-token-... it issues."""
import base64
import binascii
import time

from .. import jose
from .. import spec_references as refs
from ..auth_server import create_auth_server
from ..checks import check, now
from ..express import prop
from ..mcp_server import McpServer
from ..scenario import Scenario

CLIENT_ID = "conformance-test-client"
CLIENT_SECRET = "conformance-test-secret"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
GRANT_REFS = [refs.OAUTH_2_1_CLIENT_CREDENTIALS, refs.SEP_1046_CLIENT_CREDENTIALS]


def _grant_type_failure(checks, grant_type, ts):
    checks.append(check("client-credentials-grant-type", "ClientCredentialsGrantType",
                        f"Expected grant_type=client_credentials, got {_js(grant_type)}", "FAILURE", GRANT_REFS,
                        timestamp=ts))
    return {"error": "unsupported_grant_type", "errorDescription": "Only client_credentials grant is supported"}


def _js(v):
    """`${v}` of a form field that may be absent."""
    return "undefined" if v is None else str(v)


def _scopes(body):
    scope = prop(body, "scope")
    return scope.split(" ") if isinstance(scope, str) and scope else []


def buffer_from_base64(text):
    """Buffer.from(text, 'base64').toString('utf-8'): lenient, as Node is: either alphabet, anything
    else skipped, decoding stops at padding, a lone trailing character dropped."""
    cleaned = "".join(ch for ch in text.split("=", 1)[0] if ch in _B64)
    cleaned = cleaned.replace("-", "+").replace("_", "/")
    if len(cleaned) % 4 == 1:
        cleaned = cleaned[:-1]
    try:
        return base64.b64decode(cleaned + "=" * (-len(cleaned) % 4)).decode("utf-8", "replace")
    except (binascii.Error, ValueError):
        return ""


_B64 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/-_")


class ClientCredentialsJwtScenario(Scenario):
    name = "auth/client-credentials-jwt"
    source = {"extensionId": "io.modelcontextprotocol/oauth-client-credentials"}
    description = "Tests OAuth client_credentials flow with private_key_jwt authentication (SEP-1046)"

    async def start(self, ctx):
        self.checks = checks = []
        private_key = jose.generate_es256_key()  # fresh for this run
        public_key = private_key.public_key()
        auth, server = self.lifecycle(), self.lifecycle()

        def on_token(data):
            grant_type, body, ts = data["grantType"], data["body"], data["timestamp"]
            if grant_type != "client_credentials":
                return _grant_type_failure(checks, grant_type, ts)
            assertion, assertion_type = prop(body, "client_assertion"), prop(body, "client_assertion_type")
            if assertion_type != ASSERTION_TYPE:
                checks.append(check("client-credentials-assertion-type", "ClientCredentialsAssertionType",
                                    f"Invalid client_assertion_type: {_js(assertion_type)}", "FAILURE",
                                    [refs.RFC_JWT_CLIENT_AUTH], timestamp=ts))
                return {"error": "invalid_client", "errorDescription": "Invalid client_assertion_type",
                        "statusCode": 401}
            try:
                # RFC 7523bis: aud MUST be the issuer identifier; with or without one trailing slash
                without_slash = data["authBaseUrl"].rstrip("/")
                payload, _ = jose.jwt_verify(assertion, public_key, audience=[without_slash, without_slash + "/"],
                                             clock_tolerance=30)
            except Exception as e:
                message = str(e)
                checks.append(check("client-credentials-jwt-verified", "ClientCredentialsJwtVerified",
                                    f"JWT verification failed: {message}", "FAILURE", [refs.RFC_JWT_CLIENT_AUTH],
                                    {"error": message}, ts))
                return {"error": "invalid_client", "errorDescription": f"JWT verification failed: {message}",
                        "statusCode": 401}
            for claim, check_id, name in (("iss", "client-credentials-jwt-iss", "ClientCredentialsJwtIss"),
                                          ("sub", "client-credentials-jwt-sub", "ClientCredentialsJwtSub")):
                if payload.get(claim) != CLIENT_ID:
                    details = {"expected": CLIENT_ID}
                    if claim in payload:
                        details["actual"] = payload[claim]
                    checks.append(check(check_id, name, f"JWT {claim} claim '{_js(payload.get(claim))}' does not match "
                                                         f"expected client_id '{CLIENT_ID}'", "FAILURE",
                                        [refs.RFC_JWT_CLIENT_AUTH], details, ts))
                    return {"error": "invalid_client",
                            "errorDescription": f"JWT {claim} claim does not match expected client_id", "statusCode": 401}
            details = {k: payload[k] for k in ("iss", "sub", "aud") if k in payload}
            checks.append(check("client-credentials-jwt-verified", "ClientCredentialsJwtVerified",
                                "Client successfully authenticated with signed JWT assertion", "SUCCESS",
                                [*GRANT_REFS, refs.RFC_JWT_CLIENT_AUTH], details, ts))
            return {"token": f"cc-token-{int(time.time() * 1000)}", "scopes": _scopes(body)}

        await self.serve(auth, create_auth_server(ctx, checks, auth.get_url, grant_types_supported=["client_credentials"],
                                                  token_endpoint_auth_methods_supported=["private_key_jwt"],
                                                  token_endpoint_auth_signing_alg_values_supported=["ES256"],
                                                  on_token_request=on_token))
        await self.serve(server, McpServer(ctx, checks, server.get_url, auth.get_url))
        return {"serverUrl": f"{server.get_url()}/mcp",
                "context": {"client_id": CLIENT_ID, "private_key_pem": jose.export_pkcs8(private_key),
                            "signing_algorithm": "ES256"}}

    def get_checks(self):
        if not any(c["id"] == "client-credentials-jwt-verified" for c in self.checks):
            self.checks.append(check("client-credentials-jwt-verified", "ClientCredentialsJwtVerified",
                                     "Client did not make a client_credentials token request", "FAILURE", GRANT_REFS,
                                     timestamp=now()))
        return self.checks


class ClientCredentialsBasicScenario(Scenario):
    name = "auth/client-credentials-basic"
    source = {"extensionId": "io.modelcontextprotocol/oauth-client-credentials"}
    description = "Tests OAuth client_credentials flow with client_secret_basic authentication"

    async def start(self, ctx):
        self.checks = checks = []
        auth, server = self.lifecycle(), self.lifecycle()

        def on_token(data):
            grant_type, body, ts, header = data["grantType"], data["body"], data["timestamp"], data["authorizationHeader"]
            if grant_type != "client_credentials":
                return _grant_type_failure(checks, grant_type, ts)
            if not header or not header.startswith("Basic "):
                checks.append(check("client-credentials-basic-auth", "ClientCredentialsBasicAuth",
                                    "Missing or invalid Authorization header for Basic auth", "FAILURE",
                                    [refs.SEP_1046_CLIENT_CREDENTIALS], timestamp=ts))
                return {"error": "invalid_client", "errorDescription": "Missing or invalid Authorization header",
                        "statusCode": 401}
            parts = buffer_from_base64(header[6:]).split(":")  # not URL-decoded, as there
            client_id = parts[0]
            secret = parts[1] if len(parts) > 1 else None
            if client_id != CLIENT_ID or secret != CLIENT_SECRET:
                checks.append(check("client-credentials-basic-auth", "ClientCredentialsBasicAuth",
                                    "Invalid client credentials", "FAILURE", [refs.SEP_1046_CLIENT_CREDENTIALS],
                                    {"clientId": client_id}, ts))
                return {"error": "invalid_client", "errorDescription": "Invalid client credentials", "statusCode": 401}
            checks.append(check("client-credentials-basic-auth", "ClientCredentialsBasicAuth",
                                "Client successfully authenticated with client_secret_basic", "SUCCESS", GRANT_REFS,
                                {"clientId": client_id}, ts))
            return {"token": f"cc-token-{int(time.time() * 1000)}", "scopes": _scopes(body)}

        await self.serve(auth, create_auth_server(ctx, checks, auth.get_url, grant_types_supported=["client_credentials"],
                                                  token_endpoint_auth_methods_supported=["client_secret_basic"],
                                                  on_token_request=on_token))
        await self.serve(server, McpServer(ctx, checks, server.get_url, auth.get_url))
        return {"serverUrl": f"{server.get_url()}/mcp",
                "context": {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}}

    def get_checks(self):
        if not any(c["id"] == "client-credentials-basic-auth" for c in self.checks):
            self.checks.append(check("client-credentials-basic-auth", "ClientCredentialsBasicAuth",
                                     "Client did not make a client_credentials token request", "FAILURE", GRANT_REFS,
                                     timestamp=now()))
        return self.checks
