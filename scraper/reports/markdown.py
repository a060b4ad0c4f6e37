"""The Markdown report: readable as plain text and on a code host (GitHub-flavoured Markdown).

A summary first (the stamp sentence, the two versions, the counts), then each changed section
with its changed blocks: deleted words ~~struck through~~, inserted words **bold**. Page text
is untrusted and may contain Markdown or HTML: every special character is escaped, so what a
reader sees is exactly what the page said.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from scraper.core.change import BlockChange, BlockStatus, DiffPart, Op, SectionStatus
from scraper.core.flags import Flag
from scraper.core.terms import TermChange
from scraper.reports.cite import Citation, citation_parts
from scraper.reports.model import Report, VersionRef
from scraper.reports.translation_words import counterpart_markdown, counterpart_view
from scraper.reports.words import (
    block_heading,
    change_sentences,
    describe_changes,
    flag_sentence,
    flags_heading,
    term_phrase,
    terms_sentence,
)
from scraper.timespec import utc_iso

# Characters that can start Markdown or HTML constructs anywhere in a line.
_SPECIAL = re.compile(r"([\\`*_\[\]<>~|&])")
# Constructs that only count at the start of a line: lists, headings, quotes, rules.
_LINE_START = re.compile(r"^(\s*)([-+=>#])")
# "1." / "1)" starts an ordered list; a backslash before a digit is not an escape, so the
# punctuation after the number is escaped instead.
_ORDERED = re.compile(r"^(\s*\d+)([.)])")
_SPACE = re.compile(r"\s+")
# What an autolink (`<url>`) cannot hold; such a URL is written as escaped text instead.
_NOT_AUTOLINK = re.compile(r"[\s<>`]")


def escape_markdown(text: str, *, line_start: bool = True) -> str:
    """Page text as literal Markdown: specials backslash-escaped, newlines folded to spaces.

    `line_start` says the text may begin a line, where "-", "#", "1." and the like would
    start a list or a heading.
    """
    text = _SPECIAL.sub(r"\\\1", _SPACE.sub(" ", text))
    if line_start:
        text = _LINE_START.sub(lambda m: m.group(1) + "\\" + m.group(2), text)
        text = _ORDERED.sub(lambda m: m.group(1) + "\\" + m.group(2), text)
    return text


def render_markdown(report: Report) -> str:
    """The report as Markdown, ending with one newline."""
    change = report.change
    lines = [f"# Change report: {escape_markdown(change.new_title)}", ""]
    first, *rest = change_sentences(change)
    lines.append(f"**{escape_markdown(first)}**" + "".join(f" {escape_markdown(s)}" for s in rest))
    lines.append("")
    lines.extend(_flags(change.flags, change.flags_total))
    if change.terms:
        lines.append(f"**Watched terms:** {escape_markdown(terms_sentence(change.terms))}.")
        lines.append("")
    lines.extend(_versions_table(report.target, report.old, report.new))
    lines.append("")
    lines.append(f"**What changed:** {escape_markdown(describe_changes(change))}.")
    lines.append("")
    if change.title_changed:
        lines.append(f"**Title:** {_inline_diff(change.title_diff)}")
        lines.append("")
    if change.sections:
        lines.append("Deleted words are ~~struck through~~; inserted words are **bold**.")
        lines.append("")
    for sec in change.sections:
        lines.extend(_section(sec.status, sec.name, sec.old_heading, sec.heading))
        lines.extend(f"- *{escape_markdown(note)}*" for note in sec.notes)
        if sec.notes:
            lines.append("")
        blocks = sec.blocks
        if not blocks and not sec.notes:
            lines.append("No block in this section changed.")
            lines.append("")
        for item in blocks:
            lines.extend(_block(item))
    lines.extend(_term_sentences(change.terms))
    if report.counterparts:
        views = [counterpart_view(c) for c in report.counterparts]
        lines.extend(counterpart_markdown(views, escape_markdown))
    lines.extend(_citation_block(report.citation))
    return "\n".join(lines).rstrip("\n") + "\n"


def citation_markdown(citation: Citation) -> str:
    """A citation as one Markdown line: its words escaped, its URLs autolinks, its hash code."""
    out: list[str] = []
    for part in citation_parts(citation):
        if part.href and not _NOT_AUTOLINK.search(part.href):
            out.append(f"<{part.href}>")
        elif part.code:
            out.append(f"`{part.text}`")
        else:
            out.append(escape_markdown(part.text, line_start=not out))
    return "".join(out)


def _citation_block(citation: Citation | None) -> list[str]:
    """The report's last section: how to cite the new version, and its evidence bundle."""
    if citation is None:
        return []
    return [
        "## Cite this version",
        "",
        citation_markdown(citation),
        "",
        "Evidence bundle (the raw response, this version and its check-log lines, checkable "
        f"with `sha256sum` alone): `{citation.bundle_command}`",
        "",
    ]


def _flags(flags: Iterable[Flag], total: int) -> list[str]:
    """The report's strongest flags, one numbered line each, with the sentence they are in."""
    flags = list(flags)
    if not flags:
        return []
    lines = [f"**{escape_markdown(flags_heading(len(flags), total))}:**", ""]
    for number, flag in enumerate(flags, start=1):
        where = f" *{escape_markdown(flag.section)}:*" if flag.section else ""
        quote = f" “{escape_markdown(flag.context, line_start=False)}”" if flag.context else ""
        lines.append(
            f"{number}. **{flag.kind.value}** ({flag.weight}) "
            f"{escape_markdown(flag.label, line_start=False)} — "
            f"{escape_markdown(flag.note, line_start=False)}.{where}{quote}"
        )
    lines.append("")
    return lines


def _term_sentences(terms: Iterable[TermChange]) -> list[str]:
    """The sentences naming each watched term that are new or gone."""
    moved = [t for t in terms if t.added or t.removed]
    if not moved:
        return []
    lines = ["## Watched terms", ""]
    for term in moved:
        lines.append(f"**{escape_markdown(term_phrase(term))}**")
        lines.append("")
        lines.extend(f"- New: “{escape_markdown(s, line_start=False)}”" for s in term.added)
        lines.extend(f"- Gone: “{escape_markdown(s, line_start=False)}”" for s in term.removed)
        lines.append("")
    return lines


def _versions_table(target: str, old: VersionRef, new: VersionRef) -> list[str]:
    def stamp(ref: VersionRef) -> str:
        return escape_markdown(ref.last_updated.text) if ref.last_updated else "(none shown)"

    def captured(ref: VersionRef) -> str:
        return utc_iso(ref.captured_at) + (" (imported)" if ref.imported else "")

    return [
        f"| Target `{target}` | Old | New |",
        "|---|---|---|",
        f"| Version | `{old.id}` | `{new.id}` |",
        f"| Captured | {captured(old)} | {captured(new)} |",
        f"| 'Last updated' on the page | {stamp(old)} | {stamp(new)} |",
    ]


def _section(
    status: SectionStatus, name: str, old_heading: str | None, heading: str | None
) -> list[str]:
    title = f"## {escape_markdown(name)} — {status.value}"
    if status is SectionStatus.RENAMED:
        was = escape_markdown(old_heading) if old_heading else "the introduction"
        title += f" (was “{was}”)"
    return [title, ""]


def _block(item: BlockChange) -> list[str]:
    lines = [f"*{escape_markdown(block_heading(item))}:*", ""]
    if item.status in (BlockStatus.ADDED, BlockStatus.REMOVED):
        text = item.new_text if item.status is BlockStatus.ADDED else item.old_text
        body = escape_markdown(text or "")
        lines.append(f"> {_marked(body, item.status)}")
    else:
        lines.append(f"> {_inline_diff(item.diff)}")
    lines.extend(f">\n> *{escape_markdown(note)}*" for note in item.notes)
    if item.flags:
        said = "; ".join(escape_markdown(flag_sentence(f), line_start=False) for f in item.flags)
        lines.append(f">\n> **Flags:** {said}")
    lines.append("")
    return lines


def _marked(body: str, status: BlockStatus) -> str:
    # Whole added/removed blocks are marked like words would be, so a quote copied out of
    # the report keeps its meaning.
    if not body:
        return "(empty)"
    return f"**{body}**" if status is BlockStatus.ADDED else f"~~{body}~~"


def _inline_diff(parts: Iterable[DiffPart]) -> str:
    out: list[str] = []
    for part in parts:
        text = _SPACE.sub(" ", part.text)
        core = text.strip()
        if part.op is Op.EQUAL:
            out.append(escape_markdown(text, line_start=not out))
            continue
        if not core:
            # A whitespace-only edit: show the new spacing, mark nothing.
            if part.op is Op.INSERT:
                out.append(text)
            continue
        lead = text[: len(text) - len(text.lstrip())]
        trail = text[len(text.rstrip()) :]
        mark = "**" if part.op is Op.INSERT else "~~"
        # Markers hug the words: GFM ignores `~~ x~~` and `** x**`.
        out.append(f"{lead}{mark}{escape_markdown(core, line_start=False)}{mark}{trail}")
    return "".join(out)
