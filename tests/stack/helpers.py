"""Running `mlledger up` as a real process, and looking at processes through /proc."""

from __future__ import annotations

import os
import queue
import shlex
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from mlledger.services.stack.ports import free_port

COMPONENTS = ("tracking", "registry", "artifacts", "postgres", "nats", "gateway")


def _stat(pid: int) -> tuple[str, int, int] | None:
    """(state, parent pid, start time) of a process, or None if it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return None
    return fields[0], int(fields[1]), int(fields[19])


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
    except (FileNotFoundError, ProcessLookupError):
        return ""


def all_pids() -> list[int]:
    return [int(name) for name in os.listdir("/proc") if name.isdigit()]


def descendants(root: int) -> dict[tuple[int, int], str]:
    """Every live descendant of `root`, keyed by (pid, start time), with its command line."""
    children: dict[int, list[int]] = {}
    starts: dict[int, int] = {}
    for pid in all_pids():
        stat = _stat(pid)
        if stat is not None and stat[0] != "Z":
            children.setdefault(stat[1], []).append(pid)
            starts[pid] = stat[2]
    found: dict[tuple[int, int], str] = {}
    todo = list(children.get(root, []))
    while todo:
        pid = todo.pop()
        found[(pid, starts[pid])] = command_line(pid)
        todo.extend(children.get(pid, []))
    return found


def is_alive(key: tuple[int, int]) -> bool:
    """Whether the process (pid, start time) still runs (a zombie does not count)."""
    stat = _stat(key[0])
    return stat is not None and stat[2] == key[1] and stat[0] != "Z"


def processes_using(path: Path) -> dict[int, str]:
    """Live processes whose command line or environment mentions `path` (postgres -D, NATS -c, services)."""
    needle = os.fsencode(str(path))
    found = {}
    for pid in all_pids():
        if pid == os.getpid():
            continue
        try:
            proc = Path(f"/proc/{pid}")
            if needle in (proc / "cmdline").read_bytes() or needle in (proc / "environ").read_bytes():
                stat = _stat(pid)
                if stat is not None and stat[0] != "Z":
                    found[pid] = command_line(pid)
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
    return found


def port_in_use(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def wait_until(condition: Callable[[], object], what: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.01)


class Up:
    """`mlledger up` on free ports as a child process, with its output and its descendants recorded."""

    def __init__(self, data_dir: Path, ports: dict[str, int] | None = None, *, ignore_sigint: bool = False) -> None:
        self.data_dir = data_dir
        self.ports = ports or {name: free_port() for name in COMPONENTS}
        args = [sys.executable, "-m", "mlledger", "up", "--data-dir", str(data_dir)]
        for name, port in self.ports.items():
            args += [f"--{name}-port", str(port)]
        if ignore_sigint:  # as a shell starts a background job: SIGINT ignored, then exec
            args = ["sh", "-c", "trap '' INT; exec " + shlex.join(args)]
        env = {k: v for k, v in os.environ.items() if k not in ("MLLEDGER_DATABASE_URL", "MLLEDGER_NATS_URL")}
        self.process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        self.seen: dict[tuple[int, int], str] = {}
        self._lines: queue.Queue[str] = queue.Queue()
        self.output: list[str] = []
        threading.Thread(target=self._pump, daemon=True).start()
        threading.Thread(target=self._track, daemon=True).start()

    def _pump(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line)

    def _track(self) -> None:
        while self.process.poll() is None:
            self.seen.update(descendants(self.process.pid))
            time.sleep(0.01)

    def _drain(self) -> None:
        while not self._lines.empty():
            self.output.append(self._lines.get())

    @property
    def text(self) -> str:
        self._drain()
        return "".join(self.output)

    def wait_for(self, text: str, timeout: float = 120.0) -> None:
        """Wait until `text` has been printed."""
        deadline = time.monotonic() + timeout
        while text not in self.text:
            if self.process.poll() is not None:
                time.sleep(0.2)  # the last lines may still be on their way
                assert text in self.text, f"`up` exited ({self.process.returncode}) without printing {text!r}:\n{self.text}"
            assert time.monotonic() < deadline, f"{text!r} not printed:\n{self.text}"
            time.sleep(0.05)

    def child(self, predicate: Callable[[str], bool]) -> int:
        """The pid of the direct child of `up` whose command line matches."""
        for (pid, _), command in descendants(self.process.pid).items():
            stat = _stat(pid)
            if stat is not None and stat[1] == self.process.pid and predicate(command):
                return pid
        raise AssertionError(f"no such child of `up`: {descendants(self.process.pid)}")

    def signal(self, sig: int) -> None:
        self.process.send_signal(sig)

    def finish(self, timeout: float = 120.0) -> int:
        """Wait for `up` to exit; returns its exit code."""
        code = self.process.wait(timeout)
        time.sleep(0.1)
        self._drain()
        return code

    def stop(self) -> None:
        """Stop it (SIGTERM) if still running; for clean-up."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(120)
            except subprocess.TimeoutExpired:
                self.process.kill()

    def left_behind(self) -> dict[str, str]:
        """Whatever `up` started that still runs, and every wanted port still taken."""
        left = {f"pid {pid}": command for (pid, start), command in self.seen.items() if is_alive((pid, start))}
        left.update({f"pid {pid}": command for pid, command in processes_using(self.data_dir).items()})
        left.update({f"port {port}": name for name, port in self.ports.items() if port_in_use(port)})
        return left
