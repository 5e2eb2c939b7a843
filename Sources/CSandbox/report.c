// The report pipe from the sandbox's processes to swiftbuild, written after clone.
#define _GNU_SOURCE
#include "child.h"

#include <errno.h>
#include <string.h>
#include <unistd.h>

// strncpy is not on every async-signal-safe list; this bounded copy always terminates.
static void copy_string(char *destination, size_t size, const char *source)
{
    size_t length = 0;
    if (source != NULL) {
        while (length + 1 < size && source[length] != '\0') {
            destination[length] = source[length];
            length++;
        }
    }
    destination[length] = '\0';
}

void csandbox_child_report(int fd, int kind, int error, int status, const char *operation,
                           const char *path)
{
    struct csandbox_report report;
    memset(&report, 0, sizeof report);
    report.kind = kind;
    report.error = error;
    report.status = status;
    copy_string(report.operation, sizeof report.operation, operation);
    copy_string(report.path, sizeof report.path, path);
    ssize_t written;
    do {
        written = write(fd, &report, sizeof report);
    } while (written < 0 && errno == EINTR);
}

void csandbox_child_fail(int fd, const char *operation, const char *path)
{
    csandbox_child_report(fd, CSANDBOX_REPORT_SETUP_FAILED, errno, 0, operation, path);
    _exit(1);
}

int csandbox_read_report(int report_fd, struct csandbox_report *report)
{
    size_t filled = 0;
    while (filled < sizeof *report) {
        ssize_t count = read(report_fd, (char *)report + filled, sizeof *report - filled);
        if (count < 0 && errno == EINTR) {
            continue;
        }
        if (count < 0) {
            return -1;
        }
        if (count == 0) {
            if (filled == 0) {
                return 0;
            }
            errno = EPROTO; // a torn record: reports are written whole
            return -1;
        }
        filled += (size_t)count;
    }
    return 1;
}
