"""A stdio MCP server on the official Python SDK: tools echo, add and crash (exits the process at
once), a resource and a prompt."""
import os

from mcp.server.mcpserver import MCPServer

mcp = MCPServer(name="hermes-stdio-peer")


@mcp.tool()
def echo(text: str) -> str:
    """Echo the text back."""
    return text


@mcp.tool()
def add(a: int, b: int) -> int:
    """Add two integers."""
    return a + b


@mcp.tool()
def crash() -> str:
    """Exit the server process at once."""
    os._exit(3)


@mcp.resource("hermes://greeting", name="greeting", description="A fixed greeting")
def greeting() -> str:
    return "hello from stdio"


@mcp.prompt()
def summarize(topic: str) -> str:
    """Ask for a summary of a topic."""
    return f"Summarize {topic} in one line."


if __name__ == "__main__":
    mcp.run("stdio")
