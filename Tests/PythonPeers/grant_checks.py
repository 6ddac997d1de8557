"""The machine grants the OAuth test peer (oauth_server.py) judges, as functions of what came in.

  - client authentication at the token endpoint: client_secret_basic, client_secret_post
    (RFC 6749 section 2.3.1) and private_key_jwt (RFC 7523 section 2.2 / 3, OIDC Core section 9)
  - the workload identity JWT bearer grant (SEP-1933, RFC 7523 section 2.1)
  - enterprise-managed authorization (SEP-990): the IdP's RFC 8693 token exchange of an id token
    for an ID-JAG, and the ID-JAG itself when a client redeems it at the AS
  - the IdP's OpenID Connect login of a person: the authorization request (a native client on a
    loopback redirect, RFC 8252 section 7.3, with PKCE S256, RFC 7636) and the code verifier

Every check either returns what it established or raises GrantError carrying the RFC 6749
section 5.2 error code, the HTTP status and a description that says exactly what was wrong (the
peer judges hermes: a test that fails should read why in the log or the answer).
Nothing here keeps state; the server hands in its settings, keys, clock and replay sets.
"""
import base64
import binascii
import hashlib
import hmac
import json
import re
from urllib.parse import unquote_plus, urlparse

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
CLIENT_CREDENTIALS = "client_credentials"
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ID_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id_token"
ID_JAG_TYPE = "urn:ietf:params:oauth:token-type:id-jag"
ID_JAG_TYP = "oauth-id-jag+jwt"
ID_JAG_PROFILE = "urn:ietf:params:oauth:grant-profile:id-jag"
SECRET_METHODS = ("client_secret_basic", "client_secret_post")


class GrantError(Exception):
    def __init__(self, error, description, status=400):
        super().__init__(description)
        self.error, self.description, self.status = error, description, status


# MARK: keys

def new_key(alg="ES256"):
    if alg == "ES256":
        return ec.generate_private_key(ec.SECP256R1())
    if alg == "RS256":
        return rsa.generate_private_key(public_exponent=65537, key_size=2048)
    raise ValueError(f"no key type for {alg}")


def private_pem(key):
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def public_pem(key):
    public = key.public_key() if hasattr(key, "public_key") else key
    return public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def load_public_key(pem):
    """A public key PEM; a private key PEM is taken for its public half (a test holds one PEM)."""
    data = pem.encode()
    try:
        return serialization.load_pem_public_key(data)
    except ValueError:
        return serialization.load_pem_private_key(data, password=None).public_key()


def key_alg(key):
    """The one JWS algorithm a configured key verifies: ES256 for P-256, RS256 for RSA."""
    public = key.public_key() if hasattr(key, "private_bytes") else key
    if isinstance(public, ec.EllipticCurvePublicKey) and isinstance(public.curve, ec.SECP256R1):
        return "ES256"
    if isinstance(public, rsa.RSAPublicKey):
        return "RS256"
    raise ValueError("only EC P-256 (ES256) and RSA (RS256) keys are supported")


def public_jwk(key, kid=None):
    public = key.public_key() if hasattr(key, "private_bytes") else key
    alg = key_alg(public)
    jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(public) if alg == "ES256" else jwt.algorithms.RSAAlgorithm.to_jwk(public))
    jwk.update(alg=alg, use="sig")
    if kid:
        jwk["kid"] = kid
    return jwk


def mint(key, claims, typ=None, kid=None):
    headers = {"typ": typ}  # None: no typ header at all (PyJWT would say JWT)
    if kid:
        headers["kid"] = kid
    return jwt.encode(claims, key, algorithm=key_alg(key), headers=headers)


# MARK: JWT plumbing

def _number(value):
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def unverified(token, what, error, status=400):
    """Header and claims of a compact JWS, or `error` naming what is malformed."""
    if not isinstance(token, str) or token.count(".") != 2:
        raise GrantError(error, f"{what} is not a JWT (a compact JWS has three dot-separated parts)", status)
    try:
        header = jwt.get_unverified_header(token)
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError as e:
        raise GrantError(error, f"{what} is not a well-formed JWT: {e}", status)
    if not isinstance(claims, dict):
        raise GrantError(error, f"{what}'s payload is not a JSON object", status)
    return header, claims


def verify_signature(token, key, what, error, status=400, kid=None):
    """The signature with `key`, under the one algorithm that key implies; then `kid` when set."""
    header = jwt.get_unverified_header(token)
    alg = key_alg(key)
    if header.get("alg") != alg:
        raise GrantError(error, f"{what} is signed with alg {header.get('alg')!r}; the key configured for it is {alg}", status)
    if kid is not None and header.get("kid") != kid:
        raise GrantError(error, f"{what}'s kid is {header.get('kid')!r}, not the configured {kid!r}", status)
    try:
        jwt.PyJWS().decode(token, key, algorithms=[alg])
    except jwt.InvalidSignatureError:
        raise GrantError(error, f"{what}'s signature does not verify with the configured key"
                                + (" (ES256 wants the raw 64-byte R||S form, not DER)" if alg == "ES256" else ""), status)
    except jwt.PyJWTError as e:
        raise GrantError(error, f"{what} does not verify: {e}", status)


def require_claims(claims, names, what, error, status=400):
    missing = [n for n in names if claims.get(n) in (None, "")]
    if missing:
        raise GrantError(error, f"{what} lacks required claim(s): {', '.join(missing)}", status)


def check_exp(claims, now, what, error, status=400):
    exp = claims.get("exp")
    if not _number(exp):
        raise GrantError(error, f"{what} has no numeric exp", status)
    if exp <= now:
        raise GrantError(error, f"{what} expired: exp {exp} is {now - exp:.0f} s in the past", status)
    nbf = claims.get("nbf")
    if nbf is not None and (not _number(nbf) or nbf > now + 5):
        raise GrantError(error, f"{what} is not valid yet (nbf {nbf})", status)


def check_aud(claims, accepted, what, error, status=400):
    aud = claims.get("aud")
    values = aud if isinstance(aud, list) else [aud]
    if not any(isinstance(v, str) and v in accepted for v in values):
        raise GrantError(error, f"{what}'s aud {aud!r} is not {' or '.join(repr(a) for a in accepted)}", status)


# MARK: client authentication

class Presented:
    """What client authentication a token request carries (before anything is verified)."""

    def __init__(self, authorization, form):
        self.method, self.client_id, self.secret, self.problem = "none", form.get("client_id"), None, None
        self.assertion, self.assertion_type = form.get("client_assertion"), form.get("client_assertion_type")
        methods = []
        scheme, _, credentials = authorization.partition(" ")
        if scheme.lower() == "basic":
            methods.append("client_secret_basic")
            try:
                decoded = base64.b64decode(credentials.strip(), validate=True).decode("utf-8")
                if ":" not in decoded:
                    raise ValueError("no colon")
                # RFC 6749 section 2.3.1: each part form-urlencoded before the Basic encoding.
                basic_id, basic_secret = (unquote_plus(p) for p in decoded.split(":", 1))
                if self.client_id is not None and self.client_id != basic_id:
                    self.problem = (f"client_id {self.client_id!r} in the body is not the Basic credentials' {basic_id!r}", "invalid_client", 401)
                self.client_id, self.secret = basic_id, basic_secret
            except (ValueError, UnicodeDecodeError, binascii.Error):
                self.problem = ("the Authorization: Basic value is not base64 of client_id:client_secret", "invalid_client", 401)
        if "client_secret" in form:
            methods.append("client_secret_post")
            self.secret = form["client_secret"]
        if self.assertion is not None or self.assertion_type is not None:
            methods.append("private_key_jwt")
            if self.client_id is None and self.assertion:
                try:
                    self.client_id = jwt.decode(self.assertion, options={"verify_signature": False}).get("iss")
                except jwt.PyJWTError:
                    pass
        if len(methods) > 1:
            self.problem = (f"more than one client authentication method in one request ({', '.join(methods)}); "
                            "RFC 6749 section 2.3 allows one", "invalid_request", 400)
        if methods:
            self.method = methods[0]

    def check_well_formed(self):
        if self.problem:
            description, error, status = self.problem
            raise GrantError(error, description, status)


def check_secret(presented, client_id, secret, allowed):
    """A client that holds a secret, authenticating with client_secret_basic or client_secret_post."""
    if presented.method not in SECRET_METHODS:
        raise GrantError("invalid_client", f"client {client_id!r} authenticates with its secret (client_secret_basic or "
                                           f"client_secret_post); the request used {presented.method}", 401)
    if presented.method not in allowed:
        raise GrantError("invalid_client", f"{presented.method} is not accepted here "
                                           f"(token_endpoint_auth_methods_supported: {allowed})", 401)
    if not hmac.compare_digest((presented.secret or "").encode(), secret.encode()):
        raise GrantError("invalid_client", f"wrong client secret for {client_id!r} (sent by {presented.method})", 401)


def check_client_assertion(presented, client_id, key, kid, issuer, seen_jtis, now):
    """private_key_jwt: RFC 7523 sections 2.2 and 3 with the audience the MCP extension uses (the
    AS issuer, with or without one trailing slash). Every failure is 401 invalid_client."""
    what = "the client_assertion"
    if presented.assertion_type != CLIENT_ASSERTION_TYPE:
        raise GrantError("invalid_client", f"client_assertion_type is {presented.assertion_type!r}, not {CLIENT_ASSERTION_TYPE}", 401)
    if not presented.assertion:
        raise GrantError("invalid_client", "client_assertion is missing or empty", 401)
    _, claims = unverified(presented.assertion, what, "invalid_client", 401)
    verify_signature(presented.assertion, key, what, "invalid_client", 401, kid=kid)
    require_claims(claims, ("iss", "sub", "aud", "exp", "jti"), what, "invalid_client", 401)
    if claims["iss"] != client_id:
        raise GrantError("invalid_client", f"{what}'s iss {claims['iss']!r} is not the client_id {client_id!r}", 401)
    if claims["sub"] != client_id:
        raise GrantError("invalid_client", f"{what}'s sub {claims['sub']!r} is not the client_id {client_id!r}", 401)
    check_aud(claims, [issuer, issuer + "/"], what, "invalid_client", 401)
    check_exp(claims, now, what, "invalid_client", 401)
    key_jti = (client_id, claims["jti"])
    if key_jti in seen_jtis:
        raise GrantError("invalid_client", f"{what}'s jti {claims['jti']!r} was already used (replay)", 401)
    seen_jtis[key_jti] = now
    return claims


# MARK: workload identity (SEP-1933)

def check_workload_assertion(assertion, key, audiences, issuer, now):
    """The JWT bearer grant's assertion as a workload identity token: signed by the configured key,
    aud among `audiences`, exp in the future, iss = `issuer` when one is configured. Every failure
    is 400 invalid_grant (RFC 7523 section 3.1)."""
    what = "the assertion"
    _, claims = unverified(assertion, what, "invalid_grant")
    verify_signature(assertion, key, what, "invalid_grant")
    check_exp(claims, now, what, "invalid_grant")
    check_aud(claims, audiences, what, "invalid_grant")
    require_claims(claims, ("iss", "sub"), what, "invalid_grant")
    if issuer is not None and claims["iss"] != issuer:
        raise GrantError("invalid_grant", f"{what}'s iss {claims['iss']!r} is not the trusted workload issuer {issuer!r}")
    return claims


# MARK: enterprise-managed authorization (SEP-990)

def check_token_exchange(form_lists, idp_key, idp_issuer, idp_client_id, id_tokens, now):
    """Leg 1 at the IdP: RFC 8693 with the ID-JAG profile. Every parameter is checked, and every
    problem with them is named in one invalid_request; then the subject token (a configured
    id token, or one this IdP signed) or invalid_grant. Returns (subject claims, audience,
    resource, scope)."""
    form = {k: v[0] for k, v in form_lists.items()}
    if form.get("grant_type") != TOKEN_EXCHANGE:
        raise GrantError("unsupported_grant_type", f"grant_type {form.get('grant_type')!r}: this IdP's token endpoint "
                                                   f"does only {TOKEN_EXCHANGE}")
    problems = []
    for name in ("subject_token", "subject_token_type", "requested_token_type", "audience", "resource"):
        if not form.get(name):
            problems.append(f"{name} is missing")
    for name in ("subject_token", "subject_token_type", "requested_token_type", "audience", "resource", "scope"):
        if len(form_lists.get(name, [])) > 1:
            problems.append(f"{name} is given {len(form_lists[name])} times (once here)")
    if form.get("subject_token_type") and form["subject_token_type"] != ID_TOKEN_TYPE:
        problems.append(f"subject_token_type is {form['subject_token_type']!r}, not {ID_TOKEN_TYPE}")
    if form.get("requested_token_type") and form["requested_token_type"] != ID_JAG_TYPE:
        problems.append(f"requested_token_type is {form['requested_token_type']!r}, not {ID_JAG_TYPE}")
    if "actor_token" in form or "actor_token_type" in form:
        problems.append("actor_token / actor_token_type are not used by the ID-JAG profile")
    if problems:
        raise GrantError("invalid_request", "; ".join(problems))
    if form.get("client_id") is not None and form["client_id"] != idp_client_id:
        raise GrantError("invalid_client", f"client_id {form['client_id']!r} is not this IdP's client {idp_client_id!r}", 401)

    subject_token = form["subject_token"]
    if subject_token in id_tokens:
        known = id_tokens[subject_token]
        subject = dict(known) if isinstance(known, dict) else {"sub": known}
    else:
        what = "the subject_token (id token)"
        _, subject = unverified(subject_token, what, "invalid_grant")
        verify_signature(subject_token, idp_key, what, "invalid_grant")
        require_claims(subject, ("iss", "sub", "aud", "exp"), what, "invalid_grant")
        if subject["iss"] != idp_issuer:
            raise GrantError("invalid_grant", f"{what}'s iss {subject['iss']!r} is not this IdP {idp_issuer!r}")
        check_aud(subject, [idp_client_id], what, "invalid_grant")
        check_exp(subject, now, what, "invalid_grant")
    return subject, form["audience"], form["resource"], form.get("scope")


def check_id_jag(assertion, idp_key, idp_issuer, as_issuer, client_id, resource, now):
    """Leg 2 at the AS: the ID-JAG as draft-ietf-oauth-identity-assertion-authz-grant and the
    EMA extension describe it (typ, signature by the IdP, iss, aud = this AS, client_id = the
    authenticated client, resource = this MCP server). Every failure is 400 invalid_grant."""
    what = "the ID-JAG"
    header, claims = unverified(assertion, what, "invalid_grant")
    if header.get("typ") != ID_JAG_TYP:
        raise GrantError("invalid_grant", f"{what}'s typ is {header.get('typ')!r}, not {ID_JAG_TYP}")
    verify_signature(assertion, idp_key, what, "invalid_grant")
    require_claims(claims, ("iss", "sub", "aud", "client_id", "resource", "jti", "exp", "iat"), what, "invalid_grant")
    if claims["iss"] != idp_issuer:
        raise GrantError("invalid_grant", f"{what}'s iss {claims['iss']!r} is not the trusted IdP {idp_issuer!r}")
    check_aud(claims, [as_issuer, as_issuer + "/"], what, "invalid_grant")
    check_exp(claims, now, what, "invalid_grant")
    if claims["client_id"] != client_id:
        raise GrantError("invalid_grant", f"{what}'s client_id {claims['client_id']!r} is not the authenticated client {client_id!r}")
    if claims["resource"] != resource:
        raise GrantError("invalid_grant", f"{what}'s resource {claims['resource']!r} is not this MCP server's {resource!r}")
    return claims


# MARK: the IdP's OpenID Connect login (authorization code with PKCE, a native client)

OIDC_SCOPES = ("openid", "email", "profile", "offline_access")
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
PKCE_VERIFIER = re.compile(r"[A-Za-z0-9._~-]{43,128}")   # RFC 7636 section 4.1
S256_CHALLENGE = re.compile(r"[A-Za-z0-9_-]{43}")        # base64url of 32 bytes, no padding


class LoginRefusal(Exception):
    """An authorization request refused: back to the client's redirect_uri when both the client and
    its redirect_uri were acceptable (RFC 6749 section 4.1.2.1), otherwise on a page of the
    authorization server (redirect_uri None), never redirecting to a URI it cannot trust."""

    def __init__(self, error, description, redirect_uri=None, state=None):
        super().__init__(description)
        self.error, self.description, self.redirect_uri, self.state = error, description, redirect_uri, state


def loopback_problem(uri):
    """None for a native client's loopback redirect (RFC 8252 section 7.3): http, the host
    127.0.0.1, localhost or [::1], an explicit port (any), no userinfo, no fragment; otherwise
    what is wrong with it."""
    if not uri:
        return "redirect_uri is missing"
    try:
        parsed = urlparse(uri)
        port = parsed.port
    except ValueError as e:
        return f"redirect_uri {uri!r} is not a valid URL ({e})"
    if parsed.scheme != "http":
        return f"redirect_uri {uri!r} is not an http loopback URL (RFC 8252 section 7.3: http://127.0.0.1:PORT/...)"
    if parsed.hostname not in LOOPBACK_HOSTS:
        return (f"redirect_uri {uri!r} is not on the loopback interface (127.0.0.1, localhost or [::1]); "
                "this client is a native app")
    if port is None:
        return f"redirect_uri {uri!r} names no port (a native app's loopback listener has one, any)"
    if parsed.username is not None or parsed.password is not None:
        return f"redirect_uri {uri!r} carries user information"
    if parsed.fragment or "#" in uri:
        return f"redirect_uri {uri!r} has a fragment (RFC 6749 section 3.1.2)"
    return None


def check_login_request(params_lists, idp_client_id):
    """GET (or POST) /authorize at the IdP: OpenID Connect Core section 3.1.2.1 with PKCE S256
    required. Returns {client_id, redirect_uri, state, scopes, code_challenge, nonce}, or raises
    LoginRefusal. Scopes this IdP does not know are ignored (section 3.1.2.1); openid is needed."""
    params = {k: v[0] for k, v in params_lists.items()}
    for name in ("client_id", "redirect_uri"):
        if len(params_lists.get(name, [])) > 1:
            raise LoginRefusal("invalid_request", f"{name} is given {len(params_lists[name])} times")
    client_id = params.get("client_id")
    if not client_id:
        raise LoginRefusal("invalid_request", "client_id is missing")
    if client_id != idp_client_id:
        raise LoginRefusal("invalid_client", f"client_id {client_id!r} is not a client of this identity provider "
                                             f"(its client is {idp_client_id!r})")
    problem = loopback_problem(params.get("redirect_uri"))
    if problem:
        raise LoginRefusal("invalid_redirect_uri", problem)
    redirect_uri, state = params["redirect_uri"], params.get("state")

    def back(error, description):
        raise LoginRefusal(error, description, redirect_uri, state)

    repeated = sorted(k for k, v in params_lists.items() if len(v) > 1)
    if repeated:
        back("invalid_request", f"parameter(s) {', '.join(repeated)} given more than once (RFC 6749 section 3.1)")
    if not params.get("response_type"):
        back("invalid_request", "response_type is missing")
    if params["response_type"] != "code":
        back("unsupported_response_type", f"response_type {params['response_type']!r}: this identity provider does only code")
    if params.get("response_mode") not in (None, "query"):
        back("invalid_request", f"response_mode {params['response_mode']!r}: this identity provider answers in the query only")
    if not state:
        back("invalid_request", "state is missing (the client's protection against a forged callback)")
    asked = (params.get("scope") or "").split()
    if "openid" not in asked:
        back("invalid_scope", f"scope {params.get('scope')!r} does not contain openid (an OpenID Connect login needs it)")
    challenge, challenge_method = params.get("code_challenge"), params.get("code_challenge_method")
    if not challenge:
        back("invalid_request", "code_challenge is missing (PKCE is required here)")
    if challenge_method != "S256":
        back("invalid_request", f"code_challenge_method {challenge_method!r}: only S256 is supported (and required)")
    if not S256_CHALLENGE.fullmatch(challenge):
        back("invalid_request", f"code_challenge {challenge!r} is not an S256 challenge (43 base64url characters)")
    scopes = [s for s in dict.fromkeys(asked) if s in OIDC_SCOPES]
    return {"client_id": client_id, "redirect_uri": redirect_uri, "state": state, "scopes": scopes,
            "code_challenge": challenge, "nonce": params.get("nonce") or None}


def s256(verifier):
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()


def check_code_verifier(verifier, challenge):
    """RFC 7636 section 4.6: the verifier against the S256 challenge of the authorization request."""
    if not PKCE_VERIFIER.fullmatch(verifier or ""):
        raise GrantError("invalid_grant", "code_verifier is not 43 to 128 characters of [A-Za-z0-9-._~] (RFC 7636 section 4.1)")
    if not hmac.compare_digest(s256(verifier), challenge):
        raise GrantError("invalid_grant", "code_verifier does not match the code_challenge of the authorization request "
                                          "(BASE64URL(SHA256(code_verifier)), S256)")
