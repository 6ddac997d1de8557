"""Starts Python peers for the tests by forking, so the official MCP SDK is imported once per test
process instead of once per peer (about 1.5 s of CPU each: the suite starts over a hundred peers).

  zygote.py SOCKET_PATH

Imports what the peers import, listens on the Unix socket SOCKET_PATH (in a directory of its own,
removed with it), prints `READY` and serves
one peer per connection: the client sends one line of JSON, `{"argv": [script, arg, ...]}`, and
the connection becomes the peer's stdin and stdout (the client shuts down its writing side to
close the peer's stdin). The peer is forked twice so that it is re-parented to the test process
(a child subreaper) and the test waits for it with `waitpid` like any child of its own; its first
line is `PID <pid>`, written once that re-parenting happened. stderr is the zygote's (the test's).

A request that comes with three descriptors (SCM_RIGHTS, from zygote_exec.py: a stdio MCP server
hermes itself starts) gets them as the peer's stdin, stdout and stderr instead; that peer is forked
once, stays the zygote's child (reaped here), and holds the connection until it exits, which is
how the launcher knows.

The zygote stays single-threaded (fork with threads running is unsafe) and exits when its stdin
closes, so a test process that dies leaves nothing behind: its peers exit on their own EOF.
"""
import json
import os
import runpy
import select
import signal
import socket
import sys
import time

# What the peers import, imported once here: the fork inherits it.
import uvicorn  # noqa: F401
import starlette.applications  # noqa: F401
import mcp.server.auth.routes  # noqa: F401
import mcp.server.auth.provider  # noqa: F401
import mcp.server.auth.settings  # noqa: F401
import mcp.server.mcpserver  # noqa: F401
import mcp.shared.auth  # noqa: F401
import pydantic  # noqa: F401

MAX_REQUEST = 64 * 1024


def read_request(conn):
    """(argv, descriptors passed with it) or None."""
    data, fds = b"", []
    while b"\n" not in data:
        chunk, received, _, _ = socket.recv_fds(conn, 4096, 3)
        fds += received
        if not chunk or len(data) > MAX_REQUEST:
            for fd in fds:
                os.close(fd)
            return None
        data += chunk
    try:
        argv = json.loads(data.split(b"\n", 1)[0])["argv"]
    except (ValueError, KeyError, TypeError):
        argv = None
    if not (isinstance(argv, list) and argv and all(isinstance(a, str) for a in argv)) or len(fds) not in (0, 3):
        for fd in fds:
            os.close(fd)
        return None
    return argv, fds


def run_peer(argv):
    sys.argv = list(argv)
    sys.path[0] = os.path.dirname(os.path.abspath(argv[0]))
    code = 0
    try:
        runpy.run_path(argv[0], run_name="__main__")
    except SystemExit as e:
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except BaseException:
        import traceback
        traceback.print_exc()
        code = 1
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


def become_stdio_peer(conn, listener, argv, fds):
    """A stdio server on the launcher's descriptors; `conn` stays open until this process ends."""
    listener.close()
    for target, fd in enumerate(fds):
        os.dup2(fd, target)
        os.close(fd)
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    sys.stdin = os.fdopen(0, "r")
    sys.stdout = os.fdopen(1, "w")
    sys.stderr = os.fdopen(2, "w")
    run_peer(argv)


def become_peer(conn, listener, argv, middle):
    listener.close()
    os.dup2(conn.fileno(), 0)
    os.dup2(conn.fileno(), 1)
    conn.close()
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    # Re-parented once the middle process exited: only then can the test wait for this pid.
    while os.getppid() == middle:
        time.sleep(0.001)
    sys.stdin = os.fdopen(0, "r")
    sys.stdout = os.fdopen(1, "w")
    print(f"PID {os.getpid()}", flush=True)
    run_peer(argv)


def serve(conn, listener):
    request = read_request(conn)
    if request is None:
        conn.close()
        return
    argv, fds = request
    if fds:
        if os.fork() == 0:
            become_stdio_peer(conn, listener, argv, fds)
        for fd in fds:
            os.close(fd)
        conn.close()
        return
    middle = os.fork()
    if middle == 0:
        me = os.getpid()
        if os.fork() == 0:
            become_peer(conn, listener, argv, me)
        os._exit(0)
    conn.close()
    os.waitpid(middle, 0)


def main():
    path = sys.argv[1]
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(path)
    listener.listen(64)
    print("READY", flush=True)
    stdin = sys.stdin.fileno()
    while True:
        ready, _, _ = select.select([listener, stdin], [], [], 1.0)
        # stdio peers are this process' children: reaped as they end.
        try:
            while os.waitpid(-1, os.WNOHANG)[0] > 0:
                pass
        except ChildProcessError:
            pass
        if stdin in ready and not os.read(stdin, 4096):
            break
        if listener in ready:
            conn, _ = listener.accept()
            serve(conn, listener)
    listener.close()
    # The socket's directory was made for it alone (the test process never removes it: it keeps
    # the zygote until it exits).
    for remove, target in ((os.unlink, path), (os.rmdir, os.path.dirname(path))):
        try:
            remove(target)
        except OSError:
            pass


if __name__ == "__main__":
    main()
