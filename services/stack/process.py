"""Stopping the child processes of a stack: gracefully with a deadline, or as a crash would."""

from __future__ import annotations

import os
import signal
import subprocess


def terminate(process: subprocess.Popen[bytes] | None, sig: int = signal.SIGTERM, timeout: float = 15.0) -> None:
    """Send `sig` and wait up to `timeout` seconds; kill the process if it is still running then."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(sig)
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def crash(process: subprocess.Popen[bytes] | None) -> None:
    """SIGKILL the process and its process group (started with start_new_session), as a power cut would."""
    if process is None or process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()
