"""helpers/serverLifecycle.ts: one HTTP server on 127.0.0.1 at a port the system picks. The URL is
known before the first request (scenarios build URLs lazily from get_url, as the TS ones do)."""
import asyncio
import contextlib
import socket

import uvicorn


class _Server(uvicorn.Server):
    # Many servers share one event loop here; none may take over the process' signals.
    @contextlib.contextmanager
    def capture_signals(self):
        yield


class ServerLifecycle:
    def __init__(self):
        self.base_url = ""
        self._server = None
        self._task = None

    def get_url(self):
        return self.base_url

    def bind(self):
        """Reserve the port (and so the URL) before the app exists: apps close over get_url."""
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind(("127.0.0.1", 0))
        self.base_url = f"http://127.0.0.1:{self._sock.getsockname()[1]}"
        return self.base_url

    async def start(self, app):
        if not self.base_url:
            self.bind()
        config = uvicorn.Config(app, log_level="critical", lifespan="off", timeout_graceful_shutdown=1,
                                access_log=False)
        self._server = _Server(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[self._sock]))
        while not self._server.started and not self._task.done():
            await asyncio.sleep(0.005)
        return self.base_url

    async def stop(self):
        if self._server:
            self._server.should_exit = True
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._task, 5)
            self._server = None
        with contextlib.suppress(Exception):
            self._sock.close()
