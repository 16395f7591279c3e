"""The local backend: the command runs as a child process group; its output goes to the terminal and the run.

The child gets its own session, so stopping it (Ctrl-C on `mlledger run`, or `cancel()`) reaches
everything it started: SIGINT first (a Python child flushes its metrics), then SIGTERM, then SIGKILL.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

from mlledger.client import Client
from mlledger.projects._submitted import TERMINAL_STATUSES, SubmittedRun

OUTPUT_ARTIFACT = "project/output.log"
EXIT_CODE_TAG = "mlledger.project.exitCode"
_STOP_STEPS = ((signal.SIGINT, 5.0), (signal.SIGTERM, 3.0), (signal.SIGKILL, 5.0))


class LocalSubmittedRun(SubmittedRun):
    """A project command running as a local process group, tied to its tracked run."""

    def __init__(self, run_id: str, client: Client, argv: list[str], cwd: Path, env: dict[str, str],
                 on_end: Callable[[], None] = lambda: None, echo: BinaryIO | None = None,
                 artifact_uri: str | None = None) -> None:
        self._run_id = run_id
        self._artifact_uri = artifact_uri
        self._client = client
        self._on_end = on_end
        # Notebooks replace sys.stdout with an object without a byte buffer: decode for those.
        self._echo = echo if echo is not None else getattr(sys.stdout, "buffer", None)
        self._status = "RUNNING"
        self._cancelled = False
        self._lock = threading.Lock()
        # An Event, not Thread.join: a join interrupted by Ctrl-C can leave the thread looking finished.
        self._done = threading.Event()
        self._log_dir = Path(tempfile.mkdtemp(prefix="mlledger-output-"))
        self.log_path = self._log_dir / "output.log"
        self._process = subprocess.Popen(argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        self.pid = self._process.pid
        self._reader = threading.Thread(target=self._copy_output, name=f"output-{run_id}", daemon=True)
        self._reader.start()
        self._monitor = threading.Thread(target=self._finish, name=f"monitor-{run_id}")
        self._monitor.start()

    @property
    def run_id(self) -> str:
        return self._run_id

    @property
    def exit_code(self) -> int | None:
        """The command's exit code (negative: killed by that signal), None while it runs."""
        return self._process.returncode

    def wait(self) -> bool:
        try:
            while not self._done.wait(0.2):  # short waits keep Ctrl-C responsive
                pass
        except KeyboardInterrupt:
            self.cancel()
            raise
        return self._status == "FINISHED"

    def get_status(self) -> str:
        return self._status

    def cancel(self) -> None:
        with self._lock:
            if self._status in TERMINAL_STATUSES:
                return
            self._cancelled = True
        self._stop_group()
        self._done.wait()

    def _stop_group(self) -> None:
        for sig, grace in _STOP_STEPS:
            try:
                os.killpg(self._process.pid, sig)
            except ProcessLookupError:
                return
            deadline = time.monotonic() + grace
            while time.monotonic() < deadline:
                if not _group_alive(self._process.pid):  # the monitor thread reaps the child
                    return
                time.sleep(0.05)

    def _copy_output(self) -> None:
        assert self._process.stdout is not None
        with open(self.log_path, "wb") as log:
            fd = self._process.stdout.fileno()
            while chunk := os.read(fd, 65536):
                log.write(chunk)
                try:
                    if self._echo is not None:
                        self._echo.write(chunk)
                        self._echo.flush()
                    else:
                        sys.stdout.write(chunk.decode(errors="replace"))
                except (OSError, ValueError):
                    pass  # the terminal went away; the log still gets everything

    def _finish(self) -> None:
        code = self._process.wait()
        if self._cancelled:
            _kill_leftovers(self._process.pid)
        self._reader.join(10)
        with self._lock:
            status = "KILLED" if self._cancelled else "FINISHED" if code == 0 else "FAILED"
        try:
            self._client.set_tag(self._run_id, EXIT_CODE_TAG, code)
            artifact_uri = self._artifact_uri or self._client.get_artifact_uri(self._run_id)
            self._client.upload_artifact_uri(artifact_uri, self.log_path, OUTPUT_ARTIFACT)
        except Exception as exc:  # noqa: BLE001 - the status below must still be recorded
            print(f"mlledger: could not save the output of run {self._run_id}: {exc}", file=sys.stderr)
        try:
            self._client.set_terminated(self._run_id, status)
        finally:
            self._status = status
            try:
                self._on_end()
            finally:
                self._done.set()


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _kill_leftovers(pgid: int) -> None:
    """Children of a cancelled command that outlived it are killed too."""
    if _group_alive(pgid):
        try:
            os.killpg(pgid, signal.SIGKILL)
        except ProcessLookupError:
            pass
