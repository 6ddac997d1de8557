"""pre-registration.ts: no registration endpoint; the client must use the client_id and secret it
is given (MCP_CONFORMANCE_CONTEXT), with HTTP Basic at the token endpoint."""
import base64
import time

from .. import spec_references as refs
from ..auth_server import create_auth_server
from ..checks import check
from ..mcp_server import McpServer
from ..scenario import Scenario
from ..token_verifier import MockTokenVerifier

CLIENT_ID, CLIENT_SECRET = "pre-registered-client", "pre-registered-secret"
REFS = [refs.MCP_PREREGISTRATION]
NAME = "Pre-registration authentication"


class PreRegistrationScenario(Scenario):
    name = "auth/pre-registration"
    source = {"introducedIn": "2025-11-25"}
    description = "Tests OAuth flow with pre-registered client credentials. Server does not support DCR."
    call_tool = False  # the everything-client only lists tools here

    async def start(self, ctx):
        self.checks = checks = []
        auth, server = self.lifecycle(), self.lifecycle()
        verifier = MockTokenVerifier(checks, [])

        def on_token(data):
            header, ts = data["authorizationHeader"], data["timestamp"]
            if not header or not header.startswith("Basic "):
                checks.append(check("pre-registration-auth", NAME,
                                    "Client did not use Basic authentication with pre-registered credentials",
                                    "FAILURE", REFS, timestamp=ts))
                return {"error": "invalid_client", "errorDescription": "Missing or invalid Authorization header",
                        "statusCode": 401}
            try:
                b64 = header[6:]
                creds = base64.b64decode(b64 + "=" * (-len(b64) % 4)).decode("utf-8", "replace")
            except ValueError:
                creds = ""
            parts = creds.split(":")
            cid, secret = parts[0], parts[1] if len(parts) > 1 else None
            if cid != CLIENT_ID or secret != CLIENT_SECRET:
                checks.append(check("pre-registration-auth", NAME,
                                    f"Client used incorrect pre-registered credentials. Expected client_id '{CLIENT_ID}', "
                                    f"got '{cid}'", "FAILURE", REFS,
                                    {"expectedClientId": CLIENT_ID, "actualClientId": cid}, ts))
                return {"error": "invalid_client", "errorDescription": "Invalid pre-registered credentials",
                        "statusCode": 401}
            checks.append(check("pre-registration-auth", NAME,
                                "Client correctly used pre-registered credentials when server does not support DCR",
                                "SUCCESS", REFS, {"clientId": cid}, ts))
            return {"token": f"test-token-prereg-{int(time.time() * 1000)}", "scopes": []}
        await self.serve(auth, create_auth_server(ctx, checks, auth.get_url, token_verifier=verifier,
                                                  disable_dynamic_registration=True,
                                                  token_endpoint_auth_methods_supported=["client_secret_basic"],
                                                  on_token_request=on_token))
        await self.serve(server, McpServer(ctx, checks, server.get_url, auth.get_url, required_scopes=[],
                                           token_verifier=verifier))
        return {"serverUrl": f"{server.get_url()}/mcp",
                "context": {"client_id": CLIENT_ID, "client_secret": CLIENT_SECRET}}

    def get_checks(self):
        if not any(c["id"] == "pre-registration-auth" for c in self.checks):
            self.checks.append(check("pre-registration-auth", NAME, "Client did not make a token request", "FAILURE",
                                     REFS))
        return self.checks
