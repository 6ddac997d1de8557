"""A badly behaved stdio "server" for teardown tests: it ignores SIGTERM, does not exit when stdin
closes, and starts a grandchild that also ignores SIGTERM and leaves the process group (setsid).
It prints "ready <own pid> <grandchild pid>" and then idles."""
import os
import signal
import sys
import time

signal.signal(signal.SIGTERM, signal.SIG_IGN)
child = os.fork()
if child == 0:
    os.setsid()
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    while True:
        time.sleep(1)
print(f"ready {os.getpid()} {child}", flush=True)
while True:
    time.sleep(1)
