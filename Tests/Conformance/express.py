"""Just enough of Express for the suite's servers, as one ASGI app: body parsers, middleware, routes
tried in registration order, mounted sub-apps (`app.use(authApp)`), and Express' 404. The TypeScript
scenarios add routes to an app after building it (traps, fallbacks), so the order matters here as
it does there. A handler returns a Response, or None to pass to the next route."""
import json
import re
from urllib.parse import parse_qsl


class Request:
    def __init__(self, scope, raw):
        self.scope = scope
        self.method = scope["method"]
        self.path = scope["path"]
        qs = scope.get("query_string", b"").decode("latin-1")
        self.url = self.path + ("?" + qs if qs else "")
        self.query = dict(parse_qsl(qs, keep_blank_values=True))
        self.headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        self.header_pairs = [(k.decode("latin-1").lower(), v.decode("latin-1")) for k, v in scope["headers"]]
        self.raw = raw
        self.body = None  # undefined until a body parser of the app's middleware fills it

    def has_body(self):
        # type-is hasBody: a Transfer-Encoding, or any Content-Length (0 included)
        cl = self.headers.get("content-length")
        return "transfer-encoding" in self.headers or (cl is not None and cl.strip().isdigit())

    def get(self, name):
        return self.headers.get(name.lower())

    def joined(self, name):
        """req.headers[name] as Node gives a header it does not de-duplicate (DPoP among them): every
        occurrence joined with ", ", or None when absent."""
        values = [v for k, v in self.header_pairs if k == name.lower()]
        return ", ".join(values) if values else None


class Response:
    def __init__(self, status=200, body=b"", headers=None, content_type=None):
        self.status = status
        self.headers = dict(headers or {})
        if content_type:
            self.headers["content-type"] = content_type
        self.body = body if isinstance(body, bytes) else body.encode()

    def set(self, name, value):
        self.headers[name] = value
        return self


def json_response(obj, status=200, headers=None):
    return Response(status, json.dumps(obj, separators=(",", ":")), headers, "application/json; charset=utf-8")


def redirect(url):
    return Response(302, f"Found. Redirecting to {url}", {"location": url}, "text/plain; charset=utf-8")


def server_error():
    """Express' final handler for a thrown error (a TypeError on an undefined req.body, new URL(undefined))."""
    return Response(500, "Internal Server Error", None, "text/html; charset=utf-8")


def prop(obj, name):
    """obj.name in JavaScript: undefined for a missing key or a non-object, TypeError on undefined."""
    if obj is None:
        raise TypeError(f"Cannot read properties of undefined (reading '{name}')")
    return obj.get(name) if isinstance(obj, dict) else None


def js_url(value):
    """new URL(value): throws unless value is an absolute URL."""
    if not isinstance(value, str) or not re.match(r"^[A-Za-z][A-Za-z0-9+.-]*:", value):
        raise TypeError(f"Invalid URL: {value}")
    return value


def body_parser(kind):
    """express.json() / express.urlencoded() of Express 5 (body-parser 2), as middleware: the body
    stays undefined without Content-Length/Transfer-Encoding or of another type; an empty one is {};
    JSON must be an object or array (strict); bad JSON is a 400 that skips the later middleware."""
    async def mw(req, nxt):
        ctype = req.get("content-type") or ""
        if req.body is None and req.has_body():
            if kind == "json" and re.match(r"^\s*application/(json|[^;]*\+json)\s*(;|$)", ctype, re.I):
                text = req.raw.decode("utf-8", "replace")
                try:
                    if text.strip() and text.lstrip()[:1] not in "{[":
                        raise ValueError("strict")
                    req.body = json.loads(text) if text.strip() else {}
                except ValueError:
                    return Response(400, "Bad Request", None, "text/html; charset=utf-8")
            elif kind == "urlencoded" and re.match(r"^\s*application/x-www-form-urlencoded\s*(;|$)", ctype, re.I):
                req.body = dict(parse_qsl(req.raw.decode("utf-8", "replace"), keep_blank_values=True))
        return await nxt(req)
    return mw


def not_found(req):
    return Response(404, f"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>Error</title>\n"
                         f"</head>\n<body>\n<pre>Cannot {req.method} {req.path}</pre>\n</body>\n</html>\n",
                    None, "text/html; charset=utf-8")


def _same_path(pattern, path):
    # Express routes are case-insensitive and ignore one trailing slash (strict: false)
    norm = lambda p: (p[:-1] if len(p) > 1 and p.endswith("/") else p).lower()
    return norm(pattern) == norm(path)


class App:
    def __init__(self):
        self.middleware = []   # async (req, call_next) -> None; wrap the ASGI send
        self.routes = []       # (method or None, path or None, handler or App)
        self.root = True       # answers 404 itself (inside its middleware, so the logger sees it)

    def get(self, path, handler):
        self.routes.append(("GET", path, handler))

    def post(self, path, handler):
        self.routes.append(("POST", path, handler))

    def all(self, path, handler):
        self.routes.append((None, path, handler))

    def use(self, sub):
        sub.root = False
        self.routes.append((None, None, sub))

    async def dispatch(self, req):
        """The response of the first route that answers, else None (so a parent app goes on)."""
        for method, path, handler in self.routes:
            if isinstance(handler, App):
                res = await handler.handle(req)
            elif (method is None or method == req.method or (method == "GET" and req.method == "HEAD")) \
                    and (path is None or _same_path(path, req.path)):
                try:
                    res = await handler(req)
                except Exception:  # Express 5 sends a route's throw (sync or async) to its 500
                    res = server_error()
            else:
                continue
            if res is not None:
                return res
        return None

    async def handle(self, req):
        """This app with its own middleware (a mounted app's logger sees only what reaches it)."""
        async def inner(r):
            res = await self.dispatch(r)
            return not_found(r) if res is None and self.root else res
        chain = inner
        for mw in reversed(self.middleware):
            chain = (lambda m, nxt: (lambda r: m(r, nxt)))(mw, chain)
        return await chain(req)

    async def __call__(self, scope, receive, send):
        if scope["type"] == "lifespan":
            while True:
                msg = await receive()
                if msg["type"] == "lifespan.startup":
                    await send({"type": "lifespan.startup.complete"})
                else:
                    await send({"type": "lifespan.shutdown.complete"})
                    return
        if scope["type"] != "http":
            return
        raw = b""
        more = True
        while more:
            msg = await receive()
            if msg["type"] == "http.disconnect":
                return
            raw += msg.get("body", b"")
            more = msg.get("more_body", False)
        req = Request(scope, raw)
        req.asgi = (scope, receive, send)
        res = await self.handle(req)
        if res is None:
            res = not_found(req)
        if isinstance(res, Streamed):
            return  # an ASGI app (the MCP SDK) already answered through req.asgi
        headers = [(k.encode(), v.encode()) for k, v in res.headers.items()]
        headers.append((b"content-length", str(len(res.body)).encode()))
        await send({"type": "http.response.start", "status": res.status, "headers": headers})
        await send({"type": "http.response.body", "body": b"" if req.method == "HEAD" else res.body})


class Streamed(Response):
    """The answer was sent by an ASGI app; status, headers and body are what it sent (for the logger)."""
