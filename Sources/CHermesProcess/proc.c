#include "chermes_process.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Reads a small /proc file into buf (NUL-terminated). Returns bytes read or -errno. */
static ssize_t read_small(const char *path, char *buf, size_t cap) {
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -errno;
    size_t used = 0;
    while (used + 1 < cap) {
        ssize_t n = read(fd, buf + used, cap - 1 - used);
        if (n < 0) {
            if (errno == EINTR) continue;
            int e = errno;
            close(fd);
            return -e;
        }
        if (n == 0) break;
        used += (size_t)n;
    }
    close(fd);
    buf[used] = '\0';
    return (ssize_t)used;
}

static int is_pid_name(const char *s) {
    if (!*s) return 0;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s)) return 0;
    return 1;
}

ssize_t hermes_shim_proc_scan(pid_t *pids, pid_t *ppids, size_t cap) {
    DIR *proc = opendir("/proc");
    if (!proc) return -errno;
    size_t found = 0;
    char buf[1024];
    struct dirent *de;
    while ((de = readdir(proc)) != NULL) {
        if (!is_pid_name(de->d_name)) continue;
        char file[64];
        snprintf(file, sizeof file, "/proc/%s/stat", de->d_name);
        if (read_small(file, buf, sizeof buf) <= 0) continue;
        /* The command name may itself contain ')' and spaces: the state and ppid follow the last ')'. */
        char *close_paren = strrchr(buf, ')');
        if (!close_paren) continue;
        char state;
        int ppid;
        if (sscanf(close_paren + 1, " %c %d", &state, &ppid) != 2) continue;
        if (found < cap) {
            pids[found] = (pid_t)atoi(de->d_name);
            ppids[found] = (pid_t)ppid;
        }
        found++;
    }
    closedir(proc);
    return (ssize_t)found;
}
