"""`inspect`: how the parser read a page — what it kept, what it dropped, and why."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

import click

from scraper.archive.refs import resolve_version
from scraper.cli.app import Env, echo, errors_to_exit, pick_target, target_option
from scraper.errors import ConfigError, StoreError

_URL = re.compile(r"^https?://", re.I)


@dataclass(frozen=True)
class _Page:
    """A page to inspect: its body, the URL it is read as, and what to call it."""

    body: bytes
    content_type: str | None
    url: str
    source: str


@click.command(name="inspect")
@click.argument("what", metavar="[URL | FILE | VERSION]", required=False)
@target_option()
@click.option("--json", "as_json", is_flag=True, help="Print the kept and dropped lists as JSON.")
@click.option(
    "--html",
    "html_out",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="OUT",
    help="Write an annotated copy of the page to OUT (inert: no scripts, nothing loads).",
)
@click.option(
    "--url", "read_as", metavar="URL", help="Read a FILE as this URL (default: the target's)."
)
@click.pass_obj
def inspect_command(
    env: Env,
    what: str | None,
    target_name: str | None,
    as_json: bool,
    html_out: Path | None,
    read_as: str | None,
) -> None:
    """Show how the parser reads a page: the document it kept, every region it dropped, why.

    The page is an http(s) URL (fetched with the config's fetch settings), a saved HTML file,
    or a version of the archive (an id, `latest`, `latest~N`; default `latest`), whose raw
    snapshot is read and decoded as replay reads it. --html OUT writes the page with kept
    blocks outlined and dropped regions greyed with their reason, to open from disk.

    Example: nato-watch inspect latest --html /tmp/latest.html
    """
    # lazy: the parser, the fetcher (requests) and the renderers load only for inspect
    from scraper.core.parse import parse_traced
    from scraper.core.parser_version import PARSER_VERSION
    from scraper.fetching.decoding import decode_body
    from scraper.reports.inspect_view import render_annotated, render_json, render_text

    with errors_to_exit():
        page = _load(env, what or "latest", target_name, read_as)
        text = decode_body(page.body, content_type=page.content_type).text
        doc, trace = parse_traced(text, url=page.url)
        if html_out is not None:
            annotated = render_annotated(trace, source=page.source, parser_version=PARSER_VERSION)
            try:
                html_out.write_text(annotated, encoding="utf-8")
            except OSError as err:
                raise ConfigError(f"cannot write {html_out}: {err.strerror or err}") from err
    if as_json:
        out = render_json(doc, trace, source=page.source, parser_version=PARSER_VERSION)
        echo(json.dumps(out, ensure_ascii=False, indent=1))
    else:
        echo(render_text(doc, trace, source=page.source, parser_version=PARSER_VERSION), nl=False)
    if html_out is not None:
        echo(f"annotated page written to {html_out}", err=True)


def _load(env: Env, what: str, target_name: str | None, read_as: str | None) -> _Page:
    """The page named by `what`: a URL, an existing file, else a version reference."""
    if _URL.match(what):
        return _fetch(env, what)
    path = Path(what)
    if path.is_file():
        url = read_as or _default_url(env, target_name)
        try:
            body = path.read_bytes()
        except OSError as err:
            raise ConfigError(f"cannot read {path}: {err.strerror or err}") from err
        return _Page(body, None, url, str(path))
    if read_as is not None:
        raise ConfigError("--url applies to a FILE only")
    target = pick_target(env, target_name)
    version_id = resolve_version(env.archive, target, what)
    provenance = env.archive.read_version(target, version_id).provenance
    try:
        body = env.archive.read_raw(target, provenance.raw_sha256, check=True)
    except StoreError as err:
        raise StoreError(f"cannot inspect version {version_id}: {err}") from err
    return _Page(body, provenance.content_type, provenance.final_url, f"{target} {version_id}")


def _fetch(env: Env, url: str) -> _Page:
    # lazy: requests loads only when a URL is inspected
    from scraper.fetching.http import Fetcher

    with Fetcher(env.config.fetch) as fetcher:
        result = fetcher(url)
    return _Page(result.body, result.content_type, result.final_url, url)


def _default_url(env: Env, target_name: str | None) -> str:
    """The URL a saved file is read as: the named (or only) configured target's."""
    targets = env.config.targets
    if target_name is not None:
        for target in targets:
            if target.name == target_name:
                return target.url
        raise ConfigError(f"no target named {target_name!r} in the config")
    if len(targets) == 1:
        return targets[0].url
    raise ConfigError("give --target NAME or --url URL: the file is read as that page's URL")
