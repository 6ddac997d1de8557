"""An HTTP CONNECT proxy on 127.0.0.1 that counts the tunnels it opens, for tests of HTTPS_PROXY
(tcp_proxy.py only forwards one fixed target and speaks no HTTP).

  connect_proxy.py     prints `READY {"proxy": "http://127.0.0.1:PORT", "tunnels": ".../tunnels"}`,
                       runs until its stdin closes

`CONNECT host:port` to a loopback address opens a tunnel (any other target: 403); `GET /tunnels`
answers `{"tunnels": N, "targets": ["host:port", ...]}`, one entry per tunnel opened so far.
"""
import asyncio
import json
import sys

LOOPBACK = ("127.0.0.1", "::1", "localhost", "[::1]")
MAX_HEAD = 16 * 1024
targets = []


async def pipe(reader, writer):
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, asyncio.CancelledError):
        pass
    finally:
        writer.close()


async def reply(writer, status, body=b"", kind="application/json"):
    writer.write(f"HTTP/1.1 {status}\r\ncontent-type: {kind}\r\ncontent-length: {len(body)}\r\nconnection: close\r\n\r\n".encode() + body)
    await writer.drain()
    writer.close()


async def handle(reader, writer):
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
        writer.close()
        return
    request = head.split(b"\r\n", 1)[0].decode("latin-1").split(" ")
    if len(request) != 3:
        return await reply(writer, "400 Bad Request")
    method, target, _ = request
    if method == "GET" and target == "/tunnels":
        return await reply(writer, "200 OK", json.dumps({"tunnels": len(targets), "targets": targets}).encode())
    if method != "CONNECT":
        return await reply(writer, "405 Method Not Allowed")
    host, _, port = target.rpartition(":")
    if host not in LOOPBACK or not port.isdigit():
        return await reply(writer, "403 Forbidden")
    try:
        upstream_reader, upstream_writer = await asyncio.open_connection(host.strip("[]"), int(port))
    except OSError:
        return await reply(writer, "502 Bad Gateway")
    targets.append(target)
    writer.write(b"HTTP/1.1 200 Connection Established\r\n\r\n")
    await writer.drain()
    await asyncio.gather(pipe(reader, upstream_writer), pipe(upstream_reader, writer))


async def main():
    server = await asyncio.start_server(handle, "127.0.0.1", 0, limit=MAX_HEAD, reuse_address=True)
    base = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
    print("READY " + json.dumps({"proxy": base, "tunnels": base + "/tunnels"}), flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)


if __name__ == "__main__":
    asyncio.run(main())
