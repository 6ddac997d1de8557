"""DPoP proof validation (RFC 9449) for the OAuth test peer (oauth_server.py).

One function, `check`, judges the `DPoP` header(s) of a request as RFC 9449 section 4.3 asks (and
as the MCP conformance suite's mock servers do, in the same order): a JWT whose header says
`typ: dpop+jwt`, an asymmetric `alg` this peer advertises, a public `jwk` without private members
that verifies the signature; then the claims: a `jti` never seen before, `htm` = the request's
method, `htu` = the request's URL without query and fragment, `iat` within 300 s of this clock,
and, where an access token comes with the proof, `ath` = base64url(SHA-256(token)) and the key's
RFC 7638 thumbprint = the token's binding. Nonces are the caller's business: a `use_dpop_nonce`
answer differs between the authorization server (400) and the resource server (401).

The verdict is a dict the caller logs as it is: present, valid, reason (what was wrong, for the
test's assertion message), jti, nonce, jkt, htm, htu, iat.
"""
import base64
import hashlib
import json
import math
from urllib.parse import urlsplit

import jwt
from jwt.algorithms import ECAlgorithm

ALGS = ["ES256"]                  # what the AS metadata advertises in dpop_signing_alg_values_supported
IAT_WINDOW = 300                  # seconds either side of this clock (RFC 9449 section 11.1, the MCP extension)
PRIVATE_JWK_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "oth", "k")
SYMMETRIC_OR_NONE = ("none", "HS256", "HS384", "HS512")


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def b64url_decode(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def thumbprint(jwk):
    """RFC 7638 SHA-256 thumbprint: the required members only, sorted, no whitespace."""
    required = {"EC": ("crv", "kty", "x", "y"), "RSA": ("e", "kty", "n"), "OKP": ("crv", "kty", "x")}[jwk["kty"]]
    canonical = json.dumps({k: jwk[k] for k in required}, separators=(",", ":"), sort_keys=True)
    return b64url(hashlib.sha256(canonical.encode()).digest())


def ath_of(access_token):
    return b64url(hashlib.sha256(access_token.encode("ascii")).digest())


def normalise_htu(url):
    """RFC 3986 syntax- and scheme-based normalisation as the suite does it: lowercase scheme and
    host, the default port dropped, one trailing slash of the path dropped; query and fragment
    are not part of it (the caller refuses an htu that carries them)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{url!r} is not an absolute http(s) URL")
    host = parts.hostname.lower()
    if ":" in host:
        host = f"[{host}]"
    port = parts.port  # raises ValueError on a bad port
    if port is not None and port != {"http": 80, "https": 443}[scheme]:
        host += f":{port}"
    path = parts.path
    if path.endswith("/"):
        path = path[:-1]
    return f"{scheme}://{host}{path}"


def is_number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def check(values, *, method, url, now, seen_jtis, access_token=None, bound_jkt=None):
    """Judges the DPoP header values of one request (`values`: every `DPoP` header, in order).
    `seen_jtis` (jti -> first use) is shared by every endpoint of the peer: a jti is spent once
    its proof's signature verified, whatever else was wrong with the proof."""
    verdict = {"present": bool(values), "valid": False, "reason": None, "jti": None, "nonce": None,
               "jkt": None, "htm": None, "htu": None, "iat": None}

    def bad(reason):
        verdict["reason"] = reason
        return verdict

    if not values:
        return bad("no DPoP header")
    if len(values) > 1 or "," in values[0]:
        return bad("more than one DPoP proof (RFC 9449 section 4.3: exactly one DPoP header)")
    proof = values[0].strip()
    segments = proof.split(".")
    if len(segments) != 3:
        return bad(f"the DPoP header is not a compact JWS (it has {len(segments)} dot-separated parts, not 3)")
    try:
        header = json.loads(b64url_decode(segments[0]))
        claims = json.loads(b64url_decode(segments[1]))
    except (ValueError, UnicodeDecodeError) as e:
        return bad(f"the DPoP header is not a JWT (header or payload is not base64url JSON: {e})")
    if not isinstance(header, dict) or not isinstance(claims, dict):
        return bad("the DPoP proof's header and payload must be JSON objects")
    if header.get("typ") != "dpop+jwt":
        return bad(f"typ must be dpop+jwt, not {header.get('typ')!r}")
    alg = header.get("alg")
    if alg in SYMMETRIC_OR_NONE or not isinstance(alg, str):
        return bad(f"alg {alg!r} is not an asymmetric signature algorithm")
    if alg not in ALGS:
        return bad(f"alg {alg} is not in dpop_signing_alg_values_supported {ALGS}")
    jwk = header.get("jwk")
    if not isinstance(jwk, dict):
        return bad("the proof's header has no jwk (the public key) object")
    private = [m for m in PRIVATE_JWK_MEMBERS if m in jwk]
    if private:
        return bad(f"the jwk carries private key material ({', '.join(private)}): it must be the public key only")
    if jwk.get("kty") != "EC" or jwk.get("crv") != "P-256" or not jwk.get("x") or not jwk.get("y"):
        return bad(f"the jwk must be an EC P-256 public key (kty EC, crv P-256, x, y) for ES256, not {jwk}")
    try:
        key = ECAlgorithm.from_jwk(json.dumps(jwk))
        verdict["jkt"] = thumbprint(jwk)
    except Exception as e:  # noqa: BLE001 - any malformed key is the client's fault
        return bad(f"the jwk is not a usable EC public key: {e}")
    try:
        jwt.PyJWS().decode(proof, key, algorithms=[alg])
    except jwt.InvalidSignatureError:
        return bad("the signature does not verify with the jwk in the header (ES256 wants the raw 64-byte R||S form)")
    except jwt.PyJWTError as e:
        return bad(f"the proof does not verify: {e}")

    for claim in ("jti", "nonce", "htm", "htu", "iat"):
        verdict[claim] = claims.get(claim)
    jti = claims.get("jti")
    if not isinstance(jti, str) or not jti:
        return bad("jti is missing or not a string")
    if jti in seen_jtis:
        return bad(f"jti {jti!r} was already used by an earlier proof (replay; every proof needs a fresh jti)")
    seen_jtis[jti] = now
    htm = claims.get("htm")
    if htm != method:
        return bad(f"htm {htm!r} is not the request's method {method}")
    htu = claims.get("htu")
    if not isinstance(htu, str):
        return bad("htu is missing or not a string")
    if "?" in htu or "#" in htu:
        return bad(f"htu {htu!r} carries a query or fragment (RFC 9449 section 4.2: the URI without them)")
    try:
        if normalise_htu(htu) != normalise_htu(url):
            return bad(f"htu {htu!r} is not this request's URL {url}")
    except ValueError as e:
        return bad(f"htu {htu!r} is not a URL: {e}")
    iat = claims.get("iat")
    if not is_number(iat):
        return bad("iat is missing or not a number")
    if abs(now - iat) > IAT_WINDOW:
        return bad(f"iat {iat} is {now - iat:+.0f} s from this server's clock (window +-{IAT_WINDOW} s)")
    if access_token is not None:
        ath = claims.get("ath")
        if ath is None:
            return bad("ath is missing (a proof that comes with an access token must hash it)")
        if ath != ath_of(access_token):
            return bad("ath is not base64url(SHA-256(access token)) of the token presented")
    if bound_jkt is not None and verdict["jkt"] != bound_jkt:
        return bad(f"the proof's key (thumbprint {verdict['jkt']}) is not the key the token is bound to ({bound_jkt})")
    verdict["valid"] = True
    return verdict
