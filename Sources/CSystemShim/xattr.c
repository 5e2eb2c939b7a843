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
    int result = size < 0 ? -1 : 0;
    for (ssize_t offset = 0; result == 0 && offset < size; offset += (ssize_t)strlen(names + offset) + 1) {
        const char *name = names + offset;
        ssize_t length = fgetxattr(from, name, NULL, 0);
        if (length < 0) { result = -1; break; }
        char *value = malloc(length > 0 ? (size_t)length : 1);
        if (value == NULL) { result = -1; break; }
        length = fgetxattr(from, name, value, (size_t)length);
        if (length < 0 || fsetxattr(to, name, value, (size_t)length, 0) != 0) result = -1;
        free(value);
    }
    int saved = errno;
    free(names);
    errno = saved;
    return result;
}
