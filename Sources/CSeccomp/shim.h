// libseccomp (Debian: libseccomp-dev): builds the seccomp BPF program of build steps.
#include <seccomp.h>
