"""`mlledger up` in the foreground: start the stack, keep it running, stop it on a signal.

Stop signals are handled from the first moment, before anything is started, and only set a
flag: start-up checks it wherever it waits and unwinds, stopping what it had started, so no
signal can land between starting a child and recording it. Every child also dies with this
process (see `process.py`), so even a SIGKILL of `mlledger up` leaves nothing running.
"""

from __future__ import annotations

import signal
import time
from types import FrameType

from rich.console import Console
from rich.table import Table

from mlledger.services.stack.process import StartCancelled
from mlledger.services.stack.supervisor import Stack
from mlledger.services.stack.watch import GaveUp, Watch

#: How often components are checked.
CHECK_INTERVAL = 0.5


class StopRequest:
    """Set by a signal handler, polled by whatever waits.

    A plain attribute rather than a threading.Event: a handler that took the Event's lock while
    the interrupted code held it would deadlock.
    """

    def __init__(self) -> None:
        self.signal: int | None = None

    def is_set(self) -> bool:
        return self.signal is not None

    def wait(self, timeout: float) -> bool:
        """Sleep until the request is set or `timeout` seconds have passed; returns is_set()."""
        deadline = time.monotonic() + timeout
        while not self.is_set() and time.monotonic() < deadline:
            time.sleep(min(0.05, max(deadline - time.monotonic(), 0.0)))
        return self.is_set()

    def install(self) -> None:
        """Make SIGINT, SIGTERM and SIGHUP set this request instead of killing the process.

        SIGINT is taken over even when inherited as ignored (a shell's background job, some
        service managers), so `kill -INT` stops the stack from anywhere. SIGHUP stays ignored
        under `nohup`, which asks for exactly that.
        """

        def request_stop(signum: int, frame: FrameType | None) -> None:
            self.signal = signum

        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)
        if signal.getsignal(signal.SIGHUP) is not signal.SIG_IGN:
            signal.signal(signal.SIGHUP, request_stop)


def _banner(console: Console, stack: Stack, version: str, seconds: float) -> None:
    table = Table(title=f"mlledger {version} is up ({seconds:.1f}s)", show_header=True)
    table.add_column("component")
    table.add_column("address")
    for name, address in stack.describe().items():
        table.add_row(name, address)
    console.print(table)
    data_dir = stack.config.data_dir
    tracking = stack.endpoints.get("tracking", "")
    console.print(f"data: {data_dir}   logs: {data_dir / 'logs'}   SDK: MLLEDGER_TRACKING_URI={tracking}",
                  markup=False)
    if stack.config.extra_env.get("MLLEDGER_AUTH") == "1":
        console.print(f"authentication on: the administrator's token is MLLEDGER_AUTH_ADMIN_TOKEN in "
                      f"{data_dir / 'auth.env'} (export MLLEDGER_TOKEN=<it>, then `mlledger tokens create`)",
                      markup=False)
    if stack.config.gateway_port:
        console.print(f"UI: http://127.0.0.1:{stack.config.gateway_port}/", markup=False)
        console.print(f"MLflow clients: MLFLOW_TRACKING_URI=http://127.0.0.1:{stack.config.gateway_port}",
                      markup=False)
    console.print("Press Ctrl-C to stop.")


def run(stack: Stack, stopping: StopRequest, console: Console, version: str) -> int:
    """Start `stack`, supervise it until `stopping` is set, stop it; returns the exit code.

    Raises PortTaken or RuntimeError (with everything stopped) when the stack cannot start.
    """
    started = time.monotonic()
    try:
        with console.status("starting PostgreSQL, NATS and the services…"):
            stack.check_ports()
            stack.start()  # stops whatever it started when it fails or is cancelled
    except StartCancelled:
        console.print("interrupted while starting; everything started was stopped.")
        return 0
    _banner(console, stack, version, time.monotonic() - started)

    def report(line: str) -> None:
        console.print(f"{time.strftime('%H:%M:%S')} {line}", style="yellow", markup=False, highlight=False)

    code = 0
    try:
        watch = Watch(stack.components(), report)
        while not stopping.wait(CHECK_INTERVAL):
            watch.check()
    except StartCancelled:
        pass  # a stop was asked for while a component was being restarted
    except GaveUp as exc:
        console.print(str(exc), style="bold red", markup=False, highlight=False)
        code = 1
    finally:
        with console.status("stopping…"):
            stack.stop()
    console.print("stopped.")
    return code
