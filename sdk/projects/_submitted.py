"""A project run that has been started: wait for it, ask its status, cancel it."""

from __future__ import annotations

import abc

TERMINAL_STATUSES = ("FINISHED", "FAILED", "KILLED")


class SubmittedRun(abc.ABC):
    """A run started by `mlledger.projects.run` on some backend (a local process, a Kubernetes Job)."""

    @property
    @abc.abstractmethod
    def run_id(self) -> str:
        """The id of the tracked run."""

    @abc.abstractmethod
    def wait(self) -> bool:
        """Block until the run ends; True when it FINISHED. Ctrl-C while waiting cancels the run."""

    @abc.abstractmethod
    def get_status(self) -> str:
        """SCHEDULED, RUNNING, FINISHED, FAILED or KILLED."""

    @abc.abstractmethod
    def cancel(self) -> None:
        """Stop the run (and everything it started) and mark it KILLED; no-op once it has ended."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: run_id={self.run_id!r}, status={self.get_status()!r}>"
