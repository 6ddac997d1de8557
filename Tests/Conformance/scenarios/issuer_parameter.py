"""issuer-parameter.ts (SEP-2468): the RFC 9207 `iss` of the authorization response, compared by
simple string comparison, and the AS metadata `issuer` checked against the URL it was fetched for."""
import time

from .. import spec_references as refs
from ..auth_server import create_auth_server
from ..checks import check, now
from ..mcp_server import McpServer
from ..scenario import Scenario
from ..token_verifier import MockTokenVerifier

SPEC = [refs.RFC_9207_ISS_PARAMETER]
METADATA_SPEC = [refs.RFC_AUTH_SERVER_METADATA_REQUEST, refs.MCP_AUTH_DISCOVERY]


class _IssScenario(Scenario):
    source = {"introducedIn": "2026-07-28"}
    iss_supported = True
    iss_in_redirect = "correct"

    async def start(self, ctx):
        self.checks = checks = []
        self.auth_reached = self.token_request_made = False
        self.auth = auth = self.lifecycle()
        server = self.lifecycle()
        verifier = MockTokenVerifier(checks, [])

        def on_auth(data):
            self.auth_reached = True

        def on_token(data):
            self.token_request_made = True
            return {"token": f"test-token-{int(time.time() * 1000)}", "scopes": []}
        await self.serve(auth, create_auth_server(ctx, checks, auth.get_url, token_verifier=verifier,
                                                  iss_parameter_supported=self.iss_supported,
                                                  iss_in_redirect=self.iss_in_redirect,
                                                  on_authorization_request=on_auth, on_token_request=on_token))
        await self.serve(server, McpServer(ctx, checks, server.get_url, auth.get_url, required_scopes=[],
                                           token_verifier=verifier))
        return {"serverUrl": f"{server.get_url()}/mcp"}

    def _rejected(self):
        return self.auth_reached and not self.token_request_made


class IssParameterSupportedScenario(_IssScenario):
    name = "auth/iss-supported"
    description = ("Tests that client accepts authorization response when server advertises and sends correct iss "
                   "parameter")

    def get_checks(self):
        ok = self.token_request_made
        self.checks.append(check("sep-2468-client-compare-iss-supported", "Client accepts matching iss when advertised",
                                 "Client compared advertised iss against recorded issuer and proceeded to token exchange"
                                 if ok else "Client did not proceed to token exchange after receiving a correct iss "
                                            "from a server that advertised support", "SUCCESS" if ok else "FAILURE",
                                 SPEC, {"tokenRequestMade": ok}))
        return self.checks


class IssParameterNotAdvertisedScenario(_IssScenario):
    name = "auth/iss-not-advertised"
    description = ("Tests that client accepts authorization response when server does not advertise or send iss "
                   "parameter")
    iss_supported, iss_in_redirect = None, "omit"

    def get_checks(self):
        ok = self.token_request_made
        self.checks.append(check("sep-2468-client-proceed-no-iss", "Client proceeds when iss absent and not advertised",
                                 "Client proceeded to token exchange when neither metadata advertised iss support nor "
                                 "redirect contained iss" if ok else
                                 "Client did not proceed to token exchange — should proceed when iss is absent and not "
                                 "advertised", "SUCCESS" if ok else "FAILURE", SPEC, {"tokenRequestMade": ok}))
        return self.checks


class _IssRejectScenario(_IssScenario):
    allow_client_error = True
    check_id = check_name = ok_text = bad_text = ""

    def _details(self):
        return {}

    def get_checks(self):
        if not any(c["id"] == self.check_id for c in self.checks):
            ok = self._rejected()
            self.checks.append(check(self.check_id, self.check_name, self.ok_text if ok else self.bad_text,
                                     "SUCCESS" if ok else "FAILURE", SPEC,
                                     {**self._details(), "authReached": self.auth_reached,
                                      "tokenRequestMade": self.token_request_made}, now()))
        return self.checks


class IssParameterSupportedMissingScenario(_IssRejectScenario):
    name = "auth/iss-supported-missing"
    description = ("Tests that client rejects authorization response when server advertised iss support but omitted "
                   "iss from redirect")
    iss_supported, iss_in_redirect = True, "omit"
    check_id, check_name = "sep-2468-client-reject-missing-iss", "Client rejects missing iss when required"
    ok_text = "Client correctly rejected authorization response missing required iss parameter"
    bad_text = ("Client MUST reject authorization response when server advertised iss support but iss is absent from "
                "redirect")

    def _details(self):
        return {"serverAdvertisedSupport": True, "issSentInRedirect": False}


class IssParameterWrongIssuerScenario(_IssRejectScenario):
    name = "auth/iss-wrong-issuer"
    description = ("Tests that client rejects authorization response when iss does not match the authorization server "
                   "issuer")
    iss_supported, iss_in_redirect = True, "wrong"
    check_id, check_name = "sep-2468-client-compare-iss-supported", "Client rejects mismatched iss"
    ok_text = "Client correctly rejected authorization response with mismatched iss parameter"
    bad_text = "Client MUST reject authorization response when iss does not match the authorization server issuer"

    def _details(self):
        return {"serverAdvertisedSupport": True, "issSentInRedirect": "https://evil.example.com"}


class IssParameterUnexpectedScenario(_IssRejectScenario):
    name = "auth/iss-unexpected"
    description = ("Tests that client compares iss against recorded issuer even when not advertised, and rejects on "
                   "mismatch")
    iss_supported, iss_in_redirect = None, "wrong"
    check_id = "sep-2468-client-compare-iss-unadvertised"
    check_name = "Client compares unadvertised iss and rejects mismatch"
    ok_text = "Client correctly compared unadvertised iss against recorded issuer and rejected the mismatch"
    bad_text = ("Client MUST compare a present iss against the recorded issuer regardless of metadata advertisement, "
                "and reject on mismatch")

    def _details(self):
        return {"serverAdvertisedSupport": False, "issSentInRedirect": "https://evil.example.com"}


class IssParameterNormalizedVariantScenario(_IssRejectScenario):
    name = "auth/iss-normalized"
    description = "Tests that client compares iss using simple string comparison without applying URL normalization"
    iss_supported, iss_in_redirect = True, "normalized"
    check_id, check_name = "sep-2468-client-no-normalization", "Client compares iss without URL normalization"
    ok_text = "Client rejected an iss value that only matches the recorded issuer after URL normalization"
    bad_text = ("Client MUST NOT apply scheme/host case folding, default-port elision, trailing-slash, or "
                "percent-encoding normalization to iss before comparison; a trailing-slash variant of the issuer must "
                "be treated as a mismatch")

    def _details(self):
        return {"recordedIssuer": self.auth.get_url(), "issSentInRedirect": f"{self.auth.get_url()}/"}


class MetadataIssuerMismatchScenario(Scenario):
    name = "auth/metadata-issuer-mismatch"
    source = {"introducedIn": "2026-07-28"}
    description = ("Tests that client rejects authorization server metadata whose issuer does not match the issuer "
                   "used to construct the well-known URL")
    allow_client_error = True

    async def start(self, ctx):
        self.checks = checks = []
        self.used = False
        self.auth = auth = self.lifecycle()
        server = self.lifecycle()
        verifier = MockTokenVerifier(checks, [])

        def mark(*_):
            self.used = True  # reached an endpoint only the poisoned metadata names

        def on_register(req):
            mark()
            return {"clientId": "test-client-id", "clientSecret": "test-client-secret"}

        def on_token(data):
            mark()
            return {"token": f"test-token-{int(time.time() * 1000)}", "scopes": []}
        await self.serve(auth, create_auth_server(ctx, checks, auth.get_url, token_verifier=verifier,
                                                  metadata_issuer="https://attacker.example.com",
                                                  route_prefix="/mismatched-as", on_registration_request=on_register,
                                                  on_authorization_request=mark, on_token_request=on_token))
        await self.serve(server, McpServer(ctx, checks, server.get_url, auth.get_url, required_scopes=[],
                                           token_verifier=verifier))
        return {"serverUrl": f"{server.get_url()}/mcp"}

    def get_checks(self):
        if not any(c["id"] == "sep-2468-client-validate-metadata-issuer" for c in self.checks):
            requested = any(c["id"] == "authorization-server-metadata" for c in self.checks)
            ok = requested and not self.used
            if ok:
                d = ("Client rejected authorization server metadata whose issuer does not match the issuer identifier "
                     "used to construct the well-known URL")
            elif requested:
                d = ("Client MUST NOT use authorization server metadata whose issuer differs from the issuer identifier "
                     "used to construct the well-known URL; client used endpoints from the mismatched metadata")
            else:
                d = ("Client never retrieved the authorization server metadata document, so issuer validation could "
                     "not be observed")
            self.checks.append(check("sep-2468-client-validate-metadata-issuer",
                                     "Client validates metadata issuer against well-known URL", d,
                                     "SUCCESS" if ok else "FAILURE", METADATA_SPEC,
                                     {"expectedIssuer": self.auth.get_url(),
                                      "metadataIssuer": "https://attacker.example.com",
                                      "metadataRequested": requested, "metadataEndpointsUsed": self.used}))
        return self.checks
