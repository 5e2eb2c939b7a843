#include <errno.h>
#include <stddef.h>
#include <sys/xattr.h>

#include "csystem_shim.h"

int csystem_has_xattr(int fd, const char *name) {
    if (fgetxattr(fd, name, NULL, 0) >= 0) return 1;
    return errno == ENODATA ? 0 : -1;
}
