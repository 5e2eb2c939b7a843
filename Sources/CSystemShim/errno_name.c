#define _GNU_SOURCE
#include <string.h>

#include "csystem_shim.h"

const char *csystem_errno_name(int error) {
    return strerrorname_np(error);
}
