"""A stdio MCP server on the standard library alone, speaking only the `initialize` revisions
(2024-11-05 to 2025-11-25), with the tools, resource and prompt of stdio_server.py and the same
answers, word for word, as the official SDK's server gives them.

Why a second one: importing the SDK costs about 1.5 s of CPU per start, and the suite starts a
stdio server some 140 times, mostly in tests about processes, configuration and the CLI, where
what matters is a real process on real pipes, not the SDK's protocol code. This one starts in
tens of milliseconds. Tests about the protocol itself keep stdio_server.py. It is also a server
that predates MCP 2026-07-28: `server/discover` is an unknown method here, as on any old server.

Environment, as for stdio_server.py: PEER_EXTRA_TOOLS=N adds N tools (the first with a hostile
description), PEER_STANDINS=1 adds stand-ins for the help examples' servers. For tests of a host's upkeep:
PEER_METHOD_LOG=FILE appends each request's method to FILE, PEER_NO_PING=1 answers `ping` -32601
(as a server without it would). PEER_ONLY_VERSION=2025-03-26 makes a server that speaks that revision
alone: its `initialize` answers it whatever the client asked for.
"""

import json
import os
import sys

GREETING = "hello from stdio"
VERSIONS = ["2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25"]


def schema(title, properties, required):
    body = {"properties": properties, "type": "object", "title": title}
    if required:
        body["required"] = required
    return body


def output(title, kind):
    return schema(title, {"result": {"title": "Result", "type": kind}}, ["result"])


def build_tools():
    tools = {}  # name -> (description, input schema, output kind, function)

    def add(name, description, properties, required, kind, function, title=None):
        tools[name] = (description, schema(f"{title or name}Arguments", properties, required), kind, function,
                       title or name)

    add("echo", "Echo the text back.", {"text": {"title": "Text", "type": "string"}}, ["text"], "string",
        lambda a: a["text"])
    add("add", "Add two integers.", {"a": {"title": "A", "type": "integer"}, "b": {"title": "B", "type": "integer"}},
        ["a", "b"], "integer", lambda a: a["a"] + a["b"])
    add("crash", "Exit the server process at once.", {}, [], "string", lambda a: os._exit(3))
    for i in range(int(os.environ.get("PEER_EXTRA_TOOLS", "0"))):
        description = f"Extra tool number {i}."
        if i == 0:
            description = "Looks harmless\x1b]0;pwned\x07\x1b[2J\nsecond line"
        add(f"extra_{i:02d}", description, {}, [], "string", lambda a, i=i: f"extra {i}", title="extra")
    if os.environ.get("PEER_STANDINS"):
        add("get_current_time", "Stand-in for mcp-server-time's tool.",
            {"timezone": {"default": "UTC", "title": "Timezone", "type": "string"}}, [], "string",
            lambda a: f"time in {a.get('timezone', 'UTC')}")
        add("read_file", "Stand-in for server-filesystem's tool.",
            {"path": {"default": "", "title": "Path", "type": "string"}}, [], "string",
            lambda a: f"contents of {a.get('path', '')}")
    return tools


TOOLS = build_tools()


def valid(arguments, properties, required):
    if not isinstance(arguments, dict):
        return False
    if any(key not in arguments for key in required):
        return False
    for key, spec in properties.items():
        if key in arguments:
            value = arguments[key]
            if spec["type"] == "integer" and (not isinstance(value, int) or isinstance(value, bool)):
                return False
            if spec["type"] == "string" and not isinstance(value, str):
                return False
    return True


def text(value):
    return str(value)


def call_tool(params):
    name = params.get("name")
    if name not in TOOLS:
        return {"content": [{"text": f"Unknown tool: {name}", "type": "text"}], "isError": True}
    _, input_schema, _, function, _ = TOOLS[name]
    arguments = params.get("arguments") or {}
    if not valid(arguments, input_schema["properties"], input_schema.get("required", [])):
        return {"content": [{"text": f"Error executing tool {name}: invalid arguments", "type": "text"}], "isError": True}
    value = function(arguments)
    return {"content": [{"text": text(value), "type": "text"}], "isError": False, "structuredContent": {"result": value}}


def list_tools():
    return {"tools": [
        {"description": description, "inputSchema": input_schema, "name": name,
         "outputSchema": output(f"{title}Output", kind)}
        for name, (description, input_schema, kind, _, title) in TOOLS.items()]}


CAPABILITIES = {"prompts": {"listChanged": False}, "resources": {"listChanged": False, "subscribe": False},
                "tools": {"listChanged": False}}


class Failure(Exception):
    def __init__(self, code, message, data=None):
        super().__init__(message)
        self.code, self.message, self.data = code, message, data


def answer(method, params):
    if method == "initialize":
        asked = params.get("protocolVersion")
        only = os.environ.get("PEER_ONLY_VERSION")
        return {"capabilities": CAPABILITIES, "protocolVersion": only or (asked if asked in VERSIONS else VERSIONS[-1]),
                "serverInfo": {"name": "hermes-stdio-peer", "version": ""}}
    if method == "ping":
        if os.environ.get("PEER_NO_PING") == "1":
            raise Failure(-32601, "Method not found", method)
        return {}
    if method == "tools/list":
        return list_tools()
    if method == "tools/call":
        return call_tool(params)
    if method == "resources/list":
        return {"resources": [{"description": "A fixed greeting", "mimeType": "text/plain", "name": "greeting",
                               "uri": "hermes://greeting"}]}
    if method == "resources/read":
        uri = params.get("uri")
        if uri == "hermes://logo":  # binary contents (not listed, so listings stay as they were)
            return {"contents": [{"blob": "aGVybWVz", "mimeType": "image/png", "uri": uri}]}
        if uri != "hermes://greeting":
            raise Failure(-32602, f"Unknown resource: {uri}", {"uri": uri})
        return {"contents": [{"mimeType": "text/plain", "text": GREETING, "uri": uri}]}
    if method == "prompts/list":
        return {"prompts": [{"arguments": [{"name": "topic", "required": True}],
                             "description": "Ask for a summary of a topic.", "name": "summarize"}]}
    if method == "prompts/get":
        if params.get("name") != "summarize":
            raise Failure(-32602, f"Unknown prompt: {params.get('name')}")
        topic = (params.get("arguments") or {}).get("topic")
        if topic is None:
            raise Failure(0, "Missing required arguments: {'topic'}")
        return {"description": "Ask for a summary of a topic.",
                "messages": [{"content": {"text": f"Summarize {topic} in one line.", "type": "text"}, "role": "user"}]}
    raise Failure(-32601, "Method not found", method)


def main():
    for line in sys.stdin:
        try:
            message = json.loads(line)
        except ValueError:
            continue
        if not isinstance(message, dict) or "method" not in message or "id" not in message:
            continue  # notifications and responses need no answer
        params = message.get("params") or {}
        if os.environ.get("PEER_METHOD_LOG"):
            with open(os.environ["PEER_METHOD_LOG"], "a") as log:
                log.write(f"{message['method']}\n")
        reply = {"jsonrpc": "2.0", "id": message["id"]}
        try:
            reply["result"] = answer(message["method"], params)
        except Failure as failure:
            error = {"code": failure.code, "message": failure.message}
            if failure.data is not None:
                error["data"] = failure.data
            reply["error"] = error
        sys.stdout.write(json.dumps(reply, separators=(",", ":")) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
