"""The sandbox worker's second line: after start-up it can do nothing but compute.

Should RestrictedPython ever be escaped, the code still runs in a worker that
- runs as an unprivileged user (`nobody`) when the service started it as root;
- is confined by Landlock: it may only read its own code and the Python it was loaded from;
  no writing, truncating, renaming or unlinking anywhere; no TCP bind or connect; signals and
  abstract UNIX sockets scoped to itself;
- runs under a seccomp allow-list with no_new_privs (`engine.sandbox.seccomp`): no execve,
  fork, socket, ptrace or kill outside itself.
Each layer that the kernel refuses is reported with the reason (`apply` returns the report); the
service logs it loudly and shows it in /readyz and on the administrator's page. Which kernels
give which guarantees: docs/operations.md, "Sandbox confinement".
"""
import ctypes
import os
import pwd
import struct
import sys

from engine.sandbox import seccomp

CREATE_RULESET, ADD_RULE, RESTRICT_SELF = 444, 445, 446  # same numbers on every architecture
RULESET_VERSION = 1
RULE_PATH_BENEATH = 1
FS_EXECUTE, FS_READ_FILE, FS_READ_DIR = 1 << 0, 1 << 2, 1 << 3
FS_BITS_BY_ABI = {1: 13, 2: 14, 3: 15, 4: 15, 5: 16}  # how many access rights each ABI knows
NET_TCP = (1 << 0) | (1 << 1)                          # bind and connect (ABI 4)
SCOPE_ALL = (1 << 0) | (1 << 1)                        # abstract UNIX sockets, signals (ABI 6)
UNPRIVILEGED = "nobody"


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def _error():
    return os.strerror(ctypes.get_errno())


def landlock_abi():
    """The kernel's Landlock ABI version (0 when it has none or it is disabled)."""
    version = _libc().syscall(CREATE_RULESET, None, ctypes.c_size_t(0),
                              ctypes.c_uint32(RULESET_VERSION))
    return max(int(version), 0)


def readable_roots():
    """Directories the worker may still read: its own package and the Python it runs on."""
    here = os.path.dirname(os.path.abspath(__file__))
    engine_dir = os.path.dirname(here)
    roots = {engine_dir, sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    roots |= {p for p in sys.path if p and os.path.isdir(p)}
    # never the project root itself: it holds instance/ (secret key, SQLite file)
    project = os.path.dirname(engine_dir)
    return sorted(r for r in roots if os.path.isdir(r) and os.path.abspath(r) != project)


def _landlock(abi):
    fs_bits = FS_BITS_BY_ABI.get(abi, 16)
    handled_fs = (1 << fs_bits) - 1
    handled_net = NET_TCP if abi >= 4 else 0
    scoped = SCOPE_ALL if abi >= 6 else 0
    attr = struct.pack("QQQ", handled_fs, handled_net, scoped)
    size = 8 if abi < 4 else 16 if abi < 6 else 24
    libc = _libc()
    ruleset = libc.syscall(CREATE_RULESET, attr, ctypes.c_size_t(size), ctypes.c_uint32(0))
    if ruleset < 0:
        return f"Landlock ruleset refused: {_error()}"
    try:
        for root in readable_roots():
            try:
                fd = os.open(root, os.O_PATH | os.O_CLOEXEC)
            except OSError:
                continue
            try:
                rule = struct.pack("=Qi", FS_READ_FILE | FS_READ_DIR | FS_EXECUTE, fd)
                if libc.syscall(ADD_RULE, ruleset, RULE_PATH_BENEATH, rule, ctypes.c_uint32(0)):
                    return f"Landlock rule for {root} refused: {_error()}"
            finally:
                os.close(fd)
        if libc.syscall(RESTRICT_SELF, ruleset, ctypes.c_uint32(0)):
            return f"Landlock restrict_self refused: {_error()}"
    finally:
        os.close(ruleset)
    return None


def drop_privileges():
    """Become `nobody` when running as root; None, or the reason it did not happen."""
    if os.geteuid() != 0:
        return None
    try:
        entry = pwd.getpwnam(UNPRIVILEGED)
        uid, gid = entry.pw_uid, entry.pw_gid
    except KeyError:
        uid = gid = 65534
    try:
        os.setgroups([])
        os.setresgid(gid, gid, gid)
        os.setresuid(uid, uid, uid)
    except OSError as exc:
        return f"could not drop root: {exc}"
    return None


def apply(enabled=True):
    """Lock this process down; return {layer: "on ..." | "off: reason"} for every layer."""
    if not enabled:
        off = "off: disabled by FORLOB_SANDBOX_LOCKDOWN=0"
        return {"user": off, "landlock": off, "seccomp": off}
    report = {}
    was_root = os.geteuid() == 0
    problem = drop_privileges()
    report["user"] = (f"off: {problem}" if problem else
                      f"on ({UNPRIVILEGED})" if was_root else f"on (uid {os.geteuid()}, not root)")
    # no_new_privs first: Landlock needs it from an unprivileged process, seccomp too
    if _libc().prctl(seccomp.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        report["no_new_privs"] = f"off: {_error()}"
    abi = landlock_abi()
    if abi <= 0:
        report["landlock"] = f"off: the kernel has no Landlock ({_error()})"
    else:
        problem = _landlock(abi)
        limits = "files" + (", TCP" if abi >= 4 else "") + (", signals" if abi >= 6 else "")
        report["landlock"] = f"off: {problem}" if problem else f"on (ABI {abi}: {limits})"
    problem = seccomp.install()
    report["seccomp"] = f"off: {problem}" if problem else "on (allow-list, no_new_privs)"
    return report
