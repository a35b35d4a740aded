"""The seccomp allow-list is built for x86_64 and aarch64: run its BPF program on both.

The program is classic BPF; a small interpreter of the four instructions it uses runs it on a
`struct seccomp_data` (nr, arch, instruction pointer, six arguments), as the kernel would. So
the test checks, for each architecture, the arch check, that each denied call maps to that
architecture's number (and is refused) and that the calls CPython needs are allowed.
"""
import errno
import struct

import pytest

from engine.sandbox import seccomp

PID = 4242
ALLOW, KILL = seccomp.RET_ALLOW, seccomp.RET_KILL_PROCESS
EPERM = seccomp.RET_ERRNO | errno.EPERM
ENOSYS = seccomp.RET_ERRNO | errno.ENOSYS
# numbers from include/uapi/asm-generic/unistd.h (aarch64) and syscall_64.tbl (x86_64)
NUMBERS = {
    "aarch64": {"execve": 221, "socket": 198, "connect": 203, "bind": 200, "ptrace": 117,
                "unlinkat": 35, "renameat2": 276, "ftruncate": 46, "fchmodat": 53,
                "openat": 56, "clone": 220, "clone3": 435, "kill": 129, "tgkill": 131,
                "prlimit64": 261, "read": 63, "write": 64, "mmap": 222, "futex": 98,
                "newfstatat": 79, "exit_group": 94, "getrandom": 278},
    "x86_64": {"execve": 59, "socket": 41, "connect": 42, "bind": 49, "ptrace": 101,
               "unlinkat": 263, "renameat2": 316, "ftruncate": 77, "fchmodat": 268,
               "openat": 257, "clone": 56, "clone3": 435, "kill": 62, "tgkill": 234,
               "prlimit64": 302, "read": 0, "write": 1, "mmap": 9, "futex": 202,
               "newfstatat": 262, "exit_group": 231, "getrandom": 318,
               "open": 2, "fork": 57, "vfork": 58, "rename": 82, "unlink": 87},
}


def run(code, nr, arch, args=(0,) * 6):
    """What the kernel's BPF interpreter would return for this call."""
    args = [a & 0xFFFFFFFFFFFFFFFF for a in (list(args) + [0] * 6)[:6]]  # as the registers hold them
    data = struct.pack("<iIQ6Q", nr, arch, 0, *args)
    acc, pc = 0, 0
    while True:
        op, jt, jf, k = struct.unpack("HBBI", code[pc])
        pc += 1
        if op == seccomp.LD_W_ABS:
            acc = struct.unpack_from("<I", data, k)[0]
        elif op == seccomp.JEQ_K:
            pc += jt if acc == k else jf
        elif op == seccomp.JSET_K:
            pc += jt if acc & k else jf
        elif op == seccomp.RET_K:
            return k
        else:
            raise AssertionError(f"unexpected BPF instruction {op:#x}")


@pytest.fixture(params=["x86_64", "aarch64"])
def arch(request):
    return request.param, seccomp.arch_of(request.param)


def test_each_machine_name_selects_its_table():
    assert seccomp.arch_of("x86_64") is seccomp.X86_64
    assert seccomp.arch_of("aarch64") is seccomp.arch_of("arm64") is seccomp.AARCH64
    assert seccomp.arch_of("riscv64") is None
    assert (seccomp.X86_64.audit, seccomp.AARCH64.audit) == (0xC000003E, 0xC00000B7)


def test_the_program_is_well_formed(arch):
    _name, table = arch
    code = seccomp.program(PID, table)
    assert all(len(insn) == 8 for insn in code) and len(code) < 4096  # BPF_MAXINSNS
    for pc, insn in enumerate(code):  # every jump lands inside the program
        op, jt, jf, _k = struct.unpack("HBBI", insn)
        if op in (seccomp.JEQ_K, seccomp.JSET_K):
            assert pc + 1 + max(jt, jf) < len(code)
    assert struct.unpack("HBBI", code[-1])[3] == EPERM  # whatever is not listed is refused


def test_another_calling_convention_kills_the_process(arch):
    name, table = arch
    code = seccomp.program(PID, table)
    other = seccomp.AARCH64.audit if name == "x86_64" else seccomp.X86_64.audit
    for nr in (NUMBERS[name]["read"], NUMBERS[name]["execve"]):
        assert run(code, nr, other) == KILL
        assert run(code, nr, 0x40000003) == KILL  # i386, e.g. x86_64's int 0x80 entry


def test_what_cpython_needs_is_allowed_and_numbers_match_the_kernel(arch):
    name, table = arch
    code = seccomp.program(PID, table)
    for call in ("read", "write", "mmap", "futex", "newfstatat", "exit_group", "getrandom"):
        assert table.allowed[call] == NUMBERS[name][call]
        assert run(code, NUMBERS[name][call], table.audit) == ALLOW, call
    for call in ("openat", "clone", "clone3", "kill", "tgkill", "prlimit64"):
        assert table.checked[call] == NUMBERS[name][call]


def test_execve_sockets_ptrace_and_file_changes_are_refused(arch):
    name, table = arch
    code = seccomp.program(PID, table)
    refused = ["execve", "socket", "connect", "bind", "ptrace", "unlinkat", "renameat2",
               "ftruncate", "fchmodat"]
    if name == "x86_64":
        refused += ["fork", "vfork", "rename", "unlink"]
    for call in refused:
        assert NUMBERS[name][call] not in table.allowed.values(), call
        assert run(code, NUMBERS[name][call], table.audit) == EPERM, call


def test_only_read_only_opens_threads_and_signals_to_itself(arch):
    name, table = arch
    code = seccomp.program(PID, table)
    openat, clone, kill = (NUMBERS[name][c] for c in ("openat", "clone", "kill"))
    assert run(code, openat, table.audit, (-100, 0, 0o2000000)) == ALLOW  # O_RDONLY|O_CLOEXEC
    for flags in (0o1, 0o2, 0o100, 0o1000, 0o2000, 0o20200000):  # write, create, truncate, tmp
        assert run(code, openat, table.audit, (-100, 0, flags)) == EPERM, oct(flags)
    assert run(code, clone, table.audit, (0x3D0F00,)) == ALLOW  # pthread_create's flags
    assert run(code, clone, table.audit, (17,)) == EPERM         # fork(): SIGCHLD only
    assert run(code, NUMBERS[name]["clone3"], table.audit) == ENOSYS
    assert run(code, kill, table.audit, (PID, 9)) == ALLOW
    assert run(code, kill, table.audit, (1, 9)) == EPERM
    assert run(code, NUMBERS[name]["tgkill"], table.audit, (PID + 1, PID + 1, 9)) == EPERM
    prlimit = NUMBERS[name]["prlimit64"]
    assert run(code, prlimit, table.audit, (0,)) == ALLOW
    assert run(code, prlimit, table.audit, (PID,)) == ALLOW
    assert run(code, prlimit, table.audit, (1,)) == EPERM
    if name == "aarch64":  # no open(2) there: 2 is io_submit, which stays refused
        assert "open" not in table.checked and run(code, 2, table.audit) == EPERM
    else:
        assert run(code, 2, table.audit, (0, 0o1)) == EPERM
        assert run(code, 2, table.audit, (0, 0)) == ALLOW
