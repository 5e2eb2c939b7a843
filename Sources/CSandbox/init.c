// PID 1 of a sandbox, from clone to the end of the step. The order follows runc and crun:
// private propagation, the root bound onto itself, the host's resolv.conf opened while the
// host's tree is still reachable, pivot_root, then the fresh filesystems mounted by paths that
// resolve inside the new root (so an image's own symlinks can never lead out of it).
#define _GNU_SOURCE
#include "child.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/keyctl.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

// Closes every descriptor inherited from swiftbuild except 0-2 and the kept ones (a
// concurrent step's output pipe held here would never reach end-of-file).
static void close_inherited_fds(int report_fd, const int *keep, size_t keep_count)
{
    int kept[4];
    size_t count = 0;
    for (size_t i = 0; i < keep_count && count < 4; i++) {
        size_t at = count++;
        while (at > 0 && kept[at - 1] > keep[i]) {
            kept[at] = kept[at - 1];
            at--;
        }
        kept[at] = keep[i];
    }
    unsigned int next = 3;
    for (size_t i = 0; i < count; i++) {
        if (kept[i] < (int)next) {
            continue;
        }
        if ((unsigned int)kept[i] > next && close_range(next, (unsigned int)kept[i] - 1, 0) != 0) {
            csandbox_child_fail(report_fd, "close inherited descriptors", "");
        }
        next = (unsigned int)kept[i] + 1;
    }
    if (close_range(next, ~0U, 0) != 0) {
        csandbox_child_fail(report_fd, "close inherited descriptors", "");
    }
}

// Moves the sandbox into the step's cgroups (created with their limits and the devices
// allow list by swiftbuild), one per hierarchy, before anything else and before the first
// fork: every process of the sandbox, the init's own mknod of /dev's nodes included, is in
// them from its start, and no double fork can leave them (only a write to another
// cgroup.procs could, which needs a cgroup filesystem the step has not got). Writing 0
// names the writer.
static void join_cgroups(const int *procs_fds, size_t count, int report_fd)
{
    for (size_t i = 0; i < count; i++) {
        ssize_t written;
        do {
            written = write(procs_fds[i], "0", 1);
        } while (written < 0 && errno == EINTR);
        if (written != 1) {
            csandbox_child_fail(report_fd, "join the step's cgroup", "");
        }
    }
}

// A new anonymous session keyring, as runc does: the step does not inherit swiftbuild's
// session keyring (keyctl is also refused by the seccomp filter; root's user keyring is
// the host root's, so only the filter keeps it out of reach). Kernels without keys are fine.
static void join_new_session_keyring(int report_fd)
{
    if (syscall(SYS_keyctl, KEYCTL_JOIN_SESSION_KEYRING, NULL, 0, 0, 0) < 0 && errno != ENOSYS) {
        csandbox_child_fail(report_fd, "join a new session keyring", "");
    }
}

// Dies with swiftbuild: the kernel sends SIGKILL when the cloning thread ends, and the
// PID namespace (the whole step) dies with its init. If swiftbuild ended before the
// prctl took effect, nobody reads the report pipe any more: poll sees POLLERR.
static void die_with_parent(int report_fd)
{
    if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0) != 0) {
        csandbox_child_fail(report_fd, "set the parent-death signal", "");
    }
    struct pollfd lifeline = {.fd = report_fd, .events = POLLOUT};
    if (poll(&lifeline, 1, 0) < 0) {
        csandbox_child_fail(report_fd, "poll the report pipe", "");
    }
    if (lifeline.revents & POLLERR) {
        _exit(1);
    }
}

static void bring_loopback_up(int report_fd)
{
    int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (sock < 0) {
        csandbox_child_fail(report_fd, "open a socket to configure", "lo");
    }
    struct ifreq request;
    memset(&request, 0, sizeof request);
    memcpy(request.ifr_name, "lo", 3);
    if (ioctl(sock, SIOCGIFFLAGS, &request) != 0) {
        csandbox_child_fail(report_fd, "read the flags of", "lo");
    }
    request.ifr_flags |= IFF_UP | IFF_RUNNING;
    if (ioctl(sock, SIOCSIFFLAGS, &request) != 0) {
        csandbox_child_fail(report_fd, "bring up", "lo");
    }
    if (close(sock) != 0) {
        csandbox_child_fail(report_fd, "close the socket of", "lo");
    }
}

// Clones a host file's mount as a detached, read-only tree, attached after pivot_root by
// attach_host_file (the host's tree is unreachable by then).
static int open_host_file(const char *source, int report_fd)
{
    int tree_fd = open_tree(AT_FDCWD, source, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
    if (tree_fd < 0) {
        csandbox_child_fail(report_fd, "open for bind mounting", source);
    }
    struct mount_attr attributes = {
        .attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC,
    };
    if (mount_setattr(tree_fd, "", AT_EMPTY_PATH, &attributes, sizeof attributes) != 0) {
        csandbox_child_fail(report_fd, "make read-only the bind mount of", source);
    }
    return tree_fd;
}

static void attach_host_file(int tree_fd, const char *target, int report_fd)
{
    if (move_mount(tree_fd, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) != 0) {
        csandbox_child_fail(report_fd, "bind mount on", target);
    }
    if (close(tree_fd) != 0) {
        csandbox_child_fail(report_fd, "close the bind mount for", target);
    }
}

// A generated file (/etc/hosts) is written in the sandbox's own /dev tmpfs,
// bound read-only on its target, and unlinked from /dev: it lives only as long as the
// sandbox, and nothing is written on the host.
static void bind_generated_file(const char *content, const char *staging, const char *target,
                                int report_fd)
{
    int fd = open(staging, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) {
        csandbox_child_fail(report_fd, "create", staging);
    }
    size_t length = strlen(content);
    size_t written = 0;
    while (written < length) {
        ssize_t count = write(fd, content + written, length - written);
        if (count < 0 && errno == EINTR) {
            continue;
        }
        if (count <= 0) {
            csandbox_child_fail(report_fd, "write", staging);
        }
        written += (size_t)count;
    }
    if (close(fd) != 0) {
        csandbox_child_fail(report_fd, "close", staging);
    }
    if (mount(staging, target, NULL, MS_BIND, NULL) != 0) {
        csandbox_child_fail(report_fd, "bind mount on", target);
    }
    if (mount(NULL, target, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
              NULL) != 0) {
        csandbox_child_fail(report_fd, "make read-only the bind mount on", target);
    }
    if (unlink(staging) != 0) {
        csandbox_child_fail(report_fd, "remove", staging);
    }
}

// pivot_root(".", ".") stacks the old root on top of the new one; unmounting "." then
// detaches the old root, so the host's tree is unreachable from the sandbox.
static void enter_root(const char *rootfs, int report_fd)
{
    if (mount(rootfs, rootfs, NULL, MS_BIND | MS_REC, NULL) != 0) {
        csandbox_child_fail(report_fd, "bind the root onto itself:", rootfs);
    }
    // Device nodes in the root (from a layer, an archive, the context) are inert: the
    // whole root is nodev, as runc mounts a container's root. Setuid keeps working.
    struct mount_attr nodev = {.attr_set = MOUNT_ATTR_NODEV};
    if (mount_setattr(AT_FDCWD, rootfs, AT_RECURSIVE, &nodev, sizeof nodev) != 0) {
        csandbox_child_fail(report_fd, "make nodev the root", rootfs);
    }
    if (chdir(rootfs) != 0) {
        csandbox_child_fail(report_fd, "enter the root", rootfs);
    }
    if (syscall(SYS_pivot_root, ".", ".") != 0) {
        csandbox_child_fail(report_fd, "pivot_root to", rootfs);
    }
    if (umount2(".", MNT_DETACH) != 0) {
        csandbox_child_fail(report_fd, "detach the old root from", rootfs);
    }
    if (chdir("/") != 0) {
        csandbox_child_fail(report_fd, "enter the new root", "/");
    }
}

// As runc's default spec: these stay readable but not writable...
static const char *const read_only_proc_paths[] = {
    "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
};
// ...and these are hidden behind /dev/null (files) or an empty read-only tmpfs (directories).
static const char *const masked_paths[] = {
    "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
    "/proc/sched_debug", "/proc/scsi", "/proc/timer_list", "/proc/timer_stats", "/sys/firmware",
};

void csandbox_protect_proc(int report_fd)
{
    struct stat status;
    for (size_t index = 0; index < sizeof read_only_proc_paths / sizeof read_only_proc_paths[0]; index++) {
        const char *path = read_only_proc_paths[index];
        if (lstat(path, &status) != 0) {
            continue;
        }
        if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) != 0 ||
            mount(NULL, path, NULL, MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL) != 0) {
            csandbox_child_fail(report_fd, "make read-only", path);
        }
    }
    for (size_t index = 0; index < sizeof masked_paths / sizeof masked_paths[0]; index++) {
        const char *path = masked_paths[index];
        if (lstat(path, &status) != 0) {
            continue;
        }
        int failed = S_ISDIR(status.st_mode)
            ? mount("tmpfs", path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, "size=0")
            : mount("/dev/null", path, NULL, MS_BIND, NULL);
        if (failed != 0) {
            csandbox_child_fail(report_fd, "mask", path);
        }
    }
}

static void mount_filesystem(const char *type, const char *target, unsigned long flags,
                             const char *data, int report_fd)
{
    if (mount(type, target, type, flags, data) == 0) {
        return;
    }
    // "mount proc on" + "/proc": the parent adds the root and the error's name.
    char operation[32] = "mount ";
    size_t length = strlen(type);
    if (length > sizeof operation - sizeof "mount  on") {
        length = sizeof operation - sizeof "mount  on";
    }
    memcpy(operation + 6, type, length);
    memcpy(operation + 6 + length, " on", 4);
    csandbox_child_fail(report_fd, operation, target);
}

static const struct {
    const char *path;
    unsigned int major, minor;
} standard_devices[] = {
    {"/dev/null", 1, 3}, {"/dev/zero", 1, 5},    {"/dev/full", 1, 7},
    {"/dev/random", 1, 8}, {"/dev/urandom", 1, 9}, {"/dev/tty", 5, 0},
};
#define STANDARD_DEVICE_COUNT (sizeof standard_devices / sizeof standard_devices[0])

// Rootless: a user namespace cannot mknod a device, so the host's own nodes are cloned
// as mounts (as runc does rootless) while the host's tree is reachable, and attached on
// empty files by populate_dev. Not nodev: that is the point; nosuid and noexec.
static void open_host_devices(int *tree_fds, int report_fd)
{
    for (size_t i = 0; i < STANDARD_DEVICE_COUNT; i++) {
        tree_fds[i] = open_tree(AT_FDCWD, standard_devices[i].path, OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC);
        if (tree_fds[i] < 0) {
            csandbox_child_fail(report_fd, "open for bind mounting", standard_devices[i].path);
        }
        struct mount_attr attributes = {.attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NOEXEC};
        if (mount_setattr(tree_fds[i], "", AT_EMPTY_PATH, &attributes, sizeof attributes) != 0) {
            csandbox_child_fail(report_fd, "make nosuid the bind mount of", standard_devices[i].path);
        }
    }
}

// Rootless: the kernel lets a user namespace mount proc only while a fully visible proc
// is in its mount namespace (the host's, gone after pivot_root), so the step's proc (of
// its own PID namespace) is made detached before, and attached after.
static int open_new_proc(int report_fd)
{
    int context = fsopen("proc", FSOPEN_CLOEXEC);
    if (context < 0) {
        csandbox_child_fail(report_fd, "fsopen", "proc");
    }
    if (fsconfig(context, FSCONFIG_CMD_CREATE, NULL, NULL, 0) != 0) {
        csandbox_child_fail(report_fd, "create the filesystem", "proc");
    }
    int mount_fd = fsmount(context, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
    if (mount_fd < 0) {
        csandbox_child_fail(report_fd, "fsmount", "proc");
    }
    (void)close(context);
    return mount_fd;
}

// Rootless: sysfs may only be mounted by the owner of the network namespace and while a
// fully visible sysfs is in the mount namespace, so the host's /sys is cloned
// (recursively, read-only), as runc does rootless.
static int open_host_sys(int report_fd)
{
    int tree_fd = open_tree(AT_FDCWD, "/sys", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE);
    if (tree_fd < 0) {
        csandbox_child_fail(report_fd, "open for bind mounting", "/sys");
    }
    struct mount_attr attributes = {
        .attr_set = MOUNT_ATTR_RDONLY | MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC,
    };
    if (mount_setattr(tree_fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attributes, sizeof attributes) != 0) {
        csandbox_child_fail(report_fd, "make read-only the bind mount of", "/sys");
    }
    return tree_fd;
}

// A minimal /dev on tmpfs: the usual character devices (made with mknod, as root may; bound
// from the host's when host_device_fds is given), a private devpts instance, /dev/shm and
// the /proc/self/fd links.
static void populate_dev(uint64_t spec_shm_size, const int *host_device_fds, int report_fd)
{
    mount_filesystem("tmpfs", "/dev", MS_NOSUID | MS_NOEXEC, "mode=755,size=65536k", report_fd);
    for (size_t i = 0; i < STANDARD_DEVICE_COUNT; i++) {
        const char *path = standard_devices[i].path;
        if (host_device_fds != NULL) {
            int placeholder = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
            if (placeholder < 0 || close(placeholder) != 0) {
                csandbox_child_fail(report_fd, "create the mount point of the device", path);
            }
            attach_host_file(host_device_fds[i], path, report_fd);
            continue;
        }
        if (mknod(path, S_IFCHR | 0666, makedev(standard_devices[i].major, standard_devices[i].minor)) != 0) {
            csandbox_child_fail(report_fd, "create the device", path);
        }
    }
    static const char *const directories[] = {"/dev/pts", "/dev/shm"};
    for (size_t i = 0; i < 2; i++) {
        if (mkdir(directories[i], 0755) != 0) {
            csandbox_child_fail(report_fd, "create the directory", directories[i]);
        }
    }
    // Rootless with a single-ID mapping, group 5 (tty) does not exist: without gid=, as
    // runc mounts devpts then.
    if (host_device_fds == NULL
        || mount("devpts", "/dev/pts", "devpts", MS_NOSUID | MS_NOEXEC, "newinstance,ptmxmode=0666,mode=0620,gid=5") != 0) {
        mount_filesystem("devpts", "/dev/pts", MS_NOSUID | MS_NOEXEC,
                         host_device_fds == NULL ? "newinstance,ptmxmode=0666,mode=0620,gid=5"
                                                 : "newinstance,ptmxmode=0666,mode=0620",
                         report_fd);
    }
    // The size as docker's --shm-size gives it (64 MiB by default), written without stdio.
    char shm_options[64] = "mode=1777,size=";
    size_t used = strlen(shm_options);
    char digits[24];
    size_t count = 0;
    uint64_t size = spec_shm_size;
    do {
        digits[count++] = (char)('0' + size % 10);
        size /= 10;
    } while (size > 0 && count < sizeof digits);
    while (count > 0 && used < sizeof shm_options - 1) {
        shm_options[used++] = digits[--count];
    }
    shm_options[used] = '\0';
    mount_filesystem("tmpfs", "/dev/shm", MS_NOSUID | MS_NODEV | MS_NOEXEC, shm_options, report_fd);
    static const char *const links[][2] = {
        {"pts/ptmx", "/dev/ptmx"},          {"/proc/self/fd", "/dev/fd"},
        {"/proc/self/fd/0", "/dev/stdin"}, {"/proc/self/fd/1", "/dev/stdout"},
        {"/proc/self/fd/2", "/dev/stderr"},
    };
    for (size_t i = 0; i < sizeof links / sizeof links[0]; i++) {
        if (symlink(links[i][0], links[i][1]) != 0) {
            csandbox_child_fail(report_fd, "create the link", links[i][1]);
        }
    }
}

// mkdir -p, as root; the directories it creates belong to the step's user (as BuildKit).
static void make_working_directory(const struct csandbox_spec *spec, int report_fd)
{
    char path[4096];
    size_t length = strlen(spec->workdir);
    if (length >= sizeof path) {
        errno = ENAMETOOLONG;
        csandbox_child_fail(report_fd, "create the working directory", spec->workdir);
    }
    memcpy(path, spec->workdir, length + 1);
    for (size_t i = 1; i <= length; i++) {
        if (path[i] != '/' && path[i] != '\0') {
            continue;
        }
        char separator = path[i];
        path[i] = '\0';
        if (mkdir(path, 0755) == 0) {
            if (lchown(path, spec->uid, spec->gid) != 0) {
                csandbox_child_fail(report_fd, "give the working directory to the user:", path);
            }
        } else if (errno != EEXIST) {
            csandbox_child_fail(report_fd, "create the working directory", path);
        }
        path[i] = separator;
    }
}

// Fork without glibc's atfork handlers (see csandbox_spawn).
static pid_t fork_step(void)
{
    return (pid_t)syscall(SYS_clone, SIGCHLD, NULL, NULL, NULL, NULL);
}

// Becomes the supervising init (init_executable.c): the report pipe as fd 3, the write
// end of the ready pipe as fd 4 (the supervisor closes it once running, which lets the step
// go on), argv "init", an empty environment. The blocked signals, pending ones and the
// step (a child) stay. Every descriptor passed here is above 4.
__attribute__((noreturn)) static void exec_supervisor(int init_fd, int report_fd, int ready_fd)
{
    if (dup2(report_fd, CSANDBOX_INIT_REPORT_FD) < 0) {
        csandbox_child_fail(report_fd, "move the report pipe for", "init");
    }
    if (dup2(ready_fd, CSANDBOX_INIT_READY_FD) < 0) {
        csandbox_child_fail(report_fd, "move the ready pipe for", "init");
    }
    static const char *const argv[] = {"init", NULL};
    static const char *const envp[] = {NULL};
    syscall(SYS_execveat, init_fd, "", argv, envp, AT_EMPTY_PATH);
    csandbox_child_fail(report_fd, "exec", "init");
}

// Moves fd above the descriptors the supervisor gets at fixed numbers (3 and 4), closing
// the original.
static int move_above_fixed_fds(int fd, int report_fd, const char *what)
{
    int moved = fcntl(fd, F_DUPFD_CLOEXEC, CSANDBOX_INIT_READY_FD + 1);
    if (moved < 0) {
        csandbox_child_fail(report_fd, "move the descriptor of", what);
    }
    if (close(fd) != 0) {
        csandbox_child_fail(report_fd, "close the old descriptor of", what);
    }
    return moved;
}

void csandbox_init_main(const struct csandbox_spec *spec, int report_fd)
{
    die_with_parent(report_fd);
    report_fd = move_above_fixed_fds(report_fd, report_fd, "the report pipe");

    // Signals the init handles are blocked from the start, so none is lost before
    // the supervisor waits for them (blocked signals are queued even for a PID 1 without
    // handlers, and stay pending across its exec).
    sigset_t signals;
    if (sigemptyset(&signals) != 0 || sigaddset(&signals, SIGCHLD) != 0
        || sigaddset(&signals, SIGTERM) != 0 || sigaddset(&signals, SIGINT) != 0
        || sigaddset(&signals, SIGHUP) != 0 || sigaddset(&signals, SIGQUIT) != 0) {
        csandbox_child_fail(report_fd, "prepare the signal set", "");
    }
    if (sigprocmask(SIG_BLOCK, &signals, NULL) != 0) {
        csandbox_child_fail(report_fd, "block signals", "");
    }

    join_cgroups(spec->cgroup_procs_fds, spec->cgroup_procs_count, report_fd);
    // The prepared namespace is joined before /sys is mounted, so that /sys/class/net is
    // the step's own; its descriptor is closed with the other inherited ones below.
    if (spec->network_fd >= 0 && setns(spec->network_fd, CLONE_NEWNET) != 0) {
        csandbox_child_fail(report_fd, "join the step's network namespace", "");
    }
    join_new_session_keyring(report_fd);

    // The step's output and the init's executable move above 4, so that 0-2 can become
    // /dev/null for the init, and 3 and 4 the supervisor's report and ready descriptors.
    int output_fd = fcntl(spec->output_fd, F_DUPFD_CLOEXEC, CSANDBOX_INIT_READY_FD + 1);
    if (output_fd < 0) {
        csandbox_child_fail(report_fd, "duplicate the output descriptor", "");
    }
    int init_fd = fcntl(spec->init_fd, F_DUPFD_CLOEXEC, CSANDBOX_INIT_READY_FD + 1);
    if (init_fd < 0) {
        csandbox_child_fail(report_fd, "duplicate the descriptor of", "init");
    }
    const int kept[] = {report_fd, output_fd, init_fd};
    close_inherited_fds(report_fd, kept, 3);

    // A new session: the step has no controlling terminal, and a Ctrl-C in swiftbuild's
    // terminal reaches the step only through swiftbuild's own cancellation.
    if (setsid() < 0) {
        csandbox_child_fail(report_fd, "start a new session", "");
    }
    umask(0);
    if (sethostname(spec->hostname, strlen(spec->hostname)) != 0) {
        csandbox_child_fail(report_fd, "set the hostname to", spec->hostname);
    }
    if (spec->new_network || spec->network_fd >= 0) {
        bring_loopback_up(report_fd);
    }
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) {
        csandbox_child_fail(report_fd, "make the mounts private:", "/");
    }

    int resolv_conf = spec->resolv_conf != NULL ? open_host_file(spec->resolv_conf, report_fd) : -1;
    int host_devices[STANDARD_DEVICE_COUNT];
    int host_sys = -1;
    int new_proc = -1;
    if (spec->rootless) {
        open_host_devices(host_devices, report_fd);
        host_sys = open_host_sys(report_fd);
        new_proc = open_new_proc(report_fd);
    }

    enter_root(spec->rootfs, report_fd);
    if (new_proc >= 0) {
        attach_host_file(new_proc, "/proc", report_fd);
    } else {
        mount_filesystem("proc", "/proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, report_fd);
    }
    if (host_sys >= 0) {
        attach_host_file(host_sys, "/sys", report_fd);
    } else {
        mount_filesystem("sysfs", "/sys", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, report_fd);
    }
    populate_dev(spec->shm_size, spec->rootless ? host_devices : NULL, report_fd);
    csandbox_protect_proc(report_fd);
    if (resolv_conf >= 0) {
        attach_host_file(resolv_conf, "/etc/resolv.conf", report_fd);
    }
    bind_generated_file(spec->hosts, "/dev/.hosts", "/etc/hosts", report_fd);
    if (spec->resolv_conf_content != NULL) {
        bind_generated_file(spec->resolv_conf_content, "/dev/.resolv.conf", "/etc/resolv.conf", report_fd);
    }
    make_working_directory(spec, report_fd);

    // From here on, the init's own 0-2 are /dev/null: it holds nothing of swiftbuild's.
    int null_fd = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (null_fd < 0) {
        csandbox_child_fail(report_fd, "open", "/dev/null");
    }
    for (int fd = 0; fd < 3; fd++) {
        if (dup2(null_fd, fd) < 0) {
            csandbox_child_fail(report_fd, "redirect to /dev/null the descriptor of", "init");
        }
    }
    if (close(null_fd) != 0) {
        csandbox_child_fail(report_fd, "close", "/dev/null");
    }

    // SIGCHLD ignored by swiftbuild would survive the exec and make the kernel reap the
    // step before the supervisor sees its status.
    struct sigaction default_action;
    memset(&default_action, 0, sizeof default_action);
    default_action.sa_handler = SIG_DFL;
    if (sigaction(SIGCHLD, &default_action, NULL) != 0) {
        csandbox_child_fail(report_fd, "reset the handler of SIGCHLD", "");
    }

    // The step waits for the supervisor to run before it does anything: until then, PID 1
    // is this fork of swiftbuild, whose /proc/1/cmdline the step must never see.
    int ready[2];
    if (pipe2(ready, O_CLOEXEC) != 0) {
        csandbox_child_fail(report_fd, "create the ready pipe for", "init");
    }
    ready[0] = move_above_fixed_fds(ready[0], report_fd, "the ready pipe");
    ready[1] = move_above_fixed_fds(ready[1], report_fd, "the ready pipe");

    pid_t step = fork_step();
    if (step < 0) {
        csandbox_child_fail(report_fd, "fork the step", "");
    }
    if (step == 0) {
        csandbox_step_main(spec, report_fd, output_fd, ready[0], ready[1]);
    }
    if (close(ready[0]) != 0) {
        csandbox_child_fail(report_fd, "close the ready pipe for", "init");
    }
    if (step != CSANDBOX_STEP_PID) {
        errno = EPROTO; // the supervisor forwards signals to that pid
        csandbox_child_fail(report_fd, "start the step as PID 2", "");
    }
    if (close(output_fd) != 0) {
        csandbox_child_fail(report_fd, "close the output descriptor", "");
    }
    exec_supervisor(init_fd, report_fd, ready[1]);
}
