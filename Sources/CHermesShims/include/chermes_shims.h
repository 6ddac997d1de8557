/*
 * CHermesShims: the thin C layer under HermesOAuth.
 *
 * Only syscalls and OpenSSL live here; every decision (which files, which modes, how long to wait,
 * what a result means) is made in Swift. Functions return 0 (or a count) on success and -errno on
 * failure, so Swift never has to read the thread-local errno after a call.
 *
 * Everything is hidden from libhermesoauth.so's dynamic symbol table: the shims are an
 * implementation detail, not part of the C API in include/hermesoauth.h.
 */
#ifndef CHERMES_SHIMS_H
#define CHERMES_SHIMS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#pragma GCC visibility push(hidden)

#ifdef __cplusplus
extern "C" {
#endif

/* ---- OpenSSL libcrypto ------------------------------------------------------------------------ */

/* SHA-256 of `len` bytes into `out`. Returns 0, or -1 if libcrypto failed. */
int hermes_shim_sha256(const void *data, size_t len, uint8_t out[32]);

/* `len` cryptographically secure random bytes from OpenSSL's CSPRNG. Returns 0, or -1. */
int hermes_shim_random_bytes(uint8_t *buf, size_t len);

/* OpenSSL's own version string, for diagnostics. */
const char *hermes_shim_openssl_version(void);

/* ---- inotify ----------------------------------------------------------------------------------- */

/* A non-blocking, close-on-exec inotify instance. Returns the fd or -errno. */
int hermes_shim_inotify_open(void);

/* Adds a watch; returns the watch descriptor or -errno. */
int hermes_shim_inotify_add_watch(int fd, const char *path, uint32_t mask);

/* Removes a watch; returns 0 or -errno. */
int hermes_shim_inotify_rm_watch(int fd, int wd);

/* Reads whatever events are queued into `buf`. Returns the byte count, 0 when nothing is queued
 * (EAGAIN), or -errno. `buf` should hold at least 4096 bytes so any single event fits. */
ssize_t hermes_shim_inotify_read(int fd, void *buf, size_t len);

/* One decoded event. `name` points into the buffer given to hermes_shim_inotify_next and is
 * NUL-terminated within it; `name_len` excludes the padding NULs (0 for events on the watch itself). */
typedef struct hermes_shim_inotify_event {
    int32_t wd;
    uint32_t mask;
    uint32_t cookie;
    const char *name;
    size_t name_len;
} hermes_shim_inotify_event;

/* Decodes the event at `*offset` in `buf[0..len)` and advances `*offset` past it.
 * Returns 1 when an event was decoded, 0 at the end, -EINVAL for a record that would run past `len`. */
int hermes_shim_inotify_next(const void *buf, size_t len, size_t *offset, hermes_shim_inotify_event *out);

/* Waits until `fd` is readable or `timeout_ms` passes (-1: forever). Returns 1 readable, 0 timeout,
 * -errno. EINTR is retried with the remaining time. */
int hermes_shim_wait_readable(int fd, int timeout_ms);

/* ---- /proc ------------------------------------------------------------------------------------- */

/* Every process on the system with its parent, read from /proc/PID/stat. Writes at most `cap`
 * pairs; returns how many processes were seen (may exceed `cap`), or -errno. */
ssize_t hermes_shim_proc_scan(pid_t *pids, pid_t *ppids, size_t cap);

/* ---- files ------------------------------------------------------------------------------------- */

/* Replaces `dir/name` with `len` bytes of `data`, atomically and durably: a fresh temporary file
 * created in `dir` with O_CREAT|O_EXCL|O_NOFOLLOW|O_CLOEXEC and exactly `mode`, written, fsync'd,
 * renamed over `name`, then `dir` fsync'd. `dir` itself is opened with O_NOFOLLOW, and rename never
 * follows a symlink at `name` (it replaces the link). `name` must be a single path component.
 * Returns 0 or -errno; on failure the target is untouched and the temporary file removed. */
int hermes_shim_write_atomic(const char *dir, const char *name, const void *data, size_t len, mode_t mode);

/* Opens `path` read-only, close-on-exec and non-blocking (so a FIFO or a device there cannot make
 * open itself wait), following a final symlink only with `follow_symlink`. The caller decides from
 * fstat whether what it opened is acceptable. Returns fd or -errno (-ELOOP for a refused symlink). */
int hermes_shim_open_read(const char *path, int follow_symlink);

/* ---- sockets and pipes --------------------------------------------------------------------------- */

/* accept4(fd, NULL, NULL, SOCK_CLOEXEC), retrying EINTR. Returns the connection fd or -errno. */
int hermes_shim_accept_cloexec(int fd);

/* pipe2(fds, O_CLOEXEC | O_NONBLOCK). Returns 0 or -errno. */
int hermes_shim_pipe_cloexec(int fds[2]);

/* ---- child processes ------------------------------------------------------------------------------ */

/* fork + execve of `path` (an absolute path: resolve PATH before calling) with `argv` and `envp`.
 * The child gets `in_fd`, `out_fd`, `err_fd` as 0, 1, 2 and no other descriptor; with `new_group`
 * it leads a process group of its own; with `death_signal` non-zero the kernel sends it that
 * signal when the calling thread's process dies (PR_SET_PDEATHSIG). Only async-signal-safe calls
 * run between fork and exec. Returns the child's pid, or -errno (an exec failure included). */
int hermes_shim_spawn(const char *path, char *const argv[], char *const envp[], int in_fd, int out_fd, int err_fd,
                      int new_group, int death_signal);

/* prctl(PR_SET_CHILD_SUBREAPER, 1): orphaned descendants are re-parented to this process, so it
 * can reap them. Returns 0 or -errno. */
int hermes_shim_become_subreaper(void);

/* ---- advisory locks ------------------------------------------------------------------------------ */

/* Opens (creating with `mode`) a lock file without following symlinks. Returns fd or -errno. */
int hermes_shim_lock_open(const char *path, mode_t mode);

/* flock(fd, LOCK_EX or LOCK_SH, optionally LOCK_NB). Returns 0, -EWOULDBLOCK when non-blocking and
 * held elsewhere, or -errno. EINTR is retried. */
int hermes_shim_flock(int fd, int exclusive, int nonblocking);

/* flock(fd, LOCK_UN). Returns 0 or -errno. */
int hermes_shim_funlock(int fd);

#ifdef __cplusplus
}
#endif

#pragma GCC visibility pop

#endif /* CHERMES_SHIMS_H */
