"""Self-test of oauth_server.py's machine grants, DPoP and its IdP's OpenID Connect login: starts the
peer, plays each grant as a client would (httpx2, PyJWT, cryptography), and checks the answers, the
MCP endpoint's tools/list with every token issued, and the log. Run: .peers/venv/bin/python Tests/PythonPeers/grant_selftest.py
Prints one line per check and exits non-zero on the first failure.
"""
import base64
import hashlib
import json
import os
import secrets
import subprocess
import sys
import time
import uuid
from urllib.parse import parse_qs, urlparse

import httpx2
import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa

HERE = os.path.dirname(os.path.abspath(__file__))
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
ID_TOKEN_TYPE = "urn:ietf:params:oauth:token-type:id_token"
ID_JAG_TYPE = "urn:ietf:params:oauth:token-type:id-jag"
checks = 0


def ok(condition, what, detail=""):
    global checks
    if not condition:
        print(f"FAIL {what}: {detail}", flush=True)
        sys.exit(1)
    checks += 1
    print(f"ok   {what}", flush=True)


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def pem(key, private=False):
    if private:
        return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption()).decode()
    return key.public_key().public_bytes(serialization.Encoding.PEM,
                                         serialization.PublicFormat.SubjectPublicKeyInfo).decode()


class Peer:
    def __init__(self, config=None, *args):
        self.proc = subprocess.Popen([sys.executable, os.path.join(HERE, "oauth_server.py"), "--config",
                                      json.dumps(config or {}), *args],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        line = self.proc.stdout.readline()
        assert line.startswith("READY "), line
        self.info = json.loads(line[6:])
        self.http = httpx2.Client(trust_env=False, timeout=10)
        self.issuer, self.mcp = self.info["issuer"], self.info["mcp_url"]
        self.token_url = self.issuer + "/token"

    def stop(self):
        self.proc.stdin.close()
        self.proc.wait(5)

    def config(self, **settings):
        r = self.http.post(self.info["admin"] + "/config", json=settings)
        assert r.status_code == 200, r.text

    def admin(self, path, **query):
        r = self.http.get(self.info["admin"] + path, params=query)
        assert r.status_code == 200, r.text
        return r.json()

    def log(self):
        return self.admin("/log")

    def token(self, data, auth=None, proof=None, headers=None):
        h = dict(headers or {})
        if proof:
            h["DPoP"] = proof
        return self.http.post(self.token_url, data=data, auth=auth, headers=h)

    def asm(self):
        path = urlparse(self.issuer).path
        return self.http.get(self.info["as_origin"] + "/.well-known/oauth-authorization-server" + path).json()


class DPoPKey:
    def __init__(self):
        self.key = ec.generate_private_key(ec.SECP256R1())
        numbers = self.key.public_key().public_numbers()
        self.jwk = {"kty": "EC", "crv": "P-256", "x": b64url(numbers.x.to_bytes(32, "big")),
                    "y": b64url(numbers.y.to_bytes(32, "big"))}
        canonical = json.dumps({k: self.jwk[k] for k in ("crv", "kty", "x", "y")}, separators=(",", ":"), sort_keys=True)
        self.jkt = b64url(hashlib.sha256(canonical.encode()).digest())

    def proof(self, method, url, token=None, nonce=None, jti=None, iat=None, **extra):
        claims = {"jti": jti or str(uuid.uuid4()), "htm": method, "htu": url, "iat": int(iat or time.time())}
        if token:
            claims["ath"] = b64url(hashlib.sha256(token.encode()).digest())
        if nonce:
            claims["nonce"] = nonce
        claims.update(extra)
        return jwt.encode(claims, self.key, algorithm="ES256", headers={"typ": "dpop+jwt", "jwk": self.jwk})


class MCPSession:
    """initialize, notifications/initialized, tools/list with one token, as Bearer or DPoP (a
    fresh proof per request; an RS nonce challenge is answered once per request)."""

    def __init__(self, peer, token, dpop=None):
        self.peer, self.token, self.dpop, self.nonce, self.session, self.challenges = peer, token, dpop, None, None, 0

    def post(self, message):
        for _ in range(2):
            headers = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json",
                       "MCP-Protocol-Version": "2025-11-25"}
            if self.session:
                headers["Mcp-Session-Id"] = self.session
            if self.dpop:
                headers["Authorization"] = "DPoP " + self.token
                headers["DPoP"] = self.dpop.proof("POST", self.peer.mcp, token=self.token, nonce=self.nonce)
            else:
                headers["Authorization"] = "Bearer " + self.token
            r = self.peer.http.post(self.peer.mcp, json=message, headers=headers)
            if r.status_code == 401 and "use_dpop_nonce" in r.headers.get("www-authenticate", ""):
                self.nonce = r.headers["dpop-nonce"]
                self.challenges += 1
                continue
            break
        self.session = r.headers.get("mcp-session-id", self.session)
        return r

    def tools(self):
        r = self.post({"jsonrpc": "2.0", "id": 1, "method": "initialize",
                       "params": {"protocolVersion": "2025-11-25", "capabilities": {},
                                  "clientInfo": {"name": "selftest", "version": "1"}}})
        if r.status_code != 200:
            return r.status_code, r.headers.get("www-authenticate"), r.text
        self.post({"jsonrpc": "2.0", "method": "notifications/initialized"})
        r = self.post({"jsonrpc": "2.0", "id": 2, "method": "tools/list"})
        if r.status_code != 200:
            return r.status_code, r.headers.get("www-authenticate"), r.text
        text = r.text
        if "text/event-stream" in r.headers.get("content-type", ""):
            text = next(line[5:] for line in text.splitlines() if line.startswith("data:"))
        return sorted(t["name"] for t in json.loads(text)["result"]["tools"])


TOOLS = ["add", "echo"]


def tools_ok(peer, token, what, dpop=None):
    ok(MCPSession(peer, token, dpop).tools() == TOOLS, f"{what}: tools/list answers with the token")


def assertion(key, alg, client_id, aud=None, kid=None, **over):
    """A private_key_jwt client assertion as RFC 7523 and the MCP extension want it."""
    claims = {"iss": client_id, "sub": client_id, "aud": aud, "exp": int(time.time()) + 120,
              "iat": int(time.time()), "jti": str(uuid.uuid4())}
    claims.update(over)
    return jwt.encode(claims, key, algorithm=alg, headers={"kid": kid} if kid else None)


def error_of(r):
    try:
        return r.json().get("error")
    except ValueError:
        return None


def client_credentials(peer):
    es, rs = ec.generate_private_key(ec.SECP256R1()), rsa.generate_private_key(public_exponent=65537, key_size=2048)
    before = peer.asm()
    r = peer.token({"grant_type": "client_credentials"}, auth=("svc", "s3cret"))
    ok(r.status_code in (400, 401) and "client_credentials" not in before["grant_types_supported"],
       "client credentials off by default (the SDK's answer, no grant advertised)", r.text)
    peer.config(client_credentials={"svc": {"secret": "s3cret", "scopes": ["read", "write"]},
                                    "svc-es": {"public_key_pem": pem(es), "kid": "k1"},
                                    "svc-rs": {"public_key_pem": pem(rs, private=True)}})
    meta = peer.asm()
    ok("client_credentials" in meta["grant_types_supported"] and "authorization_code" in meta["grant_types_supported"],
       "metadata: grant_types_supported adds client_credentials", meta["grant_types_supported"])
    ok("private_key_jwt" in meta["token_endpoint_auth_methods_supported"]
       and meta["token_endpoint_auth_signing_alg_values_supported"] == ["ES256", "RS256"],
       "metadata: private_key_jwt with ES256 and RS256", meta)

    r = peer.token({"grant_type": "client_credentials"}, auth=("svc", "s3cret"))
    ok(r.status_code == 200 and r.json()["token_type"] == "Bearer" and r.json()["expires_in"] == 3600
       and r.json()["scope"] == "read write" and "refresh_token" not in r.json(), "client_secret_basic: Bearer token", r.text)
    tools_ok(peer, r.json()["access_token"], "client_secret_basic")
    r = peer.token({"grant_type": "client_credentials", "client_id": "svc", "client_secret": "s3cret", "scope": "read"})
    ok(r.status_code == 200 and r.json()["scope"] == "read", "client_secret_post: token with the scope asked", r.text)
    tools_ok(peer, r.json()["access_token"], "client_secret_post")
    r = peer.token({"grant_type": "client_credentials"}, auth=("svc", "wrong"))
    ok(r.status_code == 401 and error_of(r) == "invalid_client" and r.headers.get("www-authenticate", "").startswith("Basic"),
       "wrong secret: 401 invalid_client with a Basic challenge", r.text)
    r = peer.token({"grant_type": "client_credentials", "client_id": "svc"})
    ok(r.status_code == 401 and error_of(r) == "invalid_client", "no client authentication: 401 invalid_client", r.text)
    r = peer.token({"grant_type": "client_credentials"}, auth=("nobody", "x"))
    ok(r.status_code == 401 and "unknown client" in r.json()["error_description"], "unknown client: 401", r.text)
    r = peer.token({"grant_type": "client_credentials", "client_secret": "s3cret"}, auth=("svc", "s3cret"))
    ok(r.status_code == 400 and error_of(r) == "invalid_request", "two authentication methods: 400 invalid_request", r.text)
    r = peer.token({"grant_type": "client_credentials", "scope": "admin"}, auth=("svc", "s3cret"))
    ok(r.status_code == 400 and error_of(r) == "invalid_scope", "scope beyond the client's: invalid_scope", r.text)
    r = peer.token({"grant_type": "client_credentials", "resource": "http://elsewhere.example/mcp"}, auth=("svc", "s3cret"))
    ok(r.status_code == 400 and error_of(r) == "invalid_target", "a foreign resource: invalid_target", r.text)
    r = peer.token({"grant_type": "client_credentials", "resource": peer.mcp}, auth=("svc", "s3cret"))
    ok(r.status_code == 200, "this MCP server as resource: token", r.text)
    r = peer.token({"grant_type": "password", "username": "u"}, auth=("svc", "s3cret"))
    ok(r.status_code == 400 and error_of(r) == "unsupported_grant_type", "unknown grant: unsupported_grant_type", r.text)

    def pkjwt(client, key, alg, **over):
        over.setdefault("aud", peer.issuer)
        return {"grant_type": "client_credentials", "client_assertion_type": ASSERTION_TYPE,
                "client_assertion": assertion(key, alg, client, **over)}

    form = pkjwt("svc-es", es, "ES256", kid="k1")
    r = peer.token(form)
    ok(r.status_code == 200 and r.json()["token_type"] == "Bearer", "private_key_jwt ES256: token", r.text)
    tools_ok(peer, r.json()["access_token"], "private_key_jwt ES256")
    r = peer.token(form)
    ok(r.status_code == 401 and error_of(r) == "invalid_client" and "replay" in r.json()["error_description"],
       "private_key_jwt: a replayed jti is refused", r.text)
    r = peer.token(pkjwt("svc-rs", rs, "RS256", aud=peer.issuer + "/"))
    ok(r.status_code == 200, "private_key_jwt RS256 (aud with a trailing slash): token", r.text)
    tools_ok(peer, r.json()["access_token"], "private_key_jwt RS256")
    for what, form, needle in [
            ("aud = token endpoint", pkjwt("svc-es", es, "ES256", kid="k1", aud=peer.token_url), "aud"),
            ("wrong kid", pkjwt("svc-es", es, "ES256", kid="k2"), "kid"),
            ("no kid though configured", pkjwt("svc-es", es, "ES256"), "kid"),
            ("expired", pkjwt("svc-es", es, "ES256", kid="k1", exp=int(time.time()) - 5), "expired"),
            ("iss not the client_id sent", dict(pkjwt("svc-es", es, "ES256", kid="k1", iss="someone"), client_id="svc-es"), "iss"),
            ("sub not the client", pkjwt("svc-es", es, "ES256", kid="k1", sub="someone"), "sub"),
            ("RS256 key signing ES256", pkjwt("svc-rs", es, "ES256"), "alg"),
            ("signed by another key", pkjwt("svc-es", ec.generate_private_key(ec.SECP256R1()), "ES256", kid="k1"), "signature"),
            ("wrong assertion type", dict(pkjwt("svc-es", es, "ES256", kid="k1"), client_assertion_type="x"), "client_assertion_type"),
            ("secret client using a key", pkjwt("svc", es, "ES256"), "secret")]:
        r = peer.token(form)
        ok(r.status_code == 401 and error_of(r) == "invalid_client" and needle in r.json()["error_description"],
           f"private_key_jwt {what}: 401 invalid_client naming {needle}", r.text)

    peer.config(auth_methods=["client_secret_basic"])
    ok(peer.asm()["token_endpoint_auth_methods_supported"] == ["client_secret_basic"], "auth_methods: what metadata lists")
    r = peer.token({"grant_type": "client_credentials", "client_id": "svc", "client_secret": "s3cret"})
    ok(r.status_code == 401 and "client_secret_post is not accepted" in r.json()["error_description"],
       "auth_methods: client_secret_post refused", r.text)
    ok(peer.token({"grant_type": "client_credentials"}, auth=("svc", "s3cret")).status_code == 200, "auth_methods: Basic still fine")
    peer.config(auth_methods=None, cc_expires_in=1)
    r = peer.token({"grant_type": "client_credentials"}, auth=("svc", "s3cret"))
    ok(r.json()["expires_in"] == 1, "cc_expires_in sets expires_in")
    time.sleep(2.1)
    ok(MCPSession(peer, r.json()["access_token"]).tools()[0] == 401, "an expired client credentials token: 401")
    peer.config(cc_expires_in=3600)

    entries = [e for e in peer.log() if e["path"] == "/token"]
    kinds = {(e.get("grant_type"), e.get("client_auth")) for e in entries}
    ok({("client_credentials", "client_secret_basic"), ("client_credentials", "client_secret_post"),
        ("client_credentials", "private_key_jwt"), ("client_credentials", "none")} <= kinds,
       "log: grant_type and client_auth on every /token entry", kinds)
    ok(all("status" in e for e in entries) and any(e.get("error") == "invalid_client" for e in entries),
       "log: status and error of each /token answer")


def workload(peer):
    key = ec.generate_private_key(ec.SECP256R1())
    peer.config(workload={"public_key_pem": pem(key), "issuer": "https://workload.example"})
    ok(JWT_BEARER in peer.asm()["grant_types_supported"], "metadata: jwt-bearer grant listed")

    def wjwt(**over):
        claims = {"iss": "https://workload.example", "sub": "spiffe://example/ns/svc", "aud": peer.issuer,
                  "exp": int(time.time()) + 300, "iat": int(time.time()), "jti": str(uuid.uuid4())}
        claims.update(over)
        return jwt.encode(claims, key, algorithm="ES256", headers={"typ": None})

    valid = wjwt()
    r = peer.token({"grant_type": JWT_BEARER, "assertion": valid, "resource": peer.mcp})
    ok(r.status_code == 200 and r.json()["token_type"] == "Bearer", "workload JWT: token without client authentication", r.text)
    tools_ok(peer, r.json()["access_token"], "workload")
    r = peer.token({"grant_type": JWT_BEARER, "assertion": valid, "client_id": "wl"})
    ok(r.status_code == 200, "workload JWT reused (a provisioned token is): still a token", r.text)
    for what, a, needle in [("expired", wjwt(exp=int(time.time()) - 60), "expired"),
                            ("wrong audience", wjwt(aud="https://wrong.example"), "aud"),
                            ("malformed", "not-a-jwt", "not a JWT"),
                            ("bad signature", valid[:-4] + ("AAAA" if not valid.endswith("AAAA") else "BBBB"), "signature"),
                            ("wrong issuer", wjwt(iss="https://other.example"), "iss")]:
        r = peer.token({"grant_type": JWT_BEARER, "assertion": a})
        ok(r.status_code == 400 and error_of(r) == "invalid_grant" and needle in r.json()["error_description"],
           f"workload JWT {what}: 400 invalid_grant naming {needle}", r.text)
    r = peer.token({"grant_type": JWT_BEARER})
    ok(r.status_code == 400 and error_of(r) == "invalid_request", "no assertion: invalid_request", r.text)
    peer.config(workload={})
    minted = peer.admin("/mint-workload-jwt", sub="spiffe://hermes/w")["jwt"]
    r = peer.token({"grant_type": JWT_BEARER, "assertion": minted})
    ok(r.status_code == 200, "workload JWT from /admin/mint-workload-jwt (the peer's key)", r.text)
    peer.config(workload=None)


def id_jag(peer):
    peer.config(idjag_clients={"xaa": "xaa-secret"},
                idp={"client_id": "idp-client", "id_tokens": {"static-id-token": {"sub": "bob@example.com"}}})
    origin = peer.info["as_origin"]
    idp = peer.http.get(origin + "/idp/.well-known/openid-configuration").json()
    idp2 = peer.http.get(origin + "/.well-known/oauth-authorization-server/idp").json()
    ok(idp == idp2 and idp["issuer"] == peer.info["idp_issuer"] and idp["token_endpoint"] == origin + "/idp/token"
       and TOKEN_EXCHANGE in idp["grant_types_supported"], "IdP metadata at both URLs", idp)
    meta = peer.asm()
    ok(JWT_BEARER in meta["grant_types_supported"], "AS metadata: jwt-bearer listed for ID-JAG")

    id_token = peer.admin("/mint-id-token", sub="alice@example.com")["id_token"]
    exchange = {"grant_type": TOKEN_EXCHANGE, "requested_token_type": ID_JAG_TYPE, "subject_token": id_token,
                "subject_token_type": ID_TOKEN_TYPE, "audience": peer.issuer, "resource": peer.mcp,
                "client_id": "idp-client", "scope": "read"}
    r = peer.http.post(idp["token_endpoint"], data=exchange)
    ok(r.status_code == 200 and r.json()["issued_token_type"] == ID_JAG_TYPE and r.json()["token_type"] == "N_A",
       "token exchange: an ID-JAG", r.text)
    jag = r.json()["access_token"]
    header, claims = jwt.get_unverified_header(jag), jwt.decode(jag, options={"verify_signature": False})
    ok(header["typ"] == "oauth-id-jag+jwt" and claims["client_id"] == "xaa" and claims["aud"] == peer.issuer
       and claims["resource"] == peer.mcp and claims["sub"] == "alice@example.com" and claims["iss"] == idp["issuer"]
       and {"jti", "iat", "exp"} <= set(claims), "ID-JAG header and claims", (header, claims))
    for what, change, error in [("wrong requested_token_type", {"requested_token_type": "urn:x"}, "invalid_request"),
                                ("no resource", {"resource": None}, "invalid_request"),
                                ("wrong subject_token_type", {"subject_token_type": "urn:ietf:params:oauth:token-type:saml2"}, "invalid_request"),
                                ("forged id token", {"subject_token": id_token[:-4] + "AAAA"}, "invalid_grant"),
                                ("wrong grant_type", {"grant_type": "client_credentials"}, "unsupported_grant_type"),
                                ("wrong IdP client", {"client_id": "other"}, "invalid_client")]:
        form = {k: v for k, v in dict(exchange, **change).items() if v is not None}
        r = peer.http.post(idp["token_endpoint"], data=form)
        ok(error_of(r) == error, f"token exchange {what}: {error}", r.text)
    expired = peer.admin("/mint-id-token", ttl=-10)["id_token"]
    r = peer.http.post(idp["token_endpoint"], data=dict(exchange, subject_token=expired))
    ok(error_of(r) == "invalid_grant" and "expired" in r.json()["error_description"], "token exchange, expired id token", r.text)
    r = peer.http.post(idp["token_endpoint"], data=dict(exchange, subject_token="static-id-token"))
    ok(r.status_code == 200, "token exchange with a configured id token", r.text)
    jag_bob = r.json()["access_token"]

    r = peer.token({"grant_type": JWT_BEARER, "assertion": jag, "scope": "read write"}, auth=("xaa", "xaa-secret"))
    ok(r.status_code == 200 and r.json()["scope"] == "read", "ID-JAG, client_secret_basic: token (scope = intersection)", r.text)
    tools_ok(peer, r.json()["access_token"], "ID-JAG basic")
    r = peer.token({"grant_type": JWT_BEARER, "assertion": jag_bob, "client_id": "xaa", "client_secret": "xaa-secret"})
    ok(r.status_code == 200, "ID-JAG, client_secret_post: token", r.text)
    tools_ok(peer, r.json()["access_token"], "ID-JAG post")

    def jag_for(**change):
        r = peer.http.post(idp["token_endpoint"], data=dict(exchange, **change))
        return r.json()["access_token"]

    for what, a, auth, status, error in [
            ("no client authentication", jag, None, 401, "invalid_client"),
            ("wrong secret", jag, ("xaa", "nope"), 401, "invalid_client"),
            ("aud is not this AS", jag_for(audience="http://elsewhere.example"), ("xaa", "xaa-secret"), 400, "invalid_grant"),
            ("resource is not this MCP server", jag_for(resource=peer.mcp + "/"), ("xaa", "xaa-secret"), 400, "invalid_grant"),
            ("an id token instead of an ID-JAG", id_token, ("xaa", "xaa-secret"), 400, "invalid_grant")]:
        r = peer.token({"grant_type": JWT_BEARER, "assertion": a}, auth=auth)
        ok(r.status_code == status and error_of(r) == error, f"ID-JAG {what}: {status} {error}", r.text)
    r = peer.token({"grant_type": "client_credentials"}, auth=("xaa", "xaa-secret"))
    ok(r.status_code == 400 and error_of(r) == "unauthorized_client", "an ID-JAG client asking client_credentials: unauthorized_client", r.text)
    r = peer.token({"grant_type": JWT_BEARER, "assertion": jag}, auth=("svc", "s3cret"))
    ok(r.status_code == 400 and error_of(r) == "unauthorized_client", "a client credentials client redeeming an ID-JAG: unauthorized_client", r.text)
    r = peer.token({"grant_type": "client_credentials"}, auth=("xaa", "bad"))
    ok(r.status_code == 401 and error_of(r) == "invalid_client", "... and with a wrong secret: invalid_client first", r.text)
    peer.config(idjag_clients={"xaa": "xaa-secret", "other": "o"})
    r = peer.token({"grant_type": JWT_BEARER, "assertion": jag}, auth=("other", "o"))
    ok(error_of(r) == "invalid_grant" and "client_id" in r.json()["error_description"],
       "ID-JAG client_id claim is not the authenticated client: invalid_grant", r.text)


def idp_login(peer):
    """A person's login at the IdP (authorization code + PKCE on a loopback redirect, RFC 8252), as
    hermes does it: the callback URL is read from the Location header (no listener needed)."""
    peer.config(idp={}, idjag_clients={"xaa": "xaa-secret"})
    peer.http.post(peer.info["admin"] + "/clear-log")
    idp = peer.http.get(peer.info["as_origin"] + "/idp/.well-known/openid-configuration").json()
    ok(idp == peer.http.get(peer.info["as_origin"] + "/.well-known/oauth-authorization-server/idp").json()
       and idp["authorization_endpoint"] == peer.info["idp_issuer"] + "/authorize"
       and idp["response_types_supported"] == ["code"] and idp["code_challenge_methods_supported"] == ["S256"]
       and {"authorization_code", "refresh_token", TOKEN_EXCHANGE} <= set(idp["grant_types_supported"])
       and "openid" in idp["scopes_supported"] and idp["id_token_signing_alg_values_supported"] == ["ES256"]
       and "none" in idp["token_endpoint_auth_methods_supported"]
       and idp["authorization_response_iss_parameter_supported"] is True, "IdP metadata: an OpenID Connect provider", idp)
    client, redirect = "hermes-idp-client", "http://127.0.0.1:53682/callback"

    def authorize(redirect_uri=redirect, **over):
        verifier = secrets.token_urlsafe(48)
        params = {"response_type": "code", "client_id": client, "redirect_uri": redirect_uri, "scope": "openid email",
                  "state": secrets.token_urlsafe(8), "nonce": secrets.token_urlsafe(8),
                  "code_challenge": b64url(hashlib.sha256(verifier.encode()).digest()), "code_challenge_method": "S256"}
        params = {k: v for k, v in dict(params, **over).items() if v is not None}
        return peer.http.get(idp["authorization_endpoint"], params=params), params, verifier

    def callback(r):
        return parse_qs(urlparse(r.headers.get("location", "")).query)

    def redeem(code, verifier, redirect_uri=redirect, auth=None, **over):
        form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
                "code_verifier": verifier, "client_id": client}
        form = {k: v for k, v in dict(form, **over).items() if v is not None}
        return peer.http.post(idp["token_endpoint"], data=form, auth=auth)

    def refresh(token, **over):
        form = {k: v for k, v in dict({"grant_type": "refresh_token", "refresh_token": token, "client_id": client},
                                      **over).items() if v is not None}
        return peer.http.post(idp["token_endpoint"], data=form)

    jwks = peer.http.get(idp["jwks_uri"]).json()["keys"]

    def verified(id_token, aud=client):
        header = jwt.get_unverified_header(id_token)
        jwk = next(k for k in jwks if k["kid"] == header["kid"])
        claims = jwt.decode(id_token, jwt.PyJWK(jwk).key, algorithms=["ES256"], audience=aud, issuer=idp["issuer"])
        return header, claims

    def exchange(id_token):
        return peer.http.post(idp["token_endpoint"], data={
            "grant_type": TOKEN_EXCHANGE, "requested_token_type": ID_JAG_TYPE, "subject_token": id_token,
            "subject_token_type": ID_TOKEN_TYPE, "audience": peer.issuer, "resource": peer.mcp, "client_id": client})

    # The login.
    r, params, verifier = authorize()
    cb = callback(r)
    ok(r.status_code == 302 and r.headers["location"].startswith(redirect + "?") and cb.get("state") == [params["state"]]
       and cb.get("iss") == [idp["issuer"]] and len(cb.get("code", [])) == 1,
       "authorize: 302 to the loopback redirect_uri with code, state and iss", r.headers)
    code = cb["code"][0]
    r = redeem(code, verifier)
    answer = r.json()
    ok(r.status_code == 200 and answer["token_type"] == "Bearer" and answer["expires_in"] == 300
       and answer["scope"] == "openid email" and answer["access_token"] and answer["refresh_token"] and answer["id_token"]
       and r.headers.get("cache-control") == "no-store", "token: authorization_code with the verifier (public client)", r.text)
    try:
        header, claims = verified(answer["id_token"])
    except (jwt.PyJWTError, StopIteration) as e:
        header, claims = None, str(e)
    ok(header is not None and header["alg"] == "ES256" and header["kid"] == jwks[0]["kid"],
       "id_token: ES256 with the kid of /idp/jwks, its signature verifies there", claims)
    ok(claims["iss"] == idp["issuer"] and claims["sub"] == "user@example.com" and claims["aud"] == client
       and claims["exp"] - claims["iat"] == 300 and abs(claims["iat"] - time.time()) < 5
       and claims["nonce"] == params["nonce"] and claims["email"] == "user@example.com",
       "id_token claims: iss, sub (idp.login_sub), aud, iat, exp (idp.id_token_ttl), nonce, email", claims)

    # The id token in the token exchange, and the ID-JAG it gives at the AS.
    r = exchange(answer["id_token"])
    ok(r.status_code == 200 and r.json()["issued_token_type"] == ID_JAG_TYPE
       and jwt.decode(r.json()["access_token"], options={"verify_signature": False})["sub"] == "user@example.com",
       "token exchange accepts the login's id token", r.text)
    r = peer.token({"grant_type": JWT_BEARER, "assertion": r.json()["access_token"]}, auth=("xaa", "xaa-secret"))
    ok(r.status_code == 200, "the ID-JAG from the login's id token: an access token at the AS", r.text)
    tools_ok(peer, r.json()["access_token"], "login -> exchange -> ID-JAG")
    r = exchange(peer.admin("/mint-id-token", sub="dave@example.com")["id_token"])
    ok(r.status_code == 200, "token exchange still accepts a minted id token (same key and kid)", r.text)

    # Refresh: a new id token and a rotated refresh token.
    r = refresh(answer["refresh_token"])
    fresh = r.json()
    ok(r.status_code == 200 and fresh["id_token"] != answer["id_token"] and fresh["refresh_token"] != answer["refresh_token"]
       and fresh["token_type"] == "Bearer", "refresh_token: a new id token and a rotated refresh token", r.text)
    _, claims2 = verified(fresh["id_token"])
    ok(claims2["sub"] == claims["sub"] and claims2["auth_time"] == claims["auth_time"] and "nonce" not in claims2
       and claims2["jti"] != claims["jti"], "refreshed id token: same sub and auth_time, no nonce", claims2)
    ok(exchange(fresh["id_token"]).status_code == 200, "token exchange accepts the refreshed id token")
    r = refresh(answer["refresh_token"])
    ok(r.status_code == 400 and error_of(r) == "invalid_grant", "a rotated-away refresh token: invalid_grant", r.text)
    r = refresh(fresh["refresh_token"])
    ok(r.status_code == 400 and error_of(r) == "invalid_grant", "... and its reuse revoked the successor", r.text)
    r = redeem(code, verifier)
    ok(r.status_code == 400 and error_of(r) == "invalid_grant" and "already used" in r.json()["error_description"],
       "a reused authorization code: invalid_grant", r.text)
    r, _, verifier = authorize()
    r = refresh(redeem(callback(r)["code"][0], verifier).json()["refresh_token"], scope="openid profile")
    ok(r.status_code == 400 and error_of(r) == "invalid_scope", "refresh asking beyond the login's scope: invalid_scope", r.text)
    r = refresh("idp_rt_nonsense")
    ok(error_of(r) == "invalid_grant", "an unknown refresh token: invalid_grant", r.text)

    # The code's checks.
    r, _, verifier = authorize()
    code = callback(r)["code"][0]
    r = redeem(code, secrets.token_urlsafe(48))
    ok(r.status_code == 400 and error_of(r) == "invalid_grant" and "code_verifier" in r.json()["error_description"],
       "a wrong code_verifier: invalid_grant", r.text)
    r = redeem(code, verifier)
    ok(r.status_code == 400 and error_of(r) == "invalid_grant", "... and the code is spent by that attempt", r.text)
    for what, over, status, error in [("another redirect_uri", {"redirect_uri": "http://127.0.0.1:53683/callback"}, 400, "invalid_grant"),
                                      ("no code_verifier", {"code_verifier": None}, 400, "invalid_request"),
                                      ("no client_id", {"client_id": None}, 400, "invalid_request"),
                                      ("another client", {"client_id": "someone-else"}, 401, "invalid_client")]:
        r, _, verifier = authorize()
        r = redeem(callback(r)["code"][0], verifier, **over)
        ok(r.status_code == status and error_of(r) == error, f"redeeming with {what}: {status} {error}", r.text)
    r = redeem("nonsense", secrets.token_urlsafe(48))
    ok(error_of(r) == "invalid_grant", "an unknown code: invalid_grant", r.text)

    # The authorization request's checks.
    for what, uri in [("https elsewhere", "https://evil.example/callback"), ("http elsewhere", "http://evil.example:8080/cb"),
                      ("loopback without a port", "http://127.0.0.1/callback"),
                      ("a fragment", "http://127.0.0.1:53682/cb#x"), ("none", None)]:
        r, _, _ = authorize(redirect_uri=uri)
        ok(r.status_code == 400 and "location" not in r.headers and r.headers["content-type"].startswith("text/html"),
           f"redirect_uri {what}: a 400 page, no redirect", (r.status_code, r.headers))
    r, _, _ = authorize(client_id="someone-else")
    ok(r.status_code == 400 and "location" not in r.headers, "an unknown client: a 400 page, no redirect", r.headers)
    for uri in ("http://localhost:61000/cb", "http://[::1]:61001/", "http://127.0.0.1:1/a/b?keep=1"):
        r, params, verifier = authorize(redirect_uri=uri)
        cb = callback(r)
        ok(r.status_code == 302 and r.headers["location"].startswith(uri) and redeem(cb["code"][0], verifier, redirect_uri=uri).status_code == 200
           and ("keep" not in uri or cb.get("keep") == ["1"]), f"loopback redirect_uri {uri}: a login", r.headers)
    for what, over, error in [("no openid scope", {"scope": "email profile"}, "invalid_scope"),
                              ("no scope", {"scope": None}, "invalid_scope"),
                              ("no code_challenge", {"code_challenge": None}, "invalid_request"),
                              ("code_challenge_method plain", {"code_challenge_method": "plain"}, "invalid_request"),
                              ("no code_challenge_method", {"code_challenge_method": None}, "invalid_request"),
                              ("no state", {"state": None}, "invalid_request"),
                              ("response_type token", {"response_type": "token"}, "unsupported_response_type")]:
        r, params, _ = authorize(**over)
        cb = callback(r)
        ok(r.status_code == 302 and r.headers["location"].startswith(redirect) and cb.get("error") == [error]
           and "code" not in cb and cb.get("iss") == [idp["issuer"]] and cb.get("state") == ([params["state"]] if "state" in params else None),
           f"authorize, {what}: redirect with error={error}, state and iss", r.headers)

    # Settings: login_sub, login_email, id_token_ttl, a client with a secret.
    peer.config(idp={"client_id": "idp-conf", "client_secret": "idp-secret", "login_sub": "carol",
                     "login_email": "carol@corp.example", "id_token_ttl": 60})
    client = "idp-conf"
    meta = peer.http.get(idp["issuer"] + "/.well-known/openid-configuration").json()
    ok(set(meta["token_endpoint_auth_methods_supported"]) == {"client_secret_basic", "client_secret_post"},
       "IdP metadata with a client secret: the secret methods", meta)
    r, params, verifier = authorize()
    code = callback(r)["code"][0]
    r = redeem(code, verifier)
    ok(r.status_code == 401 and error_of(r) == "invalid_client", "a client with a secret sending none: 401 invalid_client", r.text)
    r = redeem(code, verifier, auth=(client, "idp-secret"), client_id=None)
    ok(r.status_code == 200, "client_secret_basic: tokens (the code survived the unauthenticated try)", r.text)
    _, claims = verified(r.json()["id_token"], aud=client)
    ok(claims["sub"] == "carol" and claims["email"] == "carol@corp.example" and claims["exp"] - claims["iat"] == 60
       and r.json()["expires_in"] == 60, "idp.login_sub, idp.login_email, idp.id_token_ttl", claims)
    r, params, verifier = authorize()
    r = redeem(callback(r)["code"][0], verifier, client_secret="idp-secret")
    ok(r.status_code == 200, "client_secret_post: tokens", r.text)
    r = peer.http.post(idp["token_endpoint"], data={"grant_type": "refresh_token", "refresh_token": r.json()["refresh_token"],
                                                    "client_id": client, "client_secret": "idp-secret"})
    ok(r.status_code == 200 and verified(r.json()["id_token"], aud=client)[1]["sub"] == "carol", "refresh with the secret", r.text)

    entries = [e for e in peer.log() if e["path"].startswith("/idp/")]
    authorizes = [e for e in entries if e["path"] == "/idp/authorize"]
    tokens = [e for e in entries if e["path"] == "/idp/token"]
    ok({e.get("status") for e in authorizes} == {302, 400} and any(e.get("error") == "invalid_redirect_uri" for e in authorizes)
       and any(e.get("error") == "invalid_scope" for e in authorizes)
       and any(e.get("subject") == "user@example.com" and e.get("client_id") == "hermes-idp-client" for e in authorizes),
       "log: /idp/authorize entries with status, error, client_id and subject",
       [(e.get("status"), e.get("error"), e.get("client_id"), e.get("subject")) for e in authorizes])
    kinds = {(e.get("grant_type"), e.get("client_auth")) for e in tokens}
    ok({("authorization_code", "none"), ("refresh_token", "none"), (TOKEN_EXCHANGE, "none"),
        ("authorization_code", "client_secret_basic"), ("authorization_code", "client_secret_post")} <= kinds
       and all("status" in e for e in tokens) and any(e.get("error") == "invalid_grant" for e in tokens),
       "log: /idp/token entries with grant_type, client_auth, status and error", kinds)
    peer.config(idp=None, idjag_clients={})
    r, _, _ = authorize()
    ok(r.status_code == 404, "IdP off again: /idp/authorize is not there", r.status_code)


def dpop(peer):
    key, other = DPoPKey(), DPoPKey()
    peer.config(dpop="allowed")
    ok(peer.asm().get("dpop_signing_alg_values_supported") == ["ES256"], "metadata: dpop_signing_alg_values_supported")
    r = peer.token({"grant_type": "client_credentials"}, auth=("svc", "s3cret"))
    ok(r.status_code == 200 and r.json()["token_type"] == "Bearer", "DPoP allowed, no proof: Bearer as before", r.text)
    bearer = r.json()["access_token"]
    tools_ok(peer, bearer, "DPoP allowed, Bearer token")
    proof = key.proof("POST", peer.token_url)
    r = peer.token({"grant_type": "client_credentials"}, auth=("svc", "s3cret"), proof=proof)
    ok(r.status_code == 200 and r.json()["token_type"] == "DPoP", "client credentials with a proof: token_type DPoP", r.text)
    bound = r.json()["access_token"]
    ok(peer.admin("/state")["dpop_bindings"].get(bound) == key.jkt, "/admin/state: the binding token -> jkt")
    r = peer.token({"grant_type": "client_credentials"}, auth=("svc", "s3cret"), proof=proof)
    ok(r.status_code == 400 and error_of(r) == "invalid_dpop_proof" and "jti" in r.json()["error_description"],
       "token endpoint: a reused proof (jti) refused", r.text)
    tools_ok(peer, bound, "DPoP-bound token", dpop=key)
    r = MCPSession(peer, bound).tools()
    ok(r[0] == 401 and r[1].startswith("DPoP ") and 'error="invalid_token"' in r[1] and 'algs="ES256"' in r[1],
       "a bound token presented as Bearer: 401 DPoP invalid_token", r)
    ok(MCPSession(peer, bound, dpop=other).tools()[0] == 401, "a bound token with another key's proof: 401")
    ok(MCPSession(peer, bearer, dpop=key).tools()[0] == 401, "an unbound token under the DPoP scheme: 401")

    headers = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json",
               "Authorization": "DPoP " + bound}
    init = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {"protocolVersion": "2025-11-25", "capabilities": {},
                                                                          "clientInfo": {"name": "t", "version": "1"}}}
    rs_proof = key.proof("POST", peer.mcp, token=bound)
    r1 = peer.http.post(peer.mcp, json=init, headers=dict(headers, DPoP=rs_proof))
    r2 = peer.http.post(peer.mcp, json=init, headers=dict(headers, DPoP=rs_proof))
    ok(r1.status_code == 200 and r2.status_code == 401 and 'error="invalid_dpop_proof"' in r2.headers["www-authenticate"]
       and "jti" in r2.json()["error_description"], "MCP endpoint: a reused proof (jti) refused", r2.text)
    for what, p, needle in [("no ath", key.proof("POST", peer.mcp), "ath"),
                            ("wrong ath", key.proof("POST", peer.mcp, token="other"), "ath"),
                            ("wrong htu", key.proof("POST", peer.mcp + "/x", token=bound), "htu"),
                            ("htu with query", key.proof("POST", peer.mcp + "?a=1", token=bound), "query"),
                            ("wrong htm", key.proof("GET", peer.mcp, token=bound), "htm"),
                            ("stale iat", key.proof("POST", peer.mcp, token=bound, iat=time.time() - 400), "iat")]:
        r = peer.http.post(peer.mcp, json=init, headers=dict(headers, DPoP=p))
        ok(r.status_code == 401 and 'error="invalid_dpop_proof"' in r.headers["www-authenticate"]
           and needle in r.json()["error_description"], f"MCP endpoint, proof with {what}: 401 invalid_dpop_proof", r.text)
    r = peer.http.post(peer.mcp, json=init, headers=dict(headers, DPoP=key.proof("POST", peer.mcp + "/", token=bound)))
    ok(r.status_code == 200, "htu with one trailing slash normalises to the MCP URL", r.text)
    for what, p, needle in [("typ", jwt.encode({"jti": "x1", "htm": "POST", "htu": peer.token_url, "iat": int(time.time())},
                                               key.key, algorithm="ES256", headers={"typ": "JWT", "jwk": key.jwk}), "typ"),
                            ("private jwk", jwt.encode({"jti": "x2", "htm": "POST", "htu": peer.token_url, "iat": int(time.time())},
                                                       key.key, algorithm="ES256",
                                                       headers={"typ": "dpop+jwt", "jwk": dict(key.jwk, d="AAAA")}), "private"),
                            ("wrong htu", key.proof("POST", peer.issuer + "/authorize"), "htu")]:
        r = peer.token({"grant_type": "client_credentials"}, auth=("svc", "s3cret"), proof=p)
        ok(r.status_code == 400 and error_of(r) == "invalid_dpop_proof" and needle in r.json()["error_description"],
           f"token endpoint, proof with {what}: invalid_dpop_proof", r.text)

    # Nonces at both servers.
    peer.config(dpop_nonce_as="as-nonce-1", dpop_nonce_rs="rs-nonce-1")
    r = peer.token({"grant_type": "client_credentials"}, auth=("svc", "s3cret"), proof=key.proof("POST", peer.token_url))
    ok(r.status_code == 400 and error_of(r) == "use_dpop_nonce" and r.headers.get("dpop-nonce") == "as-nonce-1",
       "AS nonce: 400 use_dpop_nonce with DPoP-Nonce", r.text)
    r = peer.token({"grant_type": "client_credentials"}, auth=("svc", "s3cret"),
                   proof=key.proof("POST", peer.token_url, nonce=r.headers["dpop-nonce"]))
    ok(r.status_code == 200 and r.json()["token_type"] == "DPoP", "AS nonce: the retry with the nonce gets a DPoP token", r.text)
    session = MCPSession(peer, r.json()["access_token"], dpop=key)
    ok(session.tools() == TOOLS and session.challenges == 1 and session.nonce == "rs-nonce-1",
       "RS nonce: one use_dpop_nonce challenge, then tools/list with the nonce")
    r = peer.http.post(peer.mcp, json=init, headers=dict(headers, Authorization="DPoP " + session.token,
                                                         DPoP=key.proof("POST", peer.mcp, token=session.token)))
    ok(r.status_code == 401 and 'error="use_dpop_nonce"' in r.headers["www-authenticate"]
       and r.headers.get("dpop-nonce") == "rs-nonce-1", "RS nonce: 401 WWW-Authenticate DPoP use_dpop_nonce + DPoP-Nonce", r.headers)

    # DPoP on the JWT bearer grants too.
    peer.config(workload={}, idjag_clients={"xaa": "xaa-secret"}, idp={"client_id": "idp-client"})
    r = peer.token({"grant_type": JWT_BEARER, "assertion": peer.admin("/mint-workload-jwt")["jwt"]},
                   proof=key.proof("POST", peer.token_url, nonce="as-nonce-1"))
    ok(r.status_code == 200 and r.json()["token_type"] == "DPoP", "workload grant with a proof: DPoP", r.text)
    tools_ok(peer, r.json()["access_token"], "workload DPoP", dpop=key)
    exchange = {"grant_type": TOKEN_EXCHANGE, "requested_token_type": ID_JAG_TYPE,
                "subject_token": peer.admin("/mint-id-token")["id_token"], "subject_token_type": ID_TOKEN_TYPE,
                "audience": peer.issuer, "resource": peer.mcp}
    jag = peer.http.post(peer.info["idp_issuer"] + "/token", data=exchange).json()["access_token"]
    r = peer.token({"grant_type": JWT_BEARER, "assertion": jag}, auth=("xaa", "xaa-secret"),
                   proof=key.proof("POST", peer.token_url, nonce="as-nonce-1"))
    ok(r.status_code == 200 and r.json()["token_type"] == "DPoP", "ID-JAG grant with a proof: DPoP", r.text)
    tools_ok(peer, r.json()["access_token"], "ID-JAG DPoP", dpop=key)

    # Authorization code and refresh, a public client: the refresh token is bound too.
    peer.config(dpop_nonce_as=None, dpop_nonce_rs=None)
    reg = peer.http.post(peer.issuer + "/register", json={"redirect_uris": ["http://localhost:3000/callback"],
                                                          "token_endpoint_auth_method": "none",
                                                          "grant_types": ["authorization_code", "refresh_token"],
                                                          "response_types": ["code"]}).json()
    verifier = secrets.token_urlsafe(48)
    challenge = b64url(hashlib.sha256(verifier.encode()).digest())
    r = peer.http.get(peer.issuer + "/authorize", params={
        "response_type": "code", "client_id": reg["client_id"], "redirect_uri": "http://localhost:3000/callback",
        "code_challenge": challenge, "code_challenge_method": "S256", "state": "s", "scope": "read"})
    code = parse_qs(urlparse(r.headers["location"]).query)["code"][0]
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": "http://localhost:3000/callback",
            "client_id": reg["client_id"], "code_verifier": verifier}
    r = peer.token(form, proof=key.proof("POST", peer.token_url))
    ok(r.status_code == 200 and r.json()["token_type"] == "DPoP" and r.json()["refresh_token"],
       "authorization_code with a proof (the SDK's grant): DPoP", r.text)
    tools_ok(peer, r.json()["access_token"], "authorization_code DPoP", dpop=key)
    refresh = r.json()["refresh_token"]
    ok(peer.admin("/state")["dpop_bindings"].get(refresh) == key.jkt, "a public client's refresh token is bound")
    refresh_form = {"grant_type": "refresh_token", "refresh_token": refresh, "client_id": reg["client_id"]}
    r = peer.token(refresh_form)
    ok(r.status_code == 400 and error_of(r) == "invalid_dpop_proof", "bound refresh without a proof: invalid_dpop_proof", r.text)
    r = peer.token(refresh_form, proof=other.proof("POST", peer.token_url))
    ok(r.status_code == 400 and error_of(r) == "invalid_grant", "bound refresh with another key: invalid_grant", r.text)
    r = peer.token(refresh_form, proof=key.proof("POST", peer.token_url))
    ok(r.status_code == 200 and r.json()["token_type"] == "DPoP", "bound refresh with the same key: DPoP token", r.text)
    tools_ok(peer, r.json()["access_token"], "refreshed DPoP", dpop=key)

    # Required.
    peer.config(dpop="required")
    r = peer.token({"grant_type": "client_credentials"}, auth=("svc", "s3cret"))
    ok(r.status_code == 400 and error_of(r) == "invalid_dpop_proof", "DPoP required, no proof: invalid_dpop_proof", r.text)
    r = peer.http.post(peer.mcp, json=init, headers={"Accept": "application/json, text/event-stream"})
    ok(r.status_code == 401 and r.headers["www-authenticate"].startswith('DPoP resource_metadata="'),
       "DPoP required: the first 401 challenges with the DPoP scheme", r.headers)
    ok(MCPSession(peer, bearer).tools()[0] == 401, "DPoP required: a Bearer token refused")
    tools_ok(peer, bound, "DPoP required, bound token", dpop=key)

    entries = peer.log()
    token_entries = [e for e in entries if e["path"] == "/token" and e.get("dpop")]
    ok(any(e["dpop"]["valid"] is True and e["dpop"]["jti"] for e in token_entries)
       and any(e["dpop"]["valid"] is False and "jti" in (e["dpop"]["reason"] or "") for e in token_entries)
       and any(e["dpop"].get("nonce") == "as-nonce-1" for e in token_entries),
       "log: DPoP verdicts on /token entries (valid, reason, jti, nonce)")
    mcp_entries = [e for e in entries if e["path"] == "/mcp"]
    ok({e.get("scheme") for e in mcp_entries} >= {"Bearer", "DPoP"}
       and any((e.get("dpop") or {}).get("valid") is True for e in mcp_entries)
       and any((e.get("dpop") or {}).get("valid") is False for e in mcp_entries),
       "log: MCP entries carry the scheme and the proof verdict")


def logged_once(peer):
    peer.http.post(peer.info["admin"] + "/clear-log")
    peer.token({"grant_type": "client_credentials"}, auth=("svc", "s3cret"))
    peer.token({"grant_type": "client_credentials"}, auth=("svc", "s3cret"), proof=DPoPKey().proof("POST", peer.token_url))
    peer.token({"grant_type": "nonsense"})
    ok(len([e for e in peer.log() if e["path"] == "/token"]) == 3, "each token request is logged once, whatever it answered")


def main():
    peer = Peer()
    try:
        ok(peer.asm().get("dpop_signing_alg_values_supported") is None, "no settings: no DPoP in the metadata")
        ok(peer.http.get(peer.info["as_origin"] + "/idp/authorize").status_code == 404
           and peer.http.get(peer.info["as_origin"] + "/idp/.well-known/openid-configuration").status_code == 404,
           "no settings: no IdP (no /idp/authorize, no IdP metadata)")
        client_credentials(peer)
        workload(peer)
        id_jag(peer)
        idp_login(peer)
        dpop(peer)
        logged_once(peer)
    finally:
        peer.stop()
    separate = Peer({"client_credentials": {"svc": {"secret": "s"}}, "dpop": "allowed"}, "--separate-as", "--issuer-path", "/tenant1")
    try:
        key = DPoPKey()
        r = separate.token({"grant_type": "client_credentials"}, auth=("svc", "s"), proof=key.proof("POST", separate.token_url))
        ok(r.status_code == 200 and r.json()["token_type"] == "DPoP", "--separate-as --issuer-path: DPoP client credentials", r.text)
        tools_ok(separate, r.json()["access_token"], "--separate-as", dpop=key)
    finally:
        separate.stop()
    print(f"all {checks} checks passed")


if __name__ == "__main__":
    main()
