"""Runs the client auth scenarios against hermes, as `conformance client --suite auth` runs them
against a client command (src/runner/client.ts): start the scenario's servers, run the client,
collect getChecks(), stop, judge. Each scenario runs at the spec version that command (no
--spec-version) resolves for it: a scenario introduced in the draft at 2026-07-28 (stateless MCP
server, SEP-2575 request validation, the draft-only checks), every other one at 2025-11-25.
Scenarios run concurrently: each has its own servers, ports, checks and HERMES_HOME, and hermes
spends most of its time waiting on them. The six extension scenarios (`--suite extensions` there) run
as the fourth group, at 2025-11-25 as there; the TS suite does not score them.

  python -m Conformance.runner --hermes PATH [--scenario NAME]... [--json FILE] [--jobs N]

Exit status 1 when a check fails that KNOWN_FAILING (SDK_KNOWN_FAILING for --client python-sdk) does
not list, or a listed one now passes."""
import argparse
import asyncio
import contextlib
import json
import os
import sys
import time
import traceback

from .baseline import evaluate
from .checks import check, judge
from .client import run_client
from .index import all_scenarios
from .versions import context_for

# Checks failing because of a known hermes defect, per scenario: {"auth/x": {"check-id": "why"}}.
# Any other failing check fails the run, and so does a listed one that passes (stale).
KNOWN_FAILING: dict[str, dict[str, str]] = {}

# The same for `--client python-sdk`: the SDK's own baseline for these scenarios
# (python-sdk .github/actions/conformance/expected-failures.yml), which has no DPoP and no WIF client.
_SDK_NO_DPOP = "the Python SDK's OAuth client does not implement DPoP proofs (SEP-1932)"
SDK_KNOWN_FAILING: dict[str, dict[str, str]] = {
    "auth/dpop": {c: _SDK_NO_DPOP for c in ("sep-1932-client-token-request-proof", "sep-1932-client-dpop-auth-scheme",
                                             "sep-1932-client-fresh-proof")},
    "auth/dpop-nonce": {c: _SDK_NO_DPOP for c in ("sep-1932-client-token-request-proof",
                                                   "sep-1932-client-dpop-auth-scheme", "sep-1932-client-fresh-proof",
                                                   "sep-1932-client-as-nonce", "sep-1932-client-rs-nonce")},
    "auth/wif-jwt-bearer": {
        "wif-grant-type": "the Python SDK's OAuth client has no jwt-bearer grant (it answers with authorization_code)",
        # the TS baseline judges checks only; here the client's exit counts too (baseline.py)
        "client-exit-1": "the refused authorization_code exchange ends the SDK client's session (OAuthTokenError)",
    },
}

WHAT = {
    "auth/metadata-default": "PRM at path, in WWW-Authenticate; RFC 8414 root metadata",
    "auth/metadata-var1": "PRM at path, not in header; OpenID configuration",
    "auth/metadata-var2": "PRM at root; RFC 8414 metadata with path /tenant1",
    "auth/metadata-var3": "PRM at custom URL; OpenID metadata path-appended",
    "auth/basic-cimd": "URL client_id (CIMD) when the AS supports it",
    "auth/scope-from-www-authenticate": "scope from the 401 challenge",
    "auth/scope-from-scopes-supported": "all PRM scopes_supported without challenge scope",
    "auth/scope-omitted-when-undefined": "no scope when none is known",
    "auth/scope-step-up": "403 insufficient_scope on tools/call: re-authorize with it",
    "auth/scope-retry-limit": "at most 3 authorizations on endless 403s",
    "auth/token-endpoint-auth-basic": "client_secret_basic + RFC 8707 resource",
    "auth/token-endpoint-auth-post": "client_secret_post + RFC 8707 resource",
    "auth/token-endpoint-auth-none": "public client + RFC 8707 resource",
    "auth/pre-registration": "configured client_id/secret, no DCR",
    "auth/2025-03-26-oauth-metadata-backcompat": "no PRM: AS metadata at the server's origin",
    "auth/2025-03-26-oauth-endpoint-fallback": "no metadata: /authorize /token /register",
    "auth/resource-mismatch": "PRM resource of another origin refused",
    "auth/offline-access-scope": "refresh_token grant, offline_access when offered",
    "auth/offline-access-not-supported": "no offline_access when not offered",
    "auth/authorization-server-migration": "new AS in PRM: register anew, no reuse",
    "auth/iss-supported": "matching RFC 9207 iss accepted",
    "auth/iss-not-advertised": "no iss, not advertised: accepted",
    "auth/iss-supported-missing": "advertised iss missing: refused",
    "auth/iss-wrong-issuer": "wrong iss refused",
    "auth/iss-unexpected": "unadvertised wrong iss refused",
    "auth/iss-normalized": "iss compared as a plain string",
    "auth/metadata-issuer-mismatch": "AS metadata with another issuer refused",
    "auth/client-credentials-jwt": "client_credentials, private_key_jwt (ES256, aud issuer)",
    "auth/client-credentials-basic": "client_credentials, client_secret_basic",
    "auth/enterprise-managed-authorization": "ID-JAG: IdP token exchange, then jwt-bearer grant",
    "auth/dpop": "DPoP-bound token, DPoP scheme, a fresh proof per request",
    "auth/dpop-nonce": "DPoP with use_dpop_nonce from the AS and the MCP server",
    "auth/wif-jwt-bearer": "workload JWT as jwt-bearer assertion; no retry, no fallback",
}


async def run_one(suite, factory, hermes, timeout, sem, sdk=False):
    async with sem:
        scenario = factory()
        ctx = context_for(scenario)
        started = time.monotonic()
        client, checks = {"exit_code": 0, "timed_out": False, "steps": []}, []
        try:
            urls = await scenario.start(ctx)
        except Exception as e:
            # a scenario that cannot start fails on its own, the others still run
            with contextlib.suppress(Exception):
                await scenario.stop()
            checks = [check(scenario.name, f"{scenario.name} did not start", f"Scenario start() raised: "
                            f"{type(e).__name__}: {e}"[:2000], "FAILURE", details={"traceback": traceback.format_exc()[-4000:]})]
        else:
            try:
                if sdk:
                    from .sdk_client import run_sdk_client
                    client = await asyncio.wait_for(run_sdk_client(scenario, ctx, urls, timeout), timeout + 5)
                else:
                    client = await run_client(hermes, scenario, ctx, urls, timeout)
                checks = scenario.get_checks()
            finally:
                await scenario.stop()  # may still add checks to the same list, as in the TS runner
        failed, reasons = judge(checks, client, scenario.allow_client_error)
        return {"scenario": scenario.name, "suite": suite, "specVersion": ctx.spec_version,
                "what": WHAT.get(scenario.name, ""),
                "result": "FAIL" if failed else "PASS", "failing": reasons,
                "seconds": round(time.monotonic() - started, 1), "client": client, "checks": checks}


GROUPS = [
    ("core", "core: at 2025-11-25 (initialize), the group the TS suite scores (authScenariosList)"),
    ("back-compat", "back-compat: at 2025-11-25 (initialize), as the TS suite runs them; optional there, "
                    "for 2025-03-26 clients, not scored"),
    ("draft", "draft: at 2026-07-28, behind a stateless server with SEP-2575 request validation and the "
              "draft-only checks (SEP-837), as the TS suite runs them; informational there, not scored"),
    ("extension", "extension: at 2025-11-25 (initialize), as the TS suite runs them (--suite extensions); "
                  "optional there, not scored"),
]


def table(results, known):
    head = ("scenario", "what it checks", "result", "failing checks")
    rows = []
    for r in results:
        listed = known.get(r["scenario"], {})
        failing = [f"{f} [known: {listed[f]}]" if f in listed else f for f in r["failing"]]
        rows.append((r["suite"], (r["scenario"], r["what"], r["result"], ", ".join(failing))))
    w = [max(len(row[i]) for row in [head] + [r for _, r in rows]) for i in range(3)]
    line = lambda a, b, c, d: f"{a:<{w[0]}}  {b:<{w[1]}}  {c:<{w[2]}}  {d}".rstrip()
    out = [line(*head)]
    for suite, title in GROUPS:
        group = [r for s, r in rows if s == suite]
        if group:
            out += ["", f"-- {title}"] + [line(*r) for r in group]
    return "\n".join(out)


def summary(results):
    """One line: only the core count is comparable with the TS suite's score; the extension count
    stands apart (the TS suite runs those only when asked, and scores none)."""
    def count(suite):
        group = [r for r in results if r["suite"] == suite]
        versions = "/".join(sorted({r["specVersion"] for r in group}))
        return f"{sum(r['result'] == 'PASS' for r in group)}/{len(group)}", versions, bool(group)
    parts = [f"{n} {suite} (at {v})" for suite, _ in GROUPS if suite != "extension"
             for n, v, any_ in [count(suite)] if any_]
    text = f"{', '.join(parts)} scenarios pass (only core is scored by the TS suite)" if parts else ""
    n, v, any_ = count("extension")
    if any_:
        text += ("; " if text else "") + f"{n} extension scenarios pass (at {v}, not scored)"
    return text


async def main_async(args):
    chosen = [(s, f) for s, f in all_scenarios() if not args.scenario or f().name in args.scenario]
    if args.scenario:
        unknown = set(args.scenario) - {f().name for _, f in chosen}
        if unknown:
            print(f"unknown scenario(s): {', '.join(sorted(unknown))}", file=sys.stderr)
            return 2
    sem = asyncio.Semaphore(args.jobs)
    results = await asyncio.gather(*(run_one(s, f, args.hermes, args.timeout, sem, args.client == "python-sdk")
                                     for s, f in chosen))
    known = KNOWN_FAILING if args.client == "hermes" else SDK_KNOWN_FAILING
    list_name = "KNOWN_FAILING" if args.client == "hermes" else "SDK_KNOWN_FAILING"
    print(table(results, known))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"results": results}, f, indent=2)  # each with the specVersion it ran at
    expected, stale, unexpected = evaluate(results, known)
    print("\n" + summary(results))
    if expected:
        print(f"expected failures ({list_name}): " + ", ".join(expected))
    if stale:
        print(f"STALE, now passing, remove from {list_name}: " + ", ".join(stale))
    if unexpected:
        print(f"FAILED (not in {list_name}): " + ", ".join(unexpected))
    return 1 if unexpected or stale else 0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--hermes", help="the hermes binary")
    p.add_argument("--client", choices=["hermes", "python-sdk"], default="hermes",
                   help="python-sdk: the official Python SDK's client instead, to check the re-creation")
    p.add_argument("--scenario", action="append", help="run only this scenario (repeatable)")
    p.add_argument("--json", help="write every scenario's checks and hermes' output here")
    p.add_argument("--jobs", type=int, default=max(2, 2 * (os.cpu_count() or 1)), help="scenarios at once")
    p.add_argument("--timeout", type=float, default=30,
                   help="seconds for the client per scenario, all its commands together (as TS: 30)")
    args = p.parse_args()
    if args.client == "hermes" and not args.hermes:
        p.error("--hermes is required")
    if args.client == "hermes" and not os.access(args.hermes, os.X_OK):
        p.error(f"--hermes {args.hermes} is not an executable file")
    sys.exit(asyncio.run(main_async(args)))


if __name__ == "__main__":
    main()
