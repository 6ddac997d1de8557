"""offline-access.ts (SEP-2207): when the AS lists offline_access, the client SHOULD register the
refresh_token grant and MAY ask for offline_access; when it does not, the client MUST NOT ask."""
import asyncio
import json
import time
import urllib.request

from .. import spec_references as refs
from ..auth_server import create_auth_server
from ..checks import check, now
from ..express import prop
from ..mcp_server import McpServer
from ..scenario import Scenario
from ..token_verifier import MockTokenVerifier

REFS = [refs.SEP_2207_REFRESH_TOKEN_GUIDANCE]


def _scopes(data):
    return data["scope"].split(" ") if data["scope"] else []


class OfflineAccessScopeScenario(Scenario):
    name = "auth/offline-access-scope"
    source = {"introducedIn": "2026-07-28"}
    description = ("Tests that a client that wants a refresh token handles offline_access scope and refresh_token "
                   "grant type when AS supports them (SEP-2207)")

    async def start(self, ctx):
        self.checks = checks = []
        self.grant_types_checked = False
        self.cimd_url = None
        auth, server = self.lifecycle(), self.lifecycle()
        verifier = MockTokenVerifier(checks, ["mcp:basic"])

        def on_register(req):
            grant_types = prop(req.body, "grant_types") or []
            has = "refresh_token" in grant_types
            self.grant_types_checked = True
            checks.append(check("sep-2207-client-metadata-grant-types",
                                "Client metadata includes refresh_token grant type (DCR)",
                                "Client correctly included refresh_token in grant_types during dynamic client "
                                "registration" if has else
                                "Client SHOULD include refresh_token in grant_types client metadata (SEP-2207)",
                                "SUCCESS" if has else "WARNING", REFS,
                                {"registrationMethod": "DCR",
                                 "grantTypes": " ".join(grant_types) if grant_types else "none"}))
            return {"clientId": f"test-client-{int(time.time() * 1000)}", "clientSecret": None,
                    "tokenEndpointAuthMethod": "none"}

        def on_auth(data):
            if data["clientId"] and data["clientId"].startswith("http"):
                self.cimd_url = data["clientId"]
            has = "offline_access" in _scopes(data)
            checks.append(check("sep-2207-offline-access-requested", "Client requests offline_access scope",
                                "Client included offline_access in authorization request scope when AS lists it in "
                                "scopes_supported" if has else
                                "Client MAY include offline_access in scope when AS metadata lists it in "
                                "scopes_supported (SEP-2207). Client chose not to request it.",
                                "SUCCESS" if has else "INFO", REFS,
                                {"asScopesSupported": "mcp:basic offline_access",
                                 "requestedScope": data["scope"] or "none"}, data["timestamp"]))
        await self.serve(auth, create_auth_server(ctx, checks, auth.get_url, token_verifier=verifier,
                                                  scopes_supported=["mcp:basic", "offline_access"],
                                                  client_id_metadata_document_supported=True,
                                                  on_registration_request=on_register,
                                                  on_authorization_request=on_auth))
        # the PRM leaves offline_access out, as SEP-2207 tells servers to
        await self.serve(server, McpServer(ctx, checks, server.get_url, auth.get_url, required_scopes=["mcp:basic"],
                                           scopes_supported=["mcp:basic"], token_verifier=verifier))
        return {"serverUrl": f"{server.get_url()}/mcp"}

    async def stop(self):
        if self.cimd_url and not self.grant_types_checked:
            # the client used a CIMD URL: read its grant_types from the document, as the TS scenario does
            try:
                doc = await asyncio.to_thread(lambda: json.loads(urllib.request.urlopen(self.cimd_url, timeout=3).read()))
                grant_types = doc.get("grant_types") or []
                has = "refresh_token" in grant_types
                self.grant_types_checked = True
                self.checks.append(check("sep-2207-client-metadata-grant-types",
                                         "Client metadata includes refresh_token grant type (CIMD)",
                                         "Client metadata document includes refresh_token in grant_types" if has else
                                         "Client SHOULD include refresh_token in grant_types client metadata (SEP-2207)",
                                         "SUCCESS" if has else "WARNING", REFS,
                                         {"registrationMethod": "CIMD", "cimdUrl": self.cimd_url,
                                          "grantTypes": " ".join(grant_types) if grant_types else "none"}))
            except Exception:
                self.grant_types_checked = True
                self.checks.append(check("sep-2207-client-metadata-grant-types",
                                         "Client metadata includes refresh_token grant type (CIMD)",
                                         "Client used CIMD but metadata URL could not be fetched to verify grant_types",
                                         "INFO", REFS, {"registrationMethod": "CIMD", "cimdUrl": self.cimd_url,
                                                        "fetchFailed": True}))
        await super().stop()

    def get_checks(self):
        ts = now()
        if not self.grant_types_checked:
            self.checks.append(check("sep-2207-client-metadata-grant-types",
                                     "Client metadata includes refresh_token grant type",
                                     "Client did not use DCR or fetchable CIMD — grant_types could not be inspected",
                                     "INFO", REFS, {"registrationMethod": "unknown"}, ts))
        if not any(c["id"] == "sep-2207-offline-access-requested" for c in self.checks):
            self.checks.append(check("sep-2207-offline-access-requested", "Client requests offline_access scope",
                                     "Client did not complete authorization flow — offline_access scope check could "
                                     "not be performed", "FAILURE", REFS, timestamp=ts))
        return self.checks


class OfflineAccessNotSupportedScenario(Scenario):
    name = "auth/offline-access-not-supported"
    source = {"introducedIn": "2026-07-28"}
    description = ("Tests that client does not request offline_access when AS does not list it in scopes_supported "
                   "(SEP-2207)")

    async def start(self, ctx):
        self.checks = checks = []
        auth, server = self.lifecycle(), self.lifecycle()
        verifier = MockTokenVerifier(checks, ["mcp:basic", "mcp:read"])

        def on_auth(data):
            has = "offline_access" in _scopes(data)
            checks.append(check("sep-2207-offline-access-not-requested",
                                "Client does not request unsupported offline_access",
                                "Client MUST NOT request offline_access when it is not listed in AS scopes_supported "
                                "(SEP-2207)" if has else
                                "Client correctly did not request offline_access when AS does not list it in "
                                "scopes_supported", "FAILURE" if has else "SUCCESS", REFS,
                                {"asScopesSupported": "mcp:basic mcp:read", "requestedScope": data["scope"] or "none"},
                                data["timestamp"]))
        await self.serve(auth, create_auth_server(ctx, checks, auth.get_url, token_verifier=verifier,
                                                  scopes_supported=["mcp:basic", "mcp:read"],
                                                  on_authorization_request=on_auth))
        await self.serve(server, McpServer(ctx, checks, server.get_url, auth.get_url,
                                           required_scopes=["mcp:basic", "mcp:read"],
                                           scopes_supported=["mcp:basic", "mcp:read"], token_verifier=verifier))
        return {"serverUrl": f"{server.get_url()}/mcp"}

    def get_checks(self):
        if not any(c["id"] == "sep-2207-offline-access-not-requested" for c in self.checks):
            self.checks.append(check("sep-2207-offline-access-not-requested",
                                     "Client does not request unsupported offline_access",
                                     "Client did not complete authorization flow — offline_access scope check could "
                                     "not be performed", "FAILURE", REFS))
        return self.checks
