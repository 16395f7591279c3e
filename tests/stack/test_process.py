"""Child processes die with their parent, and a dead child's whole group is torn down when it is reaped."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

from mlledger.services.stack.process import reap, spawn, terminate
from tests.stack.helpers import _stat, wait_until


def test_a_child_dies_with_a_killed_parent() -> None:
    """A process started with spawn() gets its death signal when its parent is SIGKILLed."""
    parent = subprocess.Popen([sys.executable, "-c", textwrap.dedent("""
        import sys, time
        from mlledger.services.stack.process import spawn
        child = spawn(["sleep", "300"])
        print(child.pid, flush=True)
        time.sleep(300)
    """)], stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout is not None
        child = int(parent.stdout.readline())
        assert _stat(child) is not None
        parent.kill()
        parent.wait()
        wait_until(lambda: _stat(child) is None or _stat(child)[0] == "Z", "the child to die", timeout=30)  # type: ignore[index]
    finally:
        parent.kill()
        parent.wait()


def test_a_child_whose_parent_dies_at_once_does_not_outlive_it() -> None:
    """A parent that dies right after spawn(), possibly before the death signal is set in the
    child, still leaves no child behind: the child notices it was orphaned and exits."""
    children = []
    for _ in range(30):
        parent = subprocess.run([sys.executable, "-c", textwrap.dedent("""
            import os
            from mlledger.services.stack.process import spawn
            print(spawn(["sleep", "300"]).pid, flush=True)
            os._exit(0)
        """)], stdout=subprocess.PIPE, text=True, check=True)
        children.append(int(parent.stdout))
    try:
        for child in children:
            wait_until(lambda: _stat(child) is None or _stat(child)[0] == "Z", "the child to die", timeout=30)  # type: ignore[index]
    finally:
        for child in children:
            if _stat(child) is not None:
                os.kill(child, signal.SIGKILL)


def test_reaping_a_dead_child_kills_what_is_left_of_its_group() -> None:
    """When a group leader dies (as a killed postmaster does), reap() kills the rest of its group and reaps it."""
    leader = spawn(["sh", "-c", "sleep 300 & echo $!; wait"], stdout=subprocess.PIPE)
    try:
        assert leader.stdout is not None
        straggler = int(leader.stdout.readline())
        assert reap(leader) is None  # still running
        os.kill(leader.pid, signal.SIGKILL)
        wait_until(lambda: reap(leader) is not None, "the leader to be reaped", timeout=30)
        assert leader.returncode == -signal.SIGKILL
        assert _stat(leader.pid) is None  # reaped: no zombie left
        wait_until(lambda: _stat(straggler) is None or _stat(straggler)[0] == "Z", "the straggler to die", timeout=30)  # type: ignore[index]
    finally:
        terminate(leader, signal.SIGKILL, 1.0)


def test_terminate_escalates_to_sigkill() -> None:
    """A child that ignores the polite signal is killed once the timeout has passed."""
    stubborn = spawn(["sh", "-c", "trap '' TERM; echo ready; while :; do sleep 0.1; done"], stdout=subprocess.PIPE)
    assert stubborn.stdout is not None
    stubborn.stdout.readline()
    terminate(stubborn, signal.SIGTERM, 0.5)
    assert stubborn.returncode == -signal.SIGKILL
