"""march-spec-backcompat.ts: 2025-03-26 servers. No PRM; either AS metadata at the MCP server's
root (endpoints under /oauth) or no metadata at all (default /authorize, /token, /register)."""
from .. import spec_references as refs
from ..auth_server import create_auth_server
from ..checks import check, missing
from ..express import body_parser, js_url, json_response, prop, redirect
from ..mcp_server import McpServer
from ..scenario import Scenario
from ..auth_server import _set_param


class Auth20250326OAuthMetadataBackcompatScenario(Scenario):
    name = "auth/2025-03-26-oauth-metadata-backcompat"
    source = {"introducedIn": "2025-03-26", "removedIn": "2025-06-18"}
    description = ("Tests 2025-03-26 spec OAuth flow: no PRM (Protected Resource Metadata), OAuth metadata at "
                   "root location")

    async def start(self, ctx):
        self.checks = checks = []
        server = self.lifecycle()
        # one origin for AS and RS; endpoints off the fallback paths, issuer the bare origin (RFC 8414 §3.3)
        auth_app = create_auth_server(ctx, checks, server.get_url, logging_enabled=False, route_prefix="/oauth",
                                      metadata_issuer=lambda: server.get_url())
        mcp = McpServer(ctx, checks, server.get_url, server.get_url, prm_path=None)
        mcp.app.use(auth_app)
        await self.serve(server, mcp)
        return {"serverUrl": f"{server.get_url()}/mcp"}

    def get_checks(self):
        missing(self.checks, ["authorization-server-metadata", "client-registration", "authorization-request",
                              "token-request"], [refs.LEGACY_2025_03_26_AUTH_DISCOVERY])
        return self.checks


class Auth20250326OEndpointFallbackScenario(Scenario):
    name = "auth/2025-03-26-oauth-endpoint-fallback"
    source = {"introducedIn": "2025-03-26", "removedIn": "2025-06-18"}
    description = ("Tests OAuth flow with no metadata endpoints, relying on fallback to standard OAuth endpoints at "
                   "server root (2025-03-26 spec behavior)")

    async def start(self, ctx):
        self.checks = checks = []
        server = self.lifecycle()
        mcp = McpServer(ctx, checks, server.get_url, server.get_url, prm_path=None)
        fallback = [refs.LEGACY_2025_03_26_AUTH_URL_FALLBACK]

        async def authorize(req):
            q = req.query
            checks.append(check("authorization-request", "AuthorizationRequest",
                                "Client made authorization request to fallback endpoint", "SUCCESS", fallback,
                                {"response_type": q.get("response_type"), "client_id": q.get("client_id"),
                                 "redirect_uri": q.get("redirect_uri"), "state": q.get("state"),
                                 "code_challenge": "present" if q.get("code_challenge") else "missing",
                                 "code_challenge_method": q.get("code_challenge_method")}))
            url = _set_param(js_url(q.get("redirect_uri")), "code", "test-auth-code")
            if q.get("state"):
                url = _set_param(url, "state", q["state"])
            return redirect(url)

        async def token(req):
            checks.append(check("token-request", "TokenRequest", "Client requested access token from fallback endpoint",
                                "SUCCESS", fallback, {"endpoint": "/token", "grantType": prop(req.body, "grant_type")}))
            return json_response({"access_token": "test-token", "token_type": "Bearer", "expires_in": 3600})

        async def register(req):
            client_name = prop(req.body, "client_name")  # no body: Express' 500, no check
            body = req.body if isinstance(req.body, dict) else {}
            checks.append(check("client-registration", "ClientRegistration",
                                "Client registered with authorization server at fallback endpoint", "SUCCESS", fallback,
                                {"endpoint": "/register", "clientName": client_name}))
            return json_response({"client_id": "test-client-id", "client_secret": "test-client-secret",
                                  "client_name": body.get("client_name") or "test-client",
                                  "redirect_uris": body.get("redirect_uris") or []}, 201)

        mcp.app.middleware.append(body_parser("urlencoded"))  # "needed for /token endpoint", after the logger
        mcp.app.get("/authorize", authorize)
        mcp.app.post("/token", token)
        mcp.app.post("/register", register)
        await self.serve(server, mcp)
        return {"serverUrl": f"{server.get_url()}/mcp"}

    def get_checks(self):
        missing(self.checks, ["client-registration", "authorization-request", "token-request"])
        return self.checks
