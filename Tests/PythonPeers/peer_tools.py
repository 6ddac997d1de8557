"""The tools, resource and prompt every test MCP server offers, whatever its transport."""


def register(mcp, greeting_text):
    @mcp.tool()
    def echo(text: str) -> str:
        """Echo the text back."""
        return text

    @mcp.tool()
    def add(a: int, b: int) -> int:
        """Add two integers."""
        return a + b

    @mcp.resource("hermes://greeting", name="greeting", description="A fixed greeting")
    def greeting() -> str:
        return greeting_text

    @mcp.prompt()
    def summarize(topic: str) -> str:
        """Ask for a summary of a topic."""
        return f"Summarize {topic} in one line."
