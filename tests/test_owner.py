"""A run's owner process: recognised as gone only when that is certain (same host, no
process with its pid and start marker)."""

import os
import subprocess
import sys

from pipeline.coordinator.owner import ProcessOwner, owner_is_gone, process_start
from pipeline.db.models import Run


def owned_by(owner: ProcessOwner) -> Run:
    return Run(**owner.as_columns())


def reaped_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_this_process_is_alive() -> None:
    assert not owner_is_gone(owned_by(ProcessOwner.current()))


def test_an_exited_process_is_gone() -> None:
    me = ProcessOwner.current()
    assert owner_is_gone(owned_by(ProcessOwner(me.host, reaped_pid(), None)))


def test_an_exited_but_unreaped_process_is_gone() -> None:
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(0.5)"])
    try:
        owner = ProcessOwner(ProcessOwner.current().host, process.pid, process_start(process.pid))
        assert not owner_is_gone(owned_by(owner))
        os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOWAIT)  # exited, left a zombie
        assert owner_is_gone(owned_by(owner))
    finally:
        process.wait()


def test_a_reused_pid_is_recognised_by_its_start_marker() -> None:
    me = ProcessOwner.current()
    assert me.start is not None  # Linux: boot id and start time from /proc
    assert owner_is_gone(owned_by(ProcessOwner(me.host, me.pid, me.start + "0")))


def test_owners_on_other_hosts_and_runs_without_owner_are_left_to_heartbeats() -> None:
    assert not owner_is_gone(owned_by(ProcessOwner("elsewhere", reaped_pid(), None)))
    assert not owner_is_gone(Run())
