// The mounts a step asks for (RUN --mount), made by the parent on the step's root before
// the sandbox is cloned (the init's recursive bind of the root carries them in). Both ends
// are descriptors that Swift opened inside their roots (openat2 RESOLVE_IN_ROOT), so no
// path is resolved here and a symlink cannot lead a mount out of its root.
#define _GNU_SOURCE
#include "csandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mount.h>
#include <unistd.h>

int csandbox_bind_descriptor(int source_fd, int target_fd, int read_only)
{
    int tree_fd = open_tree(source_fd, "", OPEN_TREE_CLONE | OPEN_TREE_CLOEXEC | AT_RECURSIVE | AT_EMPTY_PATH);
    if (tree_fd < 0) {
        return -1;
    }
    struct mount_attr attributes = {
        .attr_set = MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | (read_only ? MOUNT_ATTR_RDONLY : 0),
    };
    if (mount_setattr(tree_fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attributes, sizeof attributes) != 0 ||
        move_mount(tree_fd, "", target_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) != 0) {
        int saved = errno;
        close(tree_fd);
        errno = saved;
        return -1;
    }
    return close(tree_fd);
}

int csandbox_tmpfs_descriptor(int target_fd, uint64_t size)
{
    int fs_fd = fsopen("tmpfs", FSOPEN_CLOEXEC);
    if (fs_fd < 0) {
        return -1;
    }
    char text[32];
    snprintf(text, sizeof text, "%llu", (unsigned long long)size);
    int mount_fd = -1;
    // "tmpfs" as the source, as mount(8) and runc name it in /proc/mounts.
    if (fsconfig(fs_fd, FSCONFIG_SET_STRING, "source", "tmpfs", 0) != 0 ||
        (size > 0 && fsconfig(fs_fd, FSCONFIG_SET_STRING, "size", text, 0) != 0) ||
        fsconfig(fs_fd, FSCONFIG_CMD_CREATE, NULL, NULL, 0) != 0 ||
        (mount_fd = fsmount(fs_fd, FSMOUNT_CLOEXEC, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV)) < 0 ||
        move_mount(mount_fd, "", target_fd, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH) != 0) {
        int saved = errno;
        if (mount_fd >= 0) {
            close(mount_fd);
        }
        close(fs_fd);
        errno = saved;
        return -1;
    }
    close(mount_fd);
    return close(fs_fd);
}

int csandbox_unmount_descriptor(int mount_root_fd)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", mount_root_fd);
    return umount2(path, MNT_DETACH);
}
