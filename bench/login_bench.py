"""Full OAuth login, side by side: `hermes mcp login` against the official MCP Python SDK client
(mcp 2.3.0, OAuthClientProvider), on the same local OAuth-protected MCP server (the SDK's own
authorization server, Tests/PythonPeers/oauth_server.py).

Each run is a fresh client: discovery, dynamic registration, the authorization request with the
browser step automated (the redirect followed at once), the token exchange, and one authenticated
MCP `initialize`. Printed figures are wall times in milliseconds.

  python bench/login_bench.py --hermes .build/release/hermes [--runs 20]
"""
import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from urllib.parse import parse_qs, urlparse

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

SDK_ONCE = r'''
import asyncio, sys, time
from urllib.parse import parse_qs, urlparse
import httpx2
from mcp import ClientSession
from mcp.client.auth import OAuthClientProvider, AuthorizationCodeResult
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import OAuthClientMetadata

class Memory:
    def __init__(self): self.tokens = None; self.client = None
    async def get_tokens(self): return self.tokens
    async def set_tokens(self, t): self.tokens = t
    async def get_client_info(self): return self.client
    async def set_client_info(self, c): self.client = c

def make_provider(url):
    """The SDK's provider with the browser step automated: the redirect is followed at once."""
    pending = {}
    async def redirect(auth_url): pending["url"] = auth_url
    async def callback():
        async with httpx2.AsyncClient(follow_redirects=False) as c:
            r = await c.get(pending["url"])
        q = parse_qs(urlparse(r.headers["location"]).query)
        return AuthorizationCodeResult(code=q["code"][0], state=q.get("state", [None])[0], iss=q.get("iss", [None])[0])
    return OAuthClientProvider(url, OAuthClientMetadata(client_name="bench", redirect_uris=["http://127.0.0.1:45999/callback"],
                               grant_types=["authorization_code", "refresh_token"], response_types=["code"],
                               token_endpoint_auth_method="none"), Memory(), redirect, callback)

async def login(url):
    provider = make_provider(url)
    async with httpx2.AsyncClient(auth=provider) as client:
        async with streamable_http_client(url, http_client=client) as streams:
            async with ClientSession(streams[0], streams[1]) as session:
                await session.initialize()

async def main(url, runs):
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        await login(url)
        out.append((time.perf_counter() - t) * 1000)
    print(" ".join(f"{x:.2f}" for x in out))

asyncio.run(main(sys.argv[1], int(sys.argv[2])))
'''


SDK_REFRESH = SDK_ONCE.split("async def main(url, runs):")[0] + r'''
async def refreshes(url, runs):
    provider = make_provider(url)
    plain, forced = [], []
    async with httpx2.AsyncClient(auth=provider) as client:
        async with streamable_http_client(url, http_client=client) as streams:
            async with ClientSession(streams[0], streams[1]) as session:
                await session.initialize()
                for _ in range(runs):
                    t = time.perf_counter()
                    await session.list_tools()
                    plain.append((time.perf_counter() - t) * 1000)
                    provider.context.token_expiry_time = time.time() - 1   # expired: the next request refreshes first
                    t = time.perf_counter()
                    await session.list_tools()
                    forced.append((time.perf_counter() - t) * 1000)
    print(" ".join(f"{x:.2f}" for x in plain))
    print(" ".join(f"{x:.2f}" for x in forced))

asyncio.run(refreshes(sys.argv[1], int(sys.argv[2])))
'''


def start_server():
    proc = subprocess.Popen([sys.executable, os.path.join(ROOT, "Tests/PythonPeers/oauth_server.py")],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    while True:
        line = proc.stdout.readline()
        if line.startswith("READY "):
            return proc, json.loads(line[6:])
        if not line:
            raise SystemExit("the OAuth server did not start")


def summary(name, values):
    values = sorted(values)
    p90 = values[max(0, int(round(0.9 * len(values))) - 1)]
    return f"| {name} | {len(values)} | {statistics.median(values):.1f} | {p90:.1f} | {values[0]:.1f} |"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--hermes", required=True)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--helper", help="hermes-test-helper, for the refresh round trip")
    args = parser.parse_args()
    server, info = start_server()
    url = info["mcp_url"]
    results = {}
    try:
        env = dict(os.environ, BROWSER="curl -s -L -o /dev/null")
        hermes = []
        for _ in range(args.runs):
            with tempfile.TemporaryDirectory() as home:
                with open(os.path.join(home, "config.yaml"), "w") as f:
                    f.write(f"mcp_servers:\n  demo:\n    url: {url}\n    auth: oauth\n")
                env["HERMES_HOME"] = home
                t = time.perf_counter()
                r = subprocess.run([args.hermes, "mcp", "login", "demo"], env=env, capture_output=True, text=True)
                hermes.append((time.perf_counter() - t) * 1000)
                if r.returncode != 0:
                    raise SystemExit(f"hermes login failed: {r.stdout}{r.stderr}")
        results["hermes mcp login (new process each run)"] = hermes

        if args.helper:
            # A refresh round trip: a new process asks for a refresh of a logged-in server's tokens
            # (the refresh_token grant, the rotation written to disk under the lock).
            with tempfile.TemporaryDirectory() as home:
                with open(os.path.join(home, "config.yaml"), "w") as f:
                    f.write(f"mcp_servers:\n  demo:\n    url: {url}\n    auth: oauth\n")
                env["HERMES_HOME"] = home
                subprocess.run([args.hermes, "mcp", "login", "demo"], env=env, capture_output=True, check=True)
                refresh = []
                for _ in range(args.runs):
                    t = time.perf_counter()
                    r = subprocess.run([args.helper, "refresh", home, "demo"], capture_output=True, text=True)
                    refresh.append((time.perf_counter() - t) * 1000)
                    if not r.stdout.startswith("ok "):
                        raise SystemExit(f"refresh failed: {r.stdout}{r.stderr}")
                results["hermes refresh round trip (new process each run)"] = refresh

        r = subprocess.run([sys.executable, "-c", SDK_ONCE, url, str(args.runs)], capture_output=True, text=True)
        if r.returncode != 0:
            raise SystemExit(f"the SDK client failed: {r.stderr[-2000:]}")
        results["Python SDK OAuthClientProvider (in one warm process)"] = [float(x) for x in r.stdout.split()]

        r = subprocess.run([sys.executable, "-c", SDK_REFRESH, url, str(args.runs)], capture_output=True, text=True)
        if r.returncode != 0:
            raise SystemExit(f"the SDK refresh run failed: {r.stderr[-2000:]}")
        plain_line, forced_line = r.stdout.strip().split("\n")
        results["Python SDK: tools/list, token valid (warm process)"] = [float(x) for x in plain_line.split()]
        results["Python SDK: tools/list after expiry = refresh + request (warm process)"] = [float(x) for x in forced_line.split()]

        cold = []
        for _ in range(max(3, args.runs // 4)):
            t = time.perf_counter()
            r = subprocess.run([sys.executable, "-c", SDK_ONCE, url, "1"], capture_output=True, text=True)
            cold.append((time.perf_counter() - t) * 1000)
        results["Python SDK, new process each run"] = cold
    finally:
        server.stdin.close()
        server.wait(timeout=10)

    print("| client | runs | median ms | p90 ms | min ms |")
    print("| --- | --- | --- | --- | --- |")
    for name, values in results.items():
        print(summary(name, values))
    h = statistics.median(results["hermes mcp login (new process each run)"])
    print(f"\nratio, Python SDK new process / hermes: {statistics.median(cold) / h:.1f}x; "
          f"Python SDK warm in-process / hermes new process: {statistics.median(results['Python SDK OAuthClientProvider (in one warm process)']) / h:.2f}x")


if __name__ == "__main__":
    main()
