"""An MCP server of a chosen protocol era for hermes' runtime tests, on the official Python SDK
(mcp 2.3.0), which serves 2026-07-28 (stateless, `_meta` envelope) beside the `initialize`
revisions; a thin filter in front takes one era away when a test needs a single-era server.

  era_server.py --mode MODE [--transport http|stdio] [--host 127.0.0.1] [--tls-cert F --tls-key F]
                [--resource-pages N] [--require-token TOKEN] [--resumable] [--keep-alive SECONDS] [--http2]

HTTP modes: dual (the plain SDK app), modern (2026-07-28 only), stateful (legacy only), stateless
(legacy, stateless_http), sse (HTTP+SSE 2024-11-05: GET /sse, POST /messages/). It binds port 0,
prints `READY {"url": ..., "admin": ..., "origin": ...}` (url is the /sse endpoint for sse), and
exits when its stdin closes. Admin API (over TLS, served in plain HTTP on a port of its own):
  GET  /admin/log    every request: HTTP method, path, JSON-RPC method, the MCP headers, the
                     first 8 characters of Authorization, the client's (host, port)
  POST /admin/reset  clear the log
  POST /admin/mode/M the server speaks as mode M from now on (dual, modern, stateful): a server
                     redeployed in another era, sessions of the old one still open behind
stdio modes: dual, modern (refuses `initialize` with -32022), legacy (a pre-2026 server: -32601
to server/discover; the 2026 `_meta` keys are ignored, so an enveloped request before `initialize`
gets the SDK's pre-handshake -32602). MCP on stdin/stdout, logs on stderr.

Tools: peer_tools' set plus era_tools' (reserve, open_link, progress, big, hang, regional,
add_tool, interrupted, move_header, visit, profile, gated). --resource-pages N lists the
resources N pages of 3.
--resumable gives the streamable HTTP modes an event store (event_store.py) and `retry: 100`.
"""
import argparse
import asyncio
import json
import logging
import os
import socket
import sys
import threading
import time

import anyio
import uvicorn
from mcp_types import ListResourcesResult
from mcp_types.jsonrpc import (INVALID_PARAMS, METHOD_NOT_FOUND, UNSUPPORTED_PROTOCOL_VERSION, ErrorData,
                               JSONRPCError, JSONRPCRequest)

from mcp.server.lowlevel.server import NotificationOptions
from mcp.server.mcpserver import MCPServer
from mcp.shared.exceptions import MCPError
from mcp.shared.message import SessionMessage

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import era_tools  # noqa: E402
import header_tools  # noqa: E402
from event_store import MemoryEventStore  # noqa: E402
import peer_tools  # noqa: E402

MODERN = "2026-07-28"
HANDSHAKE_VERSIONS = ("2024-11-05", "2025-03-26", "2025-06-18", "2025-11-25")
ENVELOPE_PREFIX = "io.modelcontextprotocol/"
PAGE_SIZE = 3
LOGGED_HEADERS = ("mcp-protocol-version", "mcp-method", "mcp-name", "mcp-session-id", "last-event-id")

log = []


class PagedServer(MCPServer):
    """MCPServer lists resources in one page; tests of pagination need several."""

    paged = False

    async def _handle_list_resources(self, ctx, params):
        resources = await self.list_resources()
        if not self.paged:
            return ListResourcesResult(resources=resources)
        cursor = params.cursor if params else None
        if cursor is not None and not (cursor.isdigit() and int(cursor) < len(resources)):
            raise MCPError(code=INVALID_PARAMS, message="Invalid cursor")
        start = int(cursor or 0)
        end = start + PAGE_SIZE
        return ListResourcesResult(resources=resources[start:end],
                                   next_cursor=str(end) if end < len(resources) else None)


def build_server(pages):
    mcp = PagedServer(name="hermes-era-peer", version="0.0.1", instructions="era test peer")
    peer_tools.register(mcp, "hello from the era peer")
    era_tools.register(mcp)
    header_tools.register(mcp)
    era_tools.register_pages(mcp, pages, PAGE_SIZE)
    mcp.paged = pages > 0
    # add_tool announces list changes in every era, so the handshake eras advertise it too (the
    # SDK's default says listChanged false to an `initialize`).
    lowlevel = mcp._lowlevel_server
    initialization_options = lowlevel.create_initialization_options
    lowlevel.create_initialization_options = lambda notification_options=None, *rest, **named: initialization_options(
        notification_options or NotificationOptions(tools_changed=True), *rest, **named)
    return mcp


# --- HTTP -------------------------------------------------------------------------------------

async def read_body(receive):
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            return body


def replay(body, receive):
    """The body once, then the real receive, so the app still sees the client disconnect."""
    sent = False

    async def again():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return again


async def respond(send, status, body=b"", headers=()):
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    head = [(k.encode(), v.encode()) for k, v in headers]
    if data:
        head.append((b"content-type", b"application/json"))
    await send({"type": "http.response.start", "status": status, "headers": head})
    await send({"type": "http.response.body", "body": data})


def rpc_of(body):
    try:
        message = json.loads(body)
    except ValueError:
        return None
    if isinstance(message, list):
        return [m.get("method", "(response)") for m in message if isinstance(m, dict)]
    return message if isinstance(message, dict) else None


def rpc_method(message):
    """The JSON-RPC method, "(response)" for the client's answer to a server request, else None."""
    if not message:
        return None
    return message.get("method") or ("(response)" if "result" in message or "error" in message else None)


class FrontDoor:
    """Records every request, serves the admin API, gates on a bearer token, and (modern, stateful,
    stateless) hides one era from the SDK app behind it."""

    def __init__(self, app, mode, token):
        self.app, self.mode, self.token = app, mode, token

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path, method = scope["path"], scope["method"]
        if path.startswith("/admin/"):
            return await self.admin(path, send)
        body = await read_body(receive)
        headers = {k.decode().lower(): v.decode("latin-1") for k, v in scope["headers"]}
        message = rpc_of(body)
        entry = {"method": method, "path": path, "query": scope.get("query_string", b"").decode(),
                 "rpc": message if isinstance(message, list) else rpc_method(message),
                 "headers": {k: v for k, v in headers.items() if k in LOGGED_HEADERS or k.startswith("mcp-param-")},
                 "client": list(scope.get("client") or ()), "http": scope.get("http_version"), "t": time.time()}
        if "authorization" in headers:
            entry["headers"]["authorization"] = headers["authorization"][:8]
        log.append(entry)

        if self.token is not None and headers.get("authorization") != f"Bearer {self.token}":
            challenge = 'Bearer error="invalid_token"' if "authorization" in headers else "Bearer"
            return await respond(send, 401, {"error": "unauthorized"}, [("www-authenticate", challenge)])
        version = headers.get("mcp-protocol-version")
        legacy_header = version is None or version in HANDSHAKE_VERSIONS
        if self.mode == "modern" and legacy_header:
            return await self.refuse_legacy(method, message, version, send)
        if self.mode in ("stateful", "stateless") and not legacy_header:
            # The SDK routes on this header alone: without it, the legacy transport answers.
            scope = dict(scope, headers=[(k, v) for k, v in scope["headers"] if k.lower() != b"mcp-protocol-version"])
        return await self.app(scope, replay(body, receive), send)

    async def refuse_legacy(self, method, message, version, send):
        if method != "POST":
            return await respond(send, 405, headers=[("allow", "POST")])
        message = message if isinstance(message, dict) else {}
        requested = version or (message.get("params") or {}).get("protocolVersion")
        return await respond(send, 400, {"jsonrpc": "2.0", "id": message.get("id"), "error": {
            "code": UNSUPPORTED_PROTOCOL_VERSION,
            "message": f"Unsupported protocol version (this server speaks only {MODERN})",
            "data": {"supported": [MODERN], "requested": requested}}})

    async def admin(self, path, send):
        if path == "/admin/log":
            return await respond(send, 200, log)
        if path == "/admin/reset":
            log.clear()
            return await respond(send, 200, {"ok": True})
        if path.startswith("/admin/mode/") and path.rsplit("/", 1)[1] in ("dual", "modern", "stateful"):
            self.mode = path.rsplit("/", 1)[1]
            return await respond(send, 200, {"mode": self.mode})
        return await respond(send, 404, {"error": "no such admin route"})


class AdminOnly:
    """The admin routes of a FrontDoor, nothing else."""

    def __init__(self, front):
        self.front = front

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return
        if scope["path"].startswith("/admin/"):
            return await self.front.admin(scope["path"], send)
        return await respond(send, 404, {"error": "admin only"})


def bind(host):
    s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    # Inherited by accepted connections: uvicorn writes a response's head and body apart, and over
    # TLS, without this, the body waited for the client's delayed ACK (40 ms a request).
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    s.bind((host, 0))
    s.listen(128)
    return s


def serve_http(mcp, args):
    if args.mode == "sse":
        app, path = mcp.sse_app(host=args.host), "/sse"
    else:
        # --resumable: event ids, a priming event with `retry: 100`, and a store to replay from
        # (2025-11-25 resumability; the `interrupted` tool closes its stream mid-call).
        store = {"event_store": MemoryEventStore(), "retry_interval": 100} if args.resumable else {}
        app, path = mcp.streamable_http_app(stateless_http=args.mode == "stateless", host=args.host, **store), "/mcp"
    sock = bind(args.host)
    scheme = "https" if args.tls_cert else "http"
    host = f"[{args.host}]" if ":" in args.host else args.host
    origin = f"{scheme}://{host}:{sock.getsockname()[1]}"

    def watch_stdin():
        sys.stdin.read()
        os._exit(0)

    threading.Thread(target=watch_stdin, daemon=True).start()
    front = FrontDoor(app, args.mode, args.require_token)
    servers = [] if args.http2 else [(uvicorn.Server(uvicorn.Config(front, log_level="warning", ssl_certfile=args.tls_cert,
                                                                    ssl_keyfile=args.tls_key, timeout_keep_alive=args.keep_alive)), sock)]
    admin = origin + "/admin"
    if args.tls_cert:
        # Over TLS the admin API is also served in plain HTTP on a port of its own: the tests read
        # the log without trusting the test CA, and without using a connection hermes could reuse.
        admin_sock = bind(args.host)
        servers.append((uvicorn.Server(uvicorn.Config(AdminOnly(front), log_level="warning")), admin_sock))
        admin = f"http://{host}:{admin_sock.getsockname()[1]}/admin"

    async def serve():
        tasks = [asyncio.create_task(server.serve(sockets=[s])) for server, s in servers]
        if args.http2:
            # uvicorn speaks HTTP/1.1 only; hypercorn offers h2 by ALPN over TLS (h2c without).
            # The listening socket is handed over as it is, so the port printed below is its own.
            from hypercorn.asyncio import serve as hypercorn_serve
            from hypercorn.config import Config as HypercornConfig
            config = HypercornConfig()
            config.bind = [f"fd://{sock.fileno()}"]
            config.certfile, config.keyfile = args.tls_cert, args.tls_key
            config.keep_alive_timeout = args.keep_alive
            config.loglevel = "WARNING"
            tasks.append(asyncio.create_task(hypercorn_serve(front, config)))
        while not all(server.started for server, _ in servers) and not any(task.done() for task in tasks):
            await asyncio.sleep(0.01)
        print("READY " + json.dumps({"url": origin + path, "admin": admin, "origin": origin,
                                     "mode": args.mode}), flush=True)
        await asyncio.gather(*tasks)

    asyncio.run(serve())


# --- stdio ------------------------------------------------------------------------------------

def error_for(message, code, text, data=None):
    return SessionMessage(JSONRPCError(jsonrpc="2.0", id=message.id, error=ErrorData(code=code, message=text, data=data)))


def modern_only(message):
    """A 2026-only stdio server: `initialize` is refused naming the versions it speaks."""
    if isinstance(message, JSONRPCRequest) and message.method == "initialize":
        requested = (message.params or {}).get("protocolVersion")
        return error_for(message, UNSUPPORTED_PROTOCOL_VERSION, f"Unsupported protocol version (this server speaks only {MODERN})",
                         {"supported": [MODERN], "requested": requested})
    return None


def legacy_only(message):
    """A pre-2026 stdio server: server/discover is unknown and the envelope keys mean nothing."""
    if isinstance(message, JSONRPCRequest) and message.method == "server/discover":
        return error_for(message, METHOD_NOT_FOUND, "Method not found", message.method)
    meta = (getattr(message, "params", None) or {}).get("_meta")
    if isinstance(meta, dict):
        for key in [k for k in meta if k.startswith(ENVELOPE_PREFIX)]:
            del meta[key]
    return None


async def serve_stdio(mcp, refuse):
    from mcp.server.stdio import stdio_server
    from mcp.shared._context_streams import create_context_streams

    lowlevel = mcp._lowlevel_server
    async with stdio_server() as (read, write):
        inner_writer, inner_read = create_context_streams[SessionMessage | Exception](0)

        async def pump():
            async with inner_writer:
                async for item in read:
                    answer = refuse(item.message) if isinstance(item, SessionMessage) else None
                    if answer is not None:
                        await write.send(answer)
                    else:
                        await inner_writer.send(item)

        async with anyio.create_task_group() as tasks:
            tasks.start_soon(pump)
            await lowlevel.run(inner_read, write, lowlevel.create_initialization_options())


def main():
    logging.disable(logging.INFO)
    parser = argparse.ArgumentParser()
    parser.add_argument("--mode", required=True)
    parser.add_argument("--transport", choices=("http", "stdio"), default="http")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    parser.add_argument("--resource-pages", type=int, default=0)
    parser.add_argument("--require-token")
    parser.add_argument("--resumable", action="store_true")
    parser.add_argument("--http2", action="store_true", help="serve through hypercorn, which offers HTTP/2")
    parser.add_argument("--keep-alive", type=float, default=5, help="seconds an idle connection is kept (uvicorn's 5)")
    args = parser.parse_args()
    modes = {"http": ("dual", "modern", "stateful", "stateless", "sse"), "stdio": ("dual", "modern", "legacy")}
    if args.mode not in modes[args.transport]:
        parser.error(f"--mode for {args.transport}: one of {', '.join(modes[args.transport])}")
    mcp = build_server(args.resource_pages)
    if args.transport == "http":
        serve_http(mcp, args)
    elif args.mode == "dual":
        mcp.run("stdio")
    else:
        anyio.run(serve_stdio, mcp, modern_only if args.mode == "modern" else legacy_only)


if __name__ == "__main__":
    main()
