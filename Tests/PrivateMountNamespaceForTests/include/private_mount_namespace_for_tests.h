// Test support: see enter.c. Linking this target moves the test runner into a private
// mount namespace before main (when run as root).
#ifndef PRIVATE_MOUNT_NAMESPACE_FOR_TESTS_H
#define PRIVATE_MOUNT_NAMESPACE_FOR_TESTS_H

/// The same value as csandbox_private_mount_namespace_status().
int private_mount_namespace_for_tests_status(void);

#endif
