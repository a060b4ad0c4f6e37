"""The one exception hierarchy of nato-watch.

Every error the tool raises on purpose is a `ScraperError`; only `cli.py` turns one into an
exit code and a one-line message. Messages name the thing that failed and, where there is one,
the fix. Context lives in attributes so callers (the check log, the scheduler) can record it.
`one_line` is how a message quotes the error of a library underneath, and `counted` how a
message or a summary line counts things ("1 version", "3 versions").
"""

from __future__ import annotations

import logging


class ScraperError(Exception):
    """Base of every error nato-watch raises on purpose."""

    exit_code = 1


class ConfigError(ScraperError):
    """Raised when the configuration file or a command-line value is invalid."""

    exit_code = 2


class FetchError(ScraperError):
    """Raised when a page could not be fetched (network, HTTP status, size, type, truncation)."""

    def __init__(
        self,
        message: str,
        *,
        url: str,
        status: int | None = None,
        attempts: int = 1,
        final_url: str | None = None,
        body_size: int | None = None,
        body_sha256: str | None = None,
    ) -> None:
        super().__init__(message)
        self.url = url
        self.status = status
        self.attempts = attempts
        self.final_url = final_url
        self.body_size = body_size
        self.body_sha256 = body_sha256


class BlockedError(FetchError):
    """Raised when the site refused this client: HTTP 403, 429 after retries, or a bot check."""


class ParseError(ScraperError):
    """Raised when a response body is not the article (error page, bot check, JS shell, …)."""


class SuspectPageError(ParseError):
    """Raised when a page parses but no longer looks like the target it replaces."""


class StoreError(ScraperError):
    """Raised when the archive cannot be read or written, or is locked by another process."""


class LockedError(StoreError):
    """Raised when another process holds the archive lock past the wait limit."""


class NotFound(ScraperError):
    """Raised when a target, version or report asked for does not exist."""


def one_line(problem: BaseException | str) -> str:
    """What an exception (or another tool's text) says, fit to quote inside a one-line message.

    Whitespace and line breaks collapse to single spaces, and it stops at 200 characters; with
    nothing to say, an exception gives its class name and a text "unknown error".
    """
    said = " ".join(str(problem).split())[:200]
    if said:
        return said
    return type(problem).__name__ if isinstance(problem, BaseException) else "unknown error"


def counted(n: int, noun: str) -> str:
    """`1 capture`, `3 captures`: a count and its noun, with an s unless `n` is 1 (the
    summary lines of `verify`, replay, the imports and exports, `forget`)."""
    return f"{n} {noun}" + ("" if n == 1 else "s")


def without_post_path(record: logging.LogRecord) -> logging.LogRecord:
    """A log record as it may be shown: urllib3's request line (`-vv`), `%s://%s:%s "%s %s
    %s" %s %s` (scheme, host, port, method, path, …), of a POST has its path as `/…`:
    nato-watch POSTs only to webhooks, whose path is usually their secret."""
    args = record.args
    if not (record.name.startswith("urllib3") and isinstance(args, tuple) and len(args) >= 5):
        return record
    if args[3] != "POST":
        return record
    hidden = logging.makeLogRecord(record.__dict__)
    hidden.args = (*args[:4], "/…", *args[5:])
    return hidden
