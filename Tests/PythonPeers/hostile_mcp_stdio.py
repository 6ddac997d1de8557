"""A stdio MCP server that answers `initialize` properly and then misbehaves.

Standard library only; hermes starts it as `python hostile_mcp_stdio.py ATTACK [METHOD]`. Every
method other than METHOD (default tools/list) is answered properly (one tool, `echo`). Attacks:

    endless-line    1 MiB chunks without a newline, as fast as the pipe takes them
    wrong-shape     a result of the wrong shape (tools: "nope", content: "nope", ...)
    no-result       a JSON-RPC response with neither result nor error
    bad-version     a response whose jsonrpc is "1.0"
    wrong-id        a well-formed response to another request id
    not-json        a line that is not JSON, and no answer
    banner          a line that is not JSON before anything else, then proper answers throughout
    deaf            answers METHOD, then reads nothing more (for LIMIT seconds): the pipe to it fills

Endless output stops after LIMIT seconds or when hermes stops reading, so the server always ends.
Each start appends a line to the file $HOSTILE_STARTS names, if any, so a test can count retries.
"""

import json
import os
import sys
import time

LIMIT = 120


def tool(name):
    return {"name": name, "description": "", "inputSchema": {"type": "object", "properties": {}}}


def proper(method, params):
    if method == "initialize":
        return {"protocolVersion": params.get("protocolVersion", "2025-06-18"),
                "capabilities": {"tools": {}}, "serverInfo": {"name": "hostile-stdio", "version": "1"}}
    if method == "tools/list":
        return {"tools": [tool("echo")]}
    if method == "tools/call":
        return {"content": [{"type": "text", "text": (params.get("arguments") or {}).get("text", "")}]}
    return {}


def wrong_shape(method):
    if method == "initialize":
        return {"protocolVersion": 5}
    if method == "tools/list":
        return {"tools": "nope"}
    if method == "tools/call":
        return {"content": "nope"}
    return "nope"


def send(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def main():
    if os.environ.get("HOSTILE_STARTS"):
        with open(os.environ["HOSTILE_STARTS"], "a") as log:
            log.write("start\n")
    attack = sys.argv[1]
    target = sys.argv[2] if len(sys.argv) > 2 else "tools/list"
    if attack == "banner":
        sys.stdout.write("hostile-stdio 1.0 starting (this line is not JSON-RPC)\n")
        sys.stdout.flush()
    for line in sys.stdin:
        message = json.loads(line)
        method, rid, params = message.get("method"), message.get("id"), message.get("params") or {}
        if rid is None or method is None:
            continue
        if method != target or attack == "banner":
            send({"jsonrpc": "2.0", "id": rid, "result": proper(method, params)})
            continue
        if attack == "deaf":
            send({"jsonrpc": "2.0", "id": rid, "result": proper(method, params)})
            time.sleep(LIMIT)
            return
        if attack == "endless-line":
            chunk = "x" * (1 << 20)
            end = time.monotonic() + LIMIT
            try:
                while time.monotonic() < end:
                    sys.stdout.write(chunk)
                    sys.stdout.flush()
            except BrokenPipeError:
                pass
            return
        if attack == "wrong-shape":
            send({"jsonrpc": "2.0", "id": rid, "result": wrong_shape(method)})
        elif attack == "no-result":
            send({"jsonrpc": "2.0", "id": rid})
        elif attack == "bad-version":
            send({"jsonrpc": "1.0", "id": rid, "result": proper(method, params)})
        elif attack == "wrong-id":
            send({"jsonrpc": "2.0", "id": "not-" + str(rid), "result": proper(method, params)})
        elif attack == "not-json":
            sys.stdout.write("Traceback (most recent call last): this is not JSON\n")
            sys.stdout.flush()


if __name__ == "__main__":
    main()
