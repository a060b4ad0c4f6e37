"""The parser's version, in a module of its own: recorded in every version's provenance, and
read before the parser is needed — a check whose response is byte for byte the latest
version's raw snapshot, read by this parser version, knows the document without parsing it,
so it never loads BeautifulSoup (`run.pipeline`).
"""

from __future__ import annotations

from typing import Final

# 2: links to nato.int's other URL shapes of a page (natolive, another locale prefix with
#    selectedLocale) are written in the one shape, /cps/<language>/natohq/.
# 3: links to bare nato.int are written as www.nato.int (one host, as page identity has it).
# 4: BeautifulSoup over lxml; furniture dropped by shape too (link-only tool strips such as
#    "Print | E-mail this page" and "Back to top", "Related"/"Latest news" boxes, cookie
#    notices by their words), icons (<= 32 px) are not figures, figures found in layout
#    tables, AMP images and captions past line breaks, data tables read a row at a time,
#    French month names in the stamp, control characters stripped, deep inline nesting
#    flattened instead of losing what follows it.
PARSER_VERSION: Final = "4"
"""Recorded in every version's provenance; bump it whenever the same HTML may parse differently."""
