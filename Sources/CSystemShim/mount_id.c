#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>

#include "csystem_shim.h"

int csystem_mount_id(int directory, const char *path, uint64_t *mount) {
    struct statx status;
    if (statx(directory, path, AT_SYMLINK_NOFOLLOW, STATX_MNT_ID, &status) != 0) return -1;
    if (!(status.stx_mask & STATX_MNT_ID)) {
        errno = ENOSYS;
        return -1;
    }
    *mount = status.stx_mnt_id;
    return 0;
}
