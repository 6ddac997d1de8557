"""dpop.ts (extension io.modelcontextprotocol/auth/dpop, SEP-1932 / RFC 9449): authorization code +
PKCE + DCR against an AS that advertises dpop_signing_alg_values_supported ["ES256"] and binds the
token it issues to the key of a valid DPoP proof at its token endpoint (an at+jwt with cnf.jkt,
token_type DPoP); the MCP server's judge (dpop_helpers.create_dpop_resource_auth) challenges with
`WWW-Authenticate: DPoP resource_metadata=...` and observes every authenticated request: the DPoP
scheme, a proof bound to the request (htm, normalised htu, iat), to the token (ath) and to its key
(cnf.jkt), a fresh jti each time. Two registrations: auth/dpop with no nonces (3 DPoP checks) and
auth/dpop-nonce, where the AS and the MCP server each demand their own nonce (use_dpop_nonce, §8/§9;
5 DPoP checks), whose repeated token-flow checks are collapsed one per id. No context."""
from .. import spec_references as refs
from ..auth_server import create_auth_server
from ..checks import collapse_duplicate_checks, now
from ..dpop_helpers import create_dpop_resource_auth, new_dpop_client_observations
from ..mcp_server import McpServer
from ..scenario import Scenario

PRM_PATH = "/.well-known/oauth-protected-resource/mcp"

CHECK_DEFS = {
    "sep-1932-client-dpop-auth-scheme": (
        "DpopAuthScheme",
        "Client presents the access token with the DPoP Authorization scheme (not Bearer)",
        [refs.SEP_1932_DPOP, refs.DPOP_EXTENSION, refs.RFC_9449_AUTH_SCHEME]),
    "sep-1932-client-fresh-proof": (
        "DpopFreshProof",
        "Client includes a fresh, well-formed DPoP proof in the DPoP header on each MCP POST request",
        [refs.RFC_9449_CHECKING_PROOFS, refs.RFC_9449_PROOF_SYNTAX, refs.DPOP_EXTENSION]),
    "sep-1932-client-token-request-proof": (
        "DpopTokenRequestProof",
        "Client includes a valid DPoP proof in the DPoP header of its token request — the prerequisite for "
        "obtaining a DPoP-bound access token (RFC 9449 §5)",
        [refs.SEP_1932_DPOP, refs.DPOP_EXTENSION, refs.RFC_9449_TOKEN_REQUEST]),
    "sep-1932-client-as-nonce": (
        "DpopAsNonce",
        "On a use_dpop_nonce challenge from the token endpoint, the client retries the token request with the "
        "server-supplied nonce (RFC 9449 §8)",
        [refs.SEP_1932_DPOP, refs.DPOP_EXTENSION, refs.RFC_9449_AS_NONCE]),
    "sep-1932-client-rs-nonce": (
        "DpopRsNonce",
        "On a use_dpop_nonce challenge from the MCP server, the client retries the request with the "
        "server-supplied nonce (RFC 9449 §9)",
        [refs.SEP_1932_DPOP, refs.DPOP_EXTENSION, refs.RFC_9449_RS_NONCE]),
}


def _new_token_request_obs():
    return {"recorded": False, "validProof": False, "error": None, "asNonceChallengeIssued": False,
            "asNonceHonored": False}


def _unique(items):
    return list(dict.fromkeys(items))


class DPoPClientScenario(Scenario):
    source = {"extensionId": "io.modelcontextprotocol/auth/dpop"}

    def __init__(self, require_nonce):
        super().__init__()
        self.require_nonce = require_nonce
        self.name = "auth/dpop-nonce" if require_nonce else "auth/dpop"
        self.description = (
            "Tests that an MCP client, when the authorization server and MCP server require a DPoP nonce, retries "
            "the token request and the MCP request with the server-supplied nonce (RFC 9449 §8/§9) — on top of "
            "requesting a DPoP-bound token and presenting it with the DPoP Authorization scheme and a fresh proof "
            "per request (SEP-1932 / RFC 9449 §5, §7.1, §4.2–4.3)." if require_nonce else
            "Tests that an MCP client requests a DPoP-bound access token (a valid DPoP proof at the token request) "
            "and presents it using the DPoP Authorization scheme (not Bearer) with a fresh, well-formed DPoP proof "
            "on each POST /mcp request, when the server does not require a nonce (SEP-1932 / RFC 9449 §5, §7.1, "
            "§4.2–4.3).")
        self.obs = new_dpop_client_observations()
        self.token_req_obs = _new_token_request_obs()

    async def start(self, ctx):
        self.checks = checks = []
        self.obs = new_dpop_client_observations()
        self.token_req_obs = _new_token_request_obs()
        auth, server = self.lifecycle(), self.lifecycle()
        await self.serve(auth, create_auth_server(ctx, checks, auth.get_url, dpop_signing_alg_values_supported=["ES256"],
                                                  dpop_token_request_obs=self.token_req_obs,
                                                  dpop_require_nonce=self.require_nonce))
        judge = create_dpop_resource_auth(self.obs, lambda: f"{server.get_url()}/mcp",
                                          lambda: f"{server.get_url()}{PRM_PATH}", self.require_nonce)
        await self.serve(server, McpServer(ctx, checks, server.get_url, auth.get_url, auth_middleware=judge))
        return {"serverUrl": f"{server.get_url()}/mcp"}

    def get_checks(self):
        # only the nonce posture re-POSTs /token (challenge, retry), doubling the shared token-flow
        # checks: collapsed there; the baseline keeps genuinely repeated attempts
        shared = collapse_duplicate_checks(self.checks) if self.require_nonce else self.checks
        out = [*shared, self._token_request_proof(), self._auth_scheme(), self._fresh_proof()]
        if self.require_nonce:
            out += [self._as_nonce(), self._rs_nonce()]
        return out

    def _build(self, id, status, error_message=None, details=None):
        name, description, spec = CHECK_DEFS[id]
        c = {"id": id, "name": name, "description": description, "status": status, "timestamp": now(),
             "specReferences": list(spec)}
        if error_message:
            c["errorMessage"] = error_message
        if details is not None:
            c["details"] = details
        return c

    def _as_nonce(self):
        challenged, honored = self.token_req_obs["asNonceChallengeIssued"], self.token_req_obs["asNonceHonored"]
        ok = challenged and honored  # pre-sending the nonce unchallenged does not pass
        return self._build("sep-1932-client-as-nonce", "SUCCESS" if ok else "FAILURE",
                           None if ok else
                           "Client did not complete the token request with the server-supplied nonce after a "
                           "use_dpop_nonce challenge (it either did not retry or the retried proof was rejected)"
                           if challenged else
                           "Client never presented a valid proof that was answered with a use_dpop_nonce challenge",
                           {"challengeIssued": challenged, "nonceHonored": honored})

    def _rs_nonce(self):
        challenged, honored = self.obs["rsNonceChallengeIssued"], self.obs["rsNonceHonored"]
        ok = challenged and honored
        return self._build("sep-1932-client-rs-nonce", "SUCCESS" if ok else "FAILURE",
                           None if ok else
                           "Client did not complete the MCP request with the server-supplied nonce after a "
                           "use_dpop_nonce challenge (it either did not retry or the retried proof was rejected)"
                           if challenged else
                           "Client never made an MCP request with a valid proof that was answered with a "
                           "use_dpop_nonce challenge",
                           {"challengeIssued": challenged, "nonceHonored": honored})

    def _token_request_proof(self):
        o = self.token_req_obs
        if not o["recorded"]:
            status, message = "FAILURE", ("Client never completed an authorization_code token request, so it "
                                          "obtained no DPoP-bound token")
        elif not o["validProof"]:
            status, message = "FAILURE", ("Client did not present a valid DPoP proof at the token endpoint: "
                                          f"{o['error'] if o['error'] is not None else 'undefined'}")
        else:
            status, message = "SUCCESS", None
        return self._build("sep-1932-client-token-request-proof", status, message,
                           {"tokenRequestObserved": o["recorded"], "validProofPresented": o["validProof"]})

    def _auth_scheme(self):
        o = self.obs
        if o["authenticatedRequests"] == 0:
            status, message = "FAILURE", "Client never presented an access token to the MCP server"
        elif o["nonDpopSchemeSeen"]:
            status, message = "FAILURE", ("Client presented the token with a non-DPoP Authorization scheme "
                                          f"({', '.join(_unique(o['observedSchemes']))})")
        else:
            status, message = "SUCCESS", None
        return self._build("sep-1932-client-dpop-auth-scheme", status, message,
                           {"authenticatedRequests": o["authenticatedRequests"],
                            "observedSchemes": _unique(o["observedSchemes"])})

    def _fresh_proof(self):
        o = self.obs
        if o["authenticatedRequests"] == 0:
            status, message = "FAILURE", "Client never presented an access token to the MCP server"
        elif not o["allProofsWellFormed"]:
            status, message = "FAILURE", f"DPoP proof was missing or malformed: {o['proofError']}"
        elif o["replayDetected"]:
            status, message = "FAILURE", ("Client reused a DPoP proof (duplicate jti) across requests instead of "
                                          "sending a fresh one")
        else:
            status, message = "SUCCESS", None
        return self._build("sep-1932-client-fresh-proof", status, message,
                           {"authenticatedRequests": o["authenticatedRequests"], "distinctJtis": len(o["jtisSeen"]),
                            "replayDetected": o["replayDetected"]})


SCENARIOS = [lambda: DPoPClientScenario(False), lambda: DPoPClientScenario(True)]
