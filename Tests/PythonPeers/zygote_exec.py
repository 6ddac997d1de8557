"""Starts a stdio MCP server for hermes through the test process' peer zygote (zygote.py), so the
server's SDK import is not paid again (about 1.5 s of CPU a start).

  zygote_exec.py SOCKET SCRIPT [ARG...]

hermes runs this as a stdio server's command; it hands its stdin, stdout and stderr to the zygote
with the server's command line, lets go of them (the server alone holds hermes' pipes, so hermes
sees them close when the server ends), and exits when the server does. Standard library only.
"""
import json
import os
import socket
import sys


def main():
    path, argv = sys.argv[1], sys.argv[2:]
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.connect(path)
    socket.send_fds(conn, [json.dumps({"argv": argv}).encode() + b"\n"], [0, 1, 2])
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    while conn.recv(4096):
        pass


if __name__ == "__main__":
    main()
