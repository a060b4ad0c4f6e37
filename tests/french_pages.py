"""French fixture pages, built from the stored openings of the French page (FACTS.md).

`load_french(name)` reads `tests/fixtures/text/<name>.txt` (a header naming the URL and the
stamp, the site banner, the title, "• Mis à jour le: …", photos, paragraphs, bullets, headings;
cut mid-word at the end) into a `pages.PageContent`, and `french_page(content)` renders it the
way `pages.nato_page` renders the English page, with the French stamp label and `lang="fr"`.
"""

from __future__ import annotations

from pages import TEXT_DIR, Item, PageContent, Part, nato_page

FRENCH_HEADINGS = {"Principaux domaines de coopération"}
# alt text -> caption (None when the page shows none), as the stored openings show them
FRENCH_PHOTOS = {
    "NATO Relations with the Republic of Korea": None,
    "From left to right: Yu Myung-hwan, Minister of Foreign Affairs and Trade of the Republic "
    "of Korea shaking hands with NATO Secretary General Anders Fogh Rasmussen.": "L’ancien "
    "ministre sud-coréen des Affaires étrangères et du Commerce, M. Yu Myung-hwan, serrant ici "
    "la main du secrétaire général de l’OTAN, M. Anders Fogh Rasmussen, avant de prononcer un "
    "discours devant le Conseil de l’Atlantique Nord (mai 2010).",
    "Left to right: NATO Secretary General Anders Fogh Rasmussen in bilateral discussion with "
    "President Park Geun-hye of the Republic of Korea": "Yu Myung-hwan, alors ministre des "
    "Affaires étrangères et du Commerce de la République de Corée, avec le secrétaire général "
    "de l'OTAN, Anders Fogh Rasmussen (mai 2010)",
}
BANNER = "NATO - North Atlantic Treaty Organization"
STAMP_LABEL = "• Mis à jour le:"


def load_french(name: str = "2023-08-16_fr_opening") -> PageContent:
    """Read a stored French opening into a `PageContent`."""
    lines = [
        line.strip()
        for line in (TEXT_DIR / f"{name}.txt").read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith(("URL:", "LAST-UPDATED:"))
    ]
    lines = [line for line in lines if line != BANNER]
    title, stamp = lines[0], None
    parts: list[Part] = []
    heading: str | None = None
    items: list[Item] = []
    skip: str | None = None
    for line in lines[1:]:
        if line.startswith(STAMP_LABEL):
            stamp = line.removeprefix(STAMP_LABEL).strip()
        elif skip is not None and line == skip:
            skip = None
        elif line in FRENCH_HEADINGS:
            parts.append(Part(heading, tuple(items)))
            heading, items = line, []
        elif line in FRENCH_PHOTOS:
            skip = FRENCH_PHOTOS[line]
            src = f"/nato_static_fl2014/assets/pictures/images_mfu/fr-{len(parts)}-{len(items)}.jpg"
            items.append(Item("img", skip or "", alt=line, src=src))
        elif line.startswith("• "):
            items.append(Item("li", line.removeprefix("• ")))
        else:
            items.append(Item("p", line))
    parts.append(Part(heading, tuple(items)))
    return PageContent(title=title, stamp=stamp, parts=tuple(p for p in parts if p.items))


def french_page(content: PageContent) -> str:
    """The French page as nato.int's topic template renders it: `nato_page` with the French
    stamp label and language."""
    return (
        nato_page(content)
        .replace("<li>Last updated: ", "<li>Mis à jour le: ", 1)
        .replace('<html lang="en"', '<html lang="fr"', 1)
    )
