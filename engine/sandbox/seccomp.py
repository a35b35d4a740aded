"""A seccomp allow-list for a sandbox worker, as a classic BPF program built here (no libseccomp).

Once installed, the worker may only compute: read and write the pipes it already holds, manage
its memory and threads, read clocks and limits, and open files read-only. Everything else
fails with EPERM (the process lives on and answers with an ordinary error): no `execve`, no
process creation other than threads, no sockets, no signals outside itself, no `ptrace`, no
renaming, unlinking, truncating or chmod. x86_64 and aarch64 are described (`ARCHES`, chosen by
`platform.machine()`); elsewhere `install` refuses with a reason and the service says so.
The first instruction checks the calling convention (audit arch): a call made through another
ABI (x86_64's 32-bit int 0x80 entry) kills the process, as its numbers mean other calls.
"""
import ctypes
import errno
import os
import platform
import struct
from typing import NamedTuple

AUDIT_ARCH_X86_64 = 0xC000003E   # EM_X86_64 (62) | 64-bit | little-endian
AUDIT_ARCH_AARCH64 = 0xC00000B7  # EM_AARCH64 (183) | 64-bit | little-endian
RET_ALLOW = 0x7FFF0000
RET_ERRNO = 0x00050000
RET_KILL_PROCESS = 0x80000000
LD_W_ABS, JEQ_K, JSET_K, RET_K = 0x20, 0x15, 0x45, 0x06
PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 38, 22, 2
CLONE_THREAD = 0x00010000
# O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND | O_TMPFILE's own bit (__O_TMPFILE); the same
# values on x86_64 and aarch64 (asm-generic/fcntl.h)
WRITE_FLAGS = 0o1 | 0o2 | 0o100 | 0o1000 | 0o2000 | 0o20000000


class Arch(NamedTuple):
    """One architecture's audit value and syscall numbers."""

    audit: int
    allowed: dict[str, int]  # calls a confined CPython needs, allowed whatever their arguments
    checked: dict[str, int]  # calls allowed only with the arguments `program` tests


# x86_64 (arch/x86/entry/syscalls/syscall_64.tbl)
X86_64 = Arch(AUDIT_ARCH_X86_64, {
    "read": 0, "write": 1, "close": 3, "stat": 4, "fstat": 5, "lstat": 6, "poll": 7, "lseek": 8,
    "mmap": 9, "mprotect": 10, "munmap": 11, "brk": 12, "rt_sigaction": 13,
    "rt_sigprocmask": 14, "rt_sigreturn": 15, "ioctl": 16, "pread64": 17, "readv": 19,
    "writev": 20, "access": 21, "select": 23, "sched_yield": 24, "mremap": 25, "mincore": 27,
    "madvise": 28, "dup": 32, "dup2": 33, "nanosleep": 35, "getpid": 39, "exit": 60,
    "uname": 63, "fcntl": 72, "getcwd": 79, "readlink": 89, "gettimeofday": 96,
    "getrlimit": 97, "getrusage": 98, "sysinfo": 99, "times": 100, "getuid": 102,
    "getgid": 104, "geteuid": 107, "getegid": 108, "sigaltstack": 131, "fstatfs": 138,
    "getpriority": 140, "arch_prctl": 158, "gettid": 186, "time": 201, "futex": 202,
    "sched_getaffinity": 204, "getdents64": 217, "set_tid_address": 218,
    "restart_syscall": 219, "clock_gettime": 228, "clock_getres": 229,
    "clock_nanosleep": 230, "exit_group": 231, "newfstatat": 262, "readlinkat": 267,
    "faccessat": 269, "pselect6": 270, "ppoll": 271, "set_robust_list": 273, "dup3": 292,
    "getcpu": 309, "getrandom": 318, "membarrier": 324, "statx": 332, "rseq": 334,
    "close_range": 436, "faccessat2": 439,
}, {"open": 2, "clone": 56, "kill": 62, "setrlimit": 160, "tkill": 200, "tgkill": 234,
    "openat": 257, "prlimit64": 302, "clone3": 435})

# aarch64 uses the generic table (include/uapi/asm-generic/unistd.h): no open, stat, poll,
# access, select, dup2, readlink, time or fork at all; libc uses openat, newfstatat, ppoll,
# faccessat, pselect6, dup3, readlinkat and clone instead, which are listed.
AARCH64 = Arch(AUDIT_ARCH_AARCH64, {
    "getcwd": 17, "dup": 23, "dup3": 24, "fcntl": 25, "ioctl": 29, "fstatfs": 44,
    "faccessat": 48, "close": 57, "getdents64": 61, "lseek": 62, "read": 63, "write": 64,
    "readv": 65, "writev": 66, "pread64": 67, "pselect6": 72, "ppoll": 73, "readlinkat": 78,
    "newfstatat": 79, "fstat": 80, "exit": 93, "exit_group": 94, "set_tid_address": 96,
    "futex": 98, "set_robust_list": 99, "nanosleep": 101, "clock_gettime": 113,
    "clock_getres": 114, "clock_nanosleep": 115, "sched_getaffinity": 123, "sched_yield": 124,
    "restart_syscall": 128, "sigaltstack": 132, "rt_sigaction": 134, "rt_sigprocmask": 135,
    "rt_sigreturn": 139, "getpriority": 141, "times": 153, "uname": 160, "getrlimit": 163,
    "getrusage": 165, "getcpu": 168, "gettimeofday": 169, "getpid": 172, "getuid": 174,
    "geteuid": 175, "getgid": 176, "getegid": 177, "gettid": 178, "sysinfo": 179, "brk": 214,
    "munmap": 215, "mremap": 216, "mmap": 222, "mprotect": 226, "mincore": 232,
    "madvise": 233, "getrandom": 278, "membarrier": 283, "statx": 291, "rseq": 293,
    "close_range": 436, "faccessat2": 439,
}, {"openat": 56, "kill": 129, "tkill": 130, "tgkill": 131, "setrlimit": 164, "clone": 220,
    "prlimit64": 261, "clone3": 435})

ARCHES = {"x86_64": X86_64, "amd64": X86_64, "aarch64": AARCH64, "arm64": AARCH64}


def arch_of(machine=None):
    """The Arch of `machine` (default: this one's `platform.machine()`), or None."""
    return ARCHES.get((machine or platform.machine()).lower())


def _insn(code, k, jt=0, jf=0):
    return struct.pack("HBBI", code, jt, jf, k & 0xFFFFFFFF)


def _arg(index):
    """Load the low 32 bits of argument `index` (struct seccomp_data, little-endian)."""
    return _insn(LD_W_ABS, 16 + 8 * index)


def _only_if(nr, test):
    """For syscall `nr`: run `test` (instructions ending in returns); others skip past it."""
    return [_insn(JEQ_K, nr, 0, len(test))] + test


def program(pid, arch=X86_64):
    """The filter's instructions for a worker whose process id is `pid`, on `arch`."""
    deny = _insn(RET_K, RET_ERRNO | errno.EPERM)
    allow = _insn(RET_K, RET_ALLOW)
    nr = arch.checked
    code = [_insn(LD_W_ABS, 4), _insn(JEQ_K, arch.audit, 1, 0),
            _insn(RET_K, RET_KILL_PROCESS), _insn(LD_W_ABS, 0)]
    for number in sorted(arch.allowed.values()):
        code += [_insn(JEQ_K, number, 0, 1), allow]
    # open/openat: read-only opens only (Landlock decides which files); aarch64 has no open
    if "open" in nr:
        code += _only_if(nr["open"], [_arg(1), _insn(JSET_K, WRITE_FLAGS, 0, 1), deny, allow])
    code += _only_if(nr["openat"], [_arg(2), _insn(JSET_K, WRITE_FLAGS, 0, 1), deny, allow])
    # threads yes, processes no (flags are the first argument on both arches); clone3 hides
    # its flags in memory: ENOSYS makes libc fall back to clone
    code += _only_if(nr["clone"], [_arg(0), _insn(JSET_K, CLONE_THREAD, 0, 1), allow, deny])
    code += [_insn(JEQ_K, nr["clone3"], 0, 1), _insn(RET_K, RET_ERRNO | errno.ENOSYS)]
    # signals and limits: only to itself (pid 0 means "this process" for prlimit64)
    for name in ("kill", "tkill", "tgkill"):
        code += _only_if(nr[name], [_arg(0), _insn(JEQ_K, pid, 0, 1), allow, deny])
    code += [_insn(JEQ_K, nr["setrlimit"], 0, 1), allow]
    code += _only_if(nr["prlimit64"], [_arg(0), _insn(JEQ_K, 0, 1, 0), _insn(JEQ_K, pid, 0, 1),
                                       allow, deny])
    return code + [deny]


class _Fprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def install():
    """Install the allow-list for this process (after no_new_privs); None, or why it was not."""
    arch = arch_of()
    if arch is None:
        return (f"no seccomp allow-list for {platform.machine()} (only x86_64 and aarch64 are "
                f"described)")
    code = b"".join(program(os.getpid(), arch))
    libc = ctypes.CDLL(None, use_errno=True)
    buffer = ctypes.create_string_buffer(code, len(code))
    prog = _Fprog(len(code) // 8, ctypes.cast(buffer, ctypes.c_void_p))
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        return f"no_new_privs refused: {os.strerror(ctypes.get_errno())}"
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0) != 0:
        return f"the kernel refused the seccomp filter: {os.strerror(ctypes.get_errno())}"
    return None
