#!/bin/sh
''''exec "$(dirname "$0")/../../../.peers/venv/bin/python" "$0" "$@" # '''
"""A stand-in for hermes that is a compliant DPoP client (RFC 9449, as the suite's
examples/clients/typescript/helpers/dpopClientFlow.ts) and a compliant WIF client (SEP-1933), to
show that auth/dpop, auth/dpop-nonce and auth/wif-jwt-bearer can be passed (neither hermes nor the
Python SDK has those clients yet) and that they fail what the suite's self-tests
(src/scenarios/client/auth/index.test.ts) say a broken client fails:
  scripts/conformance.sh --hermes Tests/Conformance/selftest/extension_client.py \
      --scenario auth/dpop --scenario auth/dpop-nonce --scenario auth/wif-jwt-bearer
passes all three: 12, 14 and 4 + N checks, all SUCCESS (any of their checks KNOWN_FAILING lists
for hermes is then STALE, and the run exits 1). CONF_SELFTEST_BREAK=<one of BREAKS> makes it
misbehave the one way a TS broken client does; each fails exactly what index.test.ts says (plus
client-exit-1 where the flow cannot go on). Its proofs are built with PyJWT, not with the
scenarios' own jose.py.
`mcp test` authorizes by itself (no `mcp login`), lists the tools and keeps the token and key in
HERMES_HOME for `mcp call`."""
import base64
import hashlib
import json
import os
import secrets
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from jwt.algorithms import ECAlgorithm

BREAKS = {
    "bearer": "present the DPoP-bound token with the Bearer scheme (fails sep-1932-client-dpop-auth-scheme)",
    "reuse-proof": "send one proof with every MCP request (fails sep-1932-client-fresh-proof)",
    "no-token-proof": "no proof at the token endpoint (fails token-request-proof and fresh-proof)",
    "ignore-as-nonce": "do not retry the token request with the AS nonce (dpop-nonce: fails all but token-request-proof)",
    "ignore-rs-nonce": "do not retry an MCP request with the MCP server's nonce (dpop-nonce: fails rs-nonce)",
    "wif-wrong-audience": "present wrong_audience_jwt (fails wif-assertion-audience)",
    "wif-expired": "present expired_jwt (fails wif-assertion-expired)",
    "wif-no-assertion": "send no assertion (fails wif-assertion-missing)",
    "wif-retry": "after a refusal, send the jwt-bearer request again (WARNING wif-no-retry)",
    "wif-fallback": "after a refusal, fall back to client_credentials (WARNING wif-grant-fallback)",
}
BREAK = os.environ.get("CONF_SELFTEST_BREAK", "")
REDIRECT_URI = "http://127.0.0.1:9876/callback"
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def http(method, url, body=None, headers=None, redirects=True):
    """(status, headers, bytes); an HTTP error status is an answer, not an exception."""
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    opener = OPENER if redirects else urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())
    try:
        with opener.open(req, timeout=10) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


def b64u(data):
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def server_url():
    with open(os.path.join(os.environ["HERMES_HOME"], "config.yaml")) as f:
        return next(json.loads(line.split(":", 1)[1]) for line in f if line.strip().startswith("url:"))


class Dpop:
    def __init__(self, key=None):
        self.key = key or ec.generate_private_key(ec.SECP256R1())
        self.jwk = {k: v for k, v in json.loads(ECAlgorithm.to_jwk(self.key.public_key())).items()
                    if k in ("kty", "crv", "x", "y")}
        self.last = None

    def proof(self, htm, htu, token=None, nonce=None):
        if BREAK == "reuse-proof" and token and self.last:
            return self.last
        claims = {"jti": str(uuid.uuid4()), "htm": htm, "htu": htu.split("?")[0].split("#")[0], "iat": int(time.time())}
        if token:
            claims["ath"] = b64u(hashlib.sha256(token.encode("ascii")).digest())
        if nonce:
            claims["nonce"] = nonce
        proof = jwt.encode(claims, self.key, algorithm="ES256", headers={"typ": "dpop+jwt", "jwk": self.jwk})
        if token:
            self.last = proof
        return proof


def authorize_dpop(url, dpop):
    """PRM (from the DPoP challenge), AS metadata, DCR, authorization (302 read), token with a proof."""
    status, headers, _ = http("POST", url, b"{}", {"content-type": "application/json"})
    challenge = headers.get("www-authenticate", "")
    prm_url = challenge.split('resource_metadata="', 1)[1].split('"', 1)[0] if "resource_metadata=" in challenge else \
        urllib.parse.urljoin(url, "/.well-known/oauth-protected-resource" + urllib.parse.urlparse(url).path)
    prm = json.loads(http("GET", prm_url)[2])
    issuer = prm["authorization_servers"][0]
    meta = json.loads(http("GET", issuer.rstrip("/") + "/.well-known/oauth-authorization-server")[2])
    reg = json.loads(http("POST", meta["registration_endpoint"], json.dumps(
        {"client_name": "selftest-dpop-client", "redirect_uris": [REDIRECT_URI], "application_type": "native",
         "token_endpoint_auth_method": "none"}).encode(), {"content-type": "application/json"})[2])
    verifier = b64u(secrets.token_bytes(32))
    q = urllib.parse.urlencode({"response_type": "code", "client_id": reg["client_id"], "redirect_uri": REDIRECT_URI,
                                "state": b64u(secrets.token_bytes(16)), "resource": prm["resource"],
                                "code_challenge": b64u(hashlib.sha256(verifier.encode()).digest()),
                                "code_challenge_method": "S256"})
    _, headers, _ = http("GET", f"{meta['authorization_endpoint']}?{q}", redirects=False)
    code = urllib.parse.parse_qs(urllib.parse.urlparse(headers["location"]).query)["code"][0]
    body = urllib.parse.urlencode({"grant_type": "authorization_code", "code": code, "redirect_uri": REDIRECT_URI,
                                   "code_verifier": verifier, "client_id": reg["client_id"],
                                   "resource": prm["resource"]}).encode()

    def token_request(nonce=None):
        h = {"content-type": "application/x-www-form-urlencoded"}
        if BREAK != "no-token-proof":
            h["DPoP"] = dpop.proof("POST", meta["token_endpoint"], nonce=nonce)
        return http("POST", meta["token_endpoint"], body, h)
    status, headers, raw = token_request()
    answer = json.loads(raw)
    if status == 400 and answer.get("error") == "use_dpop_nonce" and headers.get("dpop-nonce") \
            and BREAK != "ignore-as-nonce":
        status, headers, raw = token_request(headers["dpop-nonce"])  # a new proof, new jti
        answer = json.loads(raw)
    if status != 200:
        sys.exit(f"token request refused: {status} {answer}")
    return answer["access_token"]


def mcp_session(url, token, dpop, rs_nonce, methods):
    """initialize, notifications/initialized, then `methods`, each with a fresh proof (and the
    newest nonce; a use_dpop_nonce 401 is retried once with a new proof)."""
    protocol = None
    for i, (method, params) in enumerate([("initialize", {"protocolVersion": "2025-11-25", "capabilities": {},
                                                          "clientInfo": {"name": "selftest", "version": "1"}}),
                                          ("notifications/initialized", None), *methods]):
        msg = {"jsonrpc": "2.0", "method": method}
        if params is not None:
            msg["params"] = params
        if not method.startswith("notifications/"):
            msg["id"] = i
        for attempt in range(2):
            h = {"content-type": "application/json", "accept": "application/json, text/event-stream",
                 "authorization": f"{'Bearer' if BREAK == 'bearer' else 'DPoP'} {token}",
                 "DPoP": dpop.proof("POST", url, token, rs_nonce)}
            if protocol:
                h["mcp-protocol-version"] = protocol
            status, headers, raw = http("POST", url, json.dumps(msg).encode(), h)
            if headers.get("dpop-nonce"):
                rs_nonce = headers["dpop-nonce"]
            if status == 401 and "use_dpop_nonce" in headers.get("www-authenticate", "") and attempt == 0 \
                    and BREAK != "ignore-rs-nonce":
                continue
            break
        if status >= 400:
            sys.exit(f"{method}: HTTP {status} {raw[:200]!r}")
        if method == "initialize":
            protocol = "2025-11-25"
    return rs_nonce


def dpop_command(command):
    home = os.environ["HERMES_HOME"]
    state_path = os.path.join(home, "selftest-dpop.json")
    url = server_url()
    if command == "call" and os.path.exists(state_path):
        with open(state_path) as f:
            state = json.load(f)
        dpop = Dpop(serialization.load_pem_private_key(state["key"].encode(), None))
        token, rs_nonce = state["token"], state["rs_nonce"]
    else:
        dpop = Dpop()
        token, rs_nonce = authorize_dpop(url, dpop), None
    methods = [("tools/list", {})] if command == "test" else [("tools/call", {"name": "test-tool", "arguments": {}})]
    rs_nonce = mcp_session(url, token, dpop, rs_nonce, methods)
    key = dpop.key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption()).decode()
    fd = os.open(state_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        json.dump({"key": key, "token": token, "rs_nonce": rs_nonce}, f)


def wif_command(command):
    home = os.environ["HERMES_HOME"]
    token_path = os.path.join(home, "selftest-wif-token")
    url = server_url()
    context = json.loads(os.environ["MCP_CONFORMANCE_CONTEXT"])
    if command == "call" and os.path.exists(token_path):
        with open(token_path) as f:
            token = f.read()
    else:
        challenge = http("POST", url, b"{}", {"content-type": "application/json"})[1].get("www-authenticate", "")
        prm = json.loads(http("GET", challenge.split('resource_metadata="', 1)[1].split('"', 1)[0])[2])
        meta = json.loads(http("GET", prm["authorization_servers"][0] + "/.well-known/oauth-authorization-server")[2])
        assertion = {"wif-wrong-audience": context["wrong_audience_jwt"],
                     "wif-expired": context["expired_jwt"]}.get(BREAK, context["valid_jwt"])
        form = {"grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer", "resource": prm["resource"]}
        if BREAK != "wif-no-assertion":
            form["assertion"] = assertion
        if BREAK in ("wif-retry", "wif-fallback"):
            form["scope"] = "wif.rejected"  # refused with invalid_scope after a verified assertion
        h = {"content-type": "application/x-www-form-urlencoded"}
        status, _, raw = http("POST", meta["token_endpoint"], urllib.parse.urlencode(form).encode(), h)
        if status != 200 and BREAK in ("wif-retry", "wif-fallback"):
            again = dict(form, scope="") if BREAK == "wif-retry" else \
                {"grant_type": "client_credentials", "client_id": context["client_id"]}
            status, _, raw = http("POST", meta["token_endpoint"], urllib.parse.urlencode(again).encode(), h)
        if status != 200:
            sys.exit(f"token request refused: {status} {raw[:300]!r}")
        token = json.loads(raw)["access_token"]
        fd = os.open(token_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(token)
    protocol = None
    methods = [("tools/list", {})] if command == "test" else [("tools/call", {"name": "test-tool", "arguments": {}})]
    for i, (method, params) in enumerate([("initialize", {"protocolVersion": "2025-11-25", "capabilities": {},
                                                          "clientInfo": {"name": "selftest", "version": "1"}}),
                                          ("notifications/initialized", None), *methods]):
        msg = {"jsonrpc": "2.0", "method": method, **({"params": params} if params is not None else {}),
               **({} if method.startswith("notifications/") else {"id": i})}
        h = {"content-type": "application/json", "accept": "application/json, text/event-stream",
             "authorization": f"Bearer {token}", **({"mcp-protocol-version": protocol} if protocol else {})}
        status, _, raw = http("POST", url, json.dumps(msg).encode(), h)
        if status >= 400:
            sys.exit(f"{method}: HTTP {status} {raw[:200]!r}")
        protocol = "2025-11-25"


def main():
    args = sys.argv[1:]
    if args[:1] != ["mcp"] or len(args) < 2:
        sys.exit("usage: extension_client.py mcp test|call|login conf ...")
    if BREAK and BREAK not in BREAKS:
        sys.exit(f"CONF_SELFTEST_BREAK: one of {', '.join(BREAKS)}")
    command = args[1]
    if command == "login":
        return 0  # `test` authorizes by itself
    scenario = os.environ.get("MCP_CONFORMANCE_SCENARIO", "")
    if scenario in ("auth/dpop", "auth/dpop-nonce"):
        dpop_command(command)
    elif scenario == "auth/wif-jwt-bearer":
        wif_command(command)
    else:
        sys.exit(f"extension_client.py: no client for {scenario}")
    if command == "test":
        print(json.dumps({"ok": True}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
