"""Which process executes a run: its host, pid and start marker (boot id + start time),
recorded when the run is claimed. A process on the same host can then tell for certain
that the owner of a ``running`` run is gone, even if its pid was reused or the machine
rebooted, and take the run over at once instead of waiting for its heartbeat to go stale.
The host includes the pid namespace: containers sharing a hostname do not see each
other's processes, so they must not judge each other's runs."""

import os
import socket
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from pipeline.db.models import Run
from pipeline.db.repositories.runs import is_silent

PROC = Path("/proc")


@dataclass(frozen=True)
class ProcessOwner:
    host: str
    pid: int
    start: str | None  # None where /proc is not available: the pid alone is checked

    @classmethod
    def current(cls) -> "ProcessOwner":
        return cls(this_host(), os.getpid(), process_start(os.getpid()))

    def as_columns(self) -> dict[str, str | int | None]:
        return {"owner_host": self.host, "owner_pid": self.pid, "owner_start": self.start}


def this_host() -> str:
    """The hostname, plus the pid namespace where there is one."""
    try:
        return f"{socket.gethostname()} {os.readlink(PROC / 'self/ns/pid')}"
    except OSError:
        return socket.gethostname()


def _boot_id() -> str | None:
    try:
        return (PROC / "sys/kernel/random/boot_id").read_text().strip()
    except OSError:
        return None


def _stat_fields(pid: int) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name (which may hold spaces and
    parentheses), so index 0 is the state and index 19 the start time; None: no such
    process (or no /proc)."""
    try:
        stat = (PROC / str(pid) / "stat").read_text()
    except OSError:
        return None
    return stat.rsplit(")", 1)[1].split()


def process_start(pid: int) -> str | None:
    boot, fields = _boot_id(), _stat_fields(pid)
    if boot is None or fields is None:
        return None
    return f"{boot}/{fields[19]}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # exists, owned by another user
    fields = _stat_fields(pid)
    return fields is None or fields[0] != "Z"  # a zombie has exited, only unreaped


class Owned(Protocol):
    """A row that records the process holding it: a run, a window of a run."""

    owner_host: str | None
    owner_pid: int | None
    owner_start: str | None


def owner_is_gone(run: Owned) -> bool:
    """True only when it is certain: the owner ran on this host and no process with its
    pid and start marker exists any more. Owners on other hosts are judged by heartbeat."""
    if run.owner_pid is None or run.owner_host != this_host():
        return False
    if not _pid_alive(run.owner_pid):
        return True
    return run.owner_start is not None and process_start(run.owner_pid) != run.owner_start


def is_abandoned(run: Run, stale_after_s: float) -> bool:
    """Nobody works on this running run any more: its owner is known to be gone, or it
    has been silent for ``stale_after_s``."""
    return owner_is_gone(run) or is_silent(run, stale_after_s)
