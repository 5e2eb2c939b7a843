// The devices cgroup of cgroup v2: an eBPF program (BPF_PROG_TYPE_CGROUP_DEVICE) attached
// to the step's cgroup, which allows the listed character devices and refuses every other
// device (cgroup v1 has the devices controller's allow list instead; see DevicesCgroup).
#define _GNU_SOURCE
#include "csandbox.h"

#include <errno.h>
#include <linux/bpf.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static struct bpf_insn instruction(uint8_t code, uint8_t dst, uint8_t src, int16_t off, int32_t imm)
{
    struct bpf_insn result;
    memset(&result, 0, sizeof result);
    result.code = code;
    result.dst_reg = dst & 0xf;
    result.src_reg = src & 0xf;
    result.off = off;
    result.imm = imm;
    return result;
}

int csandbox_attach_device_filter(int cgroup_fd, const struct csandbox_device_rule *rules, size_t count)
{
    // 4 instructions of prologue, at most 5 per rule, 2 of epilogue.
    if (count > 64) {
        errno = E2BIG;
        return -1;
    }
    struct bpf_insn program[4 + 5 * 64 + 2];
    size_t length = 0;
    // r1 = struct bpf_cgroup_dev_ctx {u32 access_type; u32 major; u32 minor}: the low 16
    // bits of access_type are the device type (BPF_DEVCG_DEV_CHAR, _BLOCK).
    program[length++] = instruction(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_2, BPF_REG_1, 0, 0);
    program[length++] = instruction(BPF_ALU | BPF_AND | BPF_K, BPF_REG_2, 0, 0, 0xFFFF);
    program[length++] = instruction(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_3, BPF_REG_1, 4, 0);
    program[length++] = instruction(BPF_LDX | BPF_MEM | BPF_W, BPF_REG_4, BPF_REG_1, 8, 0);
    for (size_t i = 0; i < count; i++) {
        // type, major, [minor]: each mismatch jumps past the rest of the rule's block.
        int jumps = rules[i].any_minor ? 2 : 3;
        int block = jumps + 2;
        program[length++] = instruction(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_2, 0, (int16_t)(block - 1), BPF_DEVCG_DEV_CHAR);
        program[length++] = instruction(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_3, 0, (int16_t)(block - 2), (int32_t)rules[i].major);
        if (!rules[i].any_minor) {
            program[length++] = instruction(BPF_JMP | BPF_JNE | BPF_K, BPF_REG_4, 0, (int16_t)(block - 3), (int32_t)rules[i].minor);
        }
        program[length++] = instruction(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 1);
        program[length++] = instruction(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);
    }
    program[length++] = instruction(BPF_ALU64 | BPF_MOV | BPF_K, BPF_REG_0, 0, 0, 0);
    program[length++] = instruction(BPF_JMP | BPF_EXIT, 0, 0, 0, 0);

    union bpf_attr load;
    memset(&load, 0, sizeof load);
    load.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
    load.insns = (uint64_t)(uintptr_t)program;
    load.insn_cnt = (uint32_t)length;
    load.license = (uint64_t)(uintptr_t) "Apache-2.0";
    int program_fd = (int)syscall(SYS_bpf, BPF_PROG_LOAD, &load, sizeof load);
    if (program_fd < 0) {
        return -1;
    }
    union bpf_attr attach;
    memset(&attach, 0, sizeof attach);
    attach.target_fd = (uint32_t)cgroup_fd;
    attach.attach_bpf_fd = (uint32_t)program_fd;
    attach.attach_type = BPF_CGROUP_DEVICE;
    int result = (int)syscall(SYS_bpf, BPF_PROG_ATTACH, &attach, sizeof attach);
    int saved = errno;
    // The attachment holds the program; it goes with the cgroup.
    close(program_fd);
    errno = saved;
    return result;
}
