// The parent's side of a step: clone the sandbox's init, wait for it, signal it.
#define _GNU_SOURCE
#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

pid_t csandbox_spawn(const struct csandbox_spec *spec, int *pidfd, int *report_fd)
{
    int pipe_fds[2];
    if (pipe2(pipe_fds, O_CLOEXEC) != 0) {
        return -1;
    }
    unsigned long flags = CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_PIDFD
        | SIGCHLD;
    if (spec->new_network) {
        flags |= CLONE_NEWNET;
    }
    // The raw system call with no stack forks: the child runs on a copy of this thread's
    // stack and memory. glibc's clone()/fork() wrappers are avoided on purpose: they run
    // atfork handlers that may wait on locks held by the parent's other threads.
    int new_pidfd = -1;
    long pid = syscall(SYS_clone, flags, NULL, &new_pidfd, NULL, NULL);
    if (pid < 0) {
        int saved = errno;
        close(pipe_fds[0]);
        close(pipe_fds[1]);
        errno = saved;
        return -1;
    }
    if (pid == 0) {
        close(pipe_fds[0]);
        csandbox_init_main(spec, pipe_fds[1]);
    }
    close(pipe_fds[1]);
    *pidfd = new_pidfd;
    *report_fd = pipe_fds[0];
    return (pid_t)pid;
}

int csandbox_wait(int pidfd, int *status)
{
    siginfo_t info;
    for (;;) {
        if (waitid(P_PIDFD, (id_t)pidfd, &info, WEXITED) == 0) {
            break;
        }
        if (errno != EINTR) {
            return -1;
        }
    }
    *status = info.si_code == CLD_EXITED ? W_EXITCODE(info.si_status, 0) : info.si_status;
    return 0;
}

int csandbox_kill(int pidfd, int signal)
{
    return (int)syscall(SYS_pidfd_send_signal, pidfd, signal, NULL, 0);
}
