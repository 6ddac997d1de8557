"""helpers/serverLifecycle.ts: one HTTP server at a port the system picks, published as
http://localhost:PORT as the TS one is. It listens on loopback only: 127.0.0.1 and, where the
machine has it, ::1 at the same port, so a client reaches it whichever address `localhost` resolves
to first. The URL is known before the first request (scenarios build URLs lazily from get_url, as
the TS ones do)."""
import asyncio
import contextlib
import errno
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
        for _ in range(20):
            v4 = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            v4.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            v4.bind(("127.0.0.1", 0))
            port = v4.getsockname()[1]
            try:
                v6 = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
            except OSError:
                self._socks = [v4]  # no IPv6 here: localhost can only be 127.0.0.1
                break
            v6.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            v6.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            try:
                v6.bind(("::1", port))
            except OSError as e:
                v6.close()
                if e.errno == errno.EADDRINUSE:
                    v4.close()  # taken on ::1: another port
                    continue
                self._socks = [v4]  # no ::1 configured
                break
            self._socks = [v4, v6]
            break
        else:
            raise OSError("no port free on both 127.0.0.1 and ::1")
        self.base_url = f"http://localhost:{port}"
        return self.base_url

    async def start(self, app):
        if not self.base_url:
            self.bind()
        config = uvicorn.Config(app, log_level="critical", lifespan="off", timeout_graceful_shutdown=1,
                                access_log=False)
        self._server = _Server(config)
        self._task = asyncio.create_task(self._server.serve(sockets=self._socks))
        while not self._server.started and not self._task.done():
            await asyncio.sleep(0.005)
        return self.base_url

    async def stop(self):
        if self._server:
            self._server.should_exit = True
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._task, 5)
            self._server = None
        for sock in getattr(self, "_socks", []):
            with contextlib.suppress(Exception):
                sock.close()
