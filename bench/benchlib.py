"""Shared by the benchmark scripts."""
import os
import time


def run_with_rss(cmd, env):
    """Runs `cmd` with its output discarded; returns (wall ms, exit code, peak RSS MiB), the RSS
    including the processes it reaped."""
    start = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        devnull = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(devnull, fd)
        os.execvpe(cmd[0], cmd, env)
    _, status, usage = os.wait4(pid, 0)
    return (time.perf_counter() - start) * 1000, os.waitstatus_to_exitcode(status), usage.ru_maxrss / 1024
