"""An MCP server that never answers, for the deadline tests (issue 13, item 1).

`silent_server.py http [LOG]`: binds 127.0.0.1 port 0, accepts every TCP connection and reads what
it is sent, but never writes a byte. Prints `READY {"url": ..., "port": ...}` (flushed) and exits
when its stdin closes. With LOG, appends one line per accepted connection, so a test can count
hermes' tries.

`silent_server.py stdio PIDFILE`: a stdio "server" that appends its pid to PIDFILE, reads its stdin
and never writes. When stdin ends it keeps running (as a hung server would), so whoever started it
must stop it with a signal.
"""
import json
import os
import socket
import sys
import threading
import time


def http(log):
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    port = listener.getsockname()[1]

    def hold(conn):
        # Read (so the client's writes never block) until the client hangs up; answer nothing.
        try:
            while conn.recv(65536):
                pass
        except OSError:
            pass
        finally:
            conn.close()

    def accept():
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            if log:
                with open(log, "a") as f:
                    f.write("connection\n")
            threading.Thread(target=hold, args=(conn,), daemon=True).start()

    threading.Thread(target=accept, daemon=True).start()
    print("READY " + json.dumps({"url": f"http://127.0.0.1:{port}/mcp", "port": port}), flush=True)
    sys.stdin.read()


def stdio(pidfile):
    with open(pidfile, "a") as f:
        f.write(f"{os.getpid()}\n")
    while sys.stdin.buffer.read(65536):
        pass
    while True:
        time.sleep(1)


if __name__ == "__main__":
    mode = sys.argv[1] if len(sys.argv) > 1 else "http"
    if mode == "http":
        http(sys.argv[2] if len(sys.argv) > 2 else None)
    elif mode == "stdio":
        stdio(sys.argv[2])
    else:
        sys.exit(f"unknown mode {mode!r}")
