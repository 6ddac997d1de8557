#include "chermes_shims.h"

#include <errno.h>
#include <sys/socket.h>

int hermes_shim_accept_cloexec(int fd) {
    int c = accept4(fd, NULL, NULL, SOCK_CLOEXEC);
    return c < 0 ? -errno : c;
}
