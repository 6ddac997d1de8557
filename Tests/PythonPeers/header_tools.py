"""Tools of era_server.py whose arguments 2026-07-28 clients mirror in `Mcp-Param-*` headers
beyond the top level (`regional` in era_tools is the plain case): the SDK's server refuses a call
whose headers do not match its body (-32020), so a test calling them sees the client's mirroring
judged by the official implementation."""
from typing import Annotated

from pydantic import Field, WithJsonSchema

# A nested argument: `place.zone` travels as Mcp-Param-Zone, `place.floor` as Mcp-Param-Floor.
PLACE_SCHEMA = {
    "type": "object",
    "properties": {
        "zone": {"type": "string", "x-mcp-header": "Zone"},
        "floor": {"type": "integer", "x-mcp-header": "Floor"},
    },
}


def register(mcp):
    @mcp.tool()
    def placed(place: Annotated[dict, WithJsonSchema(PLACE_SCHEMA)]) -> str:
        """Echo where: its zone and floor travel in headers too (nested x-mcp-header marks)."""
        return f"zone {place.get('zone')} floor {place.get('floor')}"

    @mcp.tool()
    def counted(count: Annotated[int, Field(json_schema_extra={"x-mcp-header": "Count"})]) -> str:
        """Echo the count; it travels in Mcp-Param-Count too (an integer mark)."""
        return f"count {count}"
