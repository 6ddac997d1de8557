"""The Scenario interface of src/types.ts, with the plumbing every scenario shares: its servers
start in the scenario's own task and stop in it (the SDK's session manager is a task group)."""
import contextlib

from .lifecycle import ServerLifecycle
from .mcp_server import McpServer


class Scenario:
    name = ""
    description = ""
    source = {}
    allow_client_error = False
    # what the everything-client does after connecting: list tools, then call test-tool
    # (pre-registration only lists; see client.py)
    call_tool = True

    def __init__(self):
        self.checks = []
        self._stack = None

    def lifecycle(self):
        return ServerLifecycle()

    async def serve(self, life, app):
        """Start `app` (an express.App or an McpServer) on `life`."""
        if self._stack is None:
            self._stack = contextlib.AsyncExitStack()
        if isinstance(app, McpServer):
            await self._stack.enter_async_context(app.run())
            app = app.app
        await life.start(app)
        self._stack.push_async_callback(life.stop)
        return life.get_url()

    async def start(self, ctx):
        """Start the servers for `ctx` (versions.ScenarioContext); return the ScenarioUrls."""
        raise NotImplementedError

    async def stop(self):
        if self._stack is not None:
            await self._stack.aclose()
            self._stack = None

    def get_checks(self):
        return self.checks
