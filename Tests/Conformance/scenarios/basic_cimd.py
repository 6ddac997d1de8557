"""basic-cimd.ts: the AS advertises client_id_metadata_document_supported; the client SHOULD use
a URL as its client_id (the suite's fixed CIMD URL) instead of registering."""
from .. import spec_references as refs
from ..auth_server import create_auth_server
from ..checks import check
from ..mcp_server import McpServer
from ..scenario import Scenario

CIMD_CLIENT_METADATA_URL = "https://conformance-test.local/client-metadata.json"
REFS = [refs.MCP_CLIENT_ID_METADATA_DOCUMENTS, refs.IETF_CIMD]


class AuthBasicCIMDScenario(Scenario):
    name = "auth/basic-cimd"
    source = {"introducedIn": "2025-11-25"}
    description = ("Tests OAuth flow with Client ID Metadata Documents (SEP-991/URL-based client IDs). Server "
                   "advertises client_id_metadata_document_supported=true and client should use URL as client_id "
                   "instead of DCR.")

    async def start(self, ctx):
        self.checks = checks = []
        auth, server = self.lifecycle(), self.lifecycle()

        def on_authorization_request(data):
            used = data["clientId"] == CIMD_CLIENT_METADATA_URL
            checks.append(check("cimd-client-id-used", "Client ID Metadata Document Usage",
                                "Client correctly used URL-based client ID when server supports "
                                "client_id_metadata_document_supported" if used else
                                "Client SHOULD use URL-based client ID when server advertises "
                                "client_id_metadata_document_supported=true",
                                "SUCCESS" if used else "WARNING", REFS,
                                {"expectedClientId": CIMD_CLIENT_METADATA_URL,
                                 "actualClientId": data["clientId"] or "none"}, data["timestamp"]))
        await self.serve(auth, create_auth_server(ctx, checks, auth.get_url, client_id_metadata_document_supported=True,
                                                  on_authorization_request=on_authorization_request))
        await self.serve(server, McpServer(ctx, checks, server.get_url, auth.get_url))
        return {"serverUrl": f"{server.get_url()}/mcp"}

    def get_checks(self):
        if not any(c["id"] == "cimd-client-id-used" for c in self.checks):
            self.checks.append(check("cimd-client-id-used", "Client ID Metadata Document Usage",
                                     "Client did not make an authorization request to test CIMD support",
                                     "FAILURE", REFS))
        return self.checks
