"""discovery-metadata.ts: PRM and authorization-server metadata at the four locations of
SCENARIO_CONFIGS, with traps for requests at the wrong (root) location."""
from .. import spec_references as refs
from ..auth_server import create_auth_server
from ..checks import check, missing
from ..express import json_response, Response
from ..mcp_server import McpServer
from ..scenario import Scenario

CONFIGS = [
    dict(name="metadata-default", prm="/.well-known/oauth-protected-resource/mcp", in_www=True,
         asm="/.well-known/oauth-authorization-server", prefix="", trap_root_prm=True),
    dict(name="metadata-var1", prm="/.well-known/oauth-protected-resource/mcp", in_www=False,
         asm="/.well-known/openid-configuration", prefix="", trap_root_prm=False),
    dict(name="metadata-var2", prm="/.well-known/oauth-protected-resource", in_www=False,
         asm="/.well-known/oauth-authorization-server/tenant1", prefix="/tenant1", trap_root_prm=False),
    dict(name="metadata-var3", prm="/custom/metadata/location.json", in_www=True,
         asm="/tenant1/.well-known/openid-configuration", prefix="/tenant1", trap_root_prm=False),
]


class MetadataScenario(Scenario):
    source = {"introducedIn": "2025-11-25"}

    def __init__(self, config):
        super().__init__()
        self.c = config
        self.name = f"auth/{config['name']}"
        self.description = (f"Tests Basic OAuth metadata discovery flow.\n\n**PRM:** {config['prm']}"
                            f"{'' if config['in_www'] else ' (not in WWW-Authenticate)'}\n"
                            f"**OAuth metadata:** {config['asm']}\n")
        self.is_path_based_prm = config["prm"] == "/.well-known/oauth-protected-resource/mcp"

    async def start(self, ctx):
        self.checks = checks = []
        c = self.c
        auth, server = self.lifecycle(), self.lifecycle()
        auth_app = create_auth_server(ctx, checks, auth.get_url, metadata_path=c["asm"],
                                      is_openid_configuration="openid-configuration" in c["asm"],
                                      route_prefix=c["prefix"])
        if c["prefix"]:
            async def wrong_path(req):
                checks.append(check("authorization-server-metadata-wrong-path", "AuthorizationServerMetadataWrongPath",
                                    "Client requested authorization server at the root path when the AS URL has a "
                                    "path-based location", "FAILURE",
                                    [refs.RFC_AUTH_SERVER_METADATA_REQUEST, refs.MCP_AUTH_DISCOVERY], {"url": req.url}))
                return Response(404, "Not Found", None, "text/html; charset=utf-8")
            auth_app.get("/.well-known/oauth-authorization-server", wrong_path)
        await self.serve(auth, auth_app)

        auth_url = (lambda: auth.get_url() + c["prefix"]) if c["prefix"] else auth.get_url
        mcp = McpServer(ctx, checks, server.get_url, auth_url, prm_path=c["prm"], include_prm_in_www_auth=c["in_www"])
        if c["trap_root_prm"]:
            async def root_prm(req):
                checks.append(check("prm-priority-order", "PRM Priority Order",
                                    "Client requested PRM metadata at root location on a server with path-based PRM",
                                    "FAILURE", [refs.RFC_PRM_DISCOVERY, refs.MCP_PRM_DISCOVERY],
                                    {"url": req.url, "path": req.path}))
                return json_response({"error": "not_found",
                                      "error_description": "PRM metadata not available at root location"}, 404)
            mcp.app.get("/.well-known/oauth-protected-resource", root_prm)
        await self.serve(server, mcp)
        return {"serverUrl": f"{server.get_url()}/mcp"}

    def get_checks(self):
        slugs = (["prm-pathbased-requested"] if self.is_path_based_prm else []) + \
            ["authorization-server-metadata", "client-registration", "authorization-request", "token-request"]
        missing(self.checks, slugs)
        return self.checks


SCENARIOS = [lambda c=c: MetadataScenario(c) for c in CONFIGS]
