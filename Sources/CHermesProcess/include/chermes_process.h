/*
 * CHermesProcess: the C layer under HermesMCP's stdio servers, kept apart from CHermesShims so
 * that libhermesoauth.so (HermesOAuth) carries no process code: only HermesMCP links it.
 *
 * Here only what Swift cannot do safely: the code between fork and exec must be async-signal-safe
 * (no allocation, no locks, no Swift runtime), prctl is variadic, and /proc/PID/stat is parsed
 * without a Foundation string per process. Every decision (which command, which descriptors, which
 * signal, when to scan) is made in Swift. Functions return a pid, a count or 0 on success and -errno
 * on failure, so Swift never reads the thread-local errno after a call.
 */
#ifndef CHERMES_PROCESS_H
#define CHERMES_PROCESS_H

#include <stddef.h>
#include <sys/types.h>

#pragma GCC visibility push(hidden)

#ifdef __cplusplus
extern "C" {
#endif

/* ---- /proc ------------------------------------------------------------------------------------- */

/* Every process on the system with its parent, read from /proc/PID/stat. Writes at most `cap`
 * pairs; returns how many processes were seen (may exceed `cap`, so the caller can grow and ask
 * again), or -errno. */
ssize_t hermes_shim_proc_scan(pid_t *pids, pid_t *ppids, size_t cap);

/* ---- child processes ------------------------------------------------------------------------------ */

/* fork + execve of `path` (an absolute path: resolve PATH before calling) with `argv` and `envp`.
 * The child gets `in_fd`, `out_fd`, `err_fd` as 0, 1, 2 and no other descriptor; with `new_group`
 * it leads a process group of its own; with `death_signal` non-zero the kernel sends it that
 * signal when the calling thread's process dies (PR_SET_PDEATHSIG). Only async-signal-safe calls
 * run between fork and exec. Returns the child's pid, or -errno (an exec failure included, so a
 * missing command is an error here rather than an exit status later). */
int hermes_shim_spawn(const char *path, char *const argv[], char *const envp[], int in_fd, int out_fd, int err_fd,
                      int new_group, int death_signal);

/* prctl(PR_SET_CHILD_SUBREAPER, 1): orphaned descendants are re-parented to this process, so it
 * can reap them. In C because prctl is variadic. Returns 0 or -errno. */
int hermes_shim_become_subreaper(void);

#ifdef __cplusplus
}
#endif

#pragma GCC visibility pop

#endif /* CHERMES_PROCESS_H */
