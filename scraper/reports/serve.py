"""`nato-watch serve`: the report site (`<data-dir>/reports/`) over HTTP on 127.0.0.1.

The site is static and opens from disk too; serving it locally gives the pages real URLs
(handy for a browser's history, for sharing a link on the same machine, and for tests). The
server is the standard library's: it binds to the loopback address only (never to every
interface), serves the files under `reports/` and nothing outside it, and never writes.
Nothing here prints: the caller gets the address and decides what to say.

What it answers is confined to real files under `reports/`: every path is resolved (symlinks
followed) and must still lie under the resolved `reports/`; a directory is its
`index.html` or nothing, never a listing; anything else, a path the OS cannot even name
(`%00`) included, is a 404. No request prints a traceback. Each connection's socket times
out (`client_timeout`), and at most `max_clients` are answered at once: past that a client is
told 503 at once, so slow or idle clients cannot pile up threads.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import socket
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from scraper.errors import NotFound, StoreError

HOST = "127.0.0.1"
# Seconds a client may take over each read or write of its connection.
CLIENT_TIMEOUT = 10.0
# Connections answered at once (a browser opens about six).
MAX_CLIENTS = 16
# What a client past MAX_CLIENTS gets, without a thread of its own.
_BUSY = (
    b"HTTP/1.0 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 0\r\n"
    b"Connection: close\r\n\r\n"
)
log = logging.getLogger("nato-watch.serve")


class _Handler(SimpleHTTPRequestHandler):
    """Static files of the site, each answer marked so a browser neither caches a page that
    the next check rewrites nor guesses a type other than the one sent."""

    # Report files are UTF-8; the standard map knows nothing of Atom or Markdown.
    extensions_map = {  # noqa: RUF012 (the base class reads it from the class)
        **SimpleHTTPRequestHandler.extensions_map,
        ".html": "text/html; charset=utf-8",
        ".md": "text/markdown; charset=utf-8",
        ".json": "application/json",
        ".atom": "application/atom+xml; charset=utf-8",
        ".css": "text/css; charset=utf-8",
    }

    def setup(self) -> None:
        super().setup()
        # Every read and write of the connection, not only the request line, may wait this long.
        self.connection.settimeout(getattr(self.server, "client_timeout", CLIENT_TIMEOUT))

    def translate_path(self, path: str) -> str:
        """The real file `path` names under the site's folder, or "" (a 404) when it names
        none: a symlink that leads out, a directory without an index, a name the OS refuses."""
        candidate = super().translate_path(path)
        root = Path(self.directory).resolve()
        try:
            real = Path(candidate).resolve(strict=True)
            if real.is_dir():
                real = (real / "index.html").resolve(strict=True)
        except (OSError, ValueError, RuntimeError):  # missing, a NUL byte, a symlink loop
            return ""
        if not real.is_relative_to(root) or not real.is_file():
            return ""
        return str(real)

    def list_directory(self, path: str | os.PathLike[str]) -> None:
        """Never a listing: a folder of the site is not a page of it."""
        self.send_error(404, "File not found")

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-cache")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        # Requests go to the log (shown with -v), not to stderr line by line.
        log.info("%s %s", self.address_string(), format % args)


class _BoundedServer(ThreadingHTTPServer):
    """A thread per connection, at most `max_clients` at once; errors go to the debug log."""

    daemon_threads = True
    # Room in the kernel's queue for a burst of clients, so those past the limit are turned
    # away at once rather than left waiting unaccepted.
    request_queue_size = 64

    def __init__(
        self, address: tuple[str, int], handler: Any, *, client_timeout: float, max_clients: int
    ) -> None:
        self.client_timeout = client_timeout
        self._slots = threading.BoundedSemaphore(max_clients)
        super().__init__(address, handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            _turn_away(request)
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def handle_error(self, request: Any, client_address: Any) -> None:
        # The standard server prints a traceback on stderr; a request is never worth one.
        log.debug("error answering %s", client_address, exc_info=True)


def _turn_away(request: socket.socket) -> None:
    """Tell a client past the limit to come back, without blocking on it."""
    with contextlib.suppress(OSError):
        request.settimeout(0.5)
        request.sendall(_BUSY)


class SiteServer:
    """A running HTTP server for one data dir's `reports/`, bound to 127.0.0.1."""

    def __init__(
        self,
        reports: Path,
        *,
        port: int = 0,
        timeout: float = CLIENT_TIMEOUT,
        max_clients: int = MAX_CLIENTS,
    ) -> None:
        if not (reports / "index.html").is_file():
            raise NotFound(
                f"no report site in {reports} yet: run `nato-watch check` first "
                "(or `nato-watch replay` to rebuild it)"
            )
        handler = functools.partial(_Handler, directory=str(reports))
        try:
            self._server = _BoundedServer(
                (HOST, port), handler, client_timeout=timeout, max_clients=max_clients
            )
        except OSError as err:
            raise StoreError(
                f"cannot serve on {HOST}:{port}: {err.strerror or err}; pick another port "
                "with --port, or --port 0 for any free one"
            ) from err
        self.reports = reports

    @property
    def port(self) -> int:
        """The port the server listens on (the one picked when asked for port 0)."""
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """The site's address: `http://127.0.0.1:<port>/`."""
        return f"http://{HOST}:{self.port}/"

    def serve_forever(self) -> None:
        """Answer requests until `shutdown()` (from another thread) or KeyboardInterrupt."""
        self._server.serve_forever(poll_interval=0.2)

    def shutdown(self) -> None:
        """Stop `serve_forever` running in another thread, and wait for it."""
        self._server.shutdown()

    def close(self) -> None:
        """Release the port."""
        self._server.server_close()

    def __enter__(self) -> SiteServer:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def serve_in_thread(server: SiteServer) -> threading.Thread:
    """Run `server` in a daemon thread (for tests and embedding); stop it with `shutdown()`."""
    thread = threading.Thread(target=server.serve_forever, name="nato-watch-serve", daemon=True)
    thread.start()
    return thread
