#ifndef CSYSTEM_SHIM_H
#define CSYSTEM_SHIM_H

#include <stdint.h>
#include <linux/openat2.h>

/// `O_PATH`: glibc declares it only under `_GNU_SOURCE`, which Swift's Glibc module is not
/// built with; this file is, so the value comes from the C library's own header.
extern const int csystem_o_path;

/// `openat2(2)`, which glibc has no wrapper for: `syscall(SYS_openat2, ...)` with an
/// `open_how` built from the arguments. Returns the descriptor, or -1 with `errno` set.
/// (A C shim because Swift cannot call the variadic `syscall`.)
int csystem_openat2(int directory, const char *path, uint64_t flags, uint64_t mode, uint64_t resolve);

/// The symbolic name of an errno value ("ENOENT"), or NULL for a value without one
/// (`strerrorname_np`, which also needs `_GNU_SOURCE`).
const char *csystem_errno_name(int error);

/// `pipe2(ends, O_CLOEXEC)` (also `_GNU_SOURCE` only): both ends close on exec from the
/// start, so a program another thread starts meanwhile cannot inherit them.
int csystem_pipe_cloexec(int ends[2]);

/// `syncfs(fd)` (also `_GNU_SOURCE` only): writes out the file system that holds `fd`.
int csystem_syncfs(int fd);

/// The ID of the mount that holds `path` (relative to `directory`; a final symlink not
/// followed), from `statx(STATX_MNT_ID)` (Linux 5.8): a mount point's differs from its
/// parent's even for a bind mount of the same file system, where `st_dev` does not. 0 with
/// `*mount` set, or -1 with `errno` set (`ENOSYS` when the kernel does not report it).
int csystem_mount_id(int directory, const char *path, uint64_t *mount);

#endif
