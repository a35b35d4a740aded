"""The sandbox's settings, and the CPU priority and process group they give each lane's processes."""
import logging
import os
import threading

log = logging.getLogger(__name__)


def _env_float(name, default):
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


SETTINGS = {
    "enabled": os.environ.get("FORLOB_ISOLATION", "1") != "0",
    "click_budget_s": _env_float("FORLOB_CLICK_BUDGET_S", 2.0),
    "memory_mb": int(_env_float("FORLOB_SANDBOX_MEMORY_MB", 256)),
    "workers": int(_env_float("FORLOB_SANDBOX_WORKERS", 4)),          # clinical lane
    "owner_workers": int(_env_float("FORLOB_SANDBOX_OWNER_WORKERS", 2)),  # owner lane
    "lockdown": os.environ.get("FORLOB_SANDBOX_LOCKDOWN", "1") != "0",
    "niceness": int(_env_float("FORLOB_SANDBOX_NICE", 10)),                # clinical lane
    # Owners' workers get the lowest CPU priority: under load a CPU goes to a clinician's
    # evaluation (nice 10, weight 110) about 7 times as often as to an owner's (nice 19, weight 15).
    "owner_niceness": int(_env_float("FORLOB_SANDBOX_OWNER_NICE", 19)),
    # ... and the SCHED_IDLE policy: a clinician's process that wakes up preempts them at once,
    # where nice alone lets them finish their time slice first (a few ms, at every wakeup)
    "owner_idle": os.environ.get("FORLOB_SANDBOX_OWNER_IDLE", "1") != "0",
    "slow_cgroup": os.environ.get("FORLOB_SANDBOX_SLOW_CGROUP", ""),
}


def configure(**settings):
    """Change settings (click_budget_s, memory_mb, workers, owner_workers, niceness,
    owner_niceness, lockdown, enabled); unknown keys are refused. Workers already running
    keep the limits they started with."""
    unknown = set(settings) - set(SETTINGS)
    if unknown:
        raise ValueError(f"unknown isolation settings: {sorted(unknown)}")
    SETTINGS.update({k: v for k, v in settings.items() if v is not None})


def settings():
    """A copy of the current settings (e.g. to hand to a child process's `configure`)."""
    return dict(SETTINGS)


def lower_thread_priority(niceness=None):
    """Give the calling thread, and threads it starts later, the owners' CPU niceness.

    On Linux `setpriority(PRIO_PROCESS, tid)` renices one thread only. Use it for a thread that
    does process owners' work in a process of its own (the worker's migration lane), never in
    the web process, where a starved thread holding the interpreter lock would make a
    clinician's thread wait for it. True when the thread now runs at that niceness or lower.
    """
    wanted = SETTINGS["owner_niceness"] if niceness is None else niceness
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, max(os.getpriority(os.PRIO_PROCESS, tid), wanted))
    except (OSError, AttributeError) as exc:  # not Linux, or refused
        log.warning("could not lower this thread's CPU priority: %s", exc)
        return False
    return True


def lower_process_priority(lane="owner"):
    """Give the calling thread of a new child process `lane`'s CPU priority (before it works)."""
    try:
        os.setpriority(os.PRIO_PROCESS, 0, niceness(lane))
        if lane == "owner" and SETTINGS["owner_idle"]:
            os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except (OSError, AttributeError) as exc:  # not Linux, or refused
        log.warning("could not lower this process's CPU priority: %s", exc)


def priority_code(lane):
    """Python statements that give a new process of `lane` its CPU priority (first thing)."""
    code = f"os.setpriority(os.PRIO_PROCESS, 0, {niceness(lane)})"
    if lane == "owner" and SETTINGS["owner_idle"]:
        code += "; os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))"
    return code


def niceness(lane):
    """The CPU niceness a new worker of `lane` gives itself."""
    return SETTINGS["owner_niceness" if lane == "owner" else "niceness"]


def process_group(lane):
    """Popen arguments that give a new process of `lane` a process group of its own (a
    terminal's Ctrl-C does not reach it; `os.killpg` ends a scenario process's group).

    Owners' processes stay in the service's session. On a kernel with autogroups (Linux's
    CONFIG_SCHED_AUTOGROUP, on in most distributions' kernels, when the service is not in a
    cgroup of its own) a new session is a new scheduling group that competes with the whole
    service as an equal: niceness and SCHED_IDLE then rank a process only inside its session.
    With a session per owner's worker and scenario process, eight of them took two cores from
    a clinician's click as equals (its p95 went from 15 to 50 ms, docs/performance.md).
    Clinicians' workers keep sessions of their own, as before (it favours them: each competes
    with the whole service as an equal)."""
    return {"process_group": 0} if lane == "owner" else {"start_new_session": True}
