// The seccomp filter of build steps: Docker's default profile (moby's
// profiles/seccomp/default.json), evaluated for the capabilities a step keeps.
//
// The rules are the profile's, written here as C tables: the syscalls allowed without
// conditions, personality() with the five personas the profile lists, socket() for every
// family but AF_ALG (38) and AF_VSOCK (40), clone() without namespace flags and clone3()
// failing with ENOSYS (so that libcs fall back to clone, whose flags the filter can see),
// the architecture-specific calls of the native architecture, and chroot() because steps
// keep CAP_SYS_CHROOT. Every other capability-dependent rule of the profile (mount,
// unshare, setns, bpf, ptrace-like calls for CAP_SYS_PTRACE, keyctl never) needs a
// capability steps do not have, so those calls fail with EPERM, the profile's default.
//
// libseccomp builds the BPF program here, in swiftbuild's own process (it allocates, which
// the sandbox's processes must not after clone); the step loads the finished program with
// seccomp(2) right before exec (step.c). The filter does not set no_new_privs, as Docker
// does not: setuid programs (su, sudo) keep working in RUN steps.
#define _GNU_SOURCE
#include "csandbox.h"

#include <errno.h>
#include <linux/filter.h>
#include <pthread.h>
#include <seccomp.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

// The profile's list of calls allowed whatever their arguments (names libseccomp does not
// know are skipped: the kernel's newest calls then fail with EPERM).
static const char *const allowed_syscalls[] = {
    "accept", "accept4", "access", "adjtimex", "alarm", "bind", "brk", "cachestat", "capget",
    "capset", "chdir", "chmod", "chown", "chown32", "clock_adjtime", "clock_adjtime64",
    "clock_getres", "clock_getres_time64", "clock_gettime", "clock_gettime64", "clock_nanosleep",
    "clock_nanosleep_time64", "close", "close_range", "connect", "copy_file_range", "creat", "dup",
    "dup2", "dup3", "epoll_create", "epoll_create1", "epoll_ctl", "epoll_ctl_old", "epoll_pwait",
    "epoll_pwait2", "epoll_wait", "epoll_wait_old", "eventfd", "eventfd2", "execve", "execveat",
    "exit", "exit_group", "faccessat", "faccessat2", "fadvise64", "fadvise64_64", "fallocate",
    "fanotify_mark", "fchdir", "fchmod", "fchmodat", "fchmodat2", "fchown", "fchown32", "fchownat",
    "fcntl", "fcntl64", "fdatasync", "fgetxattr", "flistxattr", "flock", "fork", "fremovexattr",
    "fsetxattr", "fstat", "fstat64", "fstatat64", "fstatfs", "fstatfs64", "fsync", "ftruncate",
    "ftruncate64", "futex", "futex_requeue", "futex_time64", "futex_wait", "futex_waitv",
    "futex_wake", "futimesat", "getcpu", "getcwd", "getdents", "getdents64", "getegid", "getegid32",
    "geteuid", "geteuid32", "getgid", "getgid32", "getgroups", "getgroups32", "getitimer",
    "getpeername", "getpgid", "getpgrp", "getpid", "getppid", "getpriority", "getrandom",
    "getresgid", "getresgid32", "getresuid", "getresuid32", "getrlimit", "get_robust_list",
    "getrusage", "getsid", "getsockname", "getsockopt", "get_thread_area", "gettid", "gettimeofday",
    "getuid", "getuid32", "getxattr", "getxattrat", "inotify_add_watch", "inotify_init",
    "inotify_init1", "inotify_rm_watch", "io_cancel", "ioctl", "io_destroy", "io_getevents",
    "io_pgetevents", "io_pgetevents_time64", "ioprio_get", "ioprio_set", "io_setup", "io_submit",
    "ipc", "kill", "landlock_add_rule", "landlock_create_ruleset", "landlock_restrict_self",
    "lchown", "lchown32", "lgetxattr", "link", "linkat", "listen", "listmount", "listxattr",
    "listxattrat", "llistxattr", "_llseek", "lremovexattr", "lseek", "lsetxattr", "lstat",
    "lstat64", "madvise", "map_shadow_stack", "membarrier", "memfd_create", "memfd_secret",
    "mincore", "mkdir", "mkdirat", "mknod", "mknodat", "mlock", "mlock2", "mlockall", "mmap",
    "mmap2", "mprotect", "mq_getsetattr", "mq_notify", "mq_open", "mq_timedreceive",
    "mq_timedreceive_time64", "mq_timedsend", "mq_timedsend_time64", "mq_unlink", "mremap", "mseal",
    "msgctl", "msgget", "msgrcv", "msgsnd", "msync", "munlock", "munlockall", "munmap",
    "name_to_handle_at", "nanosleep", "newfstatat", "_newselect", "open", "openat", "openat2",
    "pause", "pidfd_open", "pidfd_send_signal", "pipe", "pipe2", "pkey_alloc", "pkey_free",
    "pkey_mprotect", "poll", "ppoll", "ppoll_time64", "prctl", "pread64", "preadv", "preadv2",
    "prlimit64", "process_mrelease", "pselect6", "pselect6_time64", "pwrite64", "pwritev",
    "pwritev2", "read", "readahead", "readlink", "readlinkat", "readv", "recv", "recvfrom",
    "recvmmsg", "recvmmsg_time64", "recvmsg", "remap_file_pages", "removexattr", "removexattrat",
    "rename", "renameat", "renameat2", "restart_syscall", "riscv_hwprobe", "rmdir", "rseq",
    "rt_sigaction", "rt_sigpending", "rt_sigprocmask", "rt_sigqueueinfo", "rt_sigreturn",
    "rt_sigsuspend", "rt_sigtimedwait", "rt_sigtimedwait_time64", "rt_tgsigqueueinfo",
    "sched_getaffinity", "sched_getattr", "sched_getparam", "sched_get_priority_max",
    "sched_get_priority_min", "sched_getscheduler", "sched_rr_get_interval",
    "sched_rr_get_interval_time64", "sched_setaffinity", "sched_setattr", "sched_setparam",
    "sched_setscheduler", "sched_yield", "seccomp", "select", "semctl", "semget", "semop",
    "semtimedop", "semtimedop_time64", "send", "sendfile", "sendfile64", "sendmmsg", "sendmsg",
    "sendto", "setfsgid", "setfsgid32", "setfsuid", "setfsuid32", "setgid", "setgid32", "setgroups",
    "setgroups32", "setitimer", "setpgid", "setpriority", "setregid", "setregid32", "setresgid",
    "setresgid32", "setresuid", "setresuid32", "setreuid", "setreuid32", "setrlimit",
    "set_robust_list", "setsid", "setsockopt", "set_thread_area", "set_tid_address", "setuid",
    "setuid32", "setxattr", "setxattrat", "shmat", "shmctl", "shmdt", "shmget", "shutdown",
    "sigaltstack", "signalfd", "signalfd4", "sigprocmask", "sigreturn", "socketcall", "socketpair",
    "splice", "stat", "stat64", "statfs", "statfs64", "statmount", "statx", "symlink", "symlinkat",
    "sync", "sync_file_range", "syncfs", "sysinfo", "tee", "tgkill", "time", "timer_create",
    "timer_delete", "timer_getoverrun", "timer_gettime", "timer_gettime64", "timer_settime",
    "timer_settime64", "timerfd_create", "timerfd_gettime", "timerfd_gettime64", "timerfd_settime",
    "timerfd_settime64", "times", "tkill", "truncate", "truncate64", "ugetrlimit", "umask", "uname",
    "unlink", "unlinkat", "uretprobe", "utime", "utimensat", "utimensat_time64", "utimes", "vfork",
    "vmsplice", "wait4", "waitid", "waitpid", "write", "writev",
    // Allowed by the profile from Linux 4.8 on (swiftbuild needs 5.6 for openat2).
    "process_vm_readv", "process_vm_writev", "ptrace",
    // CAP_SYS_CHROOT, which steps keep.
    "chroot",
    // The native architecture's own calls.
#if defined(__x86_64__)
    "arch_prctl", "modify_ldt",
#elif defined(__aarch64__)
    "arm_fadvise64_64", "arm_sync_file_range", "sync_file_range2", "breakpoint", "cacheflush", "set_tls",
#endif
};

// personality(2) values the profile allows: PER_LINUX, PER_LINUX32, UNAME26,
// UNAME26 | PER_LINUX32, and 0xffffffff (a query).
static const scmp_datum_t allowed_personalities[] = {0x0, 0x8, 0x20000, 0x20008, 0xffffffff};

// clone(2) flags that create namespaces (CLONE_NEWNS, NEWCGROUP, NEWUTS, NEWIPC, NEWUSER,
// NEWPID, NEWNET): a clone with any of them fails.
static const scmp_datum_t namespace_clone_flags = 0x7E020000;

// The architectures the filter covers: the native one and those its processes can also
// run (32-bit x86 and x32 binaries on x86_64, 32-bit ARM on aarch64), as Docker's arch map.
static const uint32_t extra_architectures[] = {
#if defined(__x86_64__)
    SCMP_ARCH_X86, SCMP_ARCH_X32,
#elif defined(__aarch64__)
    SCMP_ARCH_ARM,
#endif
};

static int add_rules(scmp_filter_ctx context)
{
    for (size_t i = 0; i < sizeof extra_architectures / sizeof extra_architectures[0]; i++) {
        int result = seccomp_arch_add(context, extra_architectures[i]);
        if (result != 0 && result != -EEXIST) {
            return result;
        }
    }
    for (size_t i = 0; i < sizeof allowed_syscalls / sizeof allowed_syscalls[0]; i++) {
        int number = seccomp_syscall_resolve_name(allowed_syscalls[i]);
        if (number == __NR_SCMP_ERROR) {
            continue;
        }
        int result = seccomp_rule_add(context, SCMP_ACT_ALLOW, number, 0);
        if (result != 0) {
            return result;
        }
    }
    for (size_t i = 0; i < sizeof allowed_personalities / sizeof allowed_personalities[0]; i++) {
        int result = seccomp_rule_add(context, SCMP_ACT_ALLOW, SCMP_SYS(personality), 1,
                                      SCMP_A0(SCMP_CMP_EQ, allowed_personalities[i]));
        if (result != 0) {
            return result;
        }
    }
    // socket(2): every address family but AF_ALG (38, the kernel's crypto) and AF_VSOCK (40).
    int result = seccomp_rule_add(context, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1, SCMP_A0(SCMP_CMP_LT, 38));
    if (result == 0) {
        result = seccomp_rule_add(context, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1, SCMP_A0(SCMP_CMP_EQ, 39));
    }
    if (result == 0) {
        result = seccomp_rule_add(context, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1, SCMP_A0(SCMP_CMP_GT, 40));
    }
    if (result == 0) {
        result = seccomp_rule_add(context, SCMP_ACT_ALLOW, SCMP_SYS(clone), 1,
                                  SCMP_A0(SCMP_CMP_MASKED_EQ, namespace_clone_flags, 0));
    }
    if (result == 0) {
        result = seccomp_rule_add(context, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
    }
    return result;
}

static struct sock_fprog default_filter;
static int default_filter_error;
static pthread_once_t default_filter_once = PTHREAD_ONCE_INIT;

// The program as the kernel takes it: libseccomp writes it to a memory file, read back here.
static int export_program(scmp_filter_ctx context, struct sock_fprog *program)
{
    int fd = memfd_create("swiftbuild-seccomp", MFD_CLOEXEC);
    if (fd < 0) {
        return -errno;
    }
    int result = seccomp_export_bpf(context, fd);
    struct stat status;
    if (result == 0 && fstat(fd, &status) != 0) {
        result = -errno;
    }
    if (result == 0 && (status.st_size == 0 || status.st_size % sizeof(struct sock_filter) != 0)) {
        result = -EPROTO;
    }
    struct sock_filter *instructions = NULL;
    if (result == 0 && (instructions = malloc((size_t)status.st_size)) == NULL) {
        result = -ENOMEM;
    }
    size_t filled = 0;
    while (result == 0 && filled < (size_t)status.st_size) {
        ssize_t count = pread(fd, (char *)instructions + filled, (size_t)status.st_size - filled, (off_t)filled);
        if (count < 0 && errno == EINTR) {
            continue;
        }
        if (count <= 0) {
            result = count < 0 ? -errno : -EPROTO;
        } else {
            filled += (size_t)count;
        }
    }
    close(fd);
    if (result != 0) {
        free(instructions);
        return result;
    }
    program->len = (unsigned short)((size_t)status.st_size / sizeof(struct sock_filter));
    program->filter = instructions;
    return 0;
}

static void build_default_filter(void)
{
    scmp_filter_ctx context = seccomp_init(SCMP_ACT_ERRNO(EPERM));
    if (context == NULL) {
        default_filter_error = ENOMEM;
        return;
    }
    int result = add_rules(context);
    if (result == 0) {
        result = export_program(context, &default_filter);
    }
    seccomp_release(context);
    default_filter_error = result == 0 ? 0 : -result;
}

const void *csandbox_default_seccomp_filter(void)
{
    pthread_once(&default_filter_once, build_default_filter);
    if (default_filter_error != 0) {
        errno = default_filter_error;
        return NULL;
    }
    return &default_filter;
}
