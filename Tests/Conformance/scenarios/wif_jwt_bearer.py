"""wif-jwt-bearer.ts (extension io.modelcontextprotocol/auth/wif, SEP-1933, workload identity
federation): the client presents a workload JWT it was given (MCP_CONFORMANCE_CONTEXT valid_jwt,
signed by a key the scenario makes for the run, aud = the AS issuer) in the RFC 7523 jwt-bearer grant,
with no client authentication and no registration (the AS advertises none). An error must end the
attempt: after any failed token request, another jwt-bearer request is a wif-no-retry WARNING and
another grant type a wif-grant-fallback WARNING. Two scopes make a verified assertion fail anyway
(wif.trigger-unauthorized: unauthorized_client, wif.rejected: invalid_scope), for the suite's
broken-client tests. The context's wrong_audience_jwt and expired_jwt serve those tests too
(helpers/createWorkloadJwt.ts makes all three)."""
import time

from .. import jose
from .. import spec_references as refs
from ..auth_server import create_auth_server
from ..checks import check, now
from ..express import prop
from ..mcp_server import McpServer
from ..scenario import Scenario
from ..token_verifier import MockTokenVerifier

JWT_BEARER_GRANT_TYPE = "urn:ietf:params:oauth:grant-type:jwt-bearer"
WIF_TRIGGER_UNAUTHORIZED_SCOPE = "wif.trigger-unauthorized"
WIF_REJECTED_SCOPE = "wif.rejected"
WIF_ISSUER = "https://idp.conformance-test.local"
WIF_SUBJECT = "conformance-workload"
WIF_CLIENT_ID = "conformance-wif-workload"
REFS = [refs.RFC_7523_JWT_BEARER, refs.SEP_1933_WIF]


def create_workload_jwt(private_key, audience, expires_in=300):
    """createWorkloadJwt: ES256, no typ or kid; iss, sub, aud, exp (now + expires_in), jti, iat."""
    iat = jose.epoch()
    return jose.sign_jwt({"iss": WIF_ISSUER, "sub": WIF_SUBJECT, "aud": audience, "exp": iat + expires_in,
                          "jti": jose.random_uuid(), "iat": iat}, {"alg": "ES256"}, private_key)


class WifJwtBearerScenario(Scenario):
    name = "auth/wif-jwt-bearer"
    source = {"extensionId": "io.modelcontextprotocol/auth/wif"}
    description = ("Tests the RFC 7523 JWT-bearer grant for workload identity federation (SEP-1933). "
                   "The client must: use grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer, "
                   "include the workload JWT as the assertion parameter, and surface errors "
                   "(invalid_grant, invalid_scope, unauthorized_client) without retrying or switching grant types.")

    async def start(self, ctx):
        self.checks = checks = []
        self.token_request_received = False
        self.failed_once = False
        private_key = jose.generate_es256_key()
        public_key = private_key.public_key()
        verifier = MockTokenVerifier(checks)
        auth, server = self.lifecycle(), self.lifecycle()

        def failure(check_id, name, description, ts, error, error_description):
            checks.append(check(check_id, name, description, "FAILURE", REFS, timestamp=ts))
            self.failed_once = True
            return {"error": error, "errorDescription": error_description}

        def on_token(data):
            grant_type, body, ts = data["grantType"], data["body"], data["timestamp"]
            # after any failure, any further token request: the client retried or switched grants
            if self.token_request_received and self.failed_once:
                if grant_type != JWT_BEARER_GRANT_TYPE:
                    checks.append(check("wif-grant-fallback", "WifGrantFallback",
                                        f"Client fell back to {_js(grant_type)} grant after a JWT-bearer token request "
                                        "was rejected; clients should not switch grant types after a JWT-bearer failure",
                                        "WARNING", REFS, timestamp=ts))
                    return {"error": "unsupported_grant_type", "errorDescription": "Only JWT-bearer grant is supported"}
                checks.append(check("wif-no-retry", "WifNoRetry",
                                    "Client retried JWT-bearer token request after a failure instead of giving up",
                                    "WARNING", REFS, timestamp=ts))
                return {"error": "invalid_request", "errorDescription": "Retry not allowed for JWT-bearer grant"}
            self.token_request_received = True
            if grant_type != JWT_BEARER_GRANT_TYPE:
                return failure("wif-grant-type", "WifGrantType",
                               f"Expected grant_type={JWT_BEARER_GRANT_TYPE}, got {_js(grant_type)}", ts,
                               "unsupported_grant_type", f"Only {JWT_BEARER_GRANT_TYPE} grant is supported")
            assertion = prop(body, "assertion")
            if not assertion:
                return failure("wif-assertion-missing", "WifAssertionMissing",
                               "Missing assertion parameter in JWT-bearer token request", ts,
                               "invalid_request", "Missing assertion parameter")
            try:
                # iss is not validated: the key is this run's; both slash forms of the issuer are accepted
                without_slash = data["authBaseUrl"].rstrip("/")
                jose.jwt_verify(assertion, public_key, audience=[without_slash, without_slash + "/"], clock_tolerance=5)
            except Exception as e:
                msg = str(e)
                if isinstance(e, jose.JWTExpired):
                    return failure("wif-assertion-expired", "WifAssertionExpired",
                                   f"JWT-bearer assertion is expired: {msg}", ts, "invalid_grant", "JWT assertion is expired")
                if isinstance(e, jose.JWTClaimValidationFailed) and e.claim == "aud":
                    return failure("wif-assertion-audience", "WifAssertionAudience",
                                   f"JWT-bearer assertion audience claim is invalid: {msg}", ts, "invalid_grant",
                                   "JWT assertion audience is invalid")
                return failure("wif-assertion-malformed", "WifAssertionMalformed",
                               f"JWT-bearer assertion is malformed or has an invalid signature: {msg}", ts,
                               "invalid_grant", f"JWT assertion verification failed: {msg}")
            checks.append(check("wif-assertion-verified", "WifAssertionVerified",
                                "Workload JWT assertion verified — signature, audience, and expiry are valid "
                                "(iss not validated; keypair is run-scoped)", "SUCCESS", REFS, timestamp=ts))
            scope = prop(body, "scope")
            scopes = scope.split(" ") if isinstance(scope, str) and scope else []
            if WIF_TRIGGER_UNAUTHORIZED_SCOPE in scopes:
                self.failed_once = True
                return {"error": "unauthorized_client", "errorDescription": "Client not authorized for JWT-bearer grant"}
            if WIF_REJECTED_SCOPE in scopes:
                self.failed_once = True
                return {"error": "invalid_scope", "errorDescription": "Requested scope is not permitted for this grant"}
            return {"token": f"test-token-{int(time.time() * 1000)}", "scopes": scopes}

        await self.serve(auth, create_auth_server(ctx, checks, auth.get_url, grant_types_supported=[JWT_BEARER_GRANT_TYPE],
                                                  token_endpoint_auth_methods_supported=["none"], token_verifier=verifier,
                                                  disable_dynamic_registration=True, on_token_request=on_token))
        as_url = auth.get_url()
        context = {"client_id": WIF_CLIENT_ID,
                   "valid_jwt": create_workload_jwt(private_key, as_url),
                   "wrong_audience_jwt": create_workload_jwt(private_key, "https://wrong.example"),
                   "expired_jwt": create_workload_jwt(private_key, as_url, -60)}
        await self.serve(server, McpServer(ctx, checks, server.get_url, auth.get_url, token_verifier=verifier))
        return {"serverUrl": f"{server.get_url()}/mcp", "context": context}

    def get_checks(self):
        if not self.token_request_received:
            self.checks.append(check("wif-assertion-verified", "WifAssertionVerified",
                                     "Client did not make a JWT-bearer token request", "FAILURE", REFS, timestamp=now()))
        return self.checks


def _js(v):
    return "undefined" if v is None else str(v)
