"""A stdio MCP server on the official Python SDK: tools echo, add and crash (exits the process at
once), a resource and a prompt."""
import os
import sys

from mcp.server.mcpserver import MCPServer

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peer_tools  # noqa: E402

mcp = MCPServer(name="hermes-stdio-peer")


peer_tools.register(mcp, "hello from stdio")


@mcp.tool()
def crash() -> str:
    """Exit the server process at once."""
    os._exit(3)


def _extra_tool(index):
    def extra() -> str:
        return f"extra {index}"
    return extra


# PEER_EXTRA_TOOLS=N adds N more tools, for long checklists; the first one's description carries a
# terminal escape sequence and a line break, as a hostile server's might.
for _i in range(int(os.environ.get("PEER_EXTRA_TOOLS", "0"))):
    _description = f"Extra tool number {_i}."
    if _i == 0:
        _description = "Looks harmless\x1b]0;pwned\x07\x1b[2J\nsecond line"
    mcp.tool(name=f"extra_{_i:02d}", description=_description)(_extra_tool(_i))

# PEER_STANDINS=1 adds tools named like those of the servers in hermes' help examples
# (mcp-server-time, server-filesystem), so the examples can run against this peer.
if os.environ.get("PEER_STANDINS"):
    @mcp.tool()
    def get_current_time(timezone: str = "UTC") -> str:
        """Stand-in for mcp-server-time's tool."""
        return f"time in {timezone}"

    @mcp.tool()
    def read_file(path: str = "") -> str:
        """Stand-in for server-filesystem's tool."""
        return f"contents of {path}"

if __name__ == "__main__":
    mcp.run("stdio")
