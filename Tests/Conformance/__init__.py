"""A Python re-creation of the MCP conformance suite's client auth scenarios
(github.com/modelcontextprotocol/conformance, src/scenarios/client/auth), run against hermes.
Check ids, names and statuses follow the TypeScript source; see runner.py."""
