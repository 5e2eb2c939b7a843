// The capabilities a build step keeps: Docker's default set, without CAP_MKNOD, and
// without CAP_NET_RAW on the host's network.
//
// Docker also grants CAP_MKNOD; swiftbuild does not, so a step may not create device
// nodes at all (they would end up in the image; nodev mounts and the devices cgroup keep
// any that come from elsewhere from reaching host devices). CAP_NET_RAW is kept only in a
// private network namespace (RUN --network=none): on the host's network, raw and packet
// sockets would let a step sniff or forge the host's traffic (ping then needs ICMP
// datagram sockets, net.ipv4.ping_group_range). Everything else (CAP_SYS_ADMIN above all) is dropped from
// the bounding, inheritable and ambient sets before the step execs, so even a step
// running as root cannot mount, load modules, change the host's network or escape
// through /proc.

#include "child.h"

#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static const int kept_capabilities[] = {
    CAP_CHOWN,     CAP_DAC_OVERRIDE, CAP_FOWNER,           CAP_FSETID,  CAP_KILL,
    CAP_SETGID,    CAP_SETUID,       CAP_SETPCAP,          CAP_NET_BIND_SERVICE,
    CAP_NET_RAW, // dropped below unless keep_net_raw
    CAP_SYS_CHROOT,   CAP_AUDIT_WRITE,      CAP_SETFCAP,
};

static int is_kept(int capability, int keep_net_raw)
{
    if (capability == CAP_NET_RAW && !keep_net_raw) {
        return 0;
    }
    for (size_t index = 0; index < sizeof kept_capabilities / sizeof kept_capabilities[0]; index++) {
        if (kept_capabilities[index] == capability) {
            return 1;
        }
    }
    return 0;
}

void csandbox_limit_capabilities(int report_fd, int keep_net_raw)
{
    // The kernel's last capability is the first one PR_CAPBSET_READ refuses.
    for (int capability = 0; prctl(PR_CAPBSET_READ, capability, 0, 0, 0) >= 0; capability++) {
        if (!is_kept(capability, keep_net_raw) && prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0) {
            csandbox_child_fail(report_fd, "drop a capability from the bounding set", "");
        }
    }
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0) {
        csandbox_child_fail(report_fd, "clear the ambient capabilities", "");
    }
    // Root's capabilities after exec are the bounding set plus the inheritable set, so
    // the inheritable set must be emptied too; effective and permitted keep only the kept.
    struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2];
    if (syscall(SYS_capget, &header, data) != 0) {
        csandbox_child_fail(report_fd, "read the capabilities", "");
    }
    unsigned int kept[2] = {0, 0};
    for (size_t index = 0; index < sizeof kept_capabilities / sizeof kept_capabilities[0]; index++) {
        if (is_kept(kept_capabilities[index], keep_net_raw)) {
            kept[kept_capabilities[index] / 32] |= 1u << (kept_capabilities[index] % 32);
        }
    }
    for (int word = 0; word < 2; word++) {
        data[word].inheritable = 0;
        data[word].permitted &= kept[word];
        data[word].effective &= kept[word];
    }
    if (syscall(SYS_capset, &header, data) != 0) {
        csandbox_child_fail(report_fd, "limit the capabilities", "");
    }
}
