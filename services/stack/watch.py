"""Supervision for `mlledger up`: notice a component that dies, restart it with back-off, give up clearly.

A component that exits is reaped at once (so no zombie keeps its pid, or PostgreSQL's lock
file, alive), reported, and started again after a delay that doubles with each failure in a
row (0.5 s, 1 s, 2 s, ...). A start that fails counts as a failure too. A component that has
stayed up for `stable_after` seconds starts counting afresh; one that fails `max_failures`
times in a row makes the watch give up, and `mlledger up` then stops the whole stack.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from mlledger.services.stack.process import StartCancelled, describe_exit, reap


@dataclass(frozen=True)
class Component:
    """Something the stack started and can start again."""

    #: As printed: "PostgreSQL", "NATS", "the tracking service".
    name: str
    process: Callable[[], subprocess.Popen[bytes] | None]
    restart: Callable[[], None]
    log_file: Path


class GaveUp(RuntimeError):
    """A component failed too many times in a row; the stack should stop."""

    def __init__(self, component: Component, failures: int, last: str) -> None:
        super().__init__(
            f"{component.name} failed {failures} times in a row (last: {last}); stopping the stack. "
            f"See its log: {component.log_file}"
        )
        self.component = component


@dataclass
class _State:
    failures: int = 0
    running: bool = True
    up_since: float = 0.0
    retry_at: float = 0.0


class Watch:
    """Checks components each time `check()` is called; reports through `report(line)`."""

    def __init__(self, components: Sequence[Component], report: Callable[[str], None], *,
                 first_delay: float = 0.5, max_delay: float = 10.0, max_failures: int = 5,
                 stable_after: float = 30.0) -> None:
        self.components = list(components)
        self.report = report
        self.first_delay = first_delay
        self.max_delay = max_delay
        self.max_failures = max_failures
        self.stable_after = stable_after
        now = time.monotonic()
        self._states = {component.name: _State(up_since=now) for component in self.components}

    def check(self) -> None:
        """Reap and report what died, restart what is due; GaveUp after too many failures in a row."""
        for component in self.components:
            state = self._states[component.name]
            if state.running:
                self._check_running(component, state)
            elif time.monotonic() >= state.retry_at:
                self._restart(component, state)

    def _check_running(self, component: Component, state: _State) -> None:
        code = reap(component.process())
        if code is None:
            return
        if time.monotonic() - state.up_since >= self.stable_after:
            state.failures = 0
        state.running = False
        self._failed(component, state, f"{component.name} died ({describe_exit(code)})", describe_exit(code))

    def _restart(self, component: Component, state: _State) -> None:
        try:
            component.restart()
        except StartCancelled:
            raise
        except Exception as exc:  # noqa: BLE001 - any failure to start is reported and retried
            reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            self._failed(component, state, f"{component.name} did not restart: {reason}", reason)
            return
        state.running = True
        state.up_since = time.monotonic()
        process = component.process()
        self.report(f"{component.name} is back" + (f" (pid {process.pid})" if process is not None else ""))

    def _failed(self, component: Component, state: _State, what: str, last: str) -> None:
        state.failures += 1
        if state.failures >= self.max_failures:
            raise GaveUp(component, state.failures, last)
        delay = min(self.first_delay * 2 ** (state.failures - 1), self.max_delay)
        state.retry_at = time.monotonic() + delay
        self.report(f"{what}; restarting it in {delay:g}s (log: {component.log_file})")
