"""Runs a command in a pseudo-terminal and plays a person at it, for tests of terminal behaviour.

  pty_drive.py SCRIPT_JSON -- COMMAND...

SCRIPT_JSON is a list of steps, each {"expect": "text"} (wait for it in the output, 30 s at most),
{"send": "text"} (type it), or {"paste_redirect_of_url_after": "prefix"} (find the URL that
follows `prefix` in the output, fetch it without following the redirect, and type the Location it
answers with, as a person copying the address their browser ended on would). The whole transcript
is printed at the end; the exit status is the command's, or 99 when an expectation timed out.
"""
import json
import os
import pty
import re
import select
import sys
import time
import urllib.error
import urllib.request


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def main():
    steps = json.loads(sys.argv[1])
    command = sys.argv[sys.argv.index("--") + 1:]
    pid, fd = pty.fork()
    if pid == 0:
        os.execvp(command[0], command)
    output = b""

    def pump(timeout):
        nonlocal output
        r, _, _ = select.select([fd], [], [], timeout)
        if r:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                return False
            if not chunk:
                return False
            output += chunk
        return True

    status = 0
    for step in steps:
        if "expect" in step:
            deadline = time.time() + 30
            while step["expect"].encode() not in output and time.time() < deadline:
                if not pump(0.2):
                    break
            if step["expect"].encode() not in output:
                status = 99
                break
        elif "send" in step:
            os.write(fd, step["send"].encode())
        elif "paste_redirect_of_url_after" in step:
            # Without the terminal's escape sequences (a spinner may redraw between lines).
            text = re.sub(r"\x1b(\[[0-9;?]*[A-Za-z]|[78])", "", output.decode(errors="replace"))
            match = re.search(re.escape(step["paste_redirect_of_url_after"]) + r"\s*(http\S+)", text)
            opener = urllib.request.build_opener(NoRedirect)
            try:
                opener.open(match.group(1), timeout=20)
                location = ""
            except urllib.error.HTTPError as e:
                location = e.headers.get("Location", "")
            os.write(fd, (location + "\r").encode())
    deadline = time.time() + 30
    while time.time() < deadline and pump(0.2):
        pass
    _, wait_status = os.waitpid(pid, 0)
    sys.stdout.write(output.decode(errors="replace"))
    if status == 0:
        status = os.waitstatus_to_exitcode(wait_status)
    sys.exit(status)


if __name__ == "__main__":
    main()
