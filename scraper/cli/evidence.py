"""Evidence for one version: `cite` (a citation), `bundle` (a self-checking zip) and
`verify-bundle` (its check)."""

from __future__ import annotations

from pathlib import Path

import click

from scraper.cli.app import (
    Env,
    at_option,
    echo,
    errors_to_exit,
    pick_target,
    pick_version,
    target_option,
)
from scraper.reports.cite import (
    STYLES,
    Citation,
    citation_bibtex,
    citation_csl_json,
    citation_text,
)
from scraper.sources.bundle_format import file_name


@click.command(name="cite")
@click.argument("version_ref", metavar="VERSION", required=False)
@at_option()
@click.option(
    "--style",
    type=click.Choice(STYLES),
    default="text",
    show_default=True,
    help="text (a reference-list entry), markdown, bibtex (biblatex @online) or csl-json.",
)
@target_option()
@click.pass_obj
def cite_command(
    env: Env, version_ref: str | None, at_text: str | None, style: str, target_name: str | None
) -> None:
    """Print a citation of the page as it stood at a version (default: the latest).

    VERSION is an id, a unique prefix of one, `latest` or `latest~N`; --at picks the version
    in force at a time. The citation gives the page's title, publisher, URL and own "Last
    updated" stamp, the capture time, the sha256 of the raw response, the memento URL of a
    Wayback capture, and the tool and parser versions.

    Example: nato-watch cite latest --style bibtex >> references.bib
    """
    with errors_to_exit():
        target = pick_target(env, target_name)
        version = env.archive.read_version(target, pick_version(env, target, version_ref, at_text))
    citation = Citation.of(version)
    if style == "markdown":
        # lazy: the Markdown renderer brings the report modules; the other styles need none
        from scraper.reports.markdown import citation_markdown

        echo(citation_markdown(citation))
    elif style == "bibtex":
        echo(citation_bibtex(citation), nl=False)
    elif style == "csl-json":
        echo(citation_csl_json(citation), nl=False)
    else:
        echo(citation_text(citation))


@click.command(name="bundle")
@click.argument("version_ref", metavar="VERSION", required=False)
@at_option()
@click.option(
    "-o",
    "--output",
    "out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="The zip to write (default: <target>-<version id>.zip in the current folder).",
)
@target_option()
@click.pass_obj
def bundle_command(
    env: Env,
    version_ref: str | None,
    at_text: str | None,
    out: Path | None,
    target_name: str | None,
) -> None:
    """Write one version and its proof to a zip anyone can check without nato-watch.

    The zip holds the raw response(s) as a WARC, the version file, the change report against
    the previous version (HTML and Markdown), the check-log lines that saw this content, the
    citation, a MANIFEST of sha256 sums (`sha256sum -c MANIFEST`) and a README saying how to
    check it all by hand. The same version gives the same bytes.

    Example: nato-watch bundle latest -o korea-evidence.zip
    """
    # lazy: the bundle writer brings warcio, the renderers and Jinja2
    from scraper.sources.bundle import write_bundle

    with errors_to_exit():
        target = pick_target(env, target_name)
        version_id = pick_version(env, target, version_ref, at_text)
        result = write_bundle(
            env.archive,
            target,
            version_id,
            out or Path(file_name(target, version_id)),
            watch=env.config.watchlist(target),
            lock_timeout=env.config.check.lock_timeout,
        )
    echo(result.summary_line())


@click.command(name="verify-bundle")
@click.argument("path", metavar="FILE", type=click.Path(dir_okay=False, path_type=Path))
def verify_bundle_command(path: Path) -> None:
    """Check an evidence bundle: every file against MANIFEST, the WARC's digests, the raw
    response and content hashes of the version, and the chain of its check-log lines.

    Reads the zip without unpacking it; exit 1 naming the first problem.

    Example: nato-watch verify-bundle republic-of-korea-2024-07-17T060000Z.zip
    """
    # lazy: warcio loads only for the WARC commands
    from scraper.sources.bundle_check import check_bundle

    with errors_to_exit():
        result = check_bundle(path)
    echo(result.summary_line())
