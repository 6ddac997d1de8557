"""A second client under test, to check the re-creation rather than hermes: the official MCP Python
SDK's client (its OAuthClientProvider over streamable HTTP) doing what the everything-client does,
connect, list the tools, call test-tool. `runner --client python-sdk` runs it. A scenario the SDK
client passes here is attainable, so hermes failing it is hermes' doing.
The browser is a GET of the authorization URL whose 302 Location carries code, state and iss.
The lifecycle is the one the SDK's own conformance client (.github/actions/conformance/client.py,
client_mode) picks from MCP_CONFORMANCE_PROTOCOL_VERSION: "auto" (server/discover, then the _meta
envelope and headers on every request) at 2026-07-28, "legacy" (initialize) at 2025-11-25."""
import logging
import time
from urllib.parse import parse_qs, urlparse

import httpx2
from mcp.client.auth import OAuthClientProvider
from mcp.client.client import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import AuthorizationCodeResult, OAuthClientInformationFull, OAuthClientMetadata
from mcp_types.version import MODERN_PROTOCOL_VERSIONS

from .scenarios.basic_cimd import CIMD_CLIENT_METADATA_URL

logging.getLogger("mcp").setLevel(logging.CRITICAL)  # its errors end up in the report's steps
REDIRECT = "http://localhost:3000/callback"  # never listened on: the redirect is read, not followed


class _Memory:
    def __init__(self, client_info=None):
        self.tokens, self.client_info = None, client_info

    async def get_tokens(self):
        return self.tokens

    async def set_tokens(self, tokens):
        self.tokens = tokens

    async def get_client_info(self):
        return self.client_info

    async def set_client_info(self, info):
        self.client_info = info


async def run_sdk_client(scenario, ctx, urls, timeout):
    url, given = urls["serverUrl"], urls.get("context")
    pending = {}

    async def redirect_handler(auth_url):
        async with httpx2.AsyncClient(follow_redirects=False) as http:
            location = (await http.get(auth_url)).headers.get("location", "")
        q = {k: v[0] for k, v in parse_qs(urlparse(location).query).items()}
        pending["result"] = AuthorizationCodeResult(code=q.get("code", ""), state=q.get("state"), iss=q.get("iss"))

    async def callback_handler():
        return pending.pop("result")

    info = OAuthClientInformationFull(client_id=given["client_id"], client_secret=given["client_secret"],
                                      redirect_uris=[REDIRECT],
                                      # the TS SDK picks it from the AS metadata; this SDK needs telling
                                      token_endpoint_auth_method="client_secret_basic") if given else None
    provider = OAuthClientProvider(url, OAuthClientMetadata(client_name="test-auth-client", redirect_uris=[REDIRECT]),
                                   _Memory(info), redirect_handler, callback_handler,
                                   client_metadata_url=None if given else CIMD_CLIENT_METADATA_URL)
    started = time.monotonic()
    try:
        async with httpx2.AsyncClient(auth=provider, timeout=timeout) as http:
            mode = "auto" if ctx.spec_version in MODERN_PROTOCOL_VERSIONS else "legacy"
            async with Client(streamable_http_client(url, http_client=http), mode=mode) as client:
                await client.list_tools()
                if scenario.call_tool:
                    await client.call_tool("test-tool", {})
        return {"exit_code": 0, "timed_out": False, "steps": []}
    except Exception as e:  # the everything-client exits 1 on any error
        while isinstance(e, BaseExceptionGroup) and len(e.exceptions) == 1:
            e = e.exceptions[0]
        return {"exit_code": 1, "timed_out": time.monotonic() - started > timeout,
                "steps": [{"error": f"{type(e).__name__}: {e}"[:2000]}]}
