"""The rules that raise flags, kind by kind. Owns `block_flags`.

`block_flags` reads the features of a block's old and new text (`scraper.core.features`) and
applies one rule per kind of change: modality, negation, dates, numbers, actors, programmes,
intensity and watched terms. Inside an edited block every difference counts; a block that is
wholly new (or gone) raises only what is new to (or gone from) the whole page. How much each
kind of change usually matters is its weight, set below. Pure: text in, flags out.
"""

from __future__ import annotations

import difflib
from collections import Counter
from collections.abc import Iterable

from scraper.core.features import (
    NO_FEATURES,
    Feature,
    FeatureKind,
    Features,
    PageContext,
    features,
)
from scraper.core.flags import BLOCK_FLAGS, MIN_WEIGHT, Flag, FlagKind
from scraper.core.words import ModalStrength

# The most of a sentence a flag quotes as its context.
CONTEXT_CHARS = 280
# Two sentences at least this similar (word sequences) are one sentence, edited.
SAME_SENTENCE_RATIO = 0.5

# -- weights: how much each kind of change usually matters -----------------------------------
W_NEGATION_FLIP = 9  # a "not" appeared in or vanished from a sentence that is still there
W_NEGATION_NEW = 6  # a negated sentence is new (or gone)
W_NEGATION_REWORD = 4  # one negation for another ("not" -> "never")
W_MODAL_PER_STEP = 1  # modality shift: 5 + one per step of strength (will -> may: 2 steps)
W_MODAL_BASE = 5
W_MODAL_SAME = 3  # a modal for another of the same strength ("can" -> "could")
W_MODAL_ALONE = 5  # a modal added where there was none, or dropped
W_TERM_NEW = 8  # a watched term appeared on, or disappeared from, the page
W_TERM_COUNT = 5  # a watched term's count on the page changed
W_TERM_MOVED = 3  # a watched term left one passage for another; the page's count is the same
W_ACTOR_PAGE = 7  # a country/organisation new to (gone from) the page, in an edited block
W_ACTOR_PAGE_BLOCK = 6  # … in a new (removed) block
W_ACTOR_HERE = 5  # named in this edited block now (no longer), but named elsewhere on the page
W_PROGRAMME = 7  # a programme or agreement new to (gone from) the page, or renamed
W_PROGRAMME_HERE = 4  # named here now (no longer), but named elsewhere on the page
W_DATE_CHANGED = 7  # a date replaced by another
W_DATE_ALONE = 5  # a full date or month added to (dropped from) an edited block
W_YEAR_ALONE = 4  # a bare year or month added or dropped
W_DATE_PAGE = 3  # a full date new to (gone from) the page, in a new (removed) block
W_AMOUNT_CHANGED = 7  # an amount or a percentage replaced by another
W_NUMBER_CHANGED = 6  # a count or an ordinal replaced by another
W_AMOUNT_ALONE = 5
W_NUMBER_ALONE = 3
W_AMOUNT_PAGE = 4  # an amount new to (gone from) the page, in a new (removed) block
W_WEAKER = 6  # an intensifier dropped, a hedge added, a step down a ladder
W_STRONGER = 5  # an intensifier added, a hedge dropped, a step up a ladder


# -- the flags of one block ------------------------------------------------------------------


def block_flags(
    old_text: str | None,
    new_text: str | None,
    *,
    page: PageContext,
    section: str | None = None,
    limit: int = BLOCK_FLAGS,
) -> tuple[Flag, ...]:
    """The flags of one block that was added (`old_text` None), removed (`new_text` None) or
    edited, strongest first, at most `limit`."""
    if old_text == new_text:  # unchanged, or flagged with a neighbour (both None)
        return ()
    old = features(old_text, page.watch, lang=page.lang) if old_text else NO_FEATURES
    new = features(new_text, page.watch, lang=page.lang) if new_text else NO_FEATURES
    if old_text is None or new_text is None:
        flags = _whole_block(old, new, page, added=old_text is None)
    else:
        flags = _edited_block(old, new, page)
    flags = [f for f in flags if f.weight >= MIN_WEIGHT]
    ordered = sorted(enumerate(flags), key=lambda pair: (-pair[1].weight, pair[0]))
    return tuple(
        Flag(f.kind, f.weight, f.old, f.new, f.note, f.context, section) for _, f in ordered[:limit]
    )


class _Side:
    """One side of an edited block, for picking which occurrence of a word changed."""

    def __init__(self, features: Features, other: Features) -> None:
        self.features = features
        self.other_sentences = {_norm_space(s) for s in _sentences_of(other)}

    def changed_first(self, items: list[Feature]) -> list[Feature]:
        """Occurrences in sentences the other side lacks come first: those are the edits."""
        return sorted(
            items,
            key=lambda i: (_norm_space(self.features.sentence(i)) in self.other_sentences, i.start),
        )


def _sentences_of(features: Features) -> list[str]:
    return [features.text[a:b] for a, b in features.spans]


def _norm_space(text: str) -> str:
    return " ".join(text.split())


def _delta(old: Features, new: Features, cat: FeatureKind) -> tuple[list[Feature], list[Feature]]:
    """The items of `cat` only the old side has and only the new side has (by key, counted),
    each in text order."""
    old_items, new_items = old.of(cat), new.of(cat)
    old_count = Counter(i.key for i in old_items)
    new_count = Counter(i.key for i in new_items)
    removed = _pick(old_items, old_count - new_count, _Side(old, new))
    added = _pick(new_items, new_count - old_count, _Side(new, old))
    return removed, added


def _pick(items: list[Feature], wanted: Counter[str], side: _Side) -> list[Feature]:
    out: list[Feature] = []
    left = Counter(wanted)
    for item in side.changed_first(items):
        if left[item.key] > 0:
            left[item.key] -= 1
            out.append(item)
    return sorted(out, key=lambda i: i.start)


def _context(features: Features, item: Feature) -> str:
    """The sentence the item is in; a long one cut at word boundaries around the item."""
    sentence = " ".join(features.sentence(item).split())
    if len(sentence) <= CONTEXT_CHARS:
        return sentence
    at = max(sentence.find(item.text), 0)
    start = max(0, min(at - CONTEXT_CHARS // 3, len(sentence) - CONTEXT_CHARS))
    end = start + CONTEXT_CHARS
    if start > 0:
        start = sentence.find(" ", start) + 1 or start
    if end < len(sentence):
        end = sentence.rfind(" ", start, end) if sentence.rfind(" ", start, end) > at else end
    piece = sentence[start:end].strip(" ,;:")
    return ("…" if start > 0 else "") + piece + ("…" if end < len(sentence) else "")


def _has_counterpart(sentence: str, other: Features) -> bool:
    """Whether the other side has a sentence that is this one, edited."""
    words = sentence.casefold().split()
    for candidate in _sentences_of(other):
        matcher = difflib.SequenceMatcher(None, words, candidate.casefold().split(), autojunk=False)
        if (
            matcher.real_quick_ratio() >= SAME_SENTENCE_RATIO
            and matcher.ratio() >= SAME_SENTENCE_RATIO
        ):
            return True
    return False


def _edited_block(old: Features, new: Features, page: PageContext) -> list[Flag]:
    flags: list[Flag] = []
    flags += _modality(old, new)
    flags += _negation(old, new)
    flags += _dates(old, new)
    flags += _numbers(old, new)
    flags += _actors_edited(old, new, page)
    flags += _programmes_edited(old, new, page)
    flags += _intensity(old, new)
    flags += _terms(old, new, page)
    return flags


def _whole_block(old: Features, new: Features, page: PageContext, *, added: bool) -> list[Flag]:
    """A block that is all new (or all gone): only what is new to (gone from) the page."""
    side = new if added else old
    other_page = page.old if added else page.new
    flags: list[Flag] = []
    names = [
        i.key for i in side.of(FeatureKind.ACTOR) if not other_page.has(FeatureKind.ACTOR, i.key)
    ]
    if names:
        first = next(i for i in side.of(FeatureKind.ACTOR) if i.key in names)
        flags.append(
            _actor_flag(_dedupe(names), side, first, added=added, page_level=True, whole=True)
        )
    for item in _first_each(side.of(FeatureKind.PROGRAMME)):
        if not other_page.has(FeatureKind.PROGRAMME, item.key):
            flags.append(_programme_flag(item, side, added=added, page_level=True))
    for item in _first_each(side.of(FeatureKind.NUMBER)):
        if item.group in ("amount", "percent") and not other_page.has(FeatureKind.NUMBER, item.key):
            note = (
                f"{'a new' if added else 'an'} {_number_noun(item)} "
                f"{'on the page' if added else 'no longer on the page'}"
            )
            flags.append(
                _one_sided(FlagKind.NUMBER, W_AMOUNT_PAGE, note, item, added=added, side=side)
            )
    for item in _first_each(side.of(FeatureKind.DATE)):
        if item.group in ("date", "month", "range") and not other_page.has(
            FeatureKind.DATE, item.key
        ):
            note = "a date new to the page" if added else "a date no longer on the page"
            flags.append(_one_sided(FlagKind.DATE, W_DATE_PAGE, note, item, added=added, side=side))
    flags += _terms(old, new, page)
    return flags


# -- the shapes every rule's flags take --------------------------------------------------------


def _one_sided(
    kind: FlagKind,
    weight: int,
    note: str,
    at: Feature,
    *,
    added: bool,
    side: Features,
    words: str | None = None,
) -> Flag:
    """A flag for words only one side has: new on `side` when `added`, else gone from it.
    The words are `at`'s own unless `words` says otherwise; the context is `at`'s sentence."""
    said = at.text if words is None else words
    return Flag(
        kind, weight, None if added else said, said if added else None, note, _context(side, at)
    )


def _replaced(
    kind: FlagKind, weight: int, note: str, before: Feature, after: Feature, new: Features
) -> Flag:
    """A flag for words replaced by others, quoting the new sentence."""
    return Flag(kind, weight, before.text, after.text, note, _context(new, after))


def _surplus(removed: list[Feature], added: list[Feature]) -> tuple[list[Feature], list[Feature]]:
    """What is left of each side after pairing them off in text order."""
    paired = min(len(removed), len(added))
    return removed[paired:], added[paired:]


def _unpaired(
    gone: list[Feature], came: list[Feature], old: Features, new: Features
) -> list[tuple[Feature, Features, bool]]:
    """Items left without a counterpart, the gone ones first, each with the side it is on and
    whether it is new."""
    return [(item, old, False) for item in gone] + [(item, new, True) for item in came]


def _pairs_by_group(
    removed: list[Feature], added: list[Feature]
) -> tuple[list[tuple[Feature, Feature]], list[Feature], list[Feature]]:
    """Pair removed with added items of the same sort in order, then any sort in order."""
    pairs: list[tuple[Feature, Feature]] = []
    rest_old, rest_new = list(removed), list(added)
    for sort in dict.fromkeys(i.group for i in removed):
        olds = [i for i in rest_old if i.group == sort]
        news = [i for i in rest_new if i.group == sort]
        for a, b in zip(olds, news, strict=False):
            pairs.append((a, b))
            rest_old.remove(a)
            rest_new.remove(b)
    for a, b in zip(list(rest_old), list(rest_new), strict=False):
        pairs.append((a, b))
        rest_old.remove(a)
        rest_new.remove(b)
    return pairs, rest_old, rest_new


def _first_each(items: Iterable[Feature]) -> list[Feature]:
    seen: set[str] = set()
    out = []
    for item in items:
        if item.key not in seen:
            seen.add(item.key)
            out.append(item)
    return out


def _dedupe(names: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(names))


# -- the rules, kind by kind ---------------------------------------------------------------------

_STRENGTH_WORD = {
    ModalStrength.OBLIGATION: "an obligation",
    ModalStrength.COMMITMENT: "a commitment",
    ModalStrength.INTENTION: "an intention",
    ModalStrength.POSSIBILITY: "a possibility",
}


def _modality(old: Features, new: Features) -> list[Flag]:
    removed, added = _delta(old, new, FeatureKind.MODAL)
    flags = []
    for before, after in zip(removed, added, strict=False):
        a, b = ModalStrength(before.detail), ModalStrength(after.detail)
        steps = abs(int(a) - int(b))
        if steps == 0:
            weight = W_MODAL_SAME
            note = f"one modal for another of the same strength ({_STRENGTH_WORD[a][2:]})"
        else:
            weight = W_MODAL_BASE + W_MODAL_PER_STEP * steps
            direction = "weaker" if b < a else "stronger"
            note = f"{direction}: {_STRENGTH_WORD[a]} became {_STRENGTH_WORD[b]}"
        flags.append(_replaced(FlagKind.MODALITY, weight, note, before, after, new))
    for item, side, is_new in _unpaired(*_surplus(removed, added), old, new):
        strength = _STRENGTH_WORD[ModalStrength(item.detail)]
        if is_new:
            note = f"{strength} added where the text stated plainly"
        else:
            note = (
                f"{strength} dropped: the statement is now plainer (check whether it became a "
                "fact or lost its commitment)"
            )
        flags.append(
            _one_sided(FlagKind.MODALITY, W_MODAL_ALONE, note, item, added=is_new, side=side)
        )
    return flags


def _negation(old: Features, new: Features) -> list[Flag]:
    removed, added = _delta(old, new, FeatureKind.NEGATION)
    flags = [
        _replaced(
            FlagKind.NEGATION, W_NEGATION_REWORD, "one negation for another", before, after, new
        )
        for before, after in zip(removed, added, strict=False)
    ]
    # A negation gone from the old text, or new in the new one: the same rule, mirrored.
    for item, here, is_new in _unpaired(*_surplus(removed, added), old, new):
        flip = _has_counterpart(here.sentence(item), old if is_new else new)
        if flip:
            note = (
                f"negation {'added' if is_new else 'removed'}: the sentence may now say the "
                "opposite"
            )
        else:
            note = "a new negative statement" if is_new else "a negative statement is gone"
        weight = W_NEGATION_FLIP if flip else W_NEGATION_NEW
        flags.append(_one_sided(FlagKind.NEGATION, weight, note, item, added=is_new, side=here))
    return flags


def _dates(old: Features, new: Features) -> list[Flag]:
    removed, added = _delta(old, new, FeatureKind.DATE)
    pairs, gone, came = _pairs_by_group(removed, added)
    flags = [
        _replaced(FlagKind.DATE, W_DATE_CHANGED, "a date changed", a, b, new) for a, b in pairs
    ]
    for item, side, is_new in _unpaired(gone, came, old, new):
        weight = W_YEAR_ALONE if item.group in ("year", "month", "day") else W_DATE_ALONE
        note = "a date added" if is_new else "a date dropped"
        flags.append(_one_sided(FlagKind.DATE, weight, note, item, added=is_new, side=side))
    return flags


def _number_noun(item: Feature) -> str:
    return {"amount": "amount", "percent": "percentage", "ordinal": "ordinal"}.get(
        item.group, "number"
    )


def _a_number(item: Feature) -> str:
    """ "a number", "an amount", "a percentage", "an ordinal"."""
    noun = _number_noun(item)
    return f"{'an' if noun[0] in 'ao' else 'a'} {noun}"


def _numbers(old: Features, new: Features) -> list[Flag]:
    removed, added = _delta(old, new, FeatureKind.NUMBER)
    pairs, gone, came = _pairs_by_group(removed, added)
    flags = []
    for a, b in pairs:
        big = a.group in ("amount", "percent") or b.group in ("amount", "percent")
        weight = W_AMOUNT_CHANGED if big else W_NUMBER_CHANGED
        flags.append(_replaced(FlagKind.NUMBER, weight, f"{_a_number(b)} changed", a, b, new))
    for item, side, is_new in _unpaired(gone, came, old, new):
        weight = W_AMOUNT_ALONE if item.group in ("amount", "percent") else W_NUMBER_ALONE
        note = f"{_a_number(item)} {'added' if is_new else 'dropped'}"
        flags.append(_one_sided(FlagKind.NUMBER, weight, note, item, added=is_new, side=side))
    return flags


def _actor_flag(
    names: list[str],
    side: Features,
    first: Feature,
    *,
    added: bool,
    page_level: bool,
    whole: bool = False,
) -> Flag:
    plural = len(names) > 1
    if page_level:
        weight = W_ACTOR_PAGE_BLOCK if whole else W_ACTOR_PAGE
        if added:
            note = f"{'new actors' if plural else 'a new actor'} on the page"
        else:
            note = f"{'actors' if plural else 'an actor'} no longer named anywhere on the page"
    else:
        weight = W_ACTOR_HERE
        note = (
            "now named in this passage (already named elsewhere on the page)"
            if added
            else "no longer named in this passage (still named elsewhere on the page)"
        )
    return _one_sided(
        FlagKind.ACTOR, weight, note, first, added=added, side=side, words=", ".join(names)
    )


def _actors_edited(old: Features, new: Features, page: PageContext) -> list[Flag]:
    removed, added = _delta(old, new, FeatureKind.ACTOR)
    flags = []
    for items, side, is_added, other_page in (
        (added, new, True, page.old),
        (removed, old, False, page.new),
    ):
        page_level = [i for i in items if not other_page.has(FeatureKind.ACTOR, i.key)]
        here = [i for i in items if other_page.has(FeatureKind.ACTOR, i.key)]
        for group, level in ((page_level, True), (here, False)):
            if group:
                flags.append(
                    _actor_flag(
                        _dedupe(i.key for i in group),
                        side,
                        group[0],
                        added=is_added,
                        page_level=level,
                    )
                )
    return flags


def _programme_flag(item: Feature, side: Features, *, added: bool, page_level: bool) -> Flag:
    if page_level:
        weight = W_PROGRAMME
        note = (
            "a programme or agreement new to the page"
            if added
            else "a programme or agreement no longer named on the page"
        )
    else:
        weight = W_PROGRAMME_HERE
        note = (
            "a programme or agreement now named here (already named elsewhere on the page)"
            if added
            else "a programme or agreement no longer named here (still named elsewhere)"
        )
    return _one_sided(FlagKind.PROGRAMME, weight, note, item, added=added, side=side)


def _programmes_edited(old: Features, new: Features, page: PageContext) -> list[Flag]:
    removed, added = _delta(old, new, FeatureKind.PROGRAMME)
    note = "a programme or agreement renamed or replaced"
    flags = [
        _replaced(FlagKind.PROGRAMME, W_PROGRAMME, note, a, b, new)
        for a, b in zip(removed, added, strict=False)
    ]
    for item, side, is_new in _unpaired(*_surplus(removed, added), old, new):
        other_page = page.old if is_new else page.new
        new_to_page = not other_page.has(FeatureKind.PROGRAMME, item.key)
        flags.append(_programme_flag(item, side, added=is_new, page_level=new_to_page))
    return flags


def _intensity(old: Features, new: Features) -> list[Flag]:
    flags: list[Flag] = []
    # One intensifier (or hedge) for another ("steadfast" -> "unwavering") is a synonym, not
    # a change of strength: only what one side has more of counts.
    dropped, gained = _surplus(*_delta(old, new, FeatureKind.STRONGER))
    hedged_before, hedged_now = _surplus(*_delta(old, new, FeatureKind.HEDGE))
    for items, side, is_new, weight, note in (
        (dropped, old, False, W_WEAKER, "weaker: intensifying wording dropped"),
        (gained, new, True, W_STRONGER, "stronger: intensifying wording added"),
        (hedged_now, new, True, W_WEAKER, "weaker: a hedge added"),
        (hedged_before, old, False, W_STRONGER, "stronger: a hedge dropped"),
    ):
        if items:
            words = ", ".join(_dedupe(i.text for i in items))
            flags.append(
                _one_sided(
                    FlagKind.INTENSITY, weight, note, items[0], added=is_new, side=side, words=words
                )
            )
    before, after = _delta(old, new, FeatureKind.LADDER)
    for ladder in dict.fromkeys(i.group for i in before):
        olds = [i for i in before if i.group == ladder]
        news = [i for i in after if i.group == ladder]
        for a, b in zip(olds, news, strict=False):
            if a.detail == b.detail:
                continue
            weaker = b.detail < a.detail
            note = (
                f"{'weaker' if weaker else 'stronger'} {ladder}: "
                f"“{a.text}” is a {'stronger' if weaker else 'weaker'} step than “{b.text}”"
            )
            weight = W_WEAKER if weaker else W_STRONGER
            flags.append(_replaced(FlagKind.INTENSITY, weight, note, a, b, new))
    return flags


def _terms(old: Features, new: Features, page: PageContext) -> list[Flag]:
    old_count = Counter(i.key for i in old.of(FeatureKind.TERM))
    new_count = Counter(i.key for i in new.of(FeatureKind.TERM))
    flags = []
    for term in page.watch.names:
        here_old, here_new = old_count[term], new_count[term]
        if here_old == here_new:
            continue
        on_old = page.old.count(FeatureKind.TERM, term)
        on_new = page.new.count(FeatureKind.TERM, term)
        appeared = on_old == 0 and on_new > 0
        vanished = on_new == 0 and on_old > 0
        more = here_new > here_old
        side = new if more else old
        item = next(i for i in side.of(FeatureKind.TERM) if i.key == term)
        if appeared or vanished:
            weight = W_TERM_NEW
            where = "new to" if appeared else "gone from"
            note = f"watched term {where} the page (mentions: {on_old} → {on_new})"
        elif on_old != on_new:
            weight = W_TERM_COUNT
            note = (
                f"watched term named {'more' if on_new > on_old else 'less'} often "
                f"(mentions on the page: {on_old} → {on_new}; here: {here_old} → {here_new})"
            )
        else:
            weight = W_TERM_MOVED
            note = (
                f"watched term moved (mentions here: {here_old} → {here_new}; "
                f"on the page: still {on_new})"
            )
        flags.append(
            _one_sided(FlagKind.TERM, weight, note, item, added=more, side=side, words=term)
        )
    return flags


__all__ = ["block_flags"]
