// The C side of the sandbox: the system calls Swift cannot make (variadic or not exported
// by Glibc's module), and the whole path from clone to exec, where only async-signal-safe
// code may run. Swift (module Sandbox) prepares everything in memory before calling
// csandbox_spawn and turns the reports below into typed errors.
#ifndef CSANDBOX_H
#define CSANDBOX_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

// MARK: - The process's own mount namespace

/// What csandbox_enter_private_mount_namespace returns when the process already has more
/// than one thread (unshare would move only the calling thread).
#define CSANDBOX_MOUNT_NAMESPACE_MULTITHREADED (-100000)

/// Moves the process into a private mount namespace (with private propagation), once; it
/// must be called while the process has a single thread. Returns the status below.
int csandbox_enter_private_mount_namespace(void);

/// What csandbox_enter_private_mount_namespace did: 1 when it moved the process into a
/// private mount namespace, 0 when it was not called or the process is not root,
/// CSANDBOX_MOUNT_NAMESPACE_MULTITHREADED when it was called too late, or -errno when it
/// failed.
int csandbox_private_mount_namespace_status(void);

// MARK: - Rootless mode: the process's own user namespace

/// What csandbox_enter_user_namespace did.
struct csandbox_user_namespace_result {
    const char *failed_step;          // on failure: what failed (errno says why)
    int uid_helper_status;            // newuidmap's exit status (0: mapped), -1 when not run
    int gid_helper_status;            // newgidmap's exit status, likewise
    int single_user_id;               // 1: the process mapped only itself (0 -> the user)
    int single_group_id;              // 1: likewise for its group (setgroups is then denied)
};

/// Moves the single-threaded process into a new user namespace in which it is root. With
/// uid_argv and gid_argv (newuidmap/newgidmap command lines naming this process's pid), a
/// forked helper writes the maps from the host's namespace; whatever they did not map, the
/// process maps itself to its own ID alone. Returns 0, or -1 with errno and
/// result->failed_step.
int csandbox_enter_user_namespace(const char *const *uid_argv, const char *const *gid_argv,
                                  struct csandbox_user_namespace_result *result);

/// A new network namespace, owned by the process's user namespace (a child cloned into it
/// holds it while it is opened): its descriptor, or -errno.
int csandbox_new_network_namespace(void);

/// pipe2(ends, O_CLOEXEC), which Swift's Glibc module lacks. Returns 0, or -1 with errno.
int csandbox_pipe_cloexec(int ends[2]);

// MARK: - Running one step

/// Everything the child needs, prepared by the parent before clone. All pointers must stay
/// valid until csandbox_spawn returns (the child works on its own copy of memory).
struct csandbox_spec {
    const char *rootfs;               // absolute host path of the root to pivot into
    const char *const *argv;          // NULL-terminated; argv[0] without '/' is looked up in PATH
    const char *const *envp;          // NULL-terminated "KEY=VALUE"
    const char *workdir;              // absolute path inside the root, created if missing
    const char *hostname;
    uint32_t uid;
    uint32_t gid;
    const uint32_t *groups;           // supplementary groups
    size_t group_count;
    int new_network;                  // 1: new network namespace with only lo (up)
    const char *hosts;                // contents of /etc/hosts, bind-mounted read-only from the
                                      // sandbox's /dev tmpfs (/etc/hostname is the image's own)
    const char *resolv_conf;          // host file bind-mounted read-only at /etc/resolv.conf, or NULL
    int output_fd;                    // becomes the step's stdout and stderr; stdin is /dev/null
    int keep_net_raw;                 // 1: the step keeps CAP_NET_RAW (only in a new network namespace)
    int keep_all_capabilities;        // 1: RUN --security=insecure: no capability is dropped
    const void *seccomp_filter;       // struct sock_fprog loaded before exec, or NULL for none
    const int *cgroup_procs_fds;      // cgroup.procs of the step's cgroups (one per hierarchy),
    size_t cgroup_procs_count;        // joined by the init before anything else
    int init_fd;                      // csandbox_init_executable(): exec'd as PID 1 after setup
    uint64_t shm_size;                // bytes of the step's /dev/shm tmpfs
    const struct csandbox_rlimit *rlimits; // set in the step before exec (--ulimit)
    size_t rlimit_count;
    int network_fd;                   // >= 0: a prepared network namespace the init joins
                                      // (setns) before anything else (--network private)
    const char *resolv_conf_content;  // non-NULL: /etc/resolv.conf generated as /etc/hosts
                                      // is (instead of resolv_conf)
    int rootless;                     // 1: swiftbuild runs in its own user namespace: /dev's
                                      // nodes are bound from the host's (no mknod there), and
                                      // /sys is the host's, bound read-only, when the step
                                      // shares the host's network namespace (sysfs needs its own)
};

/// A resource limit of the step (`--ulimit NAME=SOFT:HARD`).
struct csandbox_rlimit {
    int resource;                     // RLIMIT_*
    uint64_t soft;                    // RLIM_INFINITY for unlimited
    uint64_t hard;
};

/// What a report from the child says.
enum csandbox_report_kind {
    CSANDBOX_REPORT_SETUP_FAILED = 1, // the init could not prepare the sandbox
    CSANDBOX_REPORT_EXEC_FAILED = 2,  // the step could not exec argv[0]
    CSANDBOX_REPORT_EXITED = 3,       // the step ended; status is its raw wait status
};

/// One record on the report pipe, written in one write(2) (smaller than PIPE_BUF).
struct csandbox_report {
    int32_t kind;                     // enum csandbox_report_kind
    int32_t error;                    // errno of the failed call
    int32_t status;                   // raw wait status (CSANDBOX_REPORT_EXITED)
    char operation[64];               // e.g. "mount proc on", "exec"
    char path[1024];                  // the path the operation was about (truncated)
};

/// Clones the init of a new sandbox (new mount, PID, UTS, IPC and, when asked, network
/// namespaces) from the calling thread. Returns the init's pid, or -1 with errno set.
/// On success, *pidfd is a CLOEXEC pidfd of the init and *report_fd the CLOEXEC read end
/// of the report pipe, which reaches end-of-file when the init is gone.
/// The init dies with SIGKILL when the calling thread ends (PR_SET_PDEATHSIG), so the
/// calling thread must outlive it.
pid_t csandbox_spawn(const struct csandbox_spec *spec, int *pidfd, int *report_fd);

/// Reads one report. Returns 1 when *report was filled, 0 at end-of-file, -1 with errno.
int csandbox_read_report(int report_fd, struct csandbox_report *report);

/// Waits for the process behind pidfd to end and reaps it; *status gets its raw wait status.
/// Returns 0, or -1 with errno.
int csandbox_wait(int pidfd, int *status);

/// Sends signal to the process behind pidfd. Returns 0, or -1 with errno.
int csandbox_kill(int pidfd, int signal);

/// The sealed memory file holding the sandbox's PID 1 once set up (init_executable.c):
/// a static program without libc that forwards signals to the step, reaps, and reports
/// the step's status. Made once per process. Returns the fd (shared: never close it), or
/// -1 with errno.
int csandbox_init_executable(void);

/// Docker's default seccomp profile for the capabilities steps keep, as a BPF program
/// (a `struct sock_fprog *`), built once per process with libseccomp (seccomp.c). Returns
/// NULL with errno when libseccomp failed.
const void *csandbox_default_seccomp_filter(void);

/// A character device a step may use (cgroup v2's device filter).
struct csandbox_device_rule {
    uint32_t major;
    uint32_t minor;
    int any_minor;                    // 1: every minor number of major
};

/// Loads an eBPF device program allowing exactly `rules` (character devices, any access)
/// and attaches it to the cgroup v2 directory open as cgroup_fd (device_filter.c).
/// Returns 0, or -1 with errno.
int csandbox_attach_device_filter(int cgroup_fd, const struct csandbox_device_rule *rules, size_t count);

// MARK: - Mount helpers for Swift

/// The overlay options that keep the upper dir exactly the diff, as a NULL-terminated list
/// of key, value, key, value... (set with FSCONFIG_SET_STRING, or "key=value" for mount(2)).
const char *const *csandbox_overlay_options(void);

/// Mounts overlayfs on target with the new mount API: fsopen("overlay"), one "lowerdir+"
/// per lower (top first), upperdir, workdir, csandbox_overlay_options(), fsmount, move_mount.
/// Returns 0, or -1 with errno; *failed_step names the call that failed and message gets
/// the filesystem's own explanation when it gave one (may be empty). user_xattr 1 adds
/// the "userxattr" flag (rootless: user.overlay.* attributes instead of trusted.overlay.*).
int csandbox_overlay_mount(const char *const *lowers, size_t lower_count, const char *upper,
                           const char *work, const char *target, int user_xattr,
                           const char **failed_step, char *message, size_t message_size);

/// Both overlay mounts are nodev: device nodes in a layer never reach host devices.

/// Classic mount(2) of overlayfs with a "lowerdir=...,upperdir=...,workdir=..." data string
/// (which must include csandbox_overlay_options()). Returns 0, or -1 with errno.
int csandbox_overlay_mount_classic(const char *data, const char *target);

/// mount(source, target, NULL, MS_BIND | MS_REC, NULL), then nodev on the whole new tree
/// (as every mount of the store: device nodes in a layer never reach host devices).
/// Returns 0, or -1 with errno.
int csandbox_bind_mount(const char *source, const char *target);

/// Clones the mount tree at source_fd (an O_PATH descriptor, with what is mounted beneath
/// it) and attaches it on target_fd (an O_PATH descriptor), nosuid and nodev, read-only
/// when read_only (step_mounts.c). Returns 0, or -1 with errno.
int csandbox_bind_descriptor(int source_fd, int target_fd, int read_only);

/// Mounts a new tmpfs (nosuid, nodev; of size bytes, or the kernel's default for 0) on
/// target_fd (an O_PATH descriptor). Returns 0, or -1 with errno.
int csandbox_tmpfs_descriptor(int target_fd, uint64_t size);

/// Detaches the mount whose root mount_root_fd is (opened after it was mounted), through
/// its /proc/self/fd link. Returns 0, or -1 with errno.
int csandbox_unmount_descriptor(int mount_root_fd);

/// umount2(target, flags). Returns 0, or -1 with errno.
int csandbox_unmount(const char *target, int flags);

#endif
