"""A second client under test, to check the re-creation rather than hermes: the official MCP Python
SDK's client (its OAuthClientProvider over streamable HTTP) doing what the everything-client does,
connect, list the tools, call test-tool. `runner --client python-sdk` runs it. A scenario the SDK
client passes here is attainable, so hermes failing it is hermes' doing.
The browser is a GET of the authorization URL whose 302 Location carries code, state and iss.
The lifecycle is the one the SDK's own conformance client (.github/actions/conformance/client.py,
client_mode) picks from MCP_CONFORMANCE_PROTOCOL_VERSION: "auto" (server/discover, then the _meta
envelope and headers on every request) at 2026-07-28, "legacy" (initialize) at 2025-11-25.
The extension scenarios get that client's handlers: client_credentials with private_key_jwt
(SignedJWTParameters, PrivateKeyJWTOAuthProvider) or client_secret_basic
(ClientCredentialsOAuthProvider), and for enterprise-managed authorization the token exchange at
the IdP, written there and here, feeding IdentityAssertionOAuthProvider with client_secret_basic
and the AS issuer read from the PRM. The DPoP and WIF scenarios take the authorization-code path,
with the context's client_id pre-registered when there is one, as there (the SDK has neither a
DPoP nor a jwt-bearer client: runner.SDK_KNOWN_FAILING)."""
import logging
import time
from urllib.parse import parse_qs, urlparse

import httpx2
from mcp.client.auth import OAuthClientProvider
from mcp.client.auth.extensions.client_credentials import (ClientCredentialsOAuthProvider,
                                                           PrivateKeyJWTOAuthProvider, SignedJWTParameters)
from mcp.client.auth.extensions.identity_assertion import IdentityAssertionOAuthProvider
from mcp.client.auth.utils import build_protected_resource_metadata_discovery_urls
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


async def _extension_provider(name, url, given):
    """The SDK conformance client's provider for an extension scenario it has a handler for, else None."""
    if name == "auth/client-credentials-jwt":
        params = SignedJWTParameters(issuer=given["client_id"], subject=given["client_id"],
                                     signing_algorithm=given.get("signing_algorithm", "ES256"),
                                     signing_key=given["private_key_pem"])
        return PrivateKeyJWTOAuthProvider(server_url=url, storage=_Memory(), client_id=given["client_id"],
                                          assertion_provider=params.create_assertion_provider())
    if name == "auth/client-credentials-basic":
        return ClientCredentialsOAuthProvider(server_url=url, storage=_Memory(), client_id=given["client_id"],
                                              client_secret=given["client_secret"],
                                              token_endpoint_auth_method="client_secret_basic")
    if name == "auth/enterprise-managed-authorization":
        # the AS issuer is not in the context: that client reads it from the PRM
        prm_url = build_protected_resource_metadata_discovery_urls(None, url)[0]
        async with httpx2.AsyncClient(timeout=30.0) as http:
            prm = (await http.get(prm_url)).raise_for_status().json()

        async def fetch_id_jag(audience, resource):
            """Leg 1, RFC 8693 token exchange at the IdP, as that client does it."""
            async with httpx2.AsyncClient(timeout=30.0) as http:
                resp = await http.post(given["idp_token_endpoint"], data={
                    "grant_type": "urn:ietf:params:oauth:grant-type:token-exchange",
                    "requested_token_type": "urn:ietf:params:oauth:token-type:id-jag",
                    "subject_token": given["idp_id_token"],
                    "subject_token_type": "urn:ietf:params:oauth:token-type:id_token",
                    "audience": audience, "resource": resource, "client_id": given["idp_client_id"]})
                resp.raise_for_status()
                return resp.json()["access_token"]
        return IdentityAssertionOAuthProvider(server_url=url, storage=_Memory(), client_id=given["client_id"],
                                              client_secret=given["client_secret"],
                                              issuer=prm["authorization_servers"][0], assertion_provider=fetch_id_jag,
                                              token_endpoint_auth_method="client_secret_basic")
    return None


async def run_sdk_client(scenario, ctx, urls, timeout):
    url, given = urls["serverUrl"], urls.get("context")
    started = time.monotonic()
    try:
        provider = await _extension_provider(scenario.name, url, given)
    except Exception as e:
        return _failed(e, started, timeout)
    if provider is None:
        provider = _authorization_code_provider(url, given)
    try:
        async with httpx2.AsyncClient(auth=provider, timeout=timeout) as http:
            mode = "auto" if ctx.spec_version in MODERN_PROTOCOL_VERSIONS else "legacy"
            async with Client(streamable_http_client(url, http_client=http), mode=mode) as client:
                await client.list_tools()
                if scenario.call_tool:
                    await client.call_tool("test-tool", {})
        return {"exit_code": 0, "timed_out": False, "steps": []}
    except Exception as e:  # the everything-client exits 1 on any error
        return _failed(e, started, timeout)


def _failed(e, started, timeout):
    while isinstance(e, BaseExceptionGroup) and len(e.exceptions) == 1:
        e = e.exceptions[0]
    return {"exit_code": 1, "timed_out": time.monotonic() - started > timeout,
            "steps": [{"error": f"{type(e).__name__}: {e}"[:2000]}]}


def _authorization_code_provider(url, given):
    pending = {}

    async def redirect_handler(auth_url):
        async with httpx2.AsyncClient(follow_redirects=False) as http:
            location = (await http.get(auth_url)).headers.get("location", "")
        q = {k: v[0] for k, v in parse_qs(urlparse(location).query).items()}
        pending["result"] = AuthorizationCodeResult(code=q.get("code", ""), state=q.get("state"), iss=q.get("iss"))

    async def callback_handler():
        return pending.pop("result")

    # a context client_id is pre-registered (no DCR), with Basic when there is a secret (WIF has none)
    secret = given.get("client_secret") if given else None
    info = OAuthClientInformationFull(client_id=given["client_id"], client_secret=secret,
                                      redirect_uris=[REDIRECT],
                                      # the TS SDK picks it from the AS metadata; this SDK needs telling
                                      token_endpoint_auth_method="client_secret_basic" if secret else "none"
                                      ) if given and given.get("client_id") else None
    return OAuthClientProvider(url, OAuthClientMetadata(client_name="test-auth-client", redirect_uris=[REDIRECT]),
                               _Memory(info), redirect_handler, callback_handler,
                               client_metadata_url=None if info else CIMD_CLIENT_METADATA_URL)
