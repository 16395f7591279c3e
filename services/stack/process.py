"""Child processes of a stack: started so that they die with their parent, stopped with their group.

Every child runs in a session (and process group) of its own, so a Ctrl-C on the terminal
reaches only the parent, which stops the children in order. On Linux a child spawned from the
main thread also gets a parent-death signal (`prctl(PR_SET_PDEATHSIG)`, set by util-linux `setpriv`): if the parent dies in
any way, SIGKILL included, the kernel signals the child, so nothing is left behind. The kernel
sends that signal when the *thread* that forked the child ends, which is why children spawned
from other threads (a test's timer, say) do not get it; they are still stopped on every
ordinary exit path of their owner.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any, Protocol

class StartCancelled(Exception):
    """The stack was asked to stop while a component was starting."""


class Cancel(Protocol):
    """Anything that says whether a start in progress should be abandoned (e.g. a threading.Event)."""

    def is_set(self) -> bool: ...


def check_cancelled(cancel: Cancel | None) -> None:
    """Raise StartCancelled if `cancel` is set: start-up steps call this wherever they wait."""
    if cancel is not None and cancel.is_set():
        raise StartCancelled("stopped while starting")


def _death_signal_wrapper() -> list[str] | None:
    """The command prefix that sets a parent-death signal before exec (util-linux `setpriv`), if any."""
    if not sys.platform.startswith("linux"):
        return None
    setpriv = shutil.which("setpriv")
    return [setpriv] if setpriv else None


# Resolved once: the prefix is looked up on PATH, which does not change while a stack runs.
_setpriv = _death_signal_wrapper()

#: Run after the death signal is set, before the command: a parent that died before that moment
#: would never signal, so the child checks that its parent is still the one that spawned it
#: (its first argument) and otherwise exits as if signalled, instead of living on as an orphan.
_UNLESS_ORPHANED = '[ "$PPID" = "$1" ] || exit 143; shift; exec "$@"'


def dies_with_parent() -> bool:
    """Whether a child spawned from the calling thread now gets a parent-death signal."""
    return _setpriv is not None and threading.current_thread() is threading.main_thread()


def spawn(args: Sequence[str], *, log: IO[bytes] | None = None, death_signal: int = signal.SIGTERM,
          **options: Any) -> subprocess.Popen[bytes]:
    """Start `args` in a session of its own, output to `log`; it gets `death_signal` when this process dies.

    The death signal is set by `setpriv` between exec calls rather than by a `preexec_fn`: running
    Python code between fork and exec in a process whose gRPC threads are busy can crash the child.
    """
    command = list(args)
    if dies_with_parent():
        name = signal.Signals(death_signal).name.removeprefix("SIG")
        command = [*_setpriv, "--pdeathsig", name, "--", "sh", "-c", _UNLESS_ORPHANED, "sh", str(os.getpid()),
                   *command]  # type: ignore[misc]
    streams: dict[str, Any] = {"stdin": subprocess.DEVNULL, "stdout": subprocess.DEVNULL if log is None else log,
                               "stderr": subprocess.DEVNULL if log is None else subprocess.STDOUT}
    return subprocess.Popen(command, start_new_session=True, **{**streams, **options})


def open_log(path: Path) -> IO[bytes]:
    """The log file a child writes to (appended to, created with its folder if need be)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    return open(path, "ab")  # the caller closes it once the child holds its own copy


def _has_exited(process: subprocess.Popen[bytes]) -> bool:
    """Whether the process has exited, without reaping it (its pid stays reserved until it is)."""
    if process.returncode is not None:
        return True
    try:
        return os.waitid(os.P_PID, process.pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except ChildProcessError:  # already reaped elsewhere
        return True


def _wait_exited(process: subprocess.Popen[bytes], timeout: float) -> bool:
    """Wait up to `timeout` seconds for the process to exit, without reaping it."""
    deadline = time.monotonic() + timeout
    pause = 0.005
    while not _has_exited(process):
        if time.monotonic() >= deadline:
            return False
        time.sleep(pause)
        pause = min(pause * 2, 0.05)
    return True


def _kill_group(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL whatever is left in the process's group (e.g. backends of a killed postmaster)."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def reap(process: subprocess.Popen[bytes] | None) -> int | None:
    """The exit code of a child that has exited (its group torn down, the child reaped), else None."""
    if process is None:
        return None
    if process.returncode is not None:
        return process.returncode
    if not _has_exited(process):
        return None
    # The unreaped leader keeps its pid (the group's id) from being reused while the group is killed.
    _kill_group(process)
    return process.wait()


def terminate(process: subprocess.Popen[bytes] | None, sig: int = signal.SIGTERM, timeout: float = 15.0) -> None:
    """Send `sig` and wait up to `timeout` seconds; then kill the process and what is left of its group."""
    if process is None or process.returncode is not None:
        return
    if not _has_exited(process):
        os.kill(process.pid, sig)  # not Popen.send_signal: it would reap the child before its group is killed
        _wait_exited(process, timeout)
    _kill_group(process)
    process.wait()


def crash(process: subprocess.Popen[bytes] | None) -> None:
    """SIGKILL the process and its process group, as a power cut would."""
    if process is None or process.returncode is not None:
        return
    _kill_group(process)
    process.wait()


def describe_exit(code: int) -> str:
    """`exit code 1` or `killed by SIGKILL`, for messages."""
    if code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"
