"""helpers/createServer.ts: one tool, test-tool, behind the suite's auth layer (PRM document, 401 +
WWW-Authenticate from requireBearerAuth, token verification, 403 insufficient_scope), served at the
revision the scenario runs at:
- an initialize revision (2025-11-25): a real MCP server, the official Python SDK's low-level
  Server behind its streamable-HTTP session manager, without sessions as the TS server
  (`sessionIdGenerator: undefined`, a fresh transport per request): no Mcp-Session-Id;
- 2026-07-28: handleStateless, raw JSON-RPC after the shared SEP-2575 validation (stateless.py):
  server/discover, tools/list and tools/call (any tool name) answered, any other method 404.
Authorization comes first either way, server/discover included. Only POST /mcp is routed, as there
(`app.post('/mcp')`): GET and DELETE /mcp fall through to Express' 404."""
import contextlib

import mcp_types as types
from mcp.server.lowlevel import Server
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager

from . import spec_references as refs
from .checks import check
from .express import App, Response, Streamed, body_parser, json_response
from .request_logger import request_logger
from .stateless import validate_stateless_request, with_required_draft_result_fields
from .token_verifier import InvalidToken, MockTokenVerifier


def _mcp_server():
    async def list_tools(ctx, params):
        return types.ListToolsResult(tools=[types.Tool(name="test-tool", input_schema={"type": "object"})])

    async def call_tool(ctx, params):
        if params.name == "test-tool":
            return types.CallToolResult(content=[types.TextContent(text="test")])
        raise ValueError(f"Tool {params.name} not found")

    return Server("auth-prm-pathbased-server", version="1.0.0", on_list_tools=list_tools, on_call_tool=call_tool)


def require_bearer_auth(verifier, required_scopes=(), resource_metadata_url=None):
    """The TypeScript SDK's requireBearerAuth (server/auth/middleware/bearerAuth.ts): the same
    WWW-Authenticate text, status codes and error bodies. Returns None to let the request through."""
    required_scopes = list(required_scopes)

    def www(code, message):
        h = f'Bearer error="{code}", error_description="{message}"'
        if required_scopes:
            h += f', scope="{" ".join(required_scopes)}"'
        if resource_metadata_url:
            h += f', resource_metadata="{resource_metadata_url}"'
        return h

    async def mw(req):
        header = req.get("authorization")
        try:
            if not header:
                raise InvalidToken("Missing Authorization header")
            parts = header.split(" ")
            if parts[0].lower() != "bearer" or len(parts) < 2 or not parts[1]:
                raise InvalidToken("Invalid Authorization header format, expected 'Bearer TOKEN'")
            info = await verifier.verify(parts[1])
            if required_scopes and not all(s in info["scopes"] for s in required_scopes):
                return json_response({"error": "insufficient_scope", "error_description": "Insufficient scope"}, 403,
                                     {"WWW-Authenticate": www("insufficient_scope", "Insufficient scope")})
            return None
        except InvalidToken as e:
            return json_response({"error": "invalid_token", "error_description": str(e)}, 401,
                                 {"WWW-Authenticate": www("invalid_token", str(e))})
    return mw


class McpServer:
    """create_server's result: the app, plus the SDK session manager whose lifetime run() holds."""

    def __init__(self, ctx, checks, get_base_url, get_auth_server_url, *, prm_path="/.well-known/oauth-protected-resource/mcp",
                 required_scopes=(), scopes_supported=None, include_prm_in_www_auth=True,
                 include_scope_in_www_auth=False, auth_middleware=None, token_verifier=None,
                 prm_resource_override=None):
        self.ctx = ctx
        self.manager = None if ctx.stateless else StreamableHTTPSessionManager(_mcp_server(), stateless=True)
        app = self.app = App()
        app.middleware.append(body_parser("json"))
        app.middleware.append(request_logger(checks, "incoming-request", "outgoing-response", "/mcp"))

        if prm_path is not None:
            async def prm(req):
                checks.append(check("prm-pathbased-requested", "PRMPathBasedRequested",
                                    "Client requested PRM metadata at path-based location", "SUCCESS",
                                    [refs.RFC_PRM_DISCOVERY, refs.MCP_PRM_DISCOVERY],
                                    {"url": req.url, "path": req.path}))
                resource = prm_resource_override or (
                    get_base_url() if prm_path == "/.well-known/oauth-protected-resource" else f"{get_base_url()}/mcp")
                doc = {"resource": resource, "authorization_servers": [get_auth_server_url()]}
                if scopes_supported is not None:
                    doc["scopes_supported"] = list(scopes_supported)
                return json_response(doc)
            app.get(prm_path, prm)

        async def mcp(req):
            # built per request, as the TS server does, so PRM URLs use the bound port
            mw = auth_middleware or require_bearer_auth(
                token_verifier or MockTokenVerifier(checks, required_scopes),
                list(required_scopes) if include_scope_in_www_auth else [],
                f"{get_base_url()}{prm_path}" if include_prm_in_www_auth and prm_path is not None else None)
            try:
                denied = await mw(req)
            except InvalidToken:
                # an inline TS middleware whose verifyAccessToken throws ends in Express' 500
                return Response(500, "Internal Server Error", None, "text/html; charset=utf-8")
            if denied is not None:
                return denied
            if ctx.stateless:
                return self._stateless(req)
            return await self._to_sdk(req)
        app.post("/mcp", mcp)

    def _stateless(self, req):
        v = validate_stateless_request(req, {"tools": {}}, [self.ctx.spec_version])
        if v[0] != "route":
            return json_response(v[2], v[1])
        _, rid, method, _ = v
        if method == "tools/list":
            result = {"tools": [{"name": "test-tool", "inputSchema": {"type": "object"}}]}
        elif method == "tools/call":
            result = {"content": [{"type": "text", "text": "test"}]}
        else:
            return json_response({"jsonrpc": "2.0", "id": rid, "error": {"code": -32601, "message": "Method not found"}}, 404)
        return json_response({"jsonrpc": "2.0", "id": rid, "result": with_required_draft_result_fields(method, result)})

    async def _to_sdk(self, req):
        scope, real_receive, send = req.asgi
        sent = {"status": 500, "headers": {}, "body": b""}
        replay = [{"type": "http.request", "body": req.raw, "more_body": False}]

        async def receive():
            if replay:
                return replay.pop()
            return await real_receive()  # the body was read already: what remains is the disconnect

        async def capture(msg):
            if msg["type"] == "http.response.start":
                sent["status"] = msg["status"]
                sent["headers"] = {k.decode("latin-1"): v.decode("latin-1") for k, v in msg.get("headers", [])}
            elif msg["type"] == "http.response.body":
                sent["body"] += msg.get("body", b"")
            await send(msg)

        await self.manager.handle_request(scope, receive, capture)
        return Streamed(sent["status"], sent["body"], sent["headers"])

    @contextlib.asynccontextmanager
    async def run(self):
        if self.manager is None:
            yield
            return
        async with self.manager.run():
            yield
