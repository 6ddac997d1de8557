#include "chermes_shims.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>
#include <unistd.h>

int hermes_shim_inotify_open(void) {
    int fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

int hermes_shim_inotify_add_watch(int fd, const char *path, uint32_t mask) {
    int wd = inotify_add_watch(fd, path, mask);
    return wd < 0 ? -errno : wd;
}

int hermes_shim_inotify_rm_watch(int fd, int wd) {
    return inotify_rm_watch(fd, wd) < 0 ? -errno : 0;
}

ssize_t hermes_shim_inotify_read(int fd, void *buf, size_t len) {
    for (;;) {
        ssize_t n = read(fd, buf, len);
        if (n >= 0) return n;
        if (errno == EINTR) continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
        return -errno;
    }
}

int hermes_shim_inotify_next(const void *buf, size_t len, size_t *offset, hermes_shim_inotify_event *out) {
    const size_t header = sizeof(struct inotify_event);
    size_t at = *offset;
    if (at >= len) return 0;
    if (len - at < header) return -EINVAL;
    struct inotify_event ev;
    memcpy(&ev, (const char *)buf + at, header); /* the buffer may not be aligned for the struct */
    if (ev.len > len - at - header) return -EINVAL;
    const char *name = (const char *)buf + at + header;
    out->wd = ev.wd;
    out->mask = ev.mask;
    out->cookie = ev.cookie;
    out->name = name;
    out->name_len = ev.len ? strnlen(name, ev.len) : 0;
    *offset = at + header + ev.len;
    return 1;
}

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int hermes_shim_wait_readable(int fd, int timeout_ms) {
    long long deadline = timeout_ms < 0 ? -1 : now_ms() + timeout_ms;
    for (;;) {
        int remaining = -1;
        if (deadline >= 0) {
            long long left = deadline - now_ms();
            remaining = left < 0 ? 0 : (int)left;
        }
        struct pollfd p = {.fd = fd, .events = POLLIN, .revents = 0};
        int r = poll(&p, 1, remaining);
        if (r > 0) return 1;
        if (r == 0) return 0;
        if (errno != EINTR) return -errno;
    }
}
