"""The suite's DPoP helpers (SEP-1932 / RFC 9449), one module for three TypeScript files:
- helpers/createAuthServer.ts: validateDpopProofAtTokenEndpoint and normalizeHtu (the token
  endpoint's proof check; create_auth_server uses it);
- helpers/dpopToken.ts: mintDpopBoundToken, the at+jwt access token with cnf.jkt;
- helpers/dpopResourceAuth.ts: the MCP server's "judge" middleware, which challenges with a `DPoP`
  scheme 401, records how each authenticated request presents its token and proof (an invalid
  proof is only recorded, the request goes on), detects jti replay, and in the nonce posture
  answers a valid proof without the nonce with 401 use_dpop_nonce.
Validation is written here from the RFC and the TS code, not shared with any client's proof builder."""
import hashlib
from urllib.parse import urlsplit

from . import jose
from .express import json_response

AS_DPOP_NONCE = "conformance-as-dpop-nonce"
RS_DPOP_NONCE = "conformance-rs-dpop-nonce"
DPOP_ASYMMETRIC_ALGS = jose.ASYMMETRIC_ALGS
_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443, "ftp": 21}


def _resolve_dots(path):
    """The WHATWG path parser's "." and ".." segments (empty segments kept, unlike normpath)."""
    segments, out = path.split("/")[1:], []
    for i, seg in enumerate(segments):
        last = i == len(segments) - 1
        if seg.lower() in ("..", ".%2e", "%2e.", "%2e%2e"):
            if out:
                out.pop()
            if last:
                out.append("")
        elif seg.lower() in (".", "%2e"):
            if last:
                out.append("")
        else:
            out.append(seg)
    return "/" + "/".join(out)


def normalize_htu(u):
    """normalizeHtu: `${url.protocol}//${url.host}${url.pathname}` of the WHATWG parse with one
    trailing slash dropped, or the input unchanged when it does not parse. Re-created from that parse:
    scheme and host lower-cased, the scheme's default port dropped, an empty special path "/",
    backslashes as slashes and dot segments resolved in a special URL."""
    if not isinstance(u, str):
        return u
    try:
        parts = urlsplit(u.strip().replace("\\", "/") if u.strip().lower().startswith(tuple(
            f"{s}:" for s in _DEFAULT_PORTS)) else u.strip())
        scheme = parts.scheme.lower()
        if not scheme:
            return u
        special = scheme in _DEFAULT_PORTS
        if special and not parts.hostname:
            return u
        host = parts.hostname or ""
        if ":" in host:
            host = f"[{host}]"
        port = parts.port  # ValueError for a port that is not one
        if port is not None and port != _DEFAULT_PORTS.get(scheme):
            host = f"{host}:{port}"
        path = _resolve_dots(parts.path or "/") if special else parts.path
        if path.endswith("/"):
            path = path[:-1]
        return f"{scheme}://{host}{path}" if special or parts.netloc else f"{scheme}:{path}"
    except ValueError:
        return u


def _proof_claims(proof, htm, htu_target, htm_error, htu_error):
    """The checks both validators share, in their order: (jwk, claims) or an error string."""
    try:
        header = jose.decode_protected_header(proof)
    except jose.JOSEError:
        return None, "DPoP proof is not a well-formed JWT"
    if header.get("typ") != "dpop+jwt":
        return None, "typ must be dpop+jwt"
    alg = header.get("alg")
    if not alg or alg not in DPOP_ASYMMETRIC_ALGS:
        return None, "alg must be a supported asymmetric algorithm"
    jwk = header.get("jwk")
    if not jwk:
        return None, "missing jwk header parameter"
    if isinstance(jwk, dict) and "d" in jwk:
        return None, "jwk must not contain a private key"
    try:
        key = jose.import_jwk(jwk, alg)
        claims, _ = jose.jwt_verify(proof, key, algorithms=DPOP_ASYMMETRIC_ALGS)
    except Exception:  # import, signature or claim-set failure alike
        return None, "DPoP proof signature does not verify"
    if not isinstance(claims.get("jti"), str):
        return None, "missing jti claim"
    if claims.get("htm") != htm:
        return None, htm_error
    htu = claims.get("htu")
    if not isinstance(htu, str):
        return None, htu_error
    if "?" in htu or "#" in htu:
        return None, "htu MUST NOT contain a query or fragment (RFC 9449 §4.2)"
    if normalize_htu(htu) != normalize_htu(htu_target):
        return None, htu_error
    iat = claims.get("iat")
    if not jose._is_number(iat) or abs(jose.epoch() - iat) > 300:
        return None, "iat outside the acceptable window"
    return (jwk, claims), None


def validate_dpop_proof_at_token_endpoint(proof, token_endpoint_url):
    """{"ok": True, "jkt": ...} or {"ok": False, "error": ...} (the token-request subset of §4.3)."""
    got, error = _proof_claims(proof, "POST", token_endpoint_url, "htm does not match POST",
                               "htu does not match the token endpoint")
    if error:
        return {"ok": False, "error": error}
    jwk, _ = got
    return {"ok": True, "jkt": jose.calculate_jwk_thumbprint(jwk)}


def _ath(token):
    # createHash('sha256').update(token, 'ascii'): Node's 'ascii' writes each UTF-16 unit's low byte
    units = token.encode("utf-16-le")
    return jose.b64u(hashlib.sha256(bytes(units[0::2])).digest())


def validate_resource_proof(proof, token, method, resource_url):
    """validateResourceProof: {"ok": True, "jti": ...} or {"ok": False, "error": ...}."""
    if not proof:
        return {"ok": False, "error": "missing DPoP proof header"}
    if "," in proof:
        return {"ok": False, "error": "multiple DPoP proof headers"}
    got, error = _proof_claims(proof, method, resource_url, "htm does not match the request method",
                               "htu does not match the request URI")
    if error:
        return {"ok": False, "error": error}
    jwk, claims = got
    if not isinstance(claims.get("ath"), str) or claims["ath"] != _ath(token):
        return {"ok": False, "error": "ath does not match the presented access token"}
    try:
        cnf = jose.decode_jwt(token).get("cnf")
        thumbprint = jose.calculate_jwk_thumbprint(jwk)
        if not cnf or (cnf.get("jkt") if isinstance(cnf, dict) else None) != thumbprint:
            return {"ok": False, "error": "proof key thumbprint does not match the token cnf.jkt"}
    except jose.JOSEError:
        return {"ok": False, "error": "access token is not a decodable JWT"}
    return {"ok": True, "jti": claims["jti"]}


def mint_dpop_bound_token(issuer_key, issuer, audience, jkt, scope=None, subject="conformance-test-subject"):
    """mintDpopBoundToken without its negative-test knobs: ES256, typ at+jwt, cnf.jkt, 1 h."""
    iat = jose.epoch()
    payload = {}
    if scope is not None:
        payload["scope"] = scope
    payload["cnf"] = {"jkt": jkt}
    payload.update({"iss": issuer, "aud": audience, "sub": subject, "iat": iat, "exp": iat + 3600})
    return jose.sign_jwt(payload, {"alg": "ES256", "typ": "at+jwt"}, issuer_key)


def new_dpop_client_observations():
    return {"authenticatedRequests": 0, "nonDpopSchemeSeen": False, "observedSchemes": [], "jtisSeen": [],
            "replayDetected": False, "allProofsWellFormed": True, "proofError": None,
            "rsNonceChallengeIssued": False, "rsNonceHonored": False}


def _split_authorization(authorization):
    idx = authorization.find(" ")
    if idx == -1:
        return authorization, ""
    return authorization[:idx], authorization[idx + 1:].strip()


def create_dpop_resource_auth(obs, get_resource_url, get_prm_url, require_nonce=False):
    """createDpopResourceAuth, as an mcp_server auth middleware (None lets the request through)."""
    async def mw(req):
        authorization = req.get("authorization")
        if not authorization:
            return json_response({"error": "unauthorized"}, 401,
                                 {"WWW-Authenticate": f'DPoP resource_metadata="{get_prm_url()}"'})
        obs["authenticatedRequests"] += 1
        scheme, token = _split_authorization(authorization)
        obs["observedSchemes"].append(scheme)
        if scheme.lower() != "dpop":
            obs["nonDpopSchemeSeen"] = True
        proof = req.joined("dpop")
        result = validate_resource_proof(proof, token, req.method, get_resource_url())
        if not result["ok"]:
            obs["allProofsWellFormed"] = False
            if obs["proofError"] is None:
                obs["proofError"] = result["error"]
            return None
        # freshness is recorded for any valid proof, before the nonce gate (a proof re-sent across
        # the challenge and its retry is a replay)
        if result["jti"] in obs["jtisSeen"]:
            obs["replayDetected"] = True
        else:
            obs["jtisSeen"].append(result["jti"])
        if require_nonce:
            try:
                nonce = jose.decode_jwt(proof).get("nonce") if proof else None
            except jose.JOSEError:
                nonce = None
            if nonce != RS_DPOP_NONCE:
                obs["rsNonceChallengeIssued"] = True
                return json_response({"error": "use_dpop_nonce"}, 401, {
                    "WWW-Authenticate": f'DPoP error="use_dpop_nonce", resource_metadata="{get_prm_url()}"',
                    "DPoP-Nonce": RS_DPOP_NONCE})
            obs["rsNonceHonored"] = True
        return None
    return mw
