"""A try's overall deadline over plain HTTP: when it passes, a watchdog shuts the try's
sockets, whatever the try is doing — the TLS handshake, waiting for the status line and
headers, or reading the body.

requests' timeouts count per socket operation, so a server that sends one byte a second (of
its headers or of its body) is never cut off by them; only a clock that runs across the whole
try is. `Deadline` is entered around one try; `WatchedAdapter` is the requests adapter whose
connections tell the current thread's deadline about every socket they use. Once the deadline
has passed, the blocked read ends with an error or an early end of stream, and the fetcher
asks `Deadline.expired` before it believes either: a body cut off by the watchdog is never
taken for a whole one. The TCP connect itself is bounded by `connect_timeout`.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from typing import Any

from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

_CURRENT = threading.local()


class Deadline:
    """At most `seconds` for what runs inside the `with` block, in this thread; `limit` names
    the setting that set it (`total_timeout`, or `check_timeout` when the check's own limit
    is nearer), for the message of a try that ran out of time."""

    def __init__(self, seconds: float, *, limit: str = "total_timeout") -> None:
        self.seconds = seconds
        self.limit = limit
        self._ends = time.monotonic() + seconds
        self._fired = False
        self._sockets: list[socket.socket] = []
        self._guard = threading.Lock()
        self._timer = threading.Timer(seconds, self._fire)
        self._timer.daemon = True
        self._outer: Deadline | None = None

    def __enter__(self) -> Deadline:
        self._outer = getattr(_CURRENT, "deadline", None)
        _CURRENT.deadline = self
        self._timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._timer.cancel()
        _CURRENT.deadline = self._outer
        with self._guard:
            self._sockets.clear()

    @property
    def expired(self) -> bool:
        """Whether the time is up (the watchdog may not have fired yet)."""
        return self._fired or time.monotonic() >= self._ends

    def watch(self, sock: socket.socket | None) -> None:
        """Shut `sock` when the deadline passes (at once if it has)."""
        if sock is None:
            return
        with self._guard:
            self._sockets.append(sock)
            fired = self._fired
        if fired:
            _shut(sock)

    def _fire(self) -> None:
        with self._guard:
            self._fired = True
            sockets = list(self._sockets)
        for sock in sockets:
            _shut(sock)


def _shut(sock: socket.socket) -> None:
    """End every read and write on `sock` now, from another thread; the owner closes it."""
    with contextlib.suppress(OSError):  # already closed, or detached by a TLS wrap
        sock.shutdown(socket.SHUT_RDWR)


def _watch(sock: Any) -> None:
    """Hand `sock` to the current thread's deadline, if a try is running."""
    deadline: Deadline | None = getattr(_CURRENT, "deadline", None)
    if deadline is not None and isinstance(sock, socket.socket):
        deadline.watch(sock)


class _Watched:
    """A urllib3 connection that shows each of its sockets to the try's deadline: the raw
    one as soon as it exists (a TLS handshake can drip too), the TLS one once wrapped, and a
    kept-alive one again for each new request."""

    sock: Any

    def _new_conn(self) -> socket.socket:
        sock: socket.socket = super()._new_conn()  # type: ignore[misc]
        _watch(sock)
        return sock

    def connect(self) -> None:
        super().connect()  # type: ignore[misc]
        _watch(self.sock)

    def request(self, *args: Any, **kwargs: Any) -> None:
        _watch(self.sock)
        super().request(*args, **kwargs)  # type: ignore[misc]


class _WatchedHTTPConnection(_Watched, HTTPConnection):
    """An http:// connection under the try's deadline."""


class _WatchedHTTPSConnection(_Watched, HTTPSConnection):
    """An https:// connection under the try's deadline."""


class _WatchedHTTPPool(HTTPConnectionPool):
    """Pools http:// connections under the try's deadline."""

    ConnectionCls = _WatchedHTTPConnection


class _WatchedHTTPSPool(HTTPSConnectionPool):
    """Pools https:// connections under the try's deadline."""

    ConnectionCls = _WatchedHTTPSConnection


_POOLS = {"http": _WatchedHTTPPool, "https": _WatchedHTTPSPool}


class WatchedAdapter(HTTPAdapter):
    """requests' adapter, with connections that a `Deadline` can cut off (direct and through
    an HTTP proxy; a SOCKS proxy keeps its own connections, bounded per operation only)."""

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        """The pool manager, making watched connections."""
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = _POOLS

    def proxy_manager_for(self, proxy: str, **proxy_kwargs: Any) -> Any:
        """The manager for `proxy`, making watched connections unless it is SOCKS."""
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if not proxy.lower().startswith("socks"):
            manager.pool_classes_by_scheme = _POOLS
        return manager
