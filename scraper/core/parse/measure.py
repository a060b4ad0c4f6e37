"""How much text, and how much link text, every element holds: one pass over the tree.

Region finding, boilerplate shapes and caption finding all compare amounts of text; measuring
once, bottom-up, keeps the parse linear in the size of the page however often they ask.
"""

from __future__ import annotations

from typing import Final

from bs4 import Tag

from scraper.core.parse.text import is_text, mass

_LONG_LINK: Final = 300  # characters: more than any menu entry, less than an article


class Measure:
    """Text mass (characters, whitespace not counted) and link mass of every element, from
    one bottom-up pass; a link holding paragraphs (an unclosed <a> swallowing the page) does
    not count as link text."""

    def __init__(self, root: Tag) -> None:
        self._mass: dict[int, int] = {}
        self._links: dict[int, int] = {}
        stack: list[tuple[Tag, bool]] = [(root, False)]
        while stack:
            el, done = stack.pop()
            if not done:
                stack.append((el, True))
                stack.extend((c, False) for c in el.contents if isinstance(c, Tag))
                continue
            total = links = 0
            for child in el.contents:
                if isinstance(child, Tag):
                    total += self._mass[id(child)]
                    links += self._links[id(child)]
                elif is_text(child):
                    total += mass(child)
            if el.name == "a":
                links = total if total < _LONG_LINK / 2 or not self._long(el) else 0
            self._mass[id(el)] = total
            self._links[id(el)] = links

    @staticmethod
    def _long(a: Tag) -> bool:
        return len(" ".join(a.get_text().split())) >= _LONG_LINK

    def forget(self, el: Tag) -> None:
        """Take a dropped element's text out of its ancestors' counts (before it is dropped),
        so the tree need not be measured again."""
        text, links = self._mass.get(id(el), 0), self._links.get(id(el), 0)
        for ancestor in el.parents:
            key = id(ancestor)
            if key in self._mass:
                self._mass[key] -= text
                self._links[key] = max(0, self._links[key] - links)

    def mass(self, el: Tag) -> int:
        """How much text the element holds."""
        return self._mass.get(id(el), 0)

    def link_mass(self, el: Tag) -> int:
        """How much of it is link text."""
        return self._links.get(id(el), 0)

    def prose(self, el: Tag) -> int:
        """Text outside links: navigation columns are nearly all links, an article nearly
        none, so this tells them apart where the markup does not."""
        return self._mass.get(id(el), 0) - self._links.get(id(el), 0)
