"""The stable port: a small reverse proxy (Starlette on uvicorn, forwarding with httpx) whose
backend is swapped atomically, and which can wait until the old backend has no request left."""

from __future__ import annotations

import asyncio
import socket
from dataclasses import dataclass, field

import httpx
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

#: Headers that describe one hop, not the message (RFC 9110 section 7.6.1), plus those httpx sets.
_HOP = {"connection", "keep-alive", "proxy-connection", "transfer-encoding", "te", "trailer", "upgrade", "host",
        "content-length"}
VERSION_HEADER = "Mlledger-Model-Version"


@dataclass(eq=False)
class Backend:
    """One scoring server the proxy may forward to, with the requests it is answering now."""

    url: str
    version: int
    in_flight: int = 0
    idle: asyncio.Event = field(default_factory=asyncio.Event)

    def __post_init__(self) -> None:
        self.idle.set()


class SwitchingProxy:
    """Forwards every request to the current backend; `switch` swaps it, `drain` waits out the old one."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.backend: Backend | None = None
        self._client = httpx.AsyncClient(timeout=httpx.Timeout(None, connect=5.0),
                                         limits=httpx.Limits(max_connections=256, max_keepalive_connections=64))
        methods = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]
        self.app = Starlette(routes=[Route("/{path:path}", self._forward, methods=methods)])
        self._server: uvicorn.Server | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Listen on the stable port (fails at once when it is taken)."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((self.host, self.port))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(self.app, log_level="warning", access_log=False, lifespan="off",
                                timeout_keep_alive=30)
        self._server = uvicorn.Server(config)
        self._task = asyncio.create_task(self._server.serve(sockets=[sock]))
        while not self._server.started:
            if self._task.done():
                await self._task
            await asyncio.sleep(0.01)

    async def stop(self) -> None:
        if self._server is not None and self._task is not None:
            self._server.should_exit = True
            await self._task
        await self._client.aclose()

    def switch(self, backend: Backend) -> Backend | None:
        """Send every new request to `backend` from now on; returns the previous backend."""
        previous, self.backend = self.backend, backend
        return previous

    @staticmethod
    async def drain(backend: Backend, timeout: float) -> bool:
        """Wait until `backend` answers no request any more (False when `timeout` passed first)."""
        try:
            await asyncio.wait_for(backend.idle.wait(), timeout)
            return True
        except TimeoutError:
            return False

    async def _forward(self, request: Request) -> Response:
        body = await request.body()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _HOP}
        for attempt in range(2):
            backend = self.backend
            if backend is None:
                return JSONResponse({"error_code": "UNAVAILABLE", "message": "no model version is deployed yet"},
                                    status_code=503)
            backend.in_flight += 1
            backend.idle.clear()
            try:
                answer = await self._client.request(request.method, backend.url + request.url.path,
                                                    params=request.url.query, headers=headers, content=body)
            except httpx.ConnectError:
                # A backend stopped between the pick and the connect: only safe to resend when
                # nothing reached it, and only to the backend that replaced it.
                if attempt == 0 and self.backend is not backend:
                    continue
                raise
            finally:
                backend.in_flight -= 1
                if backend.in_flight == 0:
                    backend.idle.set()
            out = {k: v for k, v in answer.headers.items() if k.lower() not in _HOP and k.lower() != "content-encoding"}
            out[VERSION_HEADER] = str(backend.version)
            return Response(answer.content, status_code=answer.status_code, headers=out)
        raise AssertionError("unreachable")
