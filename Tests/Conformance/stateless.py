"""src/mock-server/stateless.ts: the SEP-2575 request validation every stateless /mcp route of the
suite shares (validateStatelessRequest) and the result members a 2026-07-28 server must add
(withRequiredDraftResultFields). What it checks, in order, and nothing more: an MCP-Protocol-Version
header; the two required `_meta` keys (clientInfo is only a SHOULD, spec PR #3002); the header equal
to `_meta`'s protocolVersion; a version the endpoint serves. It does not look at Mcp-Method,
Mcp-Name or Mcp-Session-Id (the http-standard-headers scenarios do, not the auth ones), and a
rejection is an HTTP answer, not a check: the client either recovers or fails its own checks."""

META_KEYS = ("io.modelcontextprotocol/protocolVersion", "io.modelcontextprotocol/clientCapabilities")

# the 2026-07-28 operations whose results must carry the caching hints ttlMs and cacheScope
CACHEABLE_RESULT_METHODS = frozenset({"server/discover", "tools/list", "prompts/list", "resources/list",
                                      "resources/templates/list", "resources/read"})

_MISSING = object()  # JavaScript's undefined, which a JSON null is not


def _member(obj, name):
    """obj?.[name] on parsed JSON: undefined unless obj is an object that has the key."""
    return obj.get(name, _MISSING) if isinstance(obj, dict) else _MISSING


def with_required_draft_result_fields(method, result):
    """Every result gets resultType, a cacheable one ttlMs and cacheScope too, unless already set
    (`??=`: a null counts as unset)."""
    if not isinstance(result, dict):
        return result
    stamped = dict(result)
    if stamped.get("resultType") is None:
        stamped["resultType"] = "complete"
    if method in CACHEABLE_RESULT_METHODS:
        if stamped.get("ttlMs") is None:
            stamped["ttlMs"] = 0
        if stamped.get("cacheScope") is None:
            stamped["cacheScope"] = "private"
    return stamped


def validate_stateless_request(req, capabilities, supported_versions):
    """("reject" | "handled", status, body) or ("route", id, method, params), as the TS union.
    `req` is an express.Request whose JSON body parser has run (req.body None when it did not parse)."""
    body = req.body if req.body is not None else {}
    rid = _member(body, "id")
    rid = None if rid is _MISSING else rid  # body.id ?? null
    method = _member(body, "method")
    method = None if method is _MISSING else method
    params = _member(body, "params")
    params = {} if params is _MISSING or params is None else params
    meta = _member(params, "_meta")

    def reject(status, code, message):
        return ("reject", status, {"jsonrpc": "2.0", "id": rid, "error": {"code": code, "message": message}})

    header_version = req.get("mcp-protocol-version")
    if not header_version:
        return reject(400, -32020, "Missing MCP-Protocol-Version header")
    missing = [k for k in META_KEYS if _member(meta, k) is _MISSING]
    if missing:
        return reject(400, -32602, f"Invalid params: missing _meta keys: {', '.join(missing)}")
    if _member(meta, META_KEYS[0]) != header_version:  # strict: only the same string matches
        return reject(400, -32020, "MCP-Protocol-Version header does not match _meta.protocolVersion")
    if header_version not in supported_versions:
        return ("reject", 400, {"jsonrpc": "2.0", "id": rid, "error": {
            "code": -32022, "message": "Unsupported protocol version",
            "data": {"supported": list(supported_versions), "requested": header_version}}})
    if method == "server/discover":
        return ("handled", 200, {"jsonrpc": "2.0", "id": rid, "result": with_required_draft_result_fields(method, {
            "supportedVersions": list(supported_versions),
            "capabilities": capabilities,
            # spec PR #3002: the server's identity is in the result's _meta, not the DiscoverResult body
            "_meta": {"io.modelcontextprotocol/serverInfo": {"name": "conformance-mock-server", "version": "1.0.0"}},
        })})
    return ("route", rid, method, params)
