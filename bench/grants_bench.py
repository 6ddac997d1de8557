"""Client-credentials token acquisition and one DPoP proof: hermes (`hermes-bench grants`) next to
the official Python SDK's ClientCredentialsOAuthProvider, against the same OAuth test peer
(Tests/PythonPeers/oauth_server.py with a client-credentials client), in one run.

An acquisition starts from nothing and ends with the MCP server answering a request with the new
token: the 401, protected resource and authorization server metadata, the token request, and the
request again (the SDK's provider does exactly these inside its first request; hermes' manager does
them in `credential(for:)`, then the request). The SDK has no DPoP: its column is PyJWT (which the
SDK depends on) signing the same proof, what a Python client would spend.

  python bench/grants_bench.py --hermes-bench .build/release/hermes-bench [--count 50]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

SDK = r'''
import asyncio, base64, json, sys, time, uuid
import httpx2, jwt
from cryptography.hazmat.primitives.asymmetric import ec
from mcp.client.auth.extensions.client_credentials import ClientCredentialsOAuthProvider

class Memory:
    def __init__(self): self.tokens, self.client = None, None
    async def get_tokens(self): return self.tokens
    async def set_tokens(self, tokens): self.tokens = tokens
    async def get_client_info(self): return self.client
    async def set_client_info(self, client): self.client = client

INIT = {"jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "bench", "version": "1"}}}

async def main(url, count, client_id, secret):
    cold, failure = [], None
    async with httpx2.AsyncClient(timeout=30) as client:
        for _ in range(count):
            provider = ClientCredentialsOAuthProvider(url, Memory(), client_id, secret)
            start = time.perf_counter()
            r = await client.post(url, json=INIT, auth=provider, headers={"Accept": "application/json, text/event-stream"})
            cold.append((time.perf_counter() - start) * 1000)
            if r.status_code != 200:
                failure = failure or f"HTTP {r.status_code}"
    key = ec.generate_private_key(ec.SECP256R1())
    numbers = key.public_key().public_numbers()
    b64 = lambda i: base64.urlsafe_b64encode(i.to_bytes(32, "big")).rstrip(b"=").decode()
    jwk = {"kty": "EC", "crv": "P-256", "x": b64(numbers.x), "y": b64(numbers.y)}
    import hashlib
    ath = base64.urlsafe_b64encode(hashlib.sha256(b"bench-access-token").digest()).rstrip(b"=").decode()
    def proof():
        claims = {"htm": "POST", "htu": url, "iat": int(time.time()), "jti": str(uuid.uuid4()), "ath": ath}
        return jwt.encode(claims, key, algorithm="ES256", headers={"typ": "dpop+jwt", "jwk": jwk})
    for _ in range(200): proof()
    n = 2000
    start = time.perf_counter()
    for _ in range(n): proof()
    report = {"cold_ms": cold, "proof_us": (time.perf_counter() - start) / n * 1e6}
    if failure: report["first_failure"] = failure
    print(json.dumps(report))

asyncio.run(main(sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]))
'''


def start_peer(python):
    settings = {"client_credentials": {"bench": {"secret": "bench-secret"}}}
    peer = subprocess.Popen([python, os.path.join(ROOT, "Tests/PythonPeers/oauth_server.py"), "--config", json.dumps(settings)],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    for line in peer.stdout:
        if line.startswith("READY "):
            return peer, json.loads(line[6:])
    raise SystemExit("the OAuth test peer did not start")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--hermes-bench", required=True)
    parser.add_argument("--count", type=int, default=50)
    args = parser.parse_args()
    python = sys.executable
    peer, info = start_peer(python)
    try:
        url = info["mcp_url"]
        hermes = json.loads(subprocess.run([args.hermes_bench, "grants", url, str(args.count), "bench", "bench-secret"],
                                           check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1])
        sdk = json.loads(subprocess.run([python, "-c", SDK, url, str(args.count), "bench", "bench-secret"],
                                        check=True, capture_output=True, text=True).stdout.strip().splitlines()[-1])
    finally:
        peer.stdin.close()
        peer.wait(timeout=10)
    for name, report in (("hermes", hermes), ("Python SDK", sdk)):
        if "first_failure" in report:
            print(f"{name}: first failure: {report['first_failure']}")
    print(f"client-credentials acquisition, {args.count} times each, from nothing to an answered MCP request (loopback, plain HTTP)\n")
    print("| client | median ms | p90 ms | token request alone (metadata known), median ms | one DPoP proof, µs |")
    print("| --- | --- | --- | --- | --- |")
    def p90(values):
        return sorted(values)[int(len(values) * 0.9) - 1]
    print(f"| hermes | {statistics.median(hermes['cold_ms']):.2f} | {p90(hermes['cold_ms']):.2f} | "
          f"{statistics.median(hermes['warm_ms']):.2f} | {hermes['proof_us']:.1f} |")
    print(f"| Python SDK (ClientCredentialsOAuthProvider; proof: PyJWT) | {statistics.median(sdk['cold_ms']):.2f} | "
          f"{p90(sdk['cold_ms']):.2f} | - | {sdk['proof_us']:.1f} |")


if __name__ == "__main__":
    main()
