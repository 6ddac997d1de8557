"""The tools of era_server.py beyond peer_tools' set, written once for every protocol revision: the
SDK picks the wire form (a standalone server-to-client request before 2026-07-28, `input_required`
from it on), so a test sees the same tool answer whichever era its client negotiated."""
import json
import secrets
import sys
from typing import Annotated

import anyio
from mcp_types import ElicitRequest, ElicitRequestFormParams, ElicitRequestURLParams, InputRequiredResult
from mcp_types.version import is_version_at_least
from pydantic import BaseModel, Field

from mcp.server.elicitation import AcceptedElicitation, ElicitationResult
from mcp.server.mcpserver import Context
from mcp.server.mcpserver.resolve import Elicit, Resolve
from mcp.shared.exceptions import UrlElicitationRequiredError

MODERN = "2026-07-28"
MAX_BIG_MEGABYTES = 64  # a bound, so a typo in a test cannot eat the machine's memory
LINK_KEY = "open_link"
VISIT_KEY = "visit"
PROFILE_KEY = "profile"
# Every shape of field the 2025-11-25 and 2026-07-28 form schema allows, with its constraints.
PROFILE_SCHEMA = {
    "type": "object",
    "properties": {
        "name": {"type": "string", "title": "Name", "minLength": 2, "maxLength": 10},
        "email": {"type": "string", "title": "Email", "format": "email"},
        "site": {"type": "string", "title": "Site", "format": "uri"},
        "born": {"type": "string", "title": "Born", "format": "date"},
        "age": {"type": "integer", "title": "Age", "minimum": 18, "maximum": 130},
        "color": {"type": "string", "title": "Color",
                  "oneOf": [{"const": "#f00", "title": "Red"}, {"const": "#0f0", "title": "Green"},
                            {"const": "#00f", "title": "Blue"}]},
        "size": {"type": "string", "title": "Size", "enum": ["s", "m", "l"], "enumNames": ["Small", "Medium", "Large"]},
        "tags": {"type": "array", "title": "Tags", "minItems": 1, "maxItems": 2,
                 "items": {"type": "string", "enum": ["red", "green", "blue"]}},
        "pets": {"type": "array", "title": "Pets",
                 "items": {"anyOf": [{"const": "c", "title": "Cat"}, {"const": "d", "title": "Dog"}]}},
    },
    "required": ["name", "email", "age", "color", "size", "tags"],
}
# Keys whose URL elicitation a `gated` call has already asked for: the call after that passes.
gated_asked = set()


class Copies(BaseModel):
    copies: int = Field(default=1, title="Copies", description="How many copies to reserve")


def ask_copies() -> Elicit[Copies]:
    return Elicit("How many copies?", Copies)


def modern(ctx: Context) -> bool:
    version = ctx.protocol_version
    return bool(version) and is_version_at_least(version, MODERN)


def register(mcp):
    @mcp.tool()
    def reserve(title: str, copies: Annotated[ElicitationResult[Copies], Resolve(ask_copies)]) -> str:
        """Reserve copies of a title; asks how many by elicitation."""
        if isinstance(copies, AcceptedElicitation):
            return f"Reserved {copies.data.copies} of '{title}'."
        return f"Nothing reserved ({copies.action})."

    @mcp.tool()
    async def open_link(ctx: Context) -> str | InputRequiredResult:
        """Ask the user to open a URL (URL-mode elicitation)."""
        url, message = "https://example.com/consent", "Please open the consent page."
        if not modern(ctx):
            answer = await ctx.elicit_url(message, url, secrets.token_hex(8))
            return f"link {answer.action}"
        answer = (ctx.input_responses or {}).get(LINK_KEY)
        if answer is not None:
            return f"link {answer.action}"
        # No resolver marker exists for URL mode: the tool body drives the round itself.
        return InputRequiredResult(input_requests={
            LINK_KEY: ElicitRequest(params=ElicitRequestURLParams(message=message, url=url))})

    @mcp.tool()
    async def visit(ctx: Context, url: str = "https://example.com/visit") -> str | InputRequiredResult:
        """URL-mode elicitation of `url` answering what came back: the action, and whether a
        `content` field came with it (MCP: omitted for URL mode)."""
        message = "Please visit the page."
        if not modern(ctx):
            answer = await ctx.session.elicit_url(message, url, secrets.token_hex(8), related_request_id=ctx.request_id)
        else:
            answer = (ctx.input_responses or {}).get(VISIT_KEY)
            if answer is None:
                return InputRequiredResult(input_requests={
                    VISIT_KEY: ElicitRequest(params=ElicitRequestURLParams(message=message, url=url))})
        return f"visit {answer.action}, content {'absent' if answer.content is None else 'sent'}"

    @mcp.tool()
    async def profile(ctx: Context) -> str | InputRequiredResult:
        """A form with every field shape (PROFILE_SCHEMA); answers the action and the content as JSON."""
        message = "Tell us about yourself."
        if not modern(ctx):
            answer = await ctx.session.elicit_form(message, PROFILE_SCHEMA, related_request_id=ctx.request_id)
        else:
            answer = (ctx.input_responses or {}).get(PROFILE_KEY)
            if answer is None:
                return InputRequiredResult(input_requests={
                    PROFILE_KEY: ElicitRequest(params=ElicitRequestFormParams(message=message, requested_schema=PROFILE_SCHEMA))})
        return f"profile {answer.action} " + json.dumps(answer.content, sort_keys=True)

    @mcp.tool()
    def gated(key: str, pages: int = 1) -> str:
        """2025-11-25's URLElicitationRequiredError (-32042): the first call with `key` asks for
        `pages` URL elicitations by error; the next one passes."""
        if key not in gated_asked:
            gated_asked.add(key)
            raise UrlElicitationRequiredError([
                ElicitRequestURLParams(message=f"Connect page {n}.", url=f"https://example.com/connect/{n}",
                                       elicitation_id=f"{key}-{n}") for n in range(1, pages + 1)])
        return f"gated {key} open"

    @mcp.tool()
    async def progress(steps: int, delay_ms: int, ctx: Context) -> str:
        """Send one progress notification per step (when the client gave a progress token)."""
        for step in range(1, steps + 1):
            await anyio.sleep(delay_ms / 1000)
            await ctx.report_progress(step, steps, f"step {step}")
        return f"done {steps}"

    @mcp.tool()
    def big(megabytes: int) -> str:
        """Return that many megabytes of text."""
        return "x" * (max(0, min(megabytes, MAX_BIG_MEGABYTES)) * 1024 * 1024)

    @mcp.tool()
    async def hang() -> str:
        """Never return (until the call is cancelled or the peer exits)."""
        try:
            await anyio.Event().wait()
        except anyio.get_cancelled_exc_class():
            # On stderr, which a stdio server's client keeps: a test reads that the call was called off.
            print("era_tools: hang was cancelled", file=sys.stderr, flush=True)
            raise
        return "unreachable"

    @mcp.tool()
    def regional(region: Annotated[str, Field(json_schema_extra={"x-mcp-header": "Region"})]) -> str:
        """Echo the region; 2026 clients must mirror it in the Mcp-Param-Region header."""
        return f"region {region}"

    @mcp.tool()
    async def interrupted(ctx: Context) -> str:
        """Report progress, close this request's event stream (resumable servers only: the client
        must come back with Last-Event-ID), then report again and answer."""
        await ctx.report_progress(1, 2, "before the break")
        await ctx.close_sse_stream()
        await anyio.sleep(0.3)
        await ctx.report_progress(2, 2, "after the break")
        return "answered after the break"

    @mcp.tool()
    async def drop_listen(ctx: Context) -> str:
        """Close the session's standalone GET stream (resumable servers only), then announce a
        changed tool list while it is down: a client that comes back with Last-Event-ID gets it."""
        await ctx.close_standalone_sse_stream()
        await anyio.sleep(0.3)
        await ctx.session.send_tool_list_changed()
        return "dropped"

    @mcp.tool()
    def move_header(header: str) -> str:
        """Re-register `regional` with its argument mirrored in Mcp-Param-<header>, announcing
        nothing: a client's next call with the old header gets -32020 (and should re-list)."""
        def regional(region: Annotated[str, Field(json_schema_extra={"x-mcp-header": header})]) -> str:
            return f"region {region} via {header}"
        mcp.remove_tool("regional")
        mcp.add_tool(regional, name="regional", description="Echo the region.")
        return f"regional now uses Mcp-Param-{header}"

    @mcp.tool()
    async def add_tool(name: str, ctx: Context) -> str:
        """Add a tool named `name` (answering "added NAME") and announce the changed list."""
        def added() -> str:
            return f"added {name}"
        mcp.add_tool(added, name=name, description="Added at run time.")
        # 2026 clients hear it on their subscriptions/listen streams; older ones on the session
        # (the GET stream over Streamable HTTP, stdout on stdio, the /sse stream).
        await ctx.notify_tools_changed()
        if not modern(ctx):
            await ctx.session.send_tool_list_changed()
        return f"tool {name} added"


def register_pages(mcp, pages, page_size):
    """Enough resources beside the greeting for `pages` pages of `page_size` (0: none)."""
    for index in range(max(0, pages * page_size - 1)):
        mcp.resource(f"hermes://item/{index}", name=f"item-{index}")(_item(index))


def _item(index):
    def item() -> str:
        return f"item {index}"
    return item
