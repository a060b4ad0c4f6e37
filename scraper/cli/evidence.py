"""Evidence for one version: `cite` (a citation)."""

from __future__ import annotations

import click

from scraper.cli.app import (
    Env,
    at_option,
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

        click.echo(citation_markdown(citation))
    elif style == "bibtex":
        click.echo(citation_bibtex(citation), nl=False)
    elif style == "csl-json":
        click.echo(citation_csl_json(citation), nl=False)
    else:
        click.echo(citation_text(citation))
