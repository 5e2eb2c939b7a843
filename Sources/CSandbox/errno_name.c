// errno names for error messages; strerrorname_np needs _GNU_SOURCE, which Swift's Glibc
// module does not define.
#define _GNU_SOURCE
#include "csandbox.h"

#include <string.h>

const char *csandbox_errno_name(int error)
{
    return strerrorname_np(error);
}
