// PID 2 of a sandbox: the build step itself, from fork to exec.
#define _GNU_SOURCE
#include "child.h"

#include <errno.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <unistd.h>

// Used for the PATH lookup when the step's environment has no PATH (as BuildKit's default).
static const char default_path[] = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

__attribute__((noreturn)) static void fail_exec(int report_fd, int error, const char *file)
{
    csandbox_child_report(report_fd, CSANDBOX_REPORT_EXEC_FAILED, error, 0, "exec", file);
    _exit(error == ENOENT ? 127 : 126);
}

static const char *search_path(const char *const *envp)
{
    for (size_t i = 0; envp[i] != NULL; i++) {
        if (strncmp(envp[i], "PATH=", 5) == 0) {
            return envp[i] + 5;
        }
    }
    return default_path;
}

// execvp's rules, with PATH from the step's environment (glibc's execvpe reads the
// caller's own PATH): a name with a slash runs as is; otherwise each PATH entry is tried
// ("" meaning the working directory), going on after ENOENT/ENOTDIR/EACCES, and EACCES is
// reported if any candidate had it.
__attribute__((noreturn)) static void exec_step(const struct csandbox_spec *spec, int report_fd)
{
    const char *file = spec->argv[0];
    char *const *argv = (char *const *)spec->argv;
    char *const *envp = (char *const *)spec->envp;
    if (strchr(file, '/') != NULL) {
        execve(file, argv, envp);
        fail_exec(report_fd, errno, file);
    }
    size_t file_length = strlen(file);
    int denied = 0;
    const char *entry = search_path(spec->envp);
    for (;;) {
        const char *end = strchrnul(entry, ':');
        size_t entry_length = (size_t)(end - entry);
        char candidate[4096];
        if (entry_length + 1 + file_length < sizeof candidate) {
            size_t offset = 0;
            if (entry_length == 0) {
                candidate[offset++] = '.';
            } else {
                memcpy(candidate, entry, entry_length);
                offset = entry_length;
            }
            candidate[offset++] = '/';
            memcpy(candidate + offset, file, file_length + 1);
            execve(candidate, argv, envp);
            if (errno == EACCES) {
                denied = 1;
            } else if (errno != ENOENT && errno != ENOTDIR) {
                fail_exec(report_fd, errno, candidate);
            }
        }
        if (*end == '\0') {
            break;
        }
        entry = end + 1;
    }
    fail_exec(report_fd, denied ? EACCES : ENOENT, file);
}

void csandbox_step_main(const struct csandbox_spec *spec, int report_fd, int output_fd, int ready_read,
                        int ready_write)
{
    if (close(ready_write) != 0) {
        csandbox_child_fail(report_fd, "close the ready pipe", "");
    }
    char byte;
    ssize_t count;
    do {
        count = read(ready_read, &byte, 1);
    } while (count < 0 && errno == EINTR);
    if (count != 0) {
        csandbox_child_fail(report_fd, "wait for the init", "");
    }
    if (close(ready_read) != 0) {
        csandbox_child_fail(report_fd, "close the ready pipe", "");
    }

    // Handlers and ignored signals inherited from swiftbuild go back to their defaults
    // (SIG_IGN would survive exec), then the init's blocked set is lifted.
    for (int signal = 1; signal < NSIG; signal++) {
        struct sigaction action;
        memset(&action, 0, sizeof action);
        action.sa_handler = SIG_DFL;
        // SIGKILL, SIGSTOP and glibc's internal signals refuse: nothing to reset there.
        (void)sigaction(signal, &action, NULL);
    }
    sigset_t none;
    if (sigemptyset(&none) != 0 || sigprocmask(SIG_SETMASK, &none, NULL) != 0) {
        csandbox_child_fail(report_fd, "unblock signals", "");
    }

    // The init creates its mount points with umask 0; the step gets runc's default, so
    // files a RUN creates have the modes they would have under docker and buildah.
    umask(022);
    // As root, before the credentials change (the directory may be closed to the user).
    if (chdir(spec->workdir) != 0) {
        csandbox_child_fail(report_fd, "enter the working directory", spec->workdir);
    }
    // --ulimit, as root and before the filter (raising a hard limit needs CAP_SYS_RESOURCE).
    for (size_t i = 0; i < spec->rlimit_count; i++) {
        struct rlimit limit = {.rlim_cur = spec->rlimits[i].soft, .rlim_max = spec->rlimits[i].hard};
        if (setrlimit(spec->rlimits[i].resource, &limit) != 0) {
            csandbox_child_fail(report_fd, "set a resource limit (--ulimit)", "");
        }
    }
    // The seccomp filter goes first: without no_new_privs (which would break setuid
    // programs, and Docker does not set it), loading one needs CAP_SYS_ADMIN, dropped next.
    // The calls left before exec (prctl, capset, setresuid, dup2, execve) are all allowed.
    if (spec->seccomp_filter != NULL
        && syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, 0, spec->seccomp_filter) != 0) {
        csandbox_child_fail(report_fd, "load the seccomp filter", "");
    }
    if (!spec->keep_all_capabilities) {
        csandbox_limit_capabilities(report_fd, spec->keep_net_raw);
    }
    // Raw system calls: glibc's wrappers would try to signal the parent's other threads,
    // which do not exist in this process.
    // Rootless with a single-ID mapping, the user namespace denies setgroups(2) for good
    // (an unprivileged gid_map needs that): the step keeps the user's own groups, as
    // crun does then.
    if (syscall(SYS_setgroups, spec->group_count, spec->groups) != 0 && !(spec->rootless && errno == EPERM)) {
        csandbox_child_fail(report_fd, "set the supplementary groups", "");
    }
    if (syscall(SYS_setresgid, spec->gid, spec->gid, spec->gid) != 0) {
        csandbox_child_fail(report_fd, "set the group id", "");
    }
    if (syscall(SYS_setresuid, spec->uid, spec->uid, spec->uid) != 0) {
        csandbox_child_fail(report_fd, "set the user id", "");
    }
    if (dup2(output_fd, 1) < 0 || dup2(output_fd, 2) < 0) {
        csandbox_child_fail(report_fd, "redirect the output", "");
    }
    exec_step(spec, report_fd);
}
