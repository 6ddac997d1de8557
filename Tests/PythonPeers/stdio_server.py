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


if __name__ == "__main__":
    mcp.run("stdio")
