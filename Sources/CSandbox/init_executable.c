// PID 1 of a sandbox once its setup is done: a tiny static program, without libc, that
// only supervises the step. It is built here, at run time, as an ELF file in a sealed
// memory file, from machine code compiled into swiftbuild itself.
//
// Why not keep the fork of swiftbuild as PID 1: its /proc/1/cmdline would show
// swiftbuild's command line (build arguments with secrets) to every step, and /proc/1/exe
// would be swiftbuild's binary (runc's CVE-2019-5736: a step rewriting the binary of its
// runtime). The init in the sandbox instead has the command line "init", an empty
// environment, and an executable that is a sealed memfd nobody can write.
//
// How: the init's code is a few functions placed in their own section
// (csandbox_init_text). They call nothing outside it (raw system calls, no libc, no
// string constants, no globals, no stack protector), so the section's bytes run wherever
// they are copied; the linker gives the section's bounds as __start_/__stop_ symbols.
// The ELF file is one program header mapping those bytes read-and-execute, plus a
// non-executable stack. It runs in any root (FROM scratch included): it needs no loader.
//
// What it does (the setup init exec's it with the supervising state in place: the signals
// below blocked and possibly pending, the step as its child, the report pipe as fd 3, the
// ready pipe as fd 4): makes itself non-dumpable, closes fd 4 (which releases the step),
// forwards SIGTERM, SIGINT, SIGHUP and SIGQUIT to the step (PID 2), reaps every child, and
// when the step ends writes its wait status as a report and exits, which makes the kernel
// kill whatever else the step left in the namespace.
#define _GNU_SOURCE
#include "child.h"

#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U // Linux 6.3: the memfd may be executed even when vm.memfd_noexec=1
#endif

#define INIT_TEXT __attribute__((section("csandbox_init_text"), used, noinline, no_stack_protector))

// MARK: - The init's code (inside the section only)

INIT_TEXT static long init_syscall(long number, long a, long b, long c, long d)
{
#if defined(__x86_64__)
    register long r10 __asm__("r10") = d;
    long result;
    __asm__ volatile("syscall"
                     : "=a"(result)
                     : "a"(number), "D"(a), "S"(b), "d"(c), "r"(r10)
                     : "rcx", "r11", "memory");
    return result;
#elif defined(__aarch64__)
    register long x8 __asm__("x8") = number;
    register long x0 __asm__("x0") = a;
    register long x1 __asm__("x1") = b;
    register long x2 __asm__("x2") = c;
    register long x3 __asm__("x3") = d;
    __asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3) : "memory");
    return x0;
#else
#error "the sandbox's init supports x86_64 and aarch64"
#endif
}

INIT_TEXT __attribute__((noreturn)) static void init_exit(int code)
{
    for (;;) {
        init_syscall(SYS_exit_group, code, 0, 0, 0);
    }
}

INIT_TEXT __attribute__((noreturn)) static void init_report_and_exit(int status)
{
    struct csandbox_report report;
    // A volatile loop: a plain one may become a call to memset, outside the section.
    volatile unsigned char *bytes = (volatile unsigned char *)&report;
    for (unsigned long i = 0; i < sizeof report; i++) {
        bytes[i] = 0;
    }
    report.kind = CSANDBOX_REPORT_EXITED;
    report.status = status;
    long written;
    do {
        written = init_syscall(SYS_write, CSANDBOX_INIT_REPORT_FD, (long)&report, sizeof report, 0);
    } while (written == -EINTR);
    init_exit(0);
}

INIT_TEXT __attribute__((visibility("hidden"), noreturn)) void csandbox_init_executable_main(void)
{
    // Not dumpable: a step (even with CAP_SYS_PTRACE) cannot trace or read its PID 1.
    init_syscall(SYS_prctl, PR_SET_DUMPABLE, 0, 0, 0);
    // The step waits for this: PID 1 is the supervisor from now on.
    init_syscall(SYS_close, CSANDBOX_INIT_READY_FD, 0, 0, 0);
    unsigned long signals = (1UL << (SIGCHLD - 1)) | (1UL << (SIGTERM - 1)) | (1UL << (SIGINT - 1))
        | (1UL << (SIGHUP - 1)) | (1UL << (SIGQUIT - 1));
    for (;;) {
        // Reap first: the step may have ended before the exec (its SIGCHLD is then pending).
        for (;;) {
            int status = 0;
            long child = init_syscall(SYS_wait4, -1, (long)&status, WNOHANG, 0);
            if (child == -EINTR) {
                continue;
            }
            if (child == -ECHILD) {
                init_exit(1); // the step is gone without a status: cannot happen
            }
            if (child <= 0) {
                break;
            }
            if (child == CSANDBOX_STEP_PID) {
                init_report_and_exit(status);
            }
        }
        long signal = init_syscall(SYS_rt_sigtimedwait, (long)&signals, 0, 0, sizeof signals);
        if (signal == -EINTR) {
            continue;
        }
        if (signal < 0) {
            init_exit(1);
        }
        if (signal != SIGCHLD) {
            init_syscall(SYS_kill, CSANDBOX_STEP_PID, signal, 0, 0);
        }
    }
}

// The entry point: the kernel starts it with the stack pointer at argc; a C function
// expects a call's alignment, so the stub aligns the stack and calls the main function.
#if defined(__x86_64__)
__asm__(".pushsection csandbox_init_text,\"ax\",%progbits\n"
        ".p2align 4\n"
        "csandbox_init_executable_entry:\n"
        "    xor %ebp, %ebp\n"
        "    and $-16, %rsp\n"
        "    call csandbox_init_executable_main\n"
        "    hlt\n"
        ".popsection\n");
#elif defined(__aarch64__)
__asm__(".pushsection csandbox_init_text,\"ax\",%progbits\n"
        ".p2align 4\n"
        "csandbox_init_executable_entry:\n"
        "    mov x29, #0\n"
        "    mov x30, #0\n"
        "    bl csandbox_init_executable_main\n"
        "    brk #0\n"
        ".popsection\n");
#endif

extern const unsigned char csandbox_init_executable_entry[] __attribute__((visibility("hidden")));
extern const unsigned char __start_csandbox_init_text[] __attribute__((visibility("hidden")));
extern const unsigned char __stop_csandbox_init_text[] __attribute__((visibility("hidden")));

// MARK: - The ELF file (in swiftbuild's process)

#if defined(__x86_64__)
#define INIT_MACHINE EM_X86_64
#elif defined(__aarch64__)
#define INIT_MACHINE EM_AARCH64
#endif

// Where the file is mapped, and where its code starts in it (after the headers).
static const Elf64_Addr init_base = 0x400000;
static const size_t init_code_offset = 256;

static int init_fd = -1;
static int init_error;
static pthread_once_t init_once = PTHREAD_ONCE_INIT;

static int write_all(int fd, const unsigned char *bytes, size_t length)
{
    while (length > 0) {
        ssize_t count = write(fd, bytes, length);
        if (count < 0 && errno == EINTR) {
            continue;
        }
        if (count <= 0) {
            return -1;
        }
        bytes += count;
        length -= (size_t)count;
    }
    return 0;
}

static void make_init_executable(void)
{
    size_t code_size = (size_t)(__stop_csandbox_init_text - __start_csandbox_init_text);
    size_t size = init_code_offset + code_size;
    unsigned char *file = calloc(1, size);
    if (file == NULL) {
        init_error = ENOMEM;
        return;
    }
    Elf64_Ehdr *header = (Elf64_Ehdr *)file;
    memcpy(header->e_ident, ELFMAG, SELFMAG);
    header->e_ident[EI_CLASS] = ELFCLASS64;
    header->e_ident[EI_DATA] = ELFDATA2LSB;
    header->e_ident[EI_VERSION] = EV_CURRENT;
    header->e_ident[EI_OSABI] = ELFOSABI_SYSV;
    header->e_type = ET_EXEC;
    header->e_machine = INIT_MACHINE;
    header->e_version = EV_CURRENT;
    header->e_entry = init_base + init_code_offset
        + (Elf64_Addr)(csandbox_init_executable_entry - __start_csandbox_init_text);
    header->e_phoff = sizeof *header;
    header->e_ehsize = sizeof *header;
    header->e_phentsize = sizeof(Elf64_Phdr);
    header->e_phnum = 2;
    Elf64_Phdr *programs = (Elf64_Phdr *)(file + sizeof *header);
    programs[0] = (Elf64_Phdr){
        .p_type = PT_LOAD, .p_flags = PF_R | PF_X, .p_offset = 0, .p_vaddr = init_base,
        .p_paddr = init_base, .p_filesz = size, .p_memsz = size, .p_align = 0x10000,
    };
    programs[1] = (Elf64_Phdr){.p_type = PT_GNU_STACK, .p_flags = PF_R | PF_W, .p_align = 16};
    memcpy(file + init_code_offset, __start_csandbox_init_text, code_size);

    int fd = memfd_create("init", MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
    if (fd < 0 && errno == EINVAL) {
        fd = memfd_create("init", MFD_CLOEXEC | MFD_ALLOW_SEALING);
    }
    int failed = fd < 0 || write_all(fd, file, size) != 0 || fchmod(fd, 0555) != 0
        || fcntl(fd, F_ADD_SEALS, F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE) != 0;
    int saved = errno;
    free(file);
    if (failed) {
        if (fd >= 0) {
            close(fd);
        }
        init_error = saved;
        return;
    }
    init_fd = fd;
}

int csandbox_init_executable(void)
{
    pthread_once(&init_once, make_init_executable);
    if (init_fd < 0) {
        errno = init_error;
        return -1;
    }
    return init_fd;
}
