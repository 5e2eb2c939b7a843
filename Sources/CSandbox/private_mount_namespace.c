// Gives the whole swiftbuild process its own mount namespace before main() runs, so that
// no mount it makes (overlays of running steps) can ever show up on the host or outlive
// the process: the namespace, and every mount in it, goes away with its last process,
// even after SIGKILL. The trade-off: the host does not see swiftbuild's mounts (a user
// cannot inspect a step's merged overlay from another shell), and swiftbuild does not
// see mounts the host makes after it started; files written are visible as usual.
#define _GNU_SOURCE
#include "csandbox.h"

#include <errno.h>
#include <sched.h>
#include <sys/mount.h>
#include <unistd.h>

static int private_mount_namespace_status = 0;

// Constructors run before the Swift runtime starts any thread, and unshare(CLONE_NEWNS)
// needs a single-threaded caller to cover the whole process. Only root can do it; other
// users keep the host's namespace (and cannot mount anyway).
__attribute__((constructor)) static void csandbox_enter_private_mount_namespace(void)
{
    if (geteuid() != 0) {
        return;
    }
    if (unshare(CLONE_NEWNS) != 0) {
        private_mount_namespace_status = -errno;
        return;
    }
    // A new namespace copies the host's propagation: make every mount private so that
    // mounts made here do not propagate back to the host's peer groups.
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) {
        private_mount_namespace_status = -errno;
        return;
    }
    private_mount_namespace_status = 1;
}

int csandbox_private_mount_namespace_status(void)
{
    return private_mount_namespace_status;
}
