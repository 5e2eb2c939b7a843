// Rootless mode: an unprivileged swiftbuild moves itself into a user namespace in which
// it is root, as rootless podman and buildah do, before any thread exists. The process
// keeps its pid, terminal, signals and exit status: it unshares itself, and a forked
// helper (still in the host's namespace, where the setuid newuidmap/newgidmap are
// allowed to map the user's subordinate IDs) writes its maps. Without the helpers or a
// subordinate range, the process maps only itself (0 -> the user), which any user may.
#define _GNU_SOURCE
#include "csandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static int write_proc_file(const char *path, const char *content)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
        return -1;
    }
    size_t length = strlen(content);
    ssize_t written;
    do {
        written = write(fd, content, length);
    } while (written < 0 && errno == EINTR);
    int saved = errno;
    (void)close(fd);
    if (written != (ssize_t)length) {
        errno = written < 0 ? saved : EIO;
        return -1;
    }
    return 0;
}

// Runs argv (absolute program path) and waits: its exit status, or -1 when it could not run.
static int run_helper(const char *const *argv)
{
    pid_t child = fork();
    if (child < 0) {
        return -1;
    }
    if (child == 0) {
        execv(argv[0], (char *const *)argv);
        _exit(127);
    }
    int status = 0;
    while (waitpid(child, &status, 0) < 0) {
        if (errno != EINTR) {
            return -1;
        }
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// The helper: waits for the parent's unshare, runs both map programs, reports their
// statuses (two bytes) and exits.
__attribute__((noreturn)) static void map_helper(int go, int done, const char *const *uid_argv,
                                                const char *const *gid_argv)
{
    char byte;
    ssize_t count;
    do {
        count = read(go, &byte, 1);
    } while (count < 0 && errno == EINTR);
    if (count != 1) {
        _exit(1); // the parent could not unshare: nothing to map
    }
    unsigned char statuses[2];
    int uid_status = run_helper(uid_argv);
    int gid_status = run_helper(gid_argv);
    statuses[0] = (unsigned char)(uid_status < 0 ? 255 : uid_status);
    statuses[1] = (unsigned char)(gid_status < 0 ? 255 : gid_status);
    do {
        count = write(done, statuses, 2);
    } while (count < 0 && errno == EINTR);
    _exit(0);
}

int csandbox_enter_user_namespace(const char *const *uid_argv, const char *const *gid_argv,
                                  struct csandbox_user_namespace_result *result)
{
    memset(result, 0, sizeof *result);
    result->uid_helper_status = -1;
    result->gid_helper_status = -1;
    uid_t uid = getuid();
    gid_t gid = getgid();
    int go[2] = {-1, -1};
    int done[2] = {-1, -1};
    pid_t helper = -1;
    if (uid_argv != NULL && gid_argv != NULL) {
        result->failed_step = "create the pipes of the ID map helper";
        if (pipe2(go, O_CLOEXEC) != 0) {
            return -1;
        }
        if (pipe2(done, O_CLOEXEC) != 0) {
            (void)close(go[0]);
            (void)close(go[1]);
            return -1;
        }
        result->failed_step = "fork the ID map helper";
        helper = fork();
        if (helper < 0) {
            int saved = errno;
            (void)close(go[0]);
            (void)close(go[1]);
            (void)close(done[0]);
            (void)close(done[1]);
            errno = saved;
            return -1;
        }
        if (helper == 0) {
            (void)close(go[1]);
            (void)close(done[0]);
            map_helper(go[0], done[1], uid_argv, gid_argv);
        }
        (void)close(go[0]);
        (void)close(done[1]);
    }

    result->failed_step = "unshare the user namespace (unshare(CLONE_NEWUSER))";
    int unshared = unshare(CLONE_NEWUSER);
    int unshare_error = errno;
    if (helper > 0) {
        if (unshared == 0) {
            ssize_t count;
            do {
                count = write(go[1], "g", 1);
            } while (count < 0 && errno == EINTR);
            unsigned char statuses[2];
            do {
                count = read(done[0], statuses, 2);
            } while (count < 0 && errno == EINTR);
            if (count == 2) {
                result->uid_helper_status = statuses[0];
                result->gid_helper_status = statuses[1];
            }
        }
        (void)close(go[1]);
        (void)close(done[0]);
        while (waitpid(helper, NULL, 0) < 0 && errno == EINTR) {
        }
    }
    if (unshared != 0) {
        errno = unshare_error;
        return -1;
    }

    // What the helpers did not map, the process maps itself: its own ID only.
    char line[64];
    if (result->uid_helper_status != 0) {
        result->failed_step = "write /proc/self/uid_map";
        snprintf(line, sizeof line, "0 %u 1\n", (unsigned)uid);
        if (write_proc_file("/proc/self/uid_map", line) != 0) {
            return -1;
        }
        result->single_user_id = 1;
    }
    if (result->gid_helper_status != 0) {
        // An unprivileged map of one's own group needs setgroups(2) off for good.
        result->failed_step = "write /proc/self/setgroups";
        if (write_proc_file("/proc/self/setgroups", "deny") != 0) {
            return -1;
        }
        result->failed_step = "write /proc/self/gid_map";
        snprintf(line, sizeof line, "0 %u 1\n", (unsigned)gid);
        if (write_proc_file("/proc/self/gid_map", line) != 0) {
            return -1;
        }
        result->single_group_id = 1;
    }
    // The IDs were the user's; in the namespace they read 0. Set all three of each anyway,
    // as podman does, so no saved ID is left unmapped.
    result->failed_step = "become root in the user namespace (setresgid/setresuid)";
    if (setresgid(0, 0, 0) != 0 || setresuid(0, 0, 0) != 0) {
        return -1;
    }
    result->failed_step = NULL;
    return 0;
}

int csandbox_new_network_namespace(void)
{
    // A child cloned into the new namespace holds it while the parent opens it: a rootless
    // thread could unshare one itself, but never setns back to the host's, which the host's
    // user namespace owns.
    int hold[2];
    if (pipe2(hold, O_CLOEXEC) != 0) {
        return -errno;
    }
    pid_t child = (pid_t)syscall(SYS_clone, CLONE_NEWNET | SIGCHLD, NULL, NULL, NULL, NULL);
    if (child < 0) {
        int saved = errno;
        (void)close(hold[0]);
        (void)close(hold[1]);
        return -saved;
    }
    if (child == 0) {
        char byte;
        (void)close(hold[1]);
        while (read(hold[0], &byte, 1) < 0 && errno == EINTR) {
        }
        _exit(0);
    }
    (void)close(hold[0]);
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/ns/net", (int)child);
    int created = open(path, O_RDONLY | O_CLOEXEC);
    int saved = errno;
    (void)close(hold[1]);
    while (waitpid(child, NULL, 0) < 0 && errno == EINTR) {
    }
    return created >= 0 ? created : -saved;
}

int csandbox_pipe_cloexec(int ends[2])
{
    return pipe2(ends, O_CLOEXEC);
}
