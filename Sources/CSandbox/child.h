// Declarations shared by the files that run in the sandbox's processes after clone.
// Everything here is async-signal-safe: no malloc, no stdio, no locks, raw system calls
// where glibc would consult its (copied, stale) thread list.
#ifndef CSANDBOX_CHILD_H
#define CSANDBOX_CHILD_H

#include "csandbox.h"

/// The report pipe's descriptor in the init once it exec'd csandbox_init_executable().
#define CSANDBOX_INIT_REPORT_FD 3
/// The write end of the ready pipe in the init once it exec'd: closed by the supervisor as
/// it starts, which releases the step.
#define CSANDBOX_INIT_READY_FD 4
/// The step's pid in the sandbox's PID namespace: the init's first and only fork.
#define CSANDBOX_STEP_PID 2

/// Writes one report to fd, in a single write(2). Failures are ignored: the parent is
/// gone, or will learn the outcome from the exit status.
void csandbox_child_report(int fd, int kind, int error, int status, const char *operation,
                           const char *path);

/// Reports a setup failure (errno) for operation on path, then exits the init with status 1.
__attribute__((noreturn)) void csandbox_child_fail(int fd, const char *operation, const char *path);

/// PID 1 of the sandbox: prepares the namespaces and the root, starts the step, then
/// exec's csandbox_init_executable(), which forwards signals to the step, reaps zombies,
/// and exits once the step has ended. Never returns.
__attribute__((noreturn)) void csandbox_init_main(const struct csandbox_spec *spec, int report_fd);

/// The step (PID 2): waits until PID 1 is the supervisor (end-of-file on ready_read once
/// ready_write, its copy of the write end, is closed), drops to the step's user, sets up
/// stdio and execs argv. Never returns. output_fd is the step's stdout and stderr; stdin
/// (fd 0) is already /dev/null.
__attribute__((noreturn)) void csandbox_step_main(const struct csandbox_spec *spec, int report_fd,
                                                  int output_fd, int ready_read, int ready_write);

// Drops the step's capabilities to the set build steps may have, CAP_NET_RAW only when
// keep_net_raw (capabilities.c).
void csandbox_limit_capabilities(int report_fd, int keep_net_raw);

// Makes /proc/sys and the like read-only and hides /proc files that expose the host (init.c).
void csandbox_protect_proc(int report_fd);

#endif
