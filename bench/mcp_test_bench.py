"""`hermes mcp test` side by side with hermes-agent 0.19.0's and with the official Python SDK client
doing the same (initialize, list tools) in a new process, on the same servers and HERMES_HOME:
the OAuth-protected HTTP server (tokens from a login done by hermes; hermes-agent reads the same
files) and a stdio server, both on the official MCP Python SDK. Wall time and peak RSS per run.

  python bench/mcp_test_bench.py --hermes .build/release/hermes --agent .peers/agent/bin/hermes [--runs 5]
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile

from benchlib import run_with_rss

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# The official Python SDK client doing what `mcp test` does (initialize, list tools), as a new
# process: over streamable HTTP with the cached access token hermes stored, or over stdio.
SDK_TEST = r'''
import asyncio, json, os, sys
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

async def main(kind, target, extra):
    if kind == "http":
        import httpx2
        from mcp.client.streamable_http import streamable_http_client
        token = json.load(open(extra))["access_token"]
        async with httpx2.AsyncClient(headers={"Authorization": "Bearer " + token}) as client:
            async with streamable_http_client(target, http_client=client) as streams:
                async with ClientSession(streams[0], streams[1]) as session:
                    await session.initialize()
                    tools = await session.list_tools()
    else:
        params = StdioServerParameters(command=sys.executable, args=[target])
        async with stdio_client(params) as (read, write):
            async with ClientSession(read, write) as session:
                await session.initialize()
                tools = await session.list_tools()
    print("Connected", len(tools.tools))

asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None))
'''


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--hermes", required=True)
    p.add_argument("--agent", required=True)
    p.add_argument("--runs", type=int, default=5)
    args = p.parse_args()
    server = subprocess.Popen([sys.executable, os.path.join(ROOT, "Tests/PythonPeers/oauth_server.py")],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    line = server.stdout.readline()
    info = json.loads(line[6:])
    home = tempfile.mkdtemp(prefix="hermes-bench-")
    with open(os.path.join(home, "config.yaml"), "w") as f:
        f.write(f"""mcp_servers:
  demo:
    url: {info['mcp_url']}
    auth: oauth
  local:
    command: {sys.executable}
    args: [{os.path.join(ROOT, 'Tests/PythonPeers/stdio_server.py')}]
""")
    env = dict(os.environ, HERMES_HOME=home, BROWSER="curl -s -L -o /dev/null", NO_COLOR="1")
    login = subprocess.run([args.hermes, "mcp", "login", "demo"], env=env, capture_output=True, text=True)
    if login.returncode != 0:
        raise SystemExit(login.stdout + login.stderr)
    rows = []
    try:
        for name, binary in (("hermes", args.hermes), ("hermes-agent 0.19.0", args.agent)):
            for server_name, label in (("demo", "HTTP + OAuth"), ("local", "stdio")):
                walls, rss, ok = [], [], 0
                for _ in range(args.runs):
                    wall, code, peak = run_with_rss([binary, "mcp", "test", server_name], env)
                    walls.append(wall)
                    rss.append(peak)
                    ok += code == 0
                # One run with output kept, to show it really connected.
                check = subprocess.run([binary, "mcp", "test", server_name], env=env, capture_output=True, text=True, timeout=120)
                connected = "Connected" in check.stdout + check.stderr
                rows.append((name, label, statistics.median(walls), max(rss), f"{ok}/{args.runs}", connected))
        stdio_script = os.path.join(ROOT, "Tests/PythonPeers/stdio_server.py")
        for label, argv in (("HTTP + OAuth", ["http", info["mcp_url"], os.path.join(home, "mcp-tokens", "demo.json")]),
                            ("stdio", ["stdio", stdio_script])):
            walls, rss, ok = [], [], 0
            command = [sys.executable, "-c", SDK_TEST] + argv
            for _ in range(args.runs):
                wall, code, peak = run_with_rss(command, env)
                walls.append(wall)
                rss.append(peak)
                ok += code == 0
            check = subprocess.run(command, env=env, capture_output=True, text=True, timeout=120)
            rows.append(("Python SDK client (mcp 2.3.0)", label, statistics.median(walls), max(rss), f"{ok}/{args.runs}",
                         check.stdout.startswith("Connected")))
    finally:
        server.stdin.close()
        server.wait(timeout=10)
    hermes = {r[1]: r for r in rows if r[0] == "hermes"}
    print("| client | server | median wall ms | wall / hermes' | peak RSS MiB | RSS / hermes' | exit 0 | connected |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- |")
    for r in rows:
        h = hermes[r[1]]
        print(f"| {r[0]} | {r[1]} | {r[2]:.0f} | {r[2] / h[2]:.1f}x | {r[3]:.1f} | {r[3] / h[3]:.2f}x | {r[4]} | {'yes' if r[5] else 'no'} |")


if __name__ == "__main__":
    main()
