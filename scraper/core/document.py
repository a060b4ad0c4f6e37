"""The document model: what a reader sees on the page, as frozen data with a content hash.

`parse.py` builds a `Document` from HTML; everything downstream (versions, diffs, reports,
replay) works on it. Canonical JSON is the one serialisation: sorted keys, no floats, UTF-8,
defaults left out. The content hash is the sha256 of that canonical form, so "unchanged"
means "equal hashes" and nothing else.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class BlockKind(StrEnum):
    """What a block is on the page."""

    PARAGRAPH = "paragraph"
    BULLET = "bullet"
    FIGURE = "figure"


@dataclass(frozen=True)
class Link:
    """A link inside a block: its visible text and its normalised absolute href."""

    text: str
    href: str

    def to_dict(self) -> dict[str, Any]:
        """The canonical JSON object of this link."""
        return {"text": self.text, "href": self.href}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Link:
        """Rebuild a link from its canonical JSON object."""
        return cls(text=data["text"], href=data["href"])


@dataclass(frozen=True)
class Block:
    """One paragraph, bullet or figure.

    `label` is a bold lead-in ("Cyber defence") kept apart from `text`; `depth` is the nesting
    of a bullet (0 = top level); a figure's `text` is its caption, `alt` the image's alt text
    and `src` the image's normalised URL.
    """

    kind: BlockKind
    text: str
    label: str | None = None
    depth: int = 0
    links: tuple[Link, ...] = ()
    alt: str | None = None
    src: str | None = None

    @property
    def full_text(self) -> str:
        """The block as a reader reads it: label and text (and a figure's alt text)."""
        parts = []
        if self.label:
            parts.append(f"{self.label}:")
        if self.kind is BlockKind.FIGURE and self.alt and not self.text:
            parts.append(self.alt)
        if self.text:
            parts.append(self.text)
        return " ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """The canonical JSON object of this block (default fields left out)."""
        out: dict[str, Any] = {"kind": self.kind.value, "text": self.text}
        if self.label is not None:
            out["label"] = self.label
        if self.depth:
            out["depth"] = self.depth
        if self.links:
            out["links"] = [link.to_dict() for link in self.links]
        if self.alt is not None:
            out["alt"] = self.alt
        if self.src is not None:
            out["src"] = self.src
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Block:
        """Rebuild a block from its canonical JSON object."""
        return cls(
            kind=BlockKind(data["kind"]),
            text=data["text"],
            label=data.get("label"),
            depth=int(data.get("depth", 0)),
            links=tuple(Link.from_dict(x) for x in data.get("links", ())),
            alt=data.get("alt"),
            src=data.get("src"),
        )


@dataclass(frozen=True)
class Section:
    """A heading and the blocks under it; the lead section has no heading.

    `level` is normalised: the highest heading level used in the article is 2, the next 3, …;
    the lead section has level 1. `id` is stable, derived from the heading ("lead" for the
    lead section, a suffix "-2", "-3" for repeated headings).
    """

    id: str
    heading: str | None
    level: int
    blocks: tuple[Block, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """The canonical JSON object of this section."""
        return {
            "id": self.id,
            "heading": self.heading,
            "level": self.level,
            "blocks": [b.to_dict() for b in self.blocks],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Section:
        """Rebuild a section from its canonical JSON object."""
        return cls(
            id=data["id"],
            heading=data.get("heading"),
            level=int(data["level"]),
            blocks=tuple(Block.from_dict(b) for b in data.get("blocks", ())),
        )


@dataclass(frozen=True)
class LastUpdated:
    """The page's own "Last updated" stamp: as shown, and as an aware Europe/Brussels time."""

    text: str
    at: datetime

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise ValueError("LastUpdated.at must be timezone-aware")

    def to_dict(self) -> dict[str, Any]:
        """The canonical JSON object of this stamp."""
        return {"text": self.text, "at": self.at.isoformat()}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LastUpdated:
        """Rebuild a stamp from its canonical JSON object (the offset is kept as stored)."""
        from zoneinfo import ZoneInfo

        at = datetime.fromisoformat(data["at"]).astimezone(ZoneInfo("Europe/Brussels"))
        return cls(text=data["text"], at=at)


@dataclass(frozen=True)
class Document:
    """The page parsed into structure: title, stamp and sections in page order."""

    title: str
    last_updated: LastUpdated | None
    sections: tuple[Section, ...] = ()
    _hash: str = field(default="", init=False, repr=False, compare=False)

    def to_dict(self) -> dict[str, Any]:
        """The canonical JSON object of this document."""
        return {
            "title": self.title,
            "last_updated": self.last_updated.to_dict() if self.last_updated else None,
            "sections": [s.to_dict() for s in self.sections],
        }

    def to_json(self, *, indent: int | None = None) -> str:
        """Canonical JSON text: sorted keys, UTF-8 characters kept, no trailing space."""
        return canonical_json(self.to_dict(), indent=indent)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Document:
        """Rebuild a document from its canonical JSON object."""
        stamp = data.get("last_updated")
        return cls(
            title=data["title"],
            last_updated=LastUpdated.from_dict(stamp) if stamp else None,
            sections=tuple(Section.from_dict(s) for s in data.get("sections", ())),
        )

    @classmethod
    def from_json(cls, text: str) -> Document:
        """Rebuild a document from canonical JSON text."""
        return cls.from_dict(json.loads(text))

    @property
    def content_hash(self) -> str:
        """sha256 (hex) of the canonical compact JSON: the document's identity."""
        if not self._hash:
            # lazy: loading OpenSSL's hashes costs ~4 ms of start-up that `log` and `show`,
            # which read stored hashes, never use
            import hashlib

            digest = hashlib.sha256(self.to_json().encode("utf-8")).hexdigest()
            object.__setattr__(self, "_hash", digest)
        return self._hash

    def iter_blocks(self) -> Iterator[tuple[Section, Block]]:
        """Every block with its section, in page order."""
        for section in self.sections:
            for block in section.blocks:
                yield section, block

    def to_text(self) -> str:
        """The document as a reader sees it, as plain text."""
        lines = [self.title]
        if self.last_updated:
            lines.append(f"Last updated: {self.last_updated.text}")
        for section in self.sections:
            lines.append("")
            if section.heading:
                lines += [section.heading, ""]
            for block in section.blocks:
                if block.kind is BlockKind.BULLET:
                    lines.append("  " * block.depth + "• " + block.full_text)
                elif block.kind is BlockKind.FIGURE:
                    photo = f"[Photo: {block.alt}]" if block.alt else "[Photo]"
                    lines.append(photo + (f" {block.text}" if block.text else ""))
                else:
                    lines.append(block.full_text)
        return "\n".join(lines) + "\n"

    def to_markdown(self) -> str:
        """The document as Markdown: headings, bullets with bold labels, photos."""
        lines = [f"# {_md(self.title)}", ""]
        if self.last_updated:
            lines += [f"*Last updated: {_md(self.last_updated.text)}*", ""]
        for section in self.sections:
            if section.heading:
                lines += ["#" * section.level + " " + _md(section.heading), ""]
            previous: BlockKind | None = None
            for block in section.blocks:
                if previous is BlockKind.BULLET and block.kind is not BlockKind.BULLET:
                    lines.append("")
                label = f"**{_md(block.label)}:** " if block.label else ""
                if block.kind is BlockKind.BULLET:
                    lines.append("  " * block.depth + "- " + label + _md(block.text))
                elif block.kind is BlockKind.FIGURE:
                    lines.append(f"![{_md(block.alt or '')}]({block.src or ''})")
                    if block.text:
                        lines.append(f"*{_md(block.text)}*")
                    lines.append("")
                else:
                    lines += [label + _md(block.text), ""]
                previous = block.kind
            if previous is BlockKind.BULLET:
                lines.append("")
        return "\n".join(lines).rstrip("\n") + "\n"


_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_[]<>|"})


def _md(text: str) -> str:
    """Page text with the characters that would become Markdown markup escaped."""
    escaped = text.translate(_MD_SPECIAL)
    return "\\" + escaped if escaped[:1] in ("#", "+", "-") else escaped


def canonical_json(obj: Any, *, indent: int | None = None) -> str:
    """Serialise with sorted keys and real UTF-8 characters; compact unless `indent` is given.

    Floats are refused: they have no single canonical text form.
    """
    _reject_floats(obj)
    if indent is None:
        return json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return json.dumps(obj, ensure_ascii=False, sort_keys=True, indent=indent)


def _reject_floats(obj: Any) -> None:
    if isinstance(obj, float):
        raise TypeError("floats have no canonical JSON form; use int or str")
    if isinstance(obj, dict):
        for value in obj.values():
            _reject_floats(value)
    elif isinstance(obj, list | tuple):
        for value in obj:
            _reject_floats(value)
