"""helpers/createAuthServer.ts: RFC 8414 / OpenID metadata, an authorization endpoint that approves
at once and redirects with code=test-auth-code (and iss as configured), a token endpoint checking
PKCE, and RFC 7591 registration. Every step records the suite's checks. Its DPoP parts (SEP-1932)
are opt-in as there (dpop_signing_alg_values_supported): the metadata field, the token endpoint's
proof validation (dpop_helpers), the DPoP-bound at+jwt token, the use_dpop_nonce challenge
(dpop_require_nonce) and the observation the dpop scenarios judge; its negative-test
`dpopMisbehavior` modes serve the suite's server-side self-tests only and are left out."""
import base64
import hashlib
import inspect
import time
from urllib.parse import urlencode, urlparse, urlunparse, parse_qsl

from . import jose
from . import spec_references as refs
from .checks import check, now
from .dpop_helpers import AS_DPOP_NONCE, mint_dpop_bound_token, validate_dpop_proof_at_token_endpoint
from .express import App, body_parser, js_url, json_response, prop, redirect
from .request_logger import request_logger


def s256(verifier):
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).decode().rstrip("=")


def _set_param(url, name, value):
    # URL.searchParams.set: replace the parameter, keep the others
    parts = urlparse(url)
    q = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != name] + [(name, value)]
    return urlunparse(parts._replace(query=urlencode(q)))


async def _maybe_await(v):
    return await v if inspect.isawaitable(v) else v


def _js_text(v):
    """`${v}` of a parsed JSON value, for the failure text."""
    if v is None or isinstance(v, bool):
        return {None: "null", True: "true", False: "false"}[v]
    if isinstance(v, dict):
        return "[object Object]"
    if isinstance(v, list):
        return ",".join("" if x is None else _js_text(x) for x in v)
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


def create_auth_server(ctx, checks, get_auth_base_url, *, metadata_path="/.well-known/oauth-authorization-server",
                       is_openid_configuration=False, logging_enabled=True, route_prefix="",
                       scopes_supported=None, grant_types_supported=("authorization_code", "refresh_token"),
                       token_endpoint_auth_methods_supported=("none",),
                       token_endpoint_auth_signing_alg_values_supported=None,
                       client_id_metadata_document_supported=None, disable_dynamic_registration=False,
                       code_challenge_methods_supported=("S256",), iss_parameter_supported=True,
                       iss_in_redirect="correct", metadata_issuer=None, token_verifier=None,
                       on_token_request=None, on_authorization_request=None, on_registration_request=None,
                       dpop_signing_alg_values_supported=None, dpop_token_request_obs=None, dpop_require_nonce=False):
    state = {"last_scopes": [], "challenge": None, "dpop_issuer_key": None}
    dpop_enabled = dpop_signing_alg_values_supported is not None

    def record_token_request_proof(grant_type, ok, detail=None):
        # sticky: one authorization_code exchange without a valid proof fails it for good; others ignored
        obs = dpop_token_request_obs
        if grant_type != "authorization_code" or obs is None:
            return
        valid = (obs["validProof"] and ok) if obs["recorded"] else ok
        obs["recorded"] = True
        obs["validProof"] = valid
        if not valid and detail and obs.get("error") is None:
            obs["error"] = detail
    routes = {"authorization_endpoint": f"{route_prefix}/authorize",
              "token_endpoint": f"{route_prefix}/token",
              "registration_endpoint": f"{route_prefix}/register"}

    def resolve_issuer():
        # metadata `issuer` and the RFC 9207 `iss` must be the same string (RFC 9207 §2.4)
        if callable(metadata_issuer):
            return metadata_issuer()
        return metadata_issuer if metadata_issuer is not None else f"{get_auth_base_url()}{route_prefix}"

    app = App()
    app.middleware += [body_parser("json"), body_parser("urlencoded")]
    if logging_enabled:
        app.middleware.append(request_logger(checks, "incoming-auth-request", "outgoing-auth-response"))

    async def metadata(req):
        checks.append(check("authorization-server-metadata", "AuthorizationServerMetadata",
                            "Client requested authorization server metadata", "SUCCESS",
                            [refs.RFC_AUTH_SERVER_METADATA_REQUEST, refs.MCP_AUTH_DISCOVERY],
                            {"url": req.url, "path": req.path}))
        base = get_auth_base_url()
        md = {"issuer": resolve_issuer(),
              "authorization_endpoint": base + routes["authorization_endpoint"],
              "token_endpoint": base + routes["token_endpoint"]}
        if not disable_dynamic_registration:
            md["registration_endpoint"] = base + routes["registration_endpoint"]
        md["response_types_supported"] = ["code"]
        md["grant_types_supported"] = list(grant_types_supported)
        if code_challenge_methods_supported is not None:
            md["code_challenge_methods_supported"] = list(code_challenge_methods_supported)
        if iss_parameter_supported is not None:
            md["authorization_response_iss_parameter_supported"] = iss_parameter_supported
        md["token_endpoint_auth_methods_supported"] = list(token_endpoint_auth_methods_supported)
        if token_endpoint_auth_signing_alg_values_supported:
            md["token_endpoint_auth_signing_alg_values_supported"] = list(token_endpoint_auth_signing_alg_values_supported)
        if dpop_signing_alg_values_supported is not None:
            # dpop_bound_access_tokens is client metadata (RFC 9449 §5.2): not advertised
            md["dpop_signing_alg_values_supported"] = list(dpop_signing_alg_values_supported)
        if scopes_supported is not None:
            md["scopes_supported"] = list(scopes_supported)
        if client_id_metadata_document_supported is not None:
            md["client_id_metadata_document_supported"] = client_id_metadata_document_supported
        if is_openid_configuration:
            md["jwks_uri"] = f"{base}/.well-known/jwks.json"
            md["subject_types_supported"] = ["public"]
            md["id_token_signing_alg_values_supported"] = ["RS256"]
        return json_response(md)

    async def authorize(req):
        ts = now()
        checks.append(check("authorization-request", "AuthorizationRequest", "Client made authorization request",
                            "SUCCESS", [refs.OAUTH_2_1_AUTHORIZATION_ENDPOINT], {"query": req.query}, ts))
        challenge = req.query.get("code_challenge")
        method = req.query.get("code_challenge_method")
        state["challenge"] = challenge
        checks.append(check("pkce-code-challenge-sent", "PKCE Code Challenge",
                            "Client sent code_challenge in authorization request" if challenge
                            else "Client MUST send code_challenge in authorization request",
                            "SUCCESS" if challenge else "FAILURE", [refs.MCP_PKCE], timestamp=ts))
        checks.append(check("pkce-s256-method-used", "PKCE S256 Method",
                            "Client used S256 code challenge method" if method == "S256"
                            else "Client MUST use S256 code challenge method when technically capable",
                            "SUCCESS" if method == "S256" else "FAILURE", [refs.MCP_PKCE],
                            {"method": method or "not specified"}, ts))
        scope = req.query.get("scope")
        state["last_scopes"] = scope.split(" ") if scope else []
        if on_authorization_request:
            on_authorization_request({"clientId": req.query.get("client_id"), "scope": scope,
                                      "resource": req.query.get("resource"), "timestamp": ts})
        url = _set_param(js_url(req.query.get("redirect_uri")), "code", "test-auth-code")
        if req.query.get("state"):
            url = _set_param(url, "state", req.query["state"])
        if iss_in_redirect == "correct":
            url = _set_param(url, "iss", resolve_issuer())
        elif iss_in_redirect == "wrong":
            url = _set_param(url, "iss", "https://evil.example.com")
        elif iss_in_redirect == "normalized":
            url = _set_param(url, "iss", resolve_issuer() + "/")
        return redirect(url)

    async def token(req):
        ts = now()
        body = req.body
        requested_scope = prop(body, "scope")  # no parsed body: a TypeError, Express' 500
        grant_type = prop(body, "grant_type")
        checks.append(check("token-request", "TokenRequest", "Client requested access token", "SUCCESS",
                            [refs.OAUTH_2_1_TOKEN], {"endpoint": "/token", "grantType": grant_type}, ts))
        verifier = prop(body, "code_verifier")
        if grant_type == "authorization_code":
            checks.append(check("pkce-code-verifier-sent", "PKCE Code Verifier",
                                "Client sent code_verifier in token request" if verifier
                                else "Client MUST send code_verifier in token request",
                                "SUCCESS" if verifier else "FAILURE", [refs.MCP_PKCE], timestamp=ts))
            stored = state["challenge"]
            computed = s256(verifier) if verifier and stored else None
            matches = computed is not None and computed == stored
            if not stored and not verifier:
                d = "Neither code_challenge nor code_verifier were sent - PKCE is required"
            elif not stored:
                d = "code_challenge was not sent in authorization request - PKCE is required"
            elif not verifier:
                d = "code_verifier was not sent in token request - PKCE is required"
            elif matches:
                d = "code_verifier correctly matches code_challenge (S256)"
            else:
                d = "code_verifier does not match code_challenge"
            checks.append(check("pkce-verifier-matches-challenge", "PKCE Verifier Validation", d,
                                "SUCCESS" if matches else "FAILURE", [refs.MCP_PKCE],
                                {"matches": matches, "storedChallenge": stored or "not sent",
                                 "computedChallenge": computed or "not computed"}, ts))
        if dpop_enabled:
            denied = _dpop_token(req, grant_type, requested_scope)
            if denied is not None:
                return denied
        tok = f"test-token-{int(time.time() * 1000)}"
        scopes = state["last_scopes"]
        if on_token_request:
            result = await _maybe_await(on_token_request({
                "scope": requested_scope, "grantType": grant_type, "timestamp": ts, "body": body,
                "authBaseUrl": get_auth_base_url(),
                "tokenEndpoint": get_auth_base_url() + routes["token_endpoint"],
                "authorizationHeader": req.get("authorization")}))
            if "error" in result:
                return json_response({"error": result["error"],
                                      "error_description": result.get("errorDescription")},
                                     result.get("statusCode") or 400)
            tok, scopes = result["token"], result["scopes"]
        if token_verifier:
            token_verifier.register_token(tok, scopes)
        out = {"access_token": tok, "token_type": "Bearer", "expires_in": 3600}
        if scopes:
            out["scope"] = " ".join(scopes)
        return json_response(out)

    def _dpop_token(req, grant_type, requested_scope):
        """The DPoP branch of POST /token: a response, or None to go on to a Bearer token (no proof)."""
        proof = req.joined("dpop")
        if proof is not None and "," in proof:  # more than one DPoP header
            record_token_request_proof(grant_type, False, "multiple DPoP proof headers")
            return json_response({"error": "invalid_dpop_proof", "error_description": "Multiple DPoP proof headers"}, 400)
        if not proof:
            # no proof: DPoP not exercised, a Bearer token follows (requiring one is a per-client policy)
            record_token_request_proof(grant_type, False, "no DPoP proof in the token request")
            return None
        result = validate_dpop_proof_at_token_endpoint(proof, get_auth_base_url() + routes["token_endpoint"])
        if not result["ok"]:
            record_token_request_proof(grant_type, False, result["error"])
            return json_response({"error": "invalid_dpop_proof", "error_description": result["error"]}, 400)
        # the proof is valid: recorded before any nonce challenge
        record_token_request_proof(grant_type, True)
        if dpop_require_nonce:
            try:
                nonce = jose.decode_jwt(proof).get("nonce")
            except jose.JOSEError:
                nonce = None
            if nonce != AS_DPOP_NONCE:
                if grant_type == "authorization_code" and dpop_token_request_obs is not None:
                    dpop_token_request_obs["asNonceChallengeIssued"] = True
                return json_response({"error": "use_dpop_nonce",
                                      "error_description": "Authorization server requires a DPoP nonce"}, 400,
                                     {"DPoP-Nonce": AS_DPOP_NONCE})
            if grant_type == "authorization_code" and dpop_token_request_obs is not None:
                dpop_token_request_obs["asNonceHonored"] = True
        if state["dpop_issuer_key"] is None:
            state["dpop_issuer_key"] = jose.generate_es256_key()
        resource = prop(req.body, "resource")
        bound = mint_dpop_bound_token(state["dpop_issuer_key"], resolve_issuer(),
                                      resource or "urn:conformance-test-resource", result["jkt"],
                                      requested_scope if requested_scope else None)
        out = {"access_token": bound, "token_type": "DPoP", "expires_in": 3600}
        if requested_scope:
            out["scope"] = requested_scope
        return json_response(out)

    async def register(req):
        client_id, secret, method = "test-client-id", "test-client-secret", None
        if on_registration_request:
            r = on_registration_request(req)
            client_id, secret, method = r["clientId"], r.get("clientSecret"), r.get("tokenEndpointAuthMethod")
        details = {"endpoint": "/register", "clientName": prop(req.body, "client_name")}  # no body: 500
        body = req.body if isinstance(req.body, dict) else {}
        if method:
            details["tokenEndpointAuthMethod"] = method
        checks.append(check("client-registration", "ClientRegistration", "Client registered with authorization server",
                            "SUCCESS", [refs.MCP_DCR], details))
        if ctx.stateless:
            # SEP-837 came with the draft (the revision that made the lifecycle stateless), so the check
            # exists only at that version; at 2025-11-25 it is not emitted at all
            omitted = "application_type" not in body
            app_type = body.get("application_type")
            valid = app_type in ("native", "web")
            if valid:
                d = f'Client specified application_type "{app_type}" during Dynamic Client Registration'
            elif omitted:
                d = ("Client MUST specify an appropriate application_type during Dynamic Client Registration "
                     "(SEP-837); field was omitted")
            else:
                d = (f"Client MUST specify an appropriate application_type during Dynamic Client Registration "
                     f'(SEP-837); got "{_js_text(app_type)}", expected "native" or "web"')
            checks.append(check("sep-837-application-type-present", "DCR application_type specified", d,
                                "SUCCESS" if valid else "FAILURE", [refs.MCP_DCR],
                                {"application_type": app_type if app_type is not None else "(omitted)"}))
        out = {"client_id": client_id}
        if secret:
            out["client_secret"] = secret
        out["client_name"] = body.get("client_name") or "test-client"
        out["redirect_uris"] = body.get("redirect_uris") or []
        if method:
            out["token_endpoint_auth_method"] = method
        return json_response(out, 201)

    app.get(metadata_path, metadata)
    app.get(routes["authorization_endpoint"], authorize)
    app.post(routes["token_endpoint"], token)
    app.post(routes["registration_endpoint"], register)
    return app
