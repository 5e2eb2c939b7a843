#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/xattr.h>

#include "csystem_shim.h"

int csystem_has_xattr(int fd, const char *name) {
    if (fgetxattr(fd, name, NULL, 0) >= 0) return 1;
    return errno == ENODATA ? 0 : -1;
}

int csystem_copy_xattrs(int from, int to) {
    ssize_t size = flistxattr(from, NULL, 0);
    if (size < 0) return errno == ENOTSUP ? 0 : -1;
    if (size == 0) return 0;
    char *names = malloc((size_t)size);
    if (names == NULL) return -1;
    size = flistxattr(from, names, (size_t)size);
    if (size < 0) {
        int saved = errno;
        free(names);
        errno = saved;
        return -1;
    }
    // Every attribute is tried; the first failure's errno is the one reported.
    int failure = 0;
    for (ssize_t offset = 0; offset < size; offset += (ssize_t)strlen(names + offset) + 1) {
        const char *name = names + offset;
        ssize_t length = fgetxattr(from, name, NULL, 0);
        char *value = length >= 0 ? malloc(length > 0 ? (size_t)length : 1) : NULL;
        if (value != NULL) length = fgetxattr(from, name, value, (size_t)length);
        if (value == NULL || length < 0 || fsetxattr(to, name, value, (size_t)length, 0) != 0) {
            if (failure == 0) failure = errno != 0 ? errno : EIO;
        }
        free(value);
    }
    free(names);
    if (failure != 0) {
        errno = failure;
        return -1;
    }
    return 0;
}
