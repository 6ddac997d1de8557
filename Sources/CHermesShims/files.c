#include "chermes_shims.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

static int write_all(int fd, const void *data, size_t len) {
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0) {
            if (errno == EINTR) continue;
            return -errno;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int hermes_shim_write_atomic(const char *dir, const char *name, const void *data, size_t len, mode_t mode) {
    if (!name[0] || strchr(name, '/') || !strcmp(name, ".") || !strcmp(name, "..")) return -EINVAL;
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (dfd < 0) return -errno;

    /* Hidden, unique, and never a name a reader would take for a real file. */
    char tmp[300];
    int fd = -1;
    for (int attempt = 0; attempt < 16 && fd < 0; attempt++) {
        uint64_t r = 0;
        if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r) r ^= (uint64_t)getpid() << 20 ^ (uint64_t)attempt;
        int n = snprintf(tmp, sizeof tmp, ".%.200s.%d.%016llx.tmp", name, (int)getpid(), (unsigned long long)r);
        if (n < 0 || (size_t)n >= sizeof tmp) {
            close(dfd);
            return -ENAMETOOLONG;
        }
        fd = openat(dfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
        if (fd < 0 && errno != EEXIST) {
            int e = errno;
            close(dfd);
            return -e;
        }
    }
    if (fd < 0) {
        close(dfd);
        return -EEXIST;
    }

    int rc = 0;
    /* The umask may have narrowed or (with an odd umask) the caller may want exactly `mode`. */
    if (fchmod(fd, mode) < 0) rc = -errno;
    if (!rc) rc = write_all(fd, data, len);
    if (!rc && fsync(fd) < 0) rc = -errno;
    if (close(fd) < 0 && !rc) rc = -errno;
    if (!rc && renameat(dfd, tmp, dfd, name) < 0) rc = -errno;
    if (rc) {
        unlinkat(dfd, tmp, 0);
    } else if (fsync(dfd) < 0) {
        rc = -errno; /* the new content is in place, but may not survive a power cut */
    }
    close(dfd);
    return rc;
}

int hermes_shim_open_read(const char *path, int follow_symlink) {
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY | (follow_symlink ? 0 : O_NOFOLLOW));
    return fd < 0 ? -errno : fd;
}

int hermes_shim_lock_open(const char *path, mode_t mode) {
    int fd = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, mode);
    return fd < 0 ? -errno : fd;
}

int hermes_shim_flock(int fd, int exclusive, int nonblocking) {
    int op = (exclusive ? LOCK_EX : LOCK_SH) | (nonblocking ? LOCK_NB : 0);
    for (;;) {
        if (flock(fd, op) == 0) return 0;
        if (errno == EINTR) continue;
        return -errno;
    }
}

int hermes_shim_funlock(int fd) {
    return flock(fd, LOCK_UN) < 0 ? -errno : 0;
}

int hermes_shim_accept_cloexec(int fd) {
    for (;;) {
        int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
        if (c >= 0) return c;
        if (errno != EINTR) return -errno;
    }
}

int hermes_shim_pipe_cloexec(int fds[2]) {
    return pipe2(fds, O_CLOEXEC | O_NONBLOCK) < 0 ? -errno : 0;
}
