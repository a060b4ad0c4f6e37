"""The man page, generated from the command line itself: `python -m scraper.cli.manpage >
nato-watch.1`.

Every command and option comes from the click group, with the help text users see in
`--help`, so the page cannot fall behind the program. The output is roff for `man`, with no
date in it (a rebuild gives the same bytes); `docs/commands.md` says how to install it.
"""

from __future__ import annotations

import re

import click

from scraper import __version__
from scraper.cli.main import cli

ENVIRONMENT = (
    ("NATO_WATCH_DATA_DIR", "The data dir when --data-dir is not given (else the current dir)."),
    ("NATO_WATCH_CONFIG", "The config file when --config is not given."),
    ("NATO_WATCH_WAYBACK_URL", "The Wayback Machine's base URL for import-wayback."),
    ("NATO_WATCH_CHROMIUM", 'The Chromium executable for --browser and fetch = "browser".'),
)
EXIT_STATUS = (
    ("0", "The command did its job (whether or not the page changed)."),
    ("1", "A check failed, the archive is damaged, or another failure; one line on stderr."),
    ("2", "A usage error or a bad configuration; one line on stderr."),
)

SEE_ALSO = (
    "The README and the docs/ folder of the nato-watch source: commands, configuration, "
    "file formats, and running it for a year."
)


def roff(text: str) -> str:
    """`text` safe in a roff line: backslashes and hyphens escaped, no control character
    at the start."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return "\\&" + text if text[:1] in (".", "'") else text


def _paragraphs(help_text: str) -> list[str]:
    """A command's help as paragraphs, each joined into one line."""
    blocks = re.split(r"\n\s*\n", help_text.strip())
    return [" ".join(block.split()) for block in blocks if block.strip()]


def _options(ctx: click.Context) -> list[str]:
    lines = []
    for param in ctx.command.get_params(ctx):
        record = param.get_help_record(ctx)
        if record is None:
            continue
        opts, help_text = record
        lines += [".TP", f"\\fB{roff(opts)}\\fR", roff(" ".join(help_text.split()))]
    return lines


def render_manpage(group: click.Group = cli) -> str:
    """The man page of `nato-watch`, in roff."""
    root = click.Context(group, info_name="nato-watch", **group.context_settings)
    summary = _paragraphs(group.help or "")[0]
    out = [
        f'.TH NATO\\-WATCH 1 "" "nato\\-watch {roff(__version__)}" "User Commands"',
        ".SH NAME",
        f"nato\\-watch \\- {roff(summary[0].lower() + summary[1:].rstrip('.'))}",
        ".SH SYNOPSIS",
        ".B nato\\-watch",
        "[\\fIOPTIONS\\fR] \\fICOMMAND\\fR [\\fIARGS\\fR]...",
        ".SH DESCRIPTION",
        roff(summary),
        ".PP",
        roff(
            "Every command exits 0 when it did its job, and otherwise prints one line "
            "'nato-watch: error: ...' on stderr. 'nato-watch COMMAND --help' shows a "
            "command's options."
        ),
        ".SH OPTIONS",
        *_options(root),
        ".SH COMMANDS",
    ]
    for name in group.list_commands(root):
        command = group.get_command(root, name)
        if command is None or command.hidden:
            continue
        ctx = click.Context(command, info_name=name, parent=root)
        pieces = " ".join(command.collect_usage_pieces(ctx))
        out += [f'.SS "nato\\-watch {roff(name)} {roff(pieces)}"']
        for k, paragraph in enumerate(_paragraphs(command.help or "")):
            out += ([".PP"] if k else []) + [roff(paragraph)]
        out += _options(ctx)
    out += [".SH ENVIRONMENT"]
    for name, meaning in ENVIRONMENT:
        out += [".TP", f"\\fB{roff(name)}\\fR", roff(meaning)]
    out += [".SH EXIT STATUS"]
    for code, meaning in EXIT_STATUS:
        out += [".TP", f"\\fB{code}\\fR", roff(meaning)]
    out += [
        ".SH FILES",
        ".TP",
        "\\fIDATA\\-DIR\\fB/nato\\-watch.toml\\fR",
        roff("The configuration, when --config and NATO_WATCH_CONFIG say nothing."),
        ".TP",
        "\\fIDATA\\-DIR\\fB/snapshots/\\fR, \\fIDATA\\-DIR\\fB/reports/\\fR",
        roff("The archive: check logs, raw snapshots, versions; reports and the report site."),
        ".SH SEE ALSO",
        roff(SEE_ALSO),
    ]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    click.echo(render_manpage(), nl=False)
