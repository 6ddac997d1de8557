"""scope-handling.ts: the scope selection strategy (WWW-Authenticate scope, else PRM
scopes_supported, else none), step-up on 403 insufficient_scope, and a retry limit."""
from .. import spec_references as refs
from ..auth_server import create_auth_server
from ..checks import check
from ..express import json_response
from ..mcp_server import McpServer
from ..scenario import Scenario
from ..token_verifier import MockTokenVerifier
from ..versions import DRAFT_PROTOCOL_VERSION, spec_version_at_least

STRATEGY = [refs.MCP_SCOPE_SELECTION_STRATEGY]
CHALLENGE = [refs.MCP_SCOPE_CHALLENGE_HANDLING]


def _scopes(data):
    return data["scope"].split(" ") if data["scope"] else []


def _ensure(checks, id, name, description, spec_refs):
    if not any(c["id"] == id for c in checks):
        checks.append(check(id, name, description, "FAILURE", spec_refs))


def _method(req):
    return req.body.get("method") if isinstance(req.body, dict) else None


class ScopeFromWwwAuthenticateScenario(Scenario):
    name = "auth/scope-from-www-authenticate"
    source = {"introducedIn": "2025-11-25"}
    description = "Tests that client uses scope parameter from WWW-Authenticate header when provided"

    async def start(self, ctx):
        self.checks = checks = []
        auth, server = self.lifecycle(), self.lifecycle()
        expected = "mcp:basic"
        verifier = MockTokenVerifier(checks, [expected])

        def on_auth(data):
            ok = expected in _scopes(data)
            checks.append(check("scope-from-www-authenticate", "Client scope selection from WWW-Authenticate header",
                                "Client correctly used the scope parameter from the WWW-Authenticate header" if ok else
                                "Client SHOULD use the scope parameter from the WWW-Authenticate header when provided",
                                "SUCCESS" if ok else "WARNING", STRATEGY,
                                {"expectedScope": expected, "requestedScope": data["scope"] or "none"},
                                data["timestamp"]))
        await self.serve(auth, create_auth_server(ctx, checks, auth.get_url, token_verifier=verifier,
                                                  on_authorization_request=on_auth))
        await self.serve(server, McpServer(ctx, checks, server.get_url, auth.get_url, required_scopes=[expected],
                                           include_scope_in_www_auth=True, token_verifier=verifier))
        return {"serverUrl": f"{server.get_url()}/mcp"}

    def get_checks(self):
        _ensure(self.checks, "scope-from-www-authenticate", "Client scope selection from WWW-Authenticate header",
                "Client did not complete authorization flow - scope check could not be performed", STRATEGY)
        return self.checks


class ScopeFromScopesSupportedScenario(Scenario):
    name = "auth/scope-from-scopes-supported"
    source = {"introducedIn": "2025-11-25"}
    description = "Tests that client uses all scopes from scopes_supported when scope not in WWW-Authenticate header"

    async def start(self, ctx):
        self.checks = checks = []
        auth, server = self.lifecycle(), self.lifecycle()
        supported = ["mcp:basic", "mcp:read", "mcp:write"]
        verifier = MockTokenVerifier(checks, supported)

        def on_auth(data):
            requested = _scopes(data)
            ok = all(s in requested for s in supported)
            details = {"scopesSupported": " ".join(supported), "requestedScope": data["scope"] or "none"}
            if not ok:
                details["missingScopes"] = " ".join(s for s in supported if s not in requested)
            checks.append(check("scope-from-scopes-supported", "Client scope selection from scopes_supported",
                                "Client correctly used all scopes from scopes_supported in PRM when scope not in "
                                "WWW-Authenticate" if ok else
                                "Client SHOULD use all scopes from scopes_supported when scope not available in "
                                "WWW-Authenticate header", "SUCCESS" if ok else "WARNING", STRATEGY, details,
                                data["timestamp"]))
        await self.serve(auth, create_auth_server(ctx, checks, auth.get_url, token_verifier=verifier,
                                                  on_authorization_request=on_auth))
        await self.serve(server, McpServer(ctx, checks, server.get_url, auth.get_url, required_scopes=supported,
                                           scopes_supported=supported, include_scope_in_www_auth=False,
                                           token_verifier=verifier))
        return {"serverUrl": f"{server.get_url()}/mcp"}

    def get_checks(self):
        _ensure(self.checks, "scope-from-scopes-supported", "Client scope selection from scopes_supported",
                "Client did not complete authorization flow - scope check could not be performed", STRATEGY)
        return self.checks


class ScopeOmittedWhenUndefinedScenario(Scenario):
    name = "auth/scope-omitted-when-undefined"
    source = {"introducedIn": "2025-11-25"}
    description = "Tests that client omits scope parameter when scopes_supported is undefined"

    async def start(self, ctx):
        self.checks = checks = []
        auth, server = self.lifecycle(), self.lifecycle()
        verifier = MockTokenVerifier(checks, [])

        def on_auth(data):
            omitted = not data["scope"] or data["scope"].strip() == ""
            checks.append(check("scope-omitted-when-undefined", "Client scope omission when scopes_supported undefined",
                                "Client correctly omitted scope parameter when scopes_supported is undefined" if omitted
                                else "Client SHOULD omit scope parameter when scopes_supported is undefined and scope "
                                     "not in WWW-Authenticate", "SUCCESS" if omitted else "WARNING", STRATEGY,
                                {"scopeParameter": "omitted" if omitted else data["scope"]}, data["timestamp"]))
        await self.serve(auth, create_auth_server(ctx, checks, auth.get_url, token_verifier=verifier,
                                                  on_authorization_request=on_auth))
        await self.serve(server, McpServer(ctx, checks, server.get_url, auth.get_url, required_scopes=[],
                                           include_scope_in_www_auth=False, token_verifier=verifier))
        return {"serverUrl": f"{server.get_url()}/mcp"}

    def get_checks(self):
        _ensure(self.checks, "scope-omitted-when-undefined", "Client scope omission when scopes_supported undefined",
                "Client did not complete authorization flow - scope check could not be performed", STRATEGY)
        return self.checks


class ScopeStepUpAuthScenario(Scenario):
    name = "auth/scope-step-up"
    source = {"introducedIn": "2025-11-25"}
    description = "Tests that client handles step-up authentication with different scope requirements per operation"

    async def start(self, ctx):
        self.checks = checks = []
        # SEP-2350's union check exists only from the draft on; at 2025-11-25 it is not emitted
        self.union_required = spec_version_at_least(ctx.spec_version, DRAFT_PROTOCOL_VERSION)
        auth, server = self.lifecycle(), self.lifecycle()
        initial, step_up = "mcp:basic", "mcp:write"
        verifier = MockTokenVerifier(checks, [initial, step_up])
        count = [0]

        def on_auth(data):
            count[0] += 1
            requested = _scopes(data)
            if count[0] == 1:
                ok = initial in requested
                checks.append(check("scope-step-up-initial", "Client initial scope selection for step-up auth",
                                    "Client correctly used scope from WWW-Authenticate header for initial auth" if ok
                                    else "Client SHOULD use the scope parameter from the WWW-Authenticate header",
                                    "SUCCESS" if ok else "WARNING", STRATEGY,
                                    {"expectedScope": initial, "requestedScope": data["scope"] or "none"},
                                    data["timestamp"]))
            elif count[0] == 2:
                ok = step_up in requested
                checks.append(check("scope-step-up-escalation", "Client scope escalation for step-up auth",
                                    "Client correctly requested the challenged scope for step-up authentication" if ok
                                    else "Client SHOULD request additional scopes when receiving 403 with new scope "
                                         "requirements", "SUCCESS" if ok else "WARNING", STRATEGY,
                                    {"challengedScope": step_up, "requestedScope": data["scope"] or "none"},
                                    data["timestamp"]))
                if self.union_required:
                    kept = initial in requested
                    checks.append(check("sep-2350-scope-union-on-reauth",
                                        "Client accumulates previously-granted scopes on re-authorization",
                                        "Client included previously-granted scopes alongside the newly challenged scope "
                                        "when re-authorizing" if kept else
                                        "Client SHOULD compute the union of previously requested scopes and newly "
                                        "challenged scopes when initiating re-authorization (SEP-2350); "
                                        "previously-granted scope was dropped", "SUCCESS" if kept else "WARNING",
                                        CHALLENGE, {"previouslyGranted": initial, "challengedScope": step_up,
                                                    "requestedScope": data["scope"] or "none"}, data["timestamp"]))
        await self.serve(auth, create_auth_server(ctx, checks, auth.get_url, token_verifier=verifier,
                                                  on_authorization_request=on_auth))
        prm_url = lambda: f"{server.get_url()}/.well-known/oauth-protected-resource/mcp"

        async def step_up_mw(req):
            method = _method(req)
            if method == "initialize" or (method or "").startswith("notifications/"):
                return None
            header = req.get("authorization")
            if not header or not header.startswith("Bearer "):
                return json_response({"error": "invalid_token", "error_description": "Missing Authorization header"},
                                     401, {"WWW-Authenticate": f'Bearer scope="{initial}", resource_metadata="{prm_url()}"'})
            info = await verifier.verify(header[len("Bearer "):])
            required = [step_up] if method == "tools/call" else [initial]
            if not all(s in info["scopes"] for s in required):
                # the challenge names only the missing scope, so a union can be told from an echo
                return json_response({"error": "insufficient_scope", "error_description": "Token has insufficient scope"},
                                     403, {"WWW-Authenticate": f'Bearer scope="{step_up}", resource_metadata="{prm_url()}", '
                                                               f'error="insufficient_scope"'})
            return None
        await self.serve(server, McpServer(ctx, checks, server.get_url, auth.get_url, required_scopes=[initial, step_up],
                                           scopes_supported=["mcp:profile"], include_scope_in_www_auth=True,
                                           auth_middleware=step_up_mw, token_verifier=verifier))
        return {"serverUrl": f"{server.get_url()}/mcp"}

    def get_checks(self):
        has_initial = any(c["id"] == "scope-step-up-initial" for c in self.checks)
        has_escalation = any(c["id"] == "scope-step-up-escalation" for c in self.checks)
        if not has_initial:
            self.checks.append(check("scope-step-up-initial", "Client initial scope selection for step-up auth",
                                     "Client did not make an initial authorization request", "FAILURE", STRATEGY))
        if not has_escalation:
            self.checks.append(check("scope-step-up-escalation", "Client scope escalation for step-up auth",
                                     "Client did not make a second authorization request for scope escalation",
                                     "FAILURE", STRATEGY))
            if self.union_required:
                self.checks.append(check("sep-2350-scope-union-on-reauth",
                                         "Client accumulates previously-granted scopes on re-authorization",
                                         "Client did not make a second authorization request - scope union check "
                                         "could not be performed", "FAILURE", CHALLENGE))
        return self.checks


class ScopeRetryLimitScenario(Scenario):
    name = "auth/scope-retry-limit"
    source = {"introducedIn": "2025-11-25"}
    description = ("Tests that client implements retry limits to prevent infinite authorization loops on repeated 403 "
                   "responses")
    allow_client_error = True

    async def start(self, ctx):
        self.checks = checks = []
        auth, server = self.lifecycle(), self.lifecycle()
        required = "mcp:admin"
        verifier = MockTokenVerifier(checks, [])
        count = [0]

        def on_auth(data):
            count[0] += 1
            checks.append(check("scope-retry-auth-attempt", f"Authorization attempt {count[0]}",
                                f"Client made authorization request attempt {count[0]}", "INFO", CHALLENGE,
                                {"attemptNumber": count[0], "requestedScope": data["scope"] or "none"},
                                data["timestamp"]))
        await self.serve(auth, create_auth_server(ctx, checks, auth.get_url, token_verifier=verifier,
                                                  on_authorization_request=on_auth))
        prm_url = lambda: f"{server.get_url()}/.well-known/oauth-protected-resource/mcp"
        with_token = [0]

        async def always_deny(req):
            method = _method(req)
            if method == "initialize" or (method or "").startswith("notifications/"):
                return None
            header = req.get("authorization")
            if not header or not header.startswith("Bearer "):
                return json_response({"error": "invalid_token", "error_description": "Missing Authorization header"},
                                     401, {"WWW-Authenticate": f'Bearer scope="{required}", resource_metadata="{prm_url()}"'})
            with_token[0] += 1
            if with_token[0] > 3:
                return json_response({"error": "test_complete",
                                      "error_description": "Test is over - client exceeded maximum retry attempts"}, 410)
            return json_response({"error": "insufficient_scope", "error_description": "Scope upgrade will never succeed"},
                                 403, {"WWW-Authenticate": f'Bearer error="insufficient_scope", scope="{required}", '
                                                           f'resource_metadata="{prm_url()}", '
                                                           f'error_description="Scope upgrade will never succeed"'})
        await self.serve(server, McpServer(ctx, checks, server.get_url, auth.get_url, required_scopes=[required],
                                           scopes_supported=[required], include_scope_in_www_auth=True,
                                           auth_middleware=always_deny, token_verifier=verifier))
        return {"serverUrl": f"{server.get_url()}/mcp"}

    def get_checks(self):
        n = sum(1 for c in self.checks if c["id"] == "scope-retry-auth-attempt")
        name = "Client retry limit for scope escalation"
        if n == 0:
            self.checks.append(check("scope-retry-limit", name, "Client did not make any authorization requests",
                                     "FAILURE", CHALLENGE))
        elif n <= 3:
            self.checks.append(check("scope-retry-limit", name,
                                     f"Client correctly limited retry attempts to {n} (3 or fewer)", "SUCCESS",
                                     CHALLENGE, {"authorizationAttempts": n, "maxAllowed": 3}))
        else:
            self.checks.append(check("scope-retry-limit", name,
                                     f"Client made {n} authorization attempts (more than 3). Clients SHOULD implement "
                                     "retry limits to avoid infinite loops.", "FAILURE", CHALLENGE,
                                     {"authorizationAttempts": n, "maxAllowed": 3}))
        return self.checks
