#!/usr/bin/env python3
"""A stand-in for hermes with no cap on re-authorization, to show the driver lets
auth/scope-retry-limit fail a client: `mcp test`/`mcp call` always say they need a login, and
`mcp login` always authorizes again (PRM, AS metadata, GET /authorize, the 302 read not followed).
  scripts/conformance.sh --hermes Tests/Conformance/selftest/endless_client.py --scenario auth/scope-retry-limit
shows auth/scope-retry-limit FAIL, "Client made 10 authorization attempts" (the driver's bound).
While KNOWN_FAILING lists that check for hermes, the exit status is 0 all the same."""
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _get(url):
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), _NoRedirect())
    try:
        with opener.open(url, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def login():
    with open(os.path.join(os.environ["HERMES_HOME"], "config.yaml")) as f:
        url = next(json.loads(l.split(":", 1)[1]) for l in f if l.strip().startswith("url:"))
    u = urllib.parse.urlparse(url)
    origin = f"{u.scheme}://{u.netloc}"
    prm = json.loads(_get(f"{origin}/.well-known/oauth-protected-resource{u.path}")[1])
    issuer = prm["authorization_servers"][0]
    meta = json.loads(_get(f"{issuer}/.well-known/oauth-authorization-server")[1])
    q = urllib.parse.urlencode({"response_type": "code", "client_id": "endless", "redirect_uri": "http://localhost:1/cb",
                                "scope": " ".join(prm.get("scopes_supported", [])), "state": "s",
                                "code_challenge": "x" * 43, "code_challenge_method": "S256"})
    status, _ = _get(f"{meta['authorization_endpoint']}?{q}")
    return 0 if status == 302 else 1


if __name__ == "__main__":
    if sys.argv[1:3] == ["mcp", "login"]:
        sys.exit(login())
    print("conf needs login: run `hermes mcp login conf`", file=sys.stderr)
    sys.exit(1)
