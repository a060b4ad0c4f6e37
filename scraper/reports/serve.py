"""`nato-watch serve`: the report site (`<data-dir>/reports/`) over HTTP on 127.0.0.1.

The site is static and opens from disk too; serving it locally gives the pages real URLs
(handy for a browser's history, for sharing a link on the same machine, and for tests). The
server is the standard library's: it binds to the loopback address only (never to every
interface), serves the files under `reports/` and nothing outside it, and never writes.
Nothing here prints: the caller gets the address and decides what to say.
"""

from __future__ import annotations

import functools
import logging
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from scraper.errors import NotFound, StoreError

HOST = "127.0.0.1"
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
    }

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-cache")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.send_header("Referrer-Policy", "no-referrer")
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        # Requests go to the log (shown with -v), not to stderr line by line.
        log.info("%s %s", self.address_string(), format % args)


class SiteServer:
    """A running HTTP server for one data dir's `reports/`, bound to 127.0.0.1."""

    def __init__(self, reports: Path, *, port: int = 0) -> None:
        if not (reports / "index.html").is_file():
            raise NotFound(
                f"no report site in {reports} yet: run `nato-watch check` first "
                "(or `nato-watch replay` to rebuild it)"
            )
        handler = functools.partial(_Handler, directory=str(reports))
        try:
            self._server = ThreadingHTTPServer((HOST, port), handler)
        except OSError as err:
            raise StoreError(
                f"cannot serve on {HOST}:{port}: {err.strerror or err}; pick another port "
                "with --port, or --port 0 for any free one"
            ) from err
        self._server.daemon_threads = True
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
