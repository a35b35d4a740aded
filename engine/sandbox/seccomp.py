"""A seccomp allow-list for a sandbox worker, as a classic BPF program built here (no libseccomp).

Once installed, the worker may only compute: read and write the pipes it already holds, manage
its memory and threads, read clocks and limits, and open files read-only. Everything else
fails with EPERM (the process lives on and answers with an ordinary error): no `execve`, no
process creation other than threads, no sockets, no signals outside itself, no `ptrace`, no
renaming, unlinking, truncating or chmod. Only x86_64 is described; elsewhere `install`
refuses with a reason and the service says so.
"""
import ctypes
import errno
import os
import platform
import struct

AUDIT_ARCH_X86_64 = 0xC000003E
RET_ALLOW = 0x7FFF0000
RET_ERRNO = 0x00050000
RET_KILL_PROCESS = 0x80000000
LD_W_ABS, JEQ_K, JSET_K, RET_K = 0x20, 0x15, 0x45, 0x06
PR_SET_NO_NEW_PRIVS, PR_SET_SECCOMP, SECCOMP_MODE_FILTER = 38, 22, 2
CLONE_THREAD = 0x00010000
# O_WRONLY | O_RDWR | O_CREAT | O_TRUNC | O_APPEND | O_TMPFILE's own bit (__O_TMPFILE)
WRITE_FLAGS = 0o1 | 0o2 | 0o100 | 0o1000 | 0o2000 | 0o20000000

# x86_64 numbers of the calls a confined CPython needs to go on evaluating (asm/unistd_64.h)
ALLOWED = {
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
}
OPEN, CLONE, KILL, SETRLIMIT, TKILL, TGKILL, OPENAT, PRLIMIT64, CLONE3 = (
    2, 56, 62, 160, 200, 234, 257, 302, 435)


def _insn(code, k, jt=0, jf=0):
    return struct.pack("HBBI", code, jt, jf, k & 0xFFFFFFFF)


def _arg(index):
    """Load the low 32 bits of argument `index` (struct seccomp_data, little-endian)."""
    return _insn(LD_W_ABS, 16 + 8 * index)


def _only_if(nr, test):
    """For syscall `nr`: run `test` (instructions ending in returns); others skip past it."""
    return [_insn(JEQ_K, nr, 0, len(test))] + test


def program(pid):
    """The filter's instructions for a worker whose process id is `pid`."""
    deny = _insn(RET_K, RET_ERRNO | errno.EPERM)
    allow = _insn(RET_K, RET_ALLOW)
    code = [_insn(LD_W_ABS, 4), _insn(JEQ_K, AUDIT_ARCH_X86_64, 1, 0),
            _insn(RET_K, RET_KILL_PROCESS), _insn(LD_W_ABS, 0)]
    for nr in sorted(ALLOWED.values()):
        code += [_insn(JEQ_K, nr, 0, 1), allow]
    # open/openat: read-only opens only (Landlock decides which files)
    code += _only_if(OPEN, [_arg(1), _insn(JSET_K, WRITE_FLAGS, 0, 1), deny, allow])
    code += _only_if(OPENAT, [_arg(2), _insn(JSET_K, WRITE_FLAGS, 0, 1), deny, allow])
    # threads yes, processes no; clone3 hides its flags in memory: ENOSYS makes libc use clone
    code += _only_if(CLONE, [_arg(0), _insn(JSET_K, CLONE_THREAD, 0, 1), allow, deny])
    code += [_insn(JEQ_K, CLONE3, 0, 1), _insn(RET_K, RET_ERRNO | errno.ENOSYS)]
    # signals and limits: only to itself (pid 0 means "this process" for prlimit64)
    for nr in (KILL, TKILL, TGKILL):
        code += _only_if(nr, [_arg(0), _insn(JEQ_K, pid, 0, 1), allow, deny])
    code += [_insn(JEQ_K, SETRLIMIT, 0, 1), allow]
    code += _only_if(PRLIMIT64, [_arg(0), _insn(JEQ_K, 0, 1, 0), _insn(JEQ_K, pid, 0, 1),
                                 allow, deny])
    return code + [deny]


class _Fprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def install():
    """Install the allow-list for this process (after no_new_privs); None, or why it was not."""
    if platform.machine() != "x86_64":
        return f"no seccomp allow-list for {platform.machine()} (only x86_64 is described)"
    code = b"".join(program(os.getpid()))
    libc = ctypes.CDLL(None, use_errno=True)
    buffer = ctypes.create_string_buffer(code, len(code))
    prog = _Fprog(len(code) // 8, ctypes.cast(buffer, ctypes.c_void_p))
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        return f"no_new_privs refused: {os.strerror(ctypes.get_errno())}"
    if libc.prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, ctypes.byref(prog), 0, 0) != 0:
        return f"the kernel refused the seccomp filter: {os.strerror(ctypes.get_errno())}"
    return None
