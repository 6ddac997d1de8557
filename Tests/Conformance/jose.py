"""Just enough of `jose` (the JOSE library the TypeScript scenarios use) for the extension scenarios,
on the `cryptography` package the MCP SDK brings: compact JWS signing (ES256 with the raw R||S
signature), jwtVerify with jose's order of checks, error classes and messages (the scenarios put
`e.message` or `${e}` into their check descriptions and tell JWTExpired from an `aud` failure),
decodeProtectedHeader, decodeJwt, importJWK for the asymmetric DPoP algorithms and the RFC 7638
thumbprint. Nothing here trusts a token it has not verified."""
import base64
import hashlib
import json
import re
import time
import uuid

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

# RFC 9449 §4.3 / §11.6: the asymmetric JWS algorithms a DPoP proof may use (DPOP_ASYMMETRIC_ALGS)
ASYMMETRIC_ALGS = ["ES256", "ES384", "ES512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "EdDSA"]

_HASH = {"256": hashes.SHA256, "384": hashes.SHA384, "512": hashes.SHA512}
_EC = {"ES256": (ec.SECP256R1, "P-256", 32), "ES384": (ec.SECP384R1, "P-384", 48), "ES512": (ec.SECP521R1, "P-521", 66)}
_CURVE_BY_CRV = {"P-256": ec.SECP256R1, "P-384": ec.SECP384R1, "P-521": ec.SECP521R1}


class JOSEError(Exception):
    js_name = None  # the JavaScript class name `${e}` starts with

    def __init__(self, message, claim=None, reason=None):
        super().__init__(message)
        self.message, self.claim, self.reason = message, claim, reason

    def __str__(self):
        return self.message


class JWSInvalid(JOSEError):
    pass


class JWTInvalid(JOSEError):
    pass


class JWKInvalid(JOSEError):
    pass


class JOSENotSupported(JOSEError):
    pass


class JOSEAlgNotAllowed(JOSEError):
    pass


class JWSSignatureVerificationFailed(JOSEError):
    def __init__(self, message="signature verification failed"):
        super().__init__(message)


class JWTClaimValidationFailed(JOSEError):
    pass


class JWTExpired(JWTClaimValidationFailed):
    pass


class KeyTypeError(JOSEError):
    """What jose throws as a plain TypeError (a key that cannot do the algorithm, bad formatting)."""
    js_name = "TypeError"


def js_string(e):
    """`${e}` of the error in JavaScript: "Name: message"."""
    if isinstance(e, JOSEError):
        return f"{e.js_name or type(e).__name__}: {e.message}"
    return f"Error: {e}"


def b64u(data):
    if isinstance(data, str):
        data = data.encode()
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def b64u_decode(text):
    if not isinstance(text, str) or not re.fullmatch(r"[A-Za-z0-9_-]*", text) or len(text) % 4 == 1:
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def compact_json(obj):
    """JSON.stringify: no spaces, non-ASCII kept."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False)


def epoch():
    return int(time.time())


def random_uuid():
    return str(uuid.uuid4())


# ---- keys ----

def generate_es256_key():
    """jose.generateKeyPair('ES256'): a P-256 private key (its public_key() is the public one)."""
    return ec.generate_private_key(ec.SECP256R1())


def export_pkcs8(private_key):
    """jose.exportPKCS8: PKCS#8 PEM, 64-column lines, no newline after the footer."""
    return private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption()).decode().rstrip("\n")


def export_public_jwk(public_key):
    """jose.exportJWK of an EC public key: kty, crv, x, y."""
    if not isinstance(public_key, ec.EllipticCurvePublicKey):
        raise JOSENotSupported("only EC public keys are exported here")
    n = public_key.public_numbers()
    crv = {"secp256r1": "P-256", "secp384r1": "P-384", "secp521r1": "P-521"}[public_key.curve.name]
    size = (public_key.curve.key_size + 7) // 8
    return {"kty": "EC", "crv": crv, "x": b64u(n.x.to_bytes(size, "big")), "y": b64u(n.y.to_bytes(size, "big"))}


def import_jwk(jwk, alg):
    """jose.importJWK(jwk, alg) for a public asymmetric key: the key object, or an error when the JWK
    is not one or does not suit `alg` (WebCrypto's import refuses a curve or type that does not)."""
    if not isinstance(jwk, dict):
        raise KeyTypeError("JWK must be an object")
    kty = jwk.get("kty")

    def member(name):
        v = jwk.get(name)
        if not isinstance(v, str) or not v:
            raise KeyTypeError(f'JWK "{name}" missing or invalid')
        try:
            return b64u_decode(v)
        except ValueError:
            raise KeyTypeError(f'JWK "{name}" is not base64url') from None

    if kty == "EC":
        if alg not in _EC:
            raise JOSENotSupported('Invalid or unsupported JWK "alg" (Algorithm) Parameter value')
        curve, crv, size = _EC[alg]
        if jwk.get("crv") != crv:
            raise JOSENotSupported('Invalid or unsupported JWK "crv" (Curve) Parameter value')
        x, y = member("x"), member("y")
        if len(x) != size or len(y) != size:
            raise KeyTypeError("Invalid EC key coordinates")
        try:
            return ec.EllipticCurvePublicNumbers(int.from_bytes(x, "big"), int.from_bytes(y, "big"), curve()).public_key()
        except ValueError as e:
            raise KeyTypeError(f"Invalid EC key: {e}") from None
    if kty == "RSA":
        if jwk.get("oth") is not None:
            raise JOSENotSupported('RSA JWK "oth" (Other Primes Info) Parameter value is not supported')
        if not (alg.startswith("RS") or alg.startswith("PS")) or alg[2:] not in _HASH:
            raise JOSENotSupported('Invalid or unsupported JWK "alg" (Algorithm) Parameter value')
        n, e = int.from_bytes(member("n"), "big"), int.from_bytes(member("e"), "big")
        try:
            return rsa.RSAPublicNumbers(e, n).public_key()
        except ValueError as err:
            raise KeyTypeError(f"Invalid RSA key: {err}") from None
    if kty == "OKP":
        if alg != "EdDSA":
            raise JOSENotSupported('Invalid or unsupported JWK "alg" (Algorithm) Parameter value')
        crv, x = jwk.get("crv"), member("x")
        try:
            if crv == "Ed25519":
                return ed25519.Ed25519PublicKey.from_public_bytes(x)
            if crv == "Ed448":
                return ed448.Ed448PublicKey.from_public_bytes(x)
        except ValueError as err:
            raise KeyTypeError(f"Invalid OKP key: {err}") from None
        raise JOSENotSupported('Invalid or unsupported JWK "crv" (Subtype of Key Pair) Parameter value')
    raise JOSENotSupported('Unsupported "kty" (Key Type) Parameter value')


def calculate_jwk_thumbprint(jwk):
    """jose.calculateJwkThumbprint(jwk, 'sha256'): RFC 7638, the required members in order."""
    if not isinstance(jwk, dict):
        raise KeyTypeError("JWK must be an object")

    def check(name, description):
        v = jwk.get(name)
        if not isinstance(v, str) or not v:
            raise JWKInvalid(f"{description} missing or invalid")
        return v
    kty = jwk.get("kty")
    if kty == "EC":
        members = {"crv": check("crv", '"crv" (Curve) Parameter'), "kty": kty,
                   "x": check("x", '"x" (X Coordinate) Parameter'), "y": check("y", '"y" (Y Coordinate) Parameter')}
    elif kty == "OKP":
        members = {"crv": check("crv", '"crv" (Subtype of Key Pair) Parameter'), "kty": kty,
                   "x": check("x", '"x" (Public Key) Parameter')}
    elif kty == "RSA":
        members = {"e": check("e", '"e" (Exponent) Parameter'), "kty": kty, "n": check("n", '"n" (Modulus) Parameter')}
    elif kty == "oct":
        members = {"k": check("k", '"k" (Key Value) Parameter'), "kty": kty}
    else:
        raise JOSENotSupported('"kty" (Key Type) Parameter missing or unsupported')
    return b64u(hashlib.sha256(compact_json(members).encode()).digest())


# ---- signing and verifying ----

def _check_key(alg, key, private):
    """jose's checkKeyType/checkSigCryptoKey: the key must be of the algorithm's type and curve."""
    if alg in _EC:
        want = (ec.EllipticCurvePrivateKey if private else ec.EllipticCurvePublicKey)
        if not isinstance(key, want):
            raise KeyTypeError("CryptoKey does not support this operation, its algorithm.name must be ECDSA")
        if not isinstance(key.curve, _EC[alg][0]):
            raise KeyTypeError(f"CryptoKey does not support this operation, its algorithm.namedCurve must be {_EC[alg][1]}")
    elif alg[:2] in ("RS", "PS") and alg[2:] in _HASH:
        want = (rsa.RSAPrivateKey if private else rsa.RSAPublicKey)
        if not isinstance(key, want):
            name = "RSASSA-PKCS1-v1_5" if alg.startswith("RS") else "RSA-PSS"
            raise KeyTypeError(f"CryptoKey does not support this operation, its algorithm.name must be {name}")
        if key.key_size < 2048:
            raise KeyTypeError(f"{alg} requires key modulusLength to be 2048 bits or larger")
    elif alg == "EdDSA":
        kinds = ((ed25519.Ed25519PrivateKey, ed448.Ed448PrivateKey) if private
                 else (ed25519.Ed25519PublicKey, ed448.Ed448PublicKey))
        if not isinstance(key, kinds):
            raise KeyTypeError("CryptoKey does not support this operation, its algorithm.name must be Ed25519 or Ed448")
    else:
        raise JOSENotSupported(f"alg {alg} is not supported either by JOSE or your javascript runtime")


def _sign(alg, key, data):
    _check_key(alg, key, True)
    if alg in _EC:
        r, s = decode_dss_signature(key.sign(data, ec.ECDSA(_HASH[alg[2:]]())))
        size = _EC[alg][2]
        return r.to_bytes(size, "big") + s.to_bytes(size, "big")  # JWS: raw R||S, not DER
    if alg.startswith("RS"):
        return key.sign(data, padding.PKCS1v15(), _HASH[alg[2:]]())
    if alg.startswith("PS"):
        h = _HASH[alg[2:]]()
        return key.sign(data, padding.PSS(padding.MGF1(h), h.digest_size), h)
    return key.sign(data)


def _verify(alg, key, signature, data):
    _check_key(alg, key, False)
    try:
        if alg in _EC:
            size = _EC[alg][2]
            if len(signature) != 2 * size:
                return False
            der = encode_dss_signature(int.from_bytes(signature[:size], "big"), int.from_bytes(signature[size:], "big"))
            key.verify(der, data, ec.ECDSA(_HASH[alg[2:]]()))
        elif alg.startswith("RS"):
            key.verify(signature, data, padding.PKCS1v15(), _HASH[alg[2:]]())
        elif alg.startswith("PS"):
            h = _HASH[alg[2:]]()
            key.verify(signature, data, padding.PSS(padding.MGF1(h), h.digest_size), h)
        else:
            key.verify(signature, data)
        return True
    except InvalidSignature:
        return False


def sign_jwt(payload, header, private_key):
    """new SignJWT(payload).setProtectedHeader(header).sign(key): the compact JWS, keys in the given order."""
    signing_input = f"{b64u(compact_json(header))}.{b64u(compact_json(payload))}"
    return f"{signing_input}.{b64u(_sign(header['alg'], private_key, signing_input.encode()))}"


def _is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def jwt_verify(token, key, *, audience=None, issuer=None, subject=None, clock_tolerance=0, algorithms=None):
    """jose.jwtVerify: (payload, protected header), or the error jose throws, checked in its order:
    compact form, protected header, alg (allowed, suits the key), signature, claims set, required
    claims (iss, sub, aud when asked for), iss, sub, aud, then iat/nbf/exp types and nbf/exp with the
    tolerance."""
    if isinstance(token, bytes):
        token = token.decode("utf-8", "replace")
    if not isinstance(token, str):
        raise JWSInvalid("Compact JWS must be a string or Uint8Array")
    parts = token.split(".")
    if len(parts) != 3:
        raise JWSInvalid("Invalid Compact JWS")
    protected, payload_b64, signature_b64 = parts
    try:
        header = json.loads(b64u_decode(protected)) if protected else None
    except ValueError:
        raise JWSInvalid("JWS Protected Header is invalid") from None
    if not isinstance(header, dict):
        raise JWSInvalid("JWS Protected Header incorrect type")
    crit = header.get("crit")
    if crit is not None:
        if not isinstance(crit, list) or not crit or not all(isinstance(c, str) and c for c in crit):
            raise JWSInvalid('"crit" (Critical) Header Parameter MUST be an array of non-empty strings when present')
        for c in crit:
            if c != "b64":
                raise JOSENotSupported(f'Extension Header Parameter "{c}" is not recognized')
            if c not in header:
                raise JWSInvalid(f'Extension Header Parameter "{c}" is missing')
        if not isinstance(header.get("b64"), bool):
            raise JWSInvalid('The "b64" (base64url-encode payload) Header Parameter must be a boolean')
    alg = header.get("alg")
    if not isinstance(alg, str) or not alg:
        raise JWSInvalid('JWS "alg" (Algorithm) Header Parameter missing or invalid')
    if algorithms is not None and alg not in algorithms:
        raise JOSEAlgNotAllowed('"alg" (Algorithm) Header Parameter value not allowed')
    try:
        signature = b64u_decode(signature_b64)
    except ValueError:
        raise JWSInvalid("Failed to base64url decode the signature") from None
    if not _verify(alg, key, signature, f"{protected}.{payload_b64}".encode()):
        raise JWSSignatureVerificationFailed()
    if crit and header.get("b64") is False:
        raise JWTInvalid("JWTs MUST NOT use unencoded payload")
    try:
        payload = json.loads(b64u_decode(payload_b64))
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        raise JWTInvalid("JWT Claims Set must be a top-level JSON object")

    for claim, asked in (("iss", issuer), ("sub", subject), ("aud", audience)):
        if asked is not None and claim not in payload:
            raise JWTClaimValidationFailed(f'missing required "{claim}" claim', claim, "missing")
    if issuer and payload.get("iss") not in (issuer if isinstance(issuer, list) else [issuer]):
        raise JWTClaimValidationFailed('unexpected "iss" claim value', "iss", "check_failed")
    if subject and payload.get("sub") != subject:
        raise JWTClaimValidationFailed('unexpected "sub" claim value', "sub", "check_failed")
    if audience:
        wanted = [audience] if isinstance(audience, str) else list(audience)
        aud = payload.get("aud")
        present = (aud in wanted) if isinstance(aud, str) else \
            (any(a in wanted for a in aud if isinstance(a, str)) if isinstance(aud, list) else False)
        if not present:
            raise JWTClaimValidationFailed('unexpected "aud" claim value', "aud", "check_failed")
    now = epoch()
    if "iat" in payload and not _is_number(payload["iat"]):
        raise JWTClaimValidationFailed('"iat" claim must be a number', "iat", "invalid")
    if "nbf" in payload:
        if not _is_number(payload["nbf"]):
            raise JWTClaimValidationFailed('"nbf" claim must be a number', "nbf", "invalid")
        if payload["nbf"] > now + clock_tolerance:
            raise JWTClaimValidationFailed('"nbf" claim timestamp check failed', "nbf", "check_failed")
    if "exp" in payload:
        if not _is_number(payload["exp"]):
            raise JWTClaimValidationFailed('"exp" claim must be a number', "exp", "invalid")
        if payload["exp"] <= now - clock_tolerance:
            raise JWTExpired('"exp" claim timestamp check failed', "exp", "check_failed")
    return payload, header


def decode_protected_header(token):
    """jose.decodeProtectedHeader: the header object, or TypeError 'Invalid Token or Protected Header formatting'."""
    first = None
    if isinstance(token, str):
        parts = token.split(".")
        if len(parts) in (3, 5):
            first = parts[0]
    try:
        if not first:
            raise ValueError
        header = json.loads(b64u_decode(first))
        if not isinstance(header, dict):
            raise ValueError
        return header
    except ValueError:
        raise KeyTypeError("Invalid Token or Protected Header formatting") from None


def decode_jwt(token):
    """jose.decodeJwt: the claims set, unverified."""
    if not isinstance(token, str):
        raise JWTInvalid("JWTs must use Compact JWS serialization, JWT must be a string")
    parts = token.split(".")
    if len(parts) == 5:
        raise JWTInvalid("Only JWTs using Compact JWS serialization can be decoded")
    if len(parts) != 3:
        raise JWTInvalid("Invalid JWT")
    if not parts[1]:
        raise JWTInvalid("JWTs must contain a payload")
    try:
        raw = b64u_decode(parts[1])
    except ValueError:
        raise JWTInvalid("Failed to base64url decode the payload") from None
    try:
        claims = json.loads(raw)
    except ValueError:
        raise JWTInvalid("Failed to parse the decoded payload as JSON") from None
    if not isinstance(claims, dict):
        raise JWTInvalid("Invalid JWT Claims Set")
    return claims
