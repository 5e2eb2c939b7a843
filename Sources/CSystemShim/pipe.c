#define _GNU_SOURCE
#include <fcntl.h>
#include <unistd.h>

#include "csystem_shim.h"

int csystem_pipe_cloexec(int ends[2]) {
    return pipe2(ends, O_CLOEXEC);
}

int csystem_syncfs(int fd) {
    return syncfs(fd);
}
