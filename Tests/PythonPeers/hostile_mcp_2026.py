"""An MCP server that speaks 2026-07-28 (server/discover, the _meta envelope, resultType,
input_required, subscriptions/listen) and turns one of its parts against the client.

Standard library only. `hostile_mcp_2026.py --attack NAME` binds 127.0.0.1 port 0, prints
`READY {"url": "http://127.0.0.1:PORT/mcp"}` and exits when its stdin closes.
`hostile_mcp_2026.py --stdio --attack NAME [--log FILE]` is the same server on stdin/stdout (each
request's method is appended to FILE, so a test can count them).

Everything the attack does not touch is answered properly: discover names 2026-07-28, `initialize`
(for a client that falls back to it) agrees on 2025-11-25, tools `echo` and `ask`; `tools/call`
of `echo` echoes `text`. Attacks:

  discover-unknown       discover names only versions nobody speaks (2099-01-01, 1999-01-01)
  discover-future-and-old  discover names 2027-01-01 and 2025-06-18 (a server of both eras)
  discover-mismatch      discover refused with -32020 (header mismatch), its message full of escapes
  discover-capability    discover refused with -32021 naming the sampling capability
  discover-huge          discover names 200,000 made-up versions, then 2026-07-28 last
  discover-pingpong      every request: -32022 naming every version the client speaks but the
                         one it asked for
  discover-legacy-shape  discover answered with an initialize result
  discover-silent        discover never answered
  ir-endless             tools/call: input_required (one question) forever
  ir-endless-state       tools/call: input_required with only a new requestState, forever
  ir-many                tools/call: input_required with 10,000 questions
  ir-bigstate            tools/call: input_required with a 50 MB requestState
  ir-state-type          tools/call: input_required whose requestState is an object
  ir-list                tools/list: input_required
  ir-escapes             tools/call: a question holding terminal escapes, bidi and zero-width
                         characters; the retry is answered with the action it carried
  ir-url-js, ir-url-file tools/call: a URL elicitation of javascript: / file:, answered the same
  ir-wide                tools/call: a form of 10,000 fields, answered the same
  ir-deep, ir-nested     tools/call: a form whose field schema nests 100,000 (ir-nested: 200, 400 JSON levels) deep
  rt-unknown, rt-missing, rt-number
                         tools/call: resultType "partial", absent, 7
  wrong-id               tools/call: a complete result for another request id
  progress-flood         tools/call: 100,000 progress notifications, then the answer
  progress-odd           tools/call: progress with NaN, negative and huge values (slowly), then the answer
  header-tools           tools/list names tools whose names and x-mcp-header marks would inject
                         headers (CR LF, non-ASCII, 10 kB, Authorization, Host); every request's
                         headers are recorded
  mark-places            tools/list names tools with x-mcp-header marks in every place of the
                         schema (MARK_PLACES): nested in properties (valid), under items, anyOf,
                         $defs, additionalProperties, on the root or an object (invalid)
  listen-flood           subscriptions/listen: the acknowledgement, 2,000 tools/list_changed, then silence
  listen-end             subscriptions/listen: answered complete at once, every time
  listen-torrent         subscriptions/listen: the acknowledgement, then tools/list_changed as fast
                         as the socket takes them, until the client leaves
  listen-cancel          subscriptions/listen: the acknowledgement, then the server ends the
                         subscription (stdio: notifications/cancelled naming the listen request)
  listen-foreign         subscriptions/listen: the acknowledgement, then tools/list_changed naming
                         another subscription (a stale one) every 0.2 s
  call-hold              tools/call: never answered (a client that gives up should say so)
  deep-tools             tools/list: 20 tools whose input schemas nest 250 objects deep (160 kB;
                         a decoder whose cost grows with the depth squared spends minutes on it)
  deep-tools-64          the same at 28 objects (62 JSON levels), within what hermes reads
  call-break             tools/call: the first one's event stream breaks (the connection is closed
                         with bytes still owed), later ones are answered
  server-request         tools/call: first a request of the server's own (elicitation/create, which
                         2026-07-28 has no place for), then the answer; a client's responses are
                         recorded as "(response)"

Endless replies stop after LIMIT seconds or when the client goes away, so the peer always ends.
`GET /stats` answers {"requests": {method: count}, "headers": [{"rpc": method, "headers": {...}}],
"listens": [seconds since start of each listen]}.
"""

import argparse
import json
import select
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LIMIT = 120
MODERN = "2026-07-28"
SPOKEN = ["2026-07-28", "2025-11-25", "2025-06-18", "2025-03-26", "2024-11-05"]
ESCAPES = "Pick \x1b]0;pwned\x07\x1b[2Jcleared \u202eevil\u202c zero\u200bwidth \x9b31m8-bit"
HEADER_TOOLS = [
    ("crlf\r\nX-Injected: yes", None),
    ("n\u00efce-\u540d", None),
    ("long-" + "a" * 10240, None),
    ("mirror", "Region"),
    ("auth", "Authorization"),
    ("host", "Host"),
    ("bad-mark", "X\r\nX-Injected"),
    ("bad-mark-utf8", "R\u00e9gion"),
    ("bad-mark-long", "X" * 10240),
    ("bad-mark-twice", ["Region", "region"]),
]
# Tool name -> inputSchema; only "nested" and "in-default" (a mark-like value in a default is data,
# not a mark) are valid.
MARK_PLACES = {
    "nested": {"type": "object", "properties": {
        "text": {"type": "string"},
        "place": {"type": "object", "properties": {"zone": {"type": "string", "x-mcp-header": "Zone"}}}}},
    "in-default": {"type": "object", "properties": {"text": {"type": "string", "default": {"x-mcp-header": "Text"}}}},
    "under-items": {"type": "object", "properties": {
        "tags": {"type": "array", "items": {"type": "string", "x-mcp-header": "Tag"}}}},
    "under-anyof": {"type": "object", "properties": {"v": {"anyOf": [{"type": "string", "x-mcp-header": "V"}]}}},
    "under-defs": {"type": "object", "$defs": {"z": {"type": "string", "x-mcp-header": "Z"}},
                   "properties": {"z": {"$ref": "#/$defs/z"}}},
    "under-additional": {"type": "object", "additionalProperties": {"type": "string", "x-mcp-header": "A"}},
    "at-root": {"type": "object", "x-mcp-header": "Root", "properties": {}},
    "on-object": {"type": "object", "properties": {"place": {"type": "object", "x-mcp-header": "Place", "properties": {}}}},
    "nested-twice": {"type": "object", "properties": {
        "zone": {"type": "string", "x-mcp-header": "zone"},
        "place": {"type": "object", "properties": {"zone": {"type": "string", "x-mcp-header": "Zone"}}}}},
}

started = time.monotonic()
lock = threading.Lock()
stats = {"requests": {}, "headers": [], "listens": []}


def record(method, headers=None):
    with lock:
        stats["requests"][method] = stats["requests"].get(method, 0) + 1
        if headers is not None and len(stats["headers"]) < 1000:
            stats["headers"].append({"rpc": method, "headers": headers})
        if method == "subscriptions/listen":
            stats["listens"].append(round(time.monotonic() - started, 3))


def tool(name, mark=None):
    properties = {"text": {"type": "string"}}
    for i, name in enumerate(mark if isinstance(mark, list) else [mark] if mark else []):
        properties["value" if i == 0 else "value%d" % i] = {"type": "string", "x-mcp-header": name}
    return {"name": name, "inputSchema": {"type": "object", "properties": properties}}


def stamped(result):
    result.setdefault("resultType", "complete")
    result["_meta"] = {"io.modelcontextprotocol/serverInfo": {"name": "hostile-2026", "version": "1"}}
    return result


def discover_result(versions):
    return stamped({"supportedVersions": versions, "capabilities": {"tools": {"listChanged": True}},
                    "ttlMs": 0, "cacheScope": "private"})


def proper(attack, method, params, modern):
    """The honest answer, as a 2026-07-28 result when the request was one."""
    if method == "initialize":
        asked = params.get("protocolVersion")
        result = {"protocolVersion": asked if asked in SPOKEN[1:] else "2025-11-25",
                  "capabilities": {"tools": {"listChanged": True}}, "serverInfo": {"name": "hostile-2026", "version": "1"}}
        return result
    if method == "server/discover":
        return discover_result([MODERN])
    if method == "tools/list":
        tools = [tool(name, mark) for name, mark in HEADER_TOOLS] if attack == "header-tools" else [tool("echo"), tool("ask")]
        if attack == "mark-places":
            tools = [{"name": name, "inputSchema": schema} for name, schema in MARK_PLACES.items()]
        result = {"tools": tools}
    elif method == "tools/call":
        arguments = params.get("arguments") or {}
        result = {"content": [{"type": "text", "text": arguments.get("text", "")}]}
    elif method == "subscriptions/listen":
        result = {}
    else:
        result = {}
    return stamped(result) if modern else result


def question(message="Continue?", schema=None):
    return {"method": "elicitation/create",
            "params": {"mode": "form", "message": message,
                       "requestedSchema": schema or {"type": "object", "properties": {}}}}


def input_required(requests=None, state=None):
    result = {"resultType": "input_required"}
    if requests is not None:
        result["inputRequests"] = requests
    if state is not None:
        result["requestState"] = state
    return stamped(result)


def answered(params):
    """The text of a retry's result: what the client answered."""
    responses = params.get("inputResponses") or {}
    actions = sorted(str((r or {}).get("action")) for r in responses.values())
    return stamped({"content": [{"type": "text", "text": "action=" + ",".join(actions)}]})


def deep_schema(depth):
    # Built as text: json.dumps would recurse 100,000 deep.
    inner = '{"type": "string"}'
    return ('{"type": "object", "properties": {"nested": ' * depth) + inner + "}}" * depth


class Attack:
    """What one attack answers; `reply(rid, method, params, modern)` returns a list of actions:
    ("json", message) to answer with one JSON-RPC message, ("sse", [messages or raw text], end) to
    answer with an event stream, ("hold",) to answer nothing until the client goes."""

    def __init__(self, name):
        self.name = name

    def reply(self, rid, method, params, modern):
        a = self.name

        def ok(result):
            return ("json", {"jsonrpc": "2.0", "id": rid, "result": result})

        def error(code, message, data=None):
            body = {"code": code, "message": message}
            if data is not None:
                body["data"] = data
            return ("json", {"jsonrpc": "2.0", "id": rid, "error": body}, 400)

        if a == "discover-pingpong" and (method == "initialize" or modern):
            asked = params.get("protocolVersion") if method == "initialize" else \
                ((params.get("_meta") or {}).get("io.modelcontextprotocol/protocolVersion"))
            return error(-32022, "Unsupported protocol version", {"supported": [v for v in SPOKEN if v != asked], "requested": asked})
        if method == "server/discover":
            if a == "discover-unknown":
                return ok(discover_result(["2099-01-01", "1999-01-01"]))
            if a == "discover-future-and-old":
                return ok(discover_result(["2027-01-01", "2025-06-18"]))
            if a == "discover-mismatch":
                return error(-32020, "Mcp-Method header does not match: " + ESCAPES)
            if a == "discover-capability":
                return error(-32021, "Missing required client capability",
                             {"requiredCapabilities": {"sampling": {}, ESCAPES: {}}})
            if a == "discover-huge":
                return ok(discover_result(["1900-01-%06d" % i for i in range(200000)] + [MODERN]))
            if a == "discover-legacy-shape":
                return ok(proper(a, "initialize", {"protocolVersion": "2025-11-25"}, False))
            if a == "discover-silent":
                return ("hold",)
        if method == "tools/list" and a.startswith("deep-tools"):
            depth = 28 if a == "deep-tools-64" else 250
            deep = '{"type":"string"}'
            for _ in range(depth):
                deep = '{"type":"object","properties":{"n":' + deep + '}}'
            tools = ",".join('{"name":"t%d","inputSchema":{"type":"object","properties":{"x":%s}}}' % (i, deep) for i in range(20))
            result = '{"tools":[%s],"resultType":"complete"}' % tools
            return ("raw", '{"jsonrpc":"2.0","id":%s,"result":%s}' % (json.dumps(rid), result))
        if method == "tools/list" and a == "ir-list" and modern:
            return ok(input_required({"q": question()}, "s"))
        if method == "subscriptions/listen":
            sid = {"io.modelcontextprotocol/subscriptionId": rid}
            ack = {"jsonrpc": "2.0", "method": "notifications/subscriptions/acknowledged",
                   "params": {"_meta": sid, "notifications": {"toolsListChanged": True}}}
            if a == "listen-flood":
                changed = {"jsonrpc": "2.0", "method": "notifications/tools/list_changed", "params": {"_meta": sid}}
                return ("sse", [ack] + [changed] * 2000, False)
            if a == "listen-end":
                return ok(stamped({}))
            if a == "listen-torrent":
                changed = {"jsonrpc": "2.0", "method": "notifications/tools/list_changed", "params": {"_meta": sid}}
                return ("torrent", ack, changed)
            if a == "listen-cancel":
                ended = {"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {"requestId": rid}}
                return ("sse", [ack, ended], False)
            if a == "listen-foreign":
                stale = {"jsonrpc": "2.0", "method": "notifications/tools/list_changed",
                         "params": {"_meta": {"io.modelcontextprotocol/subscriptionId": "stale-%s" % rid}}}
                return ("sse", [ack] + [stale] * 25, False, 0.2)
            return ("sse", [ack], False)
        if method != "tools/call" or not modern:
            return ok(proper(a, method, params, modern))
        if a == "call-hold":
            return ("hold",)
        if a == "call-break" and stats["requests"].get("tools/call", 0) == 1:
            return ("break",)
        if a == "server-request":
            asked = {"jsonrpc": "2.0", "id": "srv-1", "method": "elicitation/create",
                     "params": {"mode": "form", "message": "Who are you?", "requestedSchema": {"type": "object", "properties": {}}}}
            done = {"jsonrpc": "2.0", "id": rid, "result": stamped({"content": [{"type": "text", "text": "asked"}]})}
            return ("sse", [asked, done], True, 0.3)
        retry = "inputResponses" in params or "requestState" in params
        if a == "ir-endless":
            n = int(params.get("requestState") or "0") + 1
            return ok(input_required({"q%d" % n: question("Round %d?" % n)}, str(n)))
        if a == "ir-many":
            return ok(input_required({"q%d" % i: question("Question %d?" % i) for i in range(10000)}, "s"))
        if a == "ir-bigstate":
            return ok(input_required({"q": question()}, "S" * (50 << 20)))
        if a == "ir-state-type":
            return ok(input_required({"q": question()}, {"not": "a string"}))
        if a == "ir-endless-state":
            return ok(input_required(None, str(int(params.get("requestState") or "0") + 1)))
        if a in ("ir-escapes", "ir-url-js", "ir-url-file", "ir-wide", "ir-deep", "ir-nested"):
            if retry:
                return ok(answered(params))
            if a == "ir-escapes":
                return ok(input_required({"q": question(ESCAPES)}, "s"))
            if a in ("ir-url-js", "ir-url-file"):
                url = "javascript:alert(document.cookie)" if a == "ir-url-js" else "file:///etc/passwd"
                return ok(input_required({"q": {"method": "elicitation/create",
                                                "params": {"mode": "url", "message": "Open this", "url": url}}}, "s"))
            if a == "ir-wide":
                fields = {"f%05d" % i: {"type": "string"} for i in range(10000)}
                return ok(input_required({"q": question("Fill in", {"type": "object", "properties": fields})}, "s"))
            # ir-deep, ir-nested: the message is assembled as text around the nested schema.
            head = json.dumps({"jsonrpc": "2.0", "id": rid, "result": input_required(None, "s")})[:-2]
            text = head + ', "inputRequests": {"q": {"method": "elicitation/create", "params": {"mode": "form", ' \
                '"message": "Deep", "requestedSchema": ' + deep_schema(100000 if a == "ir-deep" else 200) + "}}}}}"
            return ("raw", text)
        if a == "rt-unknown":
            return ok(stamped({"resultType": "partial", "content": [{"type": "text", "text": "partial"}]}))
        if a == "rt-missing":
            result = proper(a, method, params, False)
            return ok(result)
        if a == "rt-number":
            return ok(stamped({"resultType": 7, "content": [{"type": "text", "text": "seven"}]}))
        if a == "wrong-id":
            other = rid + 1000 if isinstance(rid, int) else "not-" + str(rid)
            return ("json", {"jsonrpc": "2.0", "id": other, "result": proper(a, method, params, True)})
        token = (params.get("_meta") or {}).get("progressToken", rid)
        final = {"jsonrpc": "2.0", "id": rid, "result": stamped({"content": [{"type": "text", "text": a + " done"}]})}
        if a == "progress-flood":
            template = '{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":%s,"progress":%d,"total":100000}}'
            return ("sse", [template % (json.dumps(token), i) for i in range(1, 100001)] + [final], True)
        if a == "progress-odd":
            template = '{"jsonrpc":"2.0","method":"notifications/progress","params":{"progressToken":%s,"progress":%s,"total":%s,"message":"odd %d"}}'
            odd = [("NaN", "10"), ("5", "NaN"), ("-5", "10"), ("5", "-10"), ("1e308", "1e308"), ("1", "1e300"),
                   ("1e300", None), ("-1e300", "-1e300"), ("Infinity", "Infinity")]
            events = [template % (json.dumps(token), p, t if t else "null", i) for i, (p, t) in enumerate(odd)]
            return ("sse", events + [final], True, 0.6)
        return ok(proper(a, method, params, True))


# MARK: HTTP


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.0"
    attack = None

    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path == "/stats":
            with lock:
                body = json.dumps(stats).encode()
            return self.send(200, "application/json", body)
        self.send(405, "text/plain", b"")

    def do_DELETE(self):
        self.send(405, "text/plain", b"")

    def send(self, status, content_type, body):
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        message = json.loads(self.rfile.read(length) or b"{}")
        method, rid = message.get("method"), message.get("id")
        record(method or "(response)", {k.lower(): v for k, v in self.headers.items()})
        if rid is None or method is None:
            return self.send(202, "text/plain", b"")
        params = message.get("params") or {}
        modern = "io.modelcontextprotocol/protocolVersion" in (params.get("_meta") or {})
        action = self.attack.reply(rid, method, params, modern)
        try:
            self.act(action)
        except (BrokenPipeError, ConnectionResetError):
            pass

    def act(self, action):
        kind = action[0]
        if kind == "json":
            status = action[2] if len(action) > 2 else 200
            self.send(status, "application/json", json.dumps(action[1]).encode())
        elif kind == "raw":
            self.send(200, "application/json", action[1].encode())
        elif kind == "hold":
            self.wait_for_client()
        elif kind == "torrent":
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            self.wfile.write(("data: " + json.dumps(action[1]) + "\n\n").encode())
            event = ("data: " + json.dumps(action[2]) + "\n\n").encode() * 100
            end = time.monotonic() + LIMIT
            while time.monotonic() < end:
                self.wfile.write(event)
        elif kind == "break":
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Content-Length", "100000")
            self.end_headers()
            self.wfile.write(b": the answer is on its way\n\n")
            self.wfile.flush()
            time.sleep(0.2)
            self.connection.shutdown(socket.SHUT_RDWR)
        elif kind == "sse":
            events, ends = action[1], action[2]
            pause = action[3] if len(action) > 3 else 0
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.end_headers()
            chunk = []
            for event in events:
                text = event if isinstance(event, str) else json.dumps(event)
                chunk.append("data: " + text + "\n\n")
                if pause:
                    self.wfile.write("".join(chunk).encode())
                    self.wfile.flush()
                    chunk = []
                    time.sleep(pause)
            self.wfile.write("".join(chunk).encode())
            self.wfile.flush()
            if not ends:
                self.wait_for_client(ping=True)

    def wait_for_client(self, ping=False):
        # Nothing more to say, until the client goes (its end of the socket reads as closed) or
        # LIMIT; a stream also sends a comment now and then.
        end = time.monotonic() + LIMIT
        while time.monotonic() < end:
            readable, _, _ = select.select([self.connection], [], [], 0.25)
            if readable and self.connection.recv(1, socket.MSG_PEEK) == b"":
                return
            if ping:
                self.wfile.write(b": ping\n\n")
                self.wfile.flush()


# MARK: stdio


def serve_stdio(attack, log):
    out = sys.stdout

    def write(text):
        try:
            with lock:
                out.write(text + "\n")
                out.flush()
        except BrokenPipeError:
            sys.exit(0)

    for line in sys.stdin:
        try:
            message = json.loads(line)
        except ValueError:
            continue
        method, rid = message.get("method"), message.get("id")
        if log:
            with open(log, "a") as f:
                f.write("%s\n" % (method or "(response)"))
        if rid is None or method is None:
            continue
        params = message.get("params") or {}
        modern = "io.modelcontextprotocol/protocolVersion" in (params.get("_meta") or {})
        action = attack.reply(rid, method, params, modern)
        kind = action[0]
        if kind == "json":
            write(json.dumps(action[1]))
        elif kind == "raw":
            write(action[1])
        elif kind == "sse":
            texts = [e if isinstance(e, str) else json.dumps(e) for e in action[1]]
            pause = action[3] if len(action) > 3 else 0
            if pause:
                # Paced in the background, so the loop goes on reading the client meanwhile.
                def paced(texts=texts):
                    for text in texts:
                        write(text)
                        time.sleep(pause)
                threading.Thread(target=paced, daemon=True).start()
            else:
                write("\n".join(texts))
        # "hold": no answer at all.


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--attack", required=True)
    parser.add_argument("--stdio", action="store_true")
    parser.add_argument("--log")
    args = parser.parse_args()
    attack = Attack(args.attack)
    if args.stdio:
        return serve_stdio(attack, args.log)
    Handler.attack = attack
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    print("READY " + json.dumps({"url": "http://127.0.0.1:%d/mcp" % server.server_address[1],
                                 "stats": "http://127.0.0.1:%d/stats" % server.server_address[1]}), flush=True)
    sys.stdin.read()
    server.shutdown()


if __name__ == "__main__":
    main()
