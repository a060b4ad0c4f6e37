"""What the hostile tests share: the one-line error form, raw-socket servers that misbehave
byte by byte, and small real filesystems."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from click.testing import Result


def one_error_line(result: Result, code: int | None = None) -> str:
    """The single `nato-watch: error: …` line of a failed command (no traceback)."""
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("nato-watch: error: ")]
    assert errors, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    if code is not None:
        assert result.exit_code == code, (result.exit_code, result.stderr)
    return errors[-1]


class RawServer:
    """A TCP server on 127.0.0.1 whose every connection is handled by `handler(conn)` on a
    thread of its own; for answers no HTTP library would send."""

    def __init__(self, handler: Callable[[socket.socket], None]) -> None:
        self._handler = handler
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.2)
        self._stop = threading.Event()
        self.connections = 0
        self._conns: list[socket.socket] = []
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    @property
    def port(self) -> int:
        """The port it listens on."""
        return int(self._listener.getsockname()[1])

    def url(self, path: str = "/") -> str:
        """An http URL on this server."""
        return f"http://127.0.0.1:{self.port}{path}"

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self.connections += 1
            self._conns.append(conn)
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        with contextlib.suppress(OSError), conn:
            self._handler(conn)

    @property
    def stopping(self) -> bool:
        """Whether the test is over (handlers that drip should stop)."""
        return self._stop.is_set()

    def close(self) -> None:
        """Stop accepting and drop every connection."""
        self._stop.set()
        self._listener.close()
        for conn in self._conns:
            with contextlib.suppress(OSError):
                conn.close()


@contextlib.contextmanager
def raw_server(handler: Callable[[RawServer, socket.socket], None]) -> Iterator[RawServer]:
    """A `RawServer` for the block; `handler(server, conn)` answers each connection."""
    holder: list[RawServer] = []
    server = RawServer(lambda conn: handler(holder[0], conn))
    holder.append(server)
    try:
        yield server
    finally:
        server.close()


def read_request(conn: socket.socket) -> bytes:
    """Read an HTTP request's head (up to the blank line)."""
    data = b""
    conn.settimeout(5)
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def drip(server: RawServer, conn: socket.socket, data: bytes, every: float) -> None:
    """Send `data` one byte each `every` seconds, until done or the test ends."""
    for byte in data:
        if server.stopping:
            return
        conn.sendall(bytes([byte]))
        time.sleep(every)


@contextlib.contextmanager
def small_filesystem(path: Path, size: str, *, read_only: bool = False) -> Iterator[Path]:
    """A real tmpfs of `size` mounted at `path` (needs root; skips the test otherwise)."""
    path.mkdir(parents=True, exist_ok=True)
    options = f"size={size}" + (",ro" if read_only else "")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)],
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode(errors='replace').strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], capture_output=True, check=False)
