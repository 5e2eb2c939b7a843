// Test support: moves a test runner into a private mount namespace of its own, as the CLI
// moves itself at startup, so that the overlays and tmpfs mounts tests make are never
// visible on the host and vanish with the process even if it is killed.
//
// A test runner starts threads (Swift Testing's and XCTest's executors) before any test
// code runs, and a mount namespace can only be entered for the whole process while it has
// one thread: so this is a constructor, run before main, and only in the test targets that
// list this target as a dependency (the libraries themselves never enter it implicitly).
#include "csandbox.h"
#include "private_mount_namespace_for_tests.h"

__attribute__((constructor)) static void enter_private_mount_namespace_for_tests(void)
{
    csandbox_enter_private_mount_namespace();
}

int private_mount_namespace_for_tests_status(void)
{
    return csandbox_private_mount_namespace_status();
}
