// Moves the whole swiftbuild process into a mount namespace of its own, when the CLI asks
// at startup, so that no mount it makes (overlays of running steps) can ever show up on
// the host or outlive the process: the namespace, and every mount in it, goes away with
// its last process, even after SIGKILL. The trade-off: the host does not see swiftbuild's
// mounts (a user cannot inspect a step's merged overlay from another shell), and
// swiftbuild does not see mounts the host makes after it started; files written are
// visible as usual.
//
// It is an explicit call, not a constructor: a library that merely links the sandbox (a
// test runner, another tool) keeps the host's namespace unless it asks.
#define _GNU_SOURCE
#include "csandbox.h"

#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

static int private_mount_namespace_status = 0;

// How many threads the process has (the entries of /proc/self/task), or -errno.
static int thread_count(void)
{
    DIR *tasks = opendir("/proc/self/task");
    if (tasks == NULL) {
        return -errno;
    }
    int count = 0;
    struct dirent *entry;
    while ((entry = readdir(tasks)) != NULL) {
        if (entry->d_name[0] != '.') {
            count++;
        }
    }
    closedir(tasks);
    return count;
}

int csandbox_enter_private_mount_namespace(void)
{
    if (private_mount_namespace_status != 0) {
        return private_mount_namespace_status;
    }
    if (geteuid() != 0) {
        return 0;
    }
    // The mount namespace belongs to each thread: unshare(CLONE_NEWNS) only implies
    // CLONE_FS, which the kernel lets a multithreaded caller unshare for itself, so it
    // would succeed and move the calling thread alone, leaving the others (Swift's
    // concurrency pool) mounting on the host. Refuse instead of half-doing it.
    int threads = thread_count();
    if (threads < 0) {
        private_mount_namespace_status = threads;
        return private_mount_namespace_status;
    }
    if (threads != 1) {
        private_mount_namespace_status = CSANDBOX_MOUNT_NAMESPACE_MULTITHREADED;
        return private_mount_namespace_status;
    }
    if (unshare(CLONE_NEWNS) != 0) {
        private_mount_namespace_status = -errno;
        return private_mount_namespace_status;
    }
    // A new namespace copies the host's propagation: make every mount private so that
    // mounts made here do not propagate back to the host's peer groups.
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) {
        private_mount_namespace_status = -errno;
        return private_mount_namespace_status;
    }
    private_mount_namespace_status = 1;
    return private_mount_namespace_status;
}

int csandbox_private_mount_namespace_status(void)
{
    return private_mount_namespace_status;
}
