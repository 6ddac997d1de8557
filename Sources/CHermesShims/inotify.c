#include "chermes_shims.h"

#include <errno.h>
#include <string.h>
#include <sys/inotify.h>

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
