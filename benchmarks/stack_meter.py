"""Measuring a running stack from outside: CPU seconds per process group and proportional set size.

Used by bench_writes.py to say where a write's CPU goes (client, services, PostgreSQL, NATS) and
how much memory the whole stack holds. Reads /proc only (Linux).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Mapping
from pathlib import Path

from mlledger.testing import Infrastructure, TestStack

_TICK = os.sysconf("SC_CLK_TCK")


def _processes() -> dict[int, tuple[int, float]]:
    """pid -> (parent pid, CPU seconds) for every process now."""
    found = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            found[int(entry)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / _TICK)
    return found


def _tree(root: int, processes: Mapping[int, tuple[int, float]]) -> set[int]:
    """`root` and all its descendants (PostgreSQL runs a process per connection)."""
    members, grew = {root}, True
    while grew:
        grew = False
        for pid, (parent, _) in processes.items():
            if parent in members and pid not in members:
                members.add(pid)
                grew = True
    return members


def stack_groups(stack: TestStack, infra: Infrastructure) -> dict[str, int]:
    """Root pid of each part of the stack: the service processes, PostgreSQL, NATS."""
    groups = {name: process.pid for name, process in stack.stack.processes.items()}
    if infra.postgres is not None and infra.postgres.process is not None:
        groups["postgres"] = infra.postgres.process.pid
    if infra.nats is not None and infra.nats.process is not None:
        groups["nats"] = infra.nats.process.pid
    return groups


def cpu_seconds(groups: Mapping[str, int]) -> dict[str, float]:
    """CPU seconds used so far by each group's process tree, and by this process as "client"."""
    processes = _processes()
    used = {name: sum(processes[pid][1] for pid in _tree(root, processes) if pid in processes)
            for name, root in groups.items()}
    used["client"] = sum(os.times()[:2])
    return used


def postgres_session_cpu(database_url: str) -> dict[int, tuple[str, float]]:
    """pid -> (whose, CPU seconds so far) for the PostgreSQL sessions of the stack's database, named
    by their application name (a service's pool, its relay and listener), and for the server's
    background processes (WAL writer, checkpointer...) by their kind."""
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid, CASE WHEN datname IS NULL THEN backend_type "
            "ELSE coalesce(nullif(application_name, ''), 'other') END FROM pg_stat_activity "
            "WHERE (datname = current_database() OR datname IS NULL) AND pid <> pg_backend_pid()").fetchall()
    processes = _processes()
    return {pid: (name, processes[pid][1]) for pid, name in rows if pid in processes}


def session_cpu_spent(before: Mapping[int, tuple[str, float]], after: Mapping[int, tuple[str, float]],
                      calls: int) -> dict[str, float]:
    """Milliseconds of CPU per call by session name between two `postgres_session_cpu` samples."""
    spent: dict[str, float] = {}
    for pid, (name, seconds) in after.items():
        spent[name] = spent.get(name, 0.0) + (seconds - before.get(pid, (name, 0.0))[1]) * 1000 / calls
    return dict(sorted(spent.items(), key=lambda item: -item[1]))


def _pss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def stack_pss_mb(roots: Iterable[int]) -> float:
    """Proportional set size (MB) of the process trees under `roots`."""
    processes = _processes()
    pids = set().union(*(_tree(root, processes) for root in roots))
    return sum(_pss_kib(pid) for pid in pids) / 1024


class PeakPss:
    """Samples the stack's PSS in a background thread; `peak` is the largest sample."""

    def __init__(self, roots: Iterable[int], interval: float = 2.0) -> None:
        self.roots = list(roots)
        self.interval = interval
        self.peak = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, name="pss-sampler", daemon=True)

    def __enter__(self) -> PeakPss:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _sample(self) -> None:
        while True:
            self.peak = max(self.peak, stack_pss_mb(self.roots))
            if self._stop.wait(self.interval):
                return
