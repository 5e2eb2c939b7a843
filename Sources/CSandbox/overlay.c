// Mounting overlayfs for a step: upper = the new layer, lowers = the parent layers. Every
// mount made here is nodev: a device node in a layer never opens a host device.
#define _GNU_SOURCE
#include "csandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mount.h>
#include <unistd.h>

// Every feature that would record a change as something other than its plain result is
// off: redirect_dir (a renamed directory would be an xattr pointing into a lower),
// metacopy (a chmod would copy up metadata only), index (hard-link bookkeeping in the
// work dir and origin checks), and xino (inode-number tricks that need nothing stored
// but warn on some filesystems). What remains in the upper dir is what docker expects of
// a layer: new and changed files, whiteouts as 0:0 character devices, and opaque
// directories marked with trusted.overlay.opaque=y.
static const char *const overlay_options[] = {
    "redirect_dir", "off",
    "metacopy", "off",
    "index", "off",
    "xino", "off",
    NULL,
};

const char *const *csandbox_overlay_options(void)
{
    return overlay_options;
}

// The new API keeps the filesystem's explanation of a failure in the context: read it.
static void read_context_message(int context, char *message, size_t message_size)
{
    if (message_size == 0) {
        return;
    }
    message[0] = '\0';
    ssize_t length = read(context, message, message_size - 1);
    if (length > 0) {
        message[length] = '\0';
    }
}

int csandbox_overlay_mount(const char *const *lowers, size_t lower_count, const char *upper,
                           const char *work, const char *target, int user_xattr,
                           const char **failed_step, char *message, size_t message_size)
{
    if (message_size > 0) {
        message[0] = '\0';
    }
    *failed_step = "fsopen overlay";
    int context = fsopen("overlay", FSOPEN_CLOEXEC);
    if (context < 0) {
        return -1;
    }
    int result = -1;
    int mount_fd = -1;
    for (size_t i = 0; i < lower_count; i++) {
        *failed_step = "add the lower directory (lowerdir+)";
        if (fsconfig(context, FSCONFIG_SET_STRING, "lowerdir+", lowers[i], 0) != 0) {
            goto failed;
        }
    }
    *failed_step = "set the upper directory";
    if (fsconfig(context, FSCONFIG_SET_STRING, "upperdir", upper, 0) != 0) {
        goto failed;
    }
    *failed_step = "set the work directory";
    if (fsconfig(context, FSCONFIG_SET_STRING, "workdir", work, 0) != 0) {
        goto failed;
    }
    for (size_t i = 0; overlay_options[i] != NULL; i += 2) {
        *failed_step = "set the overlay options";
        // redirect_dir=off still follows redirects when the module's redirect_always_follow
        // is on (the default), which userxattr refuses: nofollow is the same for snapshots,
        // which never hold a redirect (none is made, and tars never carry overlay's xattrs).
        const char *value = overlay_options[i + 1];
        if (user_xattr && strcmp(overlay_options[i], "redirect_dir") == 0) {
            value = "nofollow";
        }
        if (fsconfig(context, FSCONFIG_SET_STRING, overlay_options[i], value, 0) != 0) {
            goto failed;
        }
    }
    // Rootless (in a user namespace): overlayfs keeps its attributes as user.overlay.*,
    // since only the host's root may write trusted.* (Linux 5.11 and later).
    *failed_step = "set the overlay option userxattr (Linux 5.11 or later in a user namespace)";
    if (user_xattr && fsconfig(context, FSCONFIG_SET_FLAG, "userxattr", NULL, 0) != 0) {
        goto failed;
    }
    // volatile: the upper dir is not synced at unmount (or when the step's process calls
    // fsync); the next build syncs the store once instead (ImageStore
    // .syncEarlierSnapshots). Every kernel with lowerdir+ (6.8) has it (5.10).
    *failed_step = "set the overlay option volatile";
    if (fsconfig(context, FSCONFIG_SET_FLAG, "volatile", NULL, 0) != 0) {
        goto failed;
    }
    *failed_step = "create the overlay";
    if (fsconfig(context, FSCONFIG_CMD_CREATE, NULL, NULL, 0) != 0) {
        goto failed;
    }
    *failed_step = "fsmount";
    mount_fd = fsmount(context, FSMOUNT_CLOEXEC, MOUNT_ATTR_NODEV);
    if (mount_fd < 0) {
        goto failed;
    }
    *failed_step = "move_mount";
    if (move_mount(mount_fd, "", AT_FDCWD, target, MOVE_MOUNT_F_EMPTY_PATH) != 0) {
        goto failed;
    }
    result = 0;
failed:
    if (result != 0) {
        int saved = errno;
        read_context_message(context, message, message_size);
        errno = saved;
    }
    {
        int saved = errno;
        // Closing a detached mount or a context cannot fail in a way that matters here.
        if (mount_fd >= 0) {
            (void)close(mount_fd);
        }
        (void)close(context);
        errno = saved;
    }
    return result;
}

int csandbox_overlay_mount_classic(const char *data, const char *target)
{
    return mount("overlay", target, "overlay", MS_NODEV, data);
}

int csandbox_bind_mount(const char *source, const char *target)
{
    if (mount(source, target, NULL, MS_BIND | MS_REC, NULL) != 0) {
        return -1;
    }
    struct mount_attr nodev = {.attr_set = MOUNT_ATTR_NODEV};
    if (mount_setattr(AT_FDCWD, target, AT_RECURSIVE, &nodev, sizeof nodev) != 0) {
        int saved = errno;
        (void)umount2(target, MNT_DETACH);
        errno = saved;
        return -1;
    }
    return 0;
}

int csandbox_unmount(const char *target, int flags)
{
    return umount2(target, flags);
}
