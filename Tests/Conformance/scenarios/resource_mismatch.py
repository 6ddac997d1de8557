"""resource-mismatch.ts: the PRM names another origin's resource; the client must not authorize."""
import time

from .. import spec_references as refs
from ..auth_server import create_auth_server
from ..checks import check
from ..mcp_server import McpServer
from ..scenario import Scenario
from ..token_verifier import MockTokenVerifier

EVIL = "https://evil.example.com/mcp"


class ResourceMismatchScenario(Scenario):
    name = "auth/resource-mismatch"
    source = {"introducedIn": "2026-07-28"}
    description = "Tests that client rejects when PRM resource does not match server URL"
    allow_client_error = True

    async def start(self, ctx):
        self.checks = checks = []
        self.authorization_request_made = False
        auth, server = self.lifecycle(), self.lifecycle()
        verifier = MockTokenVerifier(checks, [])

        def on_auth(data):
            self.authorization_request_made = True  # the client went on despite the mismatch
        await self.serve(auth, create_auth_server(
            ctx, checks, auth.get_url, token_verifier=verifier, token_endpoint_auth_methods_supported=["none"],
            on_authorization_request=on_auth,
            on_registration_request=lambda req: {"clientId": f"test-client-{int(time.time() * 1000)}",
                                                 "clientSecret": None, "tokenEndpointAuthMethod": "none"}))
        await self.serve(server, McpServer(ctx, checks, server.get_url, auth.get_url, required_scopes=[],
                                           token_verifier=verifier, prm_resource_override=EVIL))
        return {"serverUrl": f"{server.get_url()}/mcp"}

    def get_checks(self):
        if not any(c["id"] == "resource-mismatch-rejected" for c in self.checks):
            ok = not self.authorization_request_made
            self.checks.append(check("resource-mismatch-rejected", "Client rejects mismatched resource",
                                     "Client correctly rejected authorization when PRM resource does not match server URL"
                                     if ok else "Client MUST validate that PRM resource matches the server URL before "
                                                "proceeding with authorization", "SUCCESS" if ok else "FAILURE",
                                     [refs.RFC_8707_RESOURCE_INDICATORS, refs.MCP_RESOURCE_PARAMETER],
                                     {"prmResource": EVIL,
                                      "expectedBehavior": "Client should NOT proceed with authorization",
                                      "authorizationRequestMade": self.authorization_request_made}))
        return self.checks
