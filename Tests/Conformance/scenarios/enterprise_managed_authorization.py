"""enterprise-managed-authorization.ts (extension
io.modelcontextprotocol/enterprise-managed-authorization, SEP-990): three servers. The enterprise IdP
exchanges the ID token it gives the client (MCP_CONFORMANCE_CONTEXT) for an ID-JAG (RFC 8693 token
exchange; typ oauth-id-jag+jwt, signed with a key made per user, carrying the requested audience and
resource and the MCP client's client_id at the AS); the MCP authorization server takes that ID-JAG in
the RFC 7523 jwt-bearer grant, the client authenticating with client_secret_basic, and checks its
typ, signature, aud (its issuer), client_id and resource (exactly the MCP server's). The AS issuer is
not in the context: the client learns it from the PRM. The IdP has no request logger, as there."""
import re
import time
from urllib.parse import unquote

from .. import jose
from .. import spec_references as refs
from ..auth_server import create_auth_server
from ..checks import check, now
from ..express import App, body_parser, json_response, prop
from ..mcp_server import McpServer
from ..scenario import Scenario
from ..token_verifier import MockTokenVerifier
from .client_credentials import buffer_from_base64
from .wif_jwt_bearer import JWT_BEARER_GRANT_TYPE

CLIENT_ID = "conformance-test-xaa-client"
CLIENT_SECRET = "conformance-test-xaa-secret"
IDP_CLIENT_ID = "conformance-test-idp-client"
DEMO_USER_ID = "demo-user@example.com"
TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ID_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id_token"
ID_JAG_TYPE = "urn:ietf:params:oauth:token-type:id-jag"
EXCHANGE_REFS = [refs.RFC_8693_TOKEN_EXCHANGE, refs.SEP_990_ENTERPRISE_OAUTH]


def _js(v):
    return "undefined" if v is None else str(v)


def decode_uri_component(text):
    """decodeURIComponent: throws (URIError) on a malformed escape, which Express answers with a 500."""
    if re.search(r"%(?![0-9A-Fa-f]{2})", text):
        raise ValueError("URI malformed")
    try:
        return unquote(text, errors="strict")
    except UnicodeDecodeError:
        raise ValueError("URI malformed") from None


class EnterpriseManagedAuthorizationScenario(Scenario):
    name = "auth/enterprise-managed-authorization"
    source = {"extensionId": "io.modelcontextprotocol/enterprise-managed-authorization"}
    description = "Tests complete SEP-990 flow: token exchange + JWT bearer grant (Enterprise-Managed Authorization)"

    async def start(self, ctx):
        self.checks = checks = []
        self.idp_private_key = jose.generate_es256_key()
        self.idp_public_key = self.idp_private_key.public_key()
        self.grant_keys = {}  # sub -> the public key of the ID-JAG the IdP minted last for that user
        idp, auth, mcp = self.lifecycle(), self.lifecycle(), self.lifecycle()
        self.idp = idp
        verifier = MockTokenVerifier(checks, [])  # shared: the MCP server takes only the AS's tokens

        await self.serve(idp, self._idp_app(idp))

        def on_token(data):
            if data["grantType"] == JWT_BEARER_GRANT_TYPE:
                return self._jwt_bearer_grant(data["body"], data["timestamp"], data["authBaseUrl"],
                                              data["authorizationHeader"], f"{mcp.get_url()}/mcp")
            return {"error": "unsupported_grant_type",
                    "errorDescription": f"Auth server only supports jwt-bearer grant, got {_js(data['grantType'])}"}

        await self.serve(auth, create_auth_server(ctx, checks, auth.get_url, grant_types_supported=[JWT_BEARER_GRANT_TYPE],
                                                  token_endpoint_auth_methods_supported=["client_secret_basic"],
                                                  token_verifier=verifier, on_token_request=on_token))
        await self.serve(mcp, McpServer(ctx, checks, mcp.get_url, auth.get_url, token_verifier=verifier))
        iat = jose.epoch()
        id_token = jose.sign_jwt({"sub": DEMO_USER_ID, "email": DEMO_USER_ID, "aud": IDP_CLIENT_ID,
                                  "iss": idp.get_url(), "iat": iat, "exp": iat + 3600},
                                 {"alg": "ES256"}, self.idp_private_key)
        return {"serverUrl": f"{mcp.get_url()}/mcp",
                "context": {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET, "idp_client_id": IDP_CLIENT_ID,
                            "idp_id_token": id_token, "idp_issuer": idp.get_url(),
                            "idp_token_endpoint": f"{idp.get_url()}/token"}}

    def _idp_app(self, idp):
        checks = self.checks
        app = App()
        app.middleware += [body_parser("json"), body_parser("urlencoded")]

        async def openid_configuration(req):
            base = idp.get_url()
            return json_response({"issuer": base, "authorization_endpoint": f"{base}/authorize",
                                  "token_endpoint": f"{base}/token", "jwks_uri": f"{base}/.well-known/jwks.json",
                                  "grant_types_supported": [TOKEN_EXCHANGE]})

        async def token(req):
            ts = now()
            body = req.body
            grant_type = prop(body, "grant_type")  # no body: TypeError, Express' 500
            subject_token, subject_token_type = prop(body, "subject_token"), prop(body, "subject_token_type")
            requested, audience, resource = prop(body, "requested_token_type"), prop(body, "audience"), prop(body, "resource")
            if grant_type != TOKEN_EXCHANGE:
                checks.append(check("complete-flow-token-exchange", "CompleteFlowTokenExchange",
                                    f"IdP expected token-exchange grant, got {_js(grant_type)}", "FAILURE",
                                    [refs.RFC_8693_TOKEN_EXCHANGE], timestamp=ts))
                return json_response({"error": "unsupported_grant_type",
                                      "error_description": "IdP only supports token-exchange"}, 400)
            missing = []
            if not subject_token:
                missing.append("subject_token")
            if subject_token_type != ID_TOKEN_TYPE:
                missing.append(f"subject_token_type (expected {ID_TOKEN_TYPE}, got {subject_token_type or 'missing'})")
            if requested != ID_JAG_TYPE:
                missing.append(f"requested_token_type (expected {ID_JAG_TYPE}, got {requested or 'missing'})")
            if not audience:
                missing.append("audience")
            if not resource:
                missing.append("resource")
            if missing:
                checks.append(check("complete-flow-token-exchange", "CompleteFlowTokenExchange",
                                    f"Token exchange missing or invalid required parameters: {', '.join(missing)}",
                                    "FAILURE", EXCHANGE_REFS, timestamp=ts))
                return json_response({"error": "invalid_request",
                                      "error_description": f"Missing or invalid required parameters: {', '.join(missing)}"},
                                     400)
            try:
                payload, _ = jose.jwt_verify(subject_token, self.idp_public_key, audience=IDP_CLIENT_ID,
                                             issuer=idp.get_url())
            except Exception as e:
                checks.append(check("complete-flow-token-exchange", "CompleteFlowTokenExchange",
                                    f"Token exchange failed: {e}", "FAILURE", [refs.RFC_8693_TOKEN_EXCHANGE], timestamp=ts))
                return json_response({"error": "invalid_grant", "error_description": "Invalid ID token"}, 400)
            checks.append(check("complete-flow-token-exchange", "CompleteFlowTokenExchange",
                                "Successfully exchanged IDP ID token for ID-JAG at IdP with all required parameters",
                                "SUCCESS", EXCHANGE_REFS, timestamp=ts))
            # the ID-JAG: a key per user, the MCP client's client_id at the AS (not the IdP client id)
            user_id = payload.get("sub")
            grant_key = jose.generate_es256_key()
            self.grant_keys[user_id] = grant_key.public_key()
            iat = jose.epoch()
            id_jag = jose.sign_jwt({"sub": user_id, "resource": resource, "client_id": CLIENT_ID,
                                    "iss": idp.get_url(), "aud": audience, "iat": iat, "exp": iat + 300,
                                    "jti": jose.random_uuid()},
                                   {"alg": "ES256", "typ": "oauth-id-jag+jwt"}, grant_key)
            return json_response({"access_token": id_jag, "issued_token_type": ID_JAG_TYPE, "token_type": "N_A"})

        app.get("/.well-known/openid-configuration", openid_configuration)
        app.post("/token", token)
        return app

    def _jwt_bearer_grant(self, body, ts, auth_base_url, header, mcp_resource_url):
        checks = self.checks

        def fail(description, spec, error, error_description, status=None, details=None):
            checks.append(check("complete-flow-jwt-bearer", "CompleteFlowJwtBearer", description, "FAILURE", spec,
                                details, ts))
            out = {"error": error, "errorDescription": error_description}
            if status:
                out["statusCode"] = status
            return out
        sep = [refs.SEP_990_ENTERPRISE_OAUTH]
        # 1. client_secret_basic
        if not header or not header.startswith("Basic "):
            return fail("Missing or invalid Authorization header for client_secret_basic authentication", sep,
                        "invalid_client", "Client authentication required (client_secret_basic)", 401,
                        {"expected": "Authorization: Basic <base64(client_id:client_secret)>",
                         "received": header or "missing"})
        decoded = buffer_from_base64(header[len("Basic "):])
        if ":" not in decoded:
            return fail("Malformed Basic auth header (no colon separator)", sep, "invalid_client",
                        "Malformed Basic auth", 401)
        sep_at = decoded.index(":")
        auth_client_id = decode_uri_component(decoded[:sep_at])  # a malformed escape throws: Express' 500
        auth_client_secret = decode_uri_component(decoded[sep_at + 1:])
        if auth_client_id != CLIENT_ID or auth_client_secret != CLIENT_SECRET:
            return fail(f"Client authentication failed: invalid credentials (client_id: {auth_client_id})", sep,
                        "invalid_client", "Invalid client credentials", 401)
        # 2. the assertion
        assertion = prop(body, "assertion")
        if not assertion:
            return fail("Missing assertion in JWT bearer grant", [refs.RFC_7523_JWT_BEARER], "invalid_request",
                        "Missing assertion")
        try:
            # 3. typ
            typ = jose.decode_protected_header(assertion).get("typ")
            if typ != "oauth-id-jag+jwt":
                return fail(f"ID-JAG has wrong typ header: expected oauth-id-jag+jwt, got {_js(typ)}", sep,
                            "invalid_grant", "Invalid ID-JAG typ header")
            # 4. signature (the key the IdP minted for its sub) and audience
            claims = jose.decode_jwt(assertion)
            public_key = self.grant_keys.get(claims.get("sub")) if isinstance(claims.get("sub"), str) else None
            if public_key is None:
                raise Exception("Unknown authorization grant")
            without_slash = auth_base_url.rstrip("/")
            jose.jwt_verify(assertion, public_key, audience=[without_slash, without_slash + "/"], clock_tolerance=30)
            # 5. client_id claim = the authenticated client
            jag_client_id = claims.get("client_id")
            if jag_client_id != auth_client_id:
                return fail(f"ID-JAG client_id ({_js(jag_client_id)}) does not match authenticating client "
                            f"({auth_client_id})", sep, "invalid_grant",
                            "ID-JAG client_id does not match authenticating client",
                            details={k: v for k, v in (("jagClientId", jag_client_id), ("authClientId", auth_client_id))
                                     if v is not None})
            # 6. resource claim = the MCP server's resource, compared as a string
            jag_resource = claims.get("resource")
            if mcp_resource_url and jag_resource != mcp_resource_url:
                return fail(f"ID-JAG resource ({_js(jag_resource)}) does not match MCP server resource "
                            f"({mcp_resource_url})", sep, "invalid_grant",
                            "ID-JAG resource does not match MCP server resource",
                            details={k: v for k, v in (("jagResource", jag_resource),
                                                       ("expectedResource", mcp_resource_url)) if v is not None})
        except Exception as e:
            return fail(f"JWT bearer grant failed: {jose.js_string(e)}", [refs.RFC_7523_JWT_BEARER], "invalid_grant",
                        "Invalid authorization grant")
        checks.append(check("complete-flow-jwt-bearer", "CompleteFlowJwtBearer",
                            "Successfully verified client auth, ID-JAG claims, and exchanged for access token", "SUCCESS",
                            [refs.RFC_7523_JWT_BEARER, refs.SEP_990_ENTERPRISE_OAUTH], timestamp=ts))
        scope = prop(body, "scope")
        return {"token": f"test-token-{int(time.time() * 1000)}",
                "scopes": scope.split(" ") if isinstance(scope, str) and scope else []}

    def get_checks(self):
        has = lambda id: any(c["id"] == id for c in self.checks)
        if not has("complete-flow-token-exchange"):
            self.checks.append(check("complete-flow-token-exchange", "CompleteFlowTokenExchange",
                                     "Client did not perform token exchange", "FAILURE", EXCHANGE_REFS))
        if not has("complete-flow-jwt-bearer"):
            self.checks.append(check("complete-flow-jwt-bearer", "CompleteFlowJwtBearer",
                                     "Client did not perform JWT bearer grant exchange", "FAILURE",
                                     [refs.RFC_7523_JWT_BEARER, refs.SEP_990_ENTERPRISE_OAUTH]))
        return self.checks
