"""Sequential MCP tool calls in one process over HTTPS with a private CA: hermes' runtime
(`hermes-bench mcp-calls`) and the official Python SDK client (streamable HTTP + ClientSession),
against the same era_server.py (the SDK's server, certificate from a throw-away CA made here with
openssl), in each protocol era. Per client: TCP connections opened (distinct client ports in the
server's log), per-call latency, and the client's own CPU per call (its overhead: the server's
time is in the latency of both, not in this). Then one large tool result (era_server's `big` tool, streamed
as SSE): outcome and the client process's peak RSS.

  python bench/mcp_calls_bench.py --hermes-bench .build/release/hermes-bench [--calls 100] [--big-mb 20 12]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# The SDK client doing what `hermes-bench mcp-calls` does: connect, then N timed calls of one tool,
# in one process; prints the same JSON line.
SDK_CALLS = r'''
import asyncio, json, resource, ssl, sys, time
import httpx2
from mcp import ClientSession
from mcp.client.streamable_http import streamable_http_client

async def main(url, ca, count, tool, arguments):
    ms, ok, failure = [], 0, None
    context = ssl.create_default_context(cafile=ca)
    async with httpx2.AsyncClient(verify=context, timeout=120) as client:
        async with streamable_http_client(url, http_client=client) as streams:
            async with ClientSession(streams[0], streams[1]) as session:
                await session.initialize()
                cpu_start = time.process_time()
                for _ in range(count):
                    start = time.perf_counter()
                    try:
                        result = await session.call_tool(tool, json.loads(arguments))
                        if getattr(result, "is_error", None) or getattr(result, "isError", None):
                            failure = failure or str(result.content)[:400]
                        else:
                            ok += 1
                    except Exception as error:
                        failure = failure or repr(error)[:400]
                    ms.append((time.perf_counter() - start) * 1000)
                cpu_ms = (time.process_time() - cpu_start) * 1000
    report = {"calls": count, "ok": ok, "ms": ms, "peak_rss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
              "cpu_ms": cpu_ms}
    if failure:
        report["first_failure"] = failure
    print(json.dumps(report, sort_keys=True))

asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]))
'''


def openssl(*args):
    subprocess.run(["openssl", *args], check=True, capture_output=True)


def make_ca(directory):
    """A CA and a certificate for 127.0.0.1 it signed: (ca.pem, server.pem, server.key)."""
    ca, ca_key = os.path.join(directory, "ca.pem"), os.path.join(directory, "ca.key")
    cert, key, csr, ext = (os.path.join(directory, n) for n in ("server.pem", "server.key", "server.csr", "server.ext"))
    curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    openssl("req", "-x509", *curve, "-keyout", ca_key, "-out", ca, "-days", "2", "-subj", "/CN=hermes bench CA",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    with open(ext, "w") as f:
        f.write("subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                "extendedKeyUsage=serverAuth\n")
    openssl("req", "-new", *curve, "-keyout", key, "-out", csr, "-subj", "/CN=127.0.0.1")
    openssl("x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-set_serial", "2", "-days", "2", "-out", cert,
            "-extfile", ext)
    return ca, cert, key


def admin(info, route, data=None):
    with urllib.request.urlopen(urllib.request.Request(info["admin"] + route, data=data), timeout=30) as r:
        return json.loads(r.read())


def measured(info, command):
    """Runs one client; returns its report and the connections the server saw meanwhile."""
    admin(info, "/reset", data=b"")
    run = subprocess.run(command, capture_output=True, text=True, timeout=600)
    lines = run.stdout.strip().splitlines()
    try:
        report = json.loads(lines[-1])
    except (IndexError, ValueError):
        raise SystemExit(f"{command[0]} failed ({run.returncode}):\n{run.stdout}\n{run.stderr}")
    log = admin(info, "/log")
    report["connections"] = len({tuple(entry["client"]) for entry in log if entry.get("client")})
    report["requests"] = len(log)
    return report


def percentile(values, p):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, -(-len(ordered) * p // 100) - 1))] if ordered else float("nan")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--hermes-bench", required=True)
    p.add_argument("--calls", type=int, default=100)
    # 20 MiB passes hermes' 16 MiB bound on a reply (twice over: the text comes back twice); 7 MiB
    # (a 14.7 MB reply) fits.
    p.add_argument("--big-mb", type=int, nargs="*", default=[20, 7])
    args = p.parse_args()
    directory = tempfile.mkdtemp(prefix="hermes-bench-calls-")
    ca, cert, key = make_ca(directory)
    servers = []

    def start(mode):
        server = subprocess.Popen([sys.executable, os.path.join(ROOT, "Tests/PythonPeers/era_server.py"), "--mode", mode,
                                   "--tls-cert", cert, "--tls-key", key, "--keep-alive", "60"],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        servers.append(server)
        line = server.stdout.readline()
        if not line.startswith("READY "):
            raise SystemExit("era_server.py did not start: " + line)
        return json.loads(line[6:])

    def hermes(info, count, tool="echo", arguments='{"text": "bench"}'):
        return measured(info, [args.hermes_bench, "mcp-calls", info["url"], str(count), "--ca", ca, "--tool", tool,
                               "--arguments", arguments])

    def sdk(info, count, tool="echo", arguments='{"text": "bench"}'):
        return measured(info, [sys.executable, "-c", SDK_CALLS, info["url"], ca, str(count), tool, arguments])

    try:
        # 2026-07-28 answers with JSON bodies; the initialize era (a stateful server) with event streams.
        eras = [("2026-07-28 (JSON replies)", start("dual")), ("2025-11-25 (SSE replies)", start("stateful"))]
        rows = []
        for era, info in eras:
            rows.append(("hermes (`hermes-bench mcp-calls`, the runtime)", era, hermes(info, args.calls)))
            rows.append(("Python SDK client (mcp 2.3.0, httpx2)", era, sdk(info, args.calls)))
        big = []
        for megabytes in args.big_mb:
            arguments = json.dumps({"megabytes": megabytes})
            big.append((megabytes, "hermes", hermes(eras[1][1], 1, "big", arguments)))
            big.append((megabytes, "Python SDK client", sdk(eras[1][1], 1, "big", arguments)))
    finally:
        for server in servers:
            server.stdin.close()
            server.wait(timeout=10)

    print(f"## {args.calls} sequential `tools/call` (echo) in one process, HTTPS with a private CA\n")
    print("| client | server | calls ok | TCP connections the server saw | requests | median ms | p90 ms | max ms | client CPU ms per call | peak RSS MiB |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for name, era, r in rows:
        ms = r["ms"]
        print(f"| {name} | {era} | {r['ok']}/{r['calls']} | {r['connections']} | {r['requests']} | {statistics.median(ms):.2f} | "
              f"{percentile(ms, 90):.2f} | {max(ms):.2f} | {r.get('cpu_ms', float('nan')) / max(r['calls'], 1):.2f} | "
              f"{r['peak_rss_kib'] / 1024:.1f} |")
        if r.get("first_failure"):
            print(f"|  | first failure: {r['first_failure'][:200]} | | | | | | | | |")
    print("\n## One large tool result (era_server's `big`: the text, and again as structured content), "
          "as an event stream (2025-11-25)\n")
    print("| text | client | outcome | wall ms | peak RSS MiB |")
    print("| --- | --- | --- | --- | --- |")
    for megabytes, name, r in big:
        outcome = "ok" if r["ok"] == 1 else "refused: " + (r.get("first_failure") or "?")[:160].replace("|", "/")
        print(f"| {megabytes} MiB | {name} | {outcome} | {r['ms'][0]:.0f} | {r['peak_rss_kib'] / 1024:.1f} |")

if __name__ == "__main__":
    main()
