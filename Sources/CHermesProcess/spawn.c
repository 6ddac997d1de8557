#include "chermes_process.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static void close_from(int lowest, int keep) {
    /* close_range(2) is one call; fall back to a loop on kernels without it. */
    if (keep > lowest) syscall(SYS_close_range, lowest, keep - 1, 0);
    if (syscall(SYS_close_range, keep + 1, ~0U, 0) == 0) return;
    long max = sysconf(_SC_OPEN_MAX);
    for (int fd = lowest; fd < max; fd++)
        if (fd != keep) close(fd);
}

int hermes_shim_spawn(const char *path, char *const argv[], char *const envp[], int in_fd, int out_fd, int err_fd,
                      int new_group, int death_signal) {
    int report[2];
    if (pipe2(report, O_CLOEXEC) < 0) return -errno;
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        int e = errno;
        close(report[0]);
        close(report[1]);
        return -e;
    }
    if (pid == 0) {
        int e = 0;
        if (new_group && setpgid(0, 0) < 0) e = errno;
        if (!e && death_signal) {
            if (prctl(PR_SET_PDEATHSIG, death_signal) < 0) e = errno;
            else if (getppid() != parent) _exit(127); /* the parent died before the prctl took hold */
        }
        /* Move the three descriptors out of the way first, so dup2 never clobbers one with another. */
        int fds[3] = {in_fd, out_fd, err_fd};
        for (int i = 0; !e && i < 3; i++) {
            if (fds[i] < 3) {
                int moved = fcntl(fds[i], F_DUPFD_CLOEXEC, 3);
                if (moved < 0) e = errno; else fds[i] = moved;
            }
        }
        for (int i = 0; !e && i < 3; i++)
            if (dup2(fds[i], i) < 0) e = errno;
        if (!e) {
            close_from(3, report[1]);
            sigset_t none;
            sigemptyset(&none);
            sigprocmask(SIG_SETMASK, &none, NULL);
            signal(SIGPIPE, SIG_DFL);
            signal(SIGTERM, SIG_DFL);
            signal(SIGINT, SIG_DFL);
            execve(path, argv, envp);
            e = errno;
        }
        ssize_t unused = write(report[1], &e, sizeof e);
        (void)unused;
        _exit(127);
    }
    close(report[1]);
    int child_errno = 0;
    ssize_t n;
    do n = read(report[0], &child_errno, sizeof child_errno);
    while (n < 0 && errno == EINTR);
    close(report[0]);
    if (n == (ssize_t)sizeof child_errno) {
        int status;
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
        return -child_errno;
    }
    return pid;
}

int hermes_shim_become_subreaper(void) {
    return prctl(PR_SET_CHILD_SUBREAPER, 1) < 0 ? -errno : 0;
}
