"""src/scenarios/request-logger.ts: an INFO check for every request and every response, the
MCP method named when the request is a JSON-RPC call on the MCP route."""
import json

from .checks import check


def request_logger(checks, incoming_id, outgoing_id, mcp_route=None):
    cap = lambda s: s[0].upper() + s[1:]

    async def mw(req, nxt):
        description = f"Received {req.method} request for {req.path}"
        details = {"method": req.method, "path": req.path}
        if req.body is not None:  # JSON.stringify drops an undefined body
            details["body"] = req.body
        if req.query:
            details["query"] = req.query
        mcp_method = None
        if mcp_route and req.path == mcp_route and "application/json" in (req.get("content-type") or "") \
                and isinstance(req.body, dict) and req.body.get("method"):
            mcp_method = req.body["method"]
            description += f" (method: {mcp_method})"
            details["mcpMethod"] = mcp_method
        checks.append(check(incoming_id, cap(incoming_id), description, "INFO", details=details))

        res = await nxt(req)
        if res is None:
            return None  # not answered here: a parent app goes on (Express would 404 first; see express.py)
        out = {"method": req.method, "path": req.path, "statusCode": res.status}
        text = f"Sent {res.status} response for {req.method} {req.path}"
        if mcp_method:
            text += f" (method: {mcp_method})"
            out["mcpMethod"] = mcp_method
        if res.headers:
            out["headers"] = dict(res.headers)
        if res.body:
            body = res.body.decode("utf-8", "replace")
            try:
                out["body"] = json.loads(body)
            except ValueError:
                out["body"] = body
        checks.append(check(outgoing_id, cap(outgoing_id), text, "INFO", details=out))
        return res
    return mw
