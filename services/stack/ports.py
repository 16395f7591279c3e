"""Port checks: find a free one, or say clearly that a wanted one is taken."""

from __future__ import annotations

import socket
import time

from mlledger.services.stack.process import Cancel, check_cancelled


def free_port(host: str = "127.0.0.1") -> int:
    """A port that is free on `host` right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def is_free(port: int, host: str = "127.0.0.1") -> bool:
    """Whether nothing listens on (host, port)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


class PortTaken(RuntimeError):
    """A port the stack wants is in use by another program."""

    def __init__(self, what: str, port: int, flag: str) -> None:
        super().__init__(
            f"port {port} for {what} is already in use by another program; "
            f"stop that program or choose another port with {flag}"
        )
        self.port = port


def require_free(what: str, port: int, flag: str, host: str = "127.0.0.1") -> None:
    """Raise PortTaken unless `port` is free."""
    if not is_free(port, host):
        raise PortTaken(what, port, flag)


def wait_listening(port: int, host: str = "127.0.0.1", timeout: float = 30.0, process: object = None,
                   cancel: Cancel | None = None) -> None:
    """Block until something accepts connections on (host, port); StartCancelled once `cancel` is set."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        check_cancelled(cancel)
        if process is not None and process.poll() is not None:  # type: ignore[attr-defined]
            raise RuntimeError(f"the process meant to listen on port {port} exited with code {process.returncode}")  # type: ignore[attr-defined]
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.settimeout(0.5)
            if sock.connect_ex((host, port)) == 0:
                return
        time.sleep(0.05)
    raise TimeoutError(f"nothing listens on {host}:{port} after {timeout:.0f}s")
