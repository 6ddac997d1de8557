"""authorization-server-migration.ts (SEP-2352): after the first authorized call the PRM names a
second AS and the old token is refused; the client must register anew there and never present
the first AS' client_id to it."""
import base64
import time

from .. import spec_references as refs
from ..auth_server import create_auth_server
from ..checks import check, now
from ..express import json_response
from ..mcp_server import McpServer
from ..scenario import Scenario
from ..token_verifier import MockTokenVerifier

AS1_CLIENT_ID = "as1-client-id-LEAKED-IF-SEEN-AT-AS2"


def basic_auth_client_id(h):
    if not h or not h.startswith("Basic "):
        return None
    try:
        b64 = h[6:]
        return base64.b64decode(b64 + "=" * (-len(b64) % 4)).decode("utf-8", "replace").split(":")[0]
    except ValueError:
        return None


class AuthorizationServerMigrationScenario(Scenario):
    name = "auth/authorization-server-migration"
    source = {"introducedIn": "2026-07-28"}
    description = ("Tests that a client, when the PRM authorization_servers changes to a new issuer, re-registers with "
                   "the new authorization server and does not reuse credentials from the previous one (SEP-2352).")

    async def start(self, ctx):
        self.checks = checks = []
        verifier = MockTokenVerifier(checks, ["mcp:basic"])
        seen = {"register": False, "authorize": False, "token": False}
        as1, as2, server = self.lifecycle(), self.lifecycle(), self.lifecycle()
        await self.serve(as1, create_auth_server(ctx, checks, as1.get_url, token_verifier=verifier,
                                                 on_registration_request=lambda req: {
                                                     "clientId": AS1_CLIENT_ID, "clientSecret": "as1-client-secret"}))

        def as2_register(req):
            seen["register"] = True
            return {"clientId": "as2-client-id", "clientSecret": "as2-client-secret"}

        def as2_authorize(data):
            if data["clientId"] == AS1_CLIENT_ID:
                seen["authorize"] = True

        def as2_token(data):
            cid = data["body"].get("client_id") or basic_auth_client_id(data["authorizationHeader"])
            if cid == AS1_CLIENT_ID:
                seen["token"] = True
            scopes = data["scope"].split(" ") if data["scope"] else ["mcp:basic"]
            tok = f"test-token-as2-{int(time.time() * 1000)}"
            verifier.register_token(tok, scopes)
            return {"token": tok, "scopes": scopes}
        await self.serve(as2, create_auth_server(ctx, checks, as2.get_url, token_verifier=verifier,
                                                 on_registration_request=as2_register,
                                                 on_authorization_request=as2_authorize, on_token_request=as2_token))
        migrated = [False]
        prm_url = lambda: f"{server.get_url()}/.well-known/oauth-protected-resource/mcp"
        challenge = lambda: {"WWW-Authenticate": f'Bearer scope="mcp:basic", resource_metadata="{prm_url()}"'}

        async def middleware(req):
            method = req.body.get("method") if isinstance(req.body, dict) else None
            if method == "initialize" or (method or "").startswith("notifications/"):
                return None
            header = req.get("authorization")
            if not header or not header.startswith("Bearer "):
                return json_response({"error": "invalid_token"}, 401, challenge())
            info = await verifier.verify(header[len("Bearer "):])
            # phase 1: the first verified call passes and flips the PRM to AS2; phase 2: AS1 tokens are stale
            if not migrated[0]:
                migrated[0] = True
                return None
            if not info["token"].startswith("test-token-as2-"):
                return json_response({"error": "invalid_token", "error_description": "authorization server has changed"},
                                     401, challenge())
            return None
        await self.serve(server, McpServer(ctx, checks, server.get_url,
                                           lambda: as2.get_url() if migrated[0] else as1.get_url(),
                                           required_scopes=["mcp:basic"], include_scope_in_www_auth=True,
                                           auth_middleware=middleware, token_verifier=verifier))

        def evaluate():
            ts = now()
            reused = seen["authorize"] or seen["token"]
            checks.append(check("sep-2352-reregister-on-as-change", "Client re-registers with the new authorization server",
                                "Client performed Dynamic Client Registration with the new authorization server after "
                                "PRM authorization_servers changed" if seen["register"] else
                                "Client MUST re-register with the new authorization server when PRM "
                                "authorization_servers changes (SEP-2352); no registration request was observed at the "
                                "new AS", "SUCCESS" if seen["register"] else "FAILURE", [refs.MCP_DCR], timestamp=ts))
            checks.append(check("sep-2352-no-reuse-on-as-change", "Client does not reuse the previous AS client credentials",
                                "Client MUST NOT reuse client credentials from a different authorization server "
                                "(SEP-2352); the previous AS client_id was observed at the new AS" if reused else
                                "Client did not present the previous AS client_id at the new authorization server",
                                "FAILURE" if reused else "SUCCESS", [refs.MCP_DCR],
                                {"previousClientId": AS1_CLIENT_ID, "seenAtAuthorize": seen["authorize"],
                                 "seenAtToken": seen["token"]}, ts))
            checks.append(check("sep-2352-no-cross-as-credential-reuse",
                                "Client does not assume credentials are portable across authorization servers",
                                "Client MUST NOT assume that credentials valid for one authorization server will be "
                                "accepted by another (SEP-2352)" if reused else
                                "Client treated credentials as bound to the issuing authorization server",
                                "FAILURE" if reused else "SUCCESS", [refs.MCP_DCR], timestamp=ts))
        self._evaluate = evaluate
        return {"serverUrl": f"{server.get_url()}/mcp"}

    def get_checks(self):
        self._evaluate()
        return self.checks
