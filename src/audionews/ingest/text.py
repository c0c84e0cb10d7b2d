"""Read plain text scraped from a news page: the most common and least structured input.

A scraped page is a sequence of lines. Each line is first classified on its own with the shared
tables (rules.py: boilerplate, byline, date, caption, notice, list item); what is left is text,
and its *position* decides what it is:

    [menu lines] [kicker] headline [standfirst...] [byline/date/caption...] body... [page links]

- kicker: a short first line that looks like a section name (ALL CAPS or Title Case, <= 5 words)
  followed by a longer line;
- headline: the first text line (or the line after the kicker);
- standfirst: text lines after the headline that come before the byline/date/caption lines of
  the header, or one unpunctuated line right after the headline ("dek" style);
- in the body, a short unpunctuated capitalised line followed by text is a SUBHEADING; a line
  followed by list items is the list's title (KEY_POINTS when it reads like a summary); a
  paragraph that is one quotation with no attribution is a QUOTE; short lines after the last
  paragraph are page links (dropped as navigation).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from audionews.ingest import rules
from audionews.ingest.assemble import ArticleParts, Furniture, classify_furniture
from audionews.ingest.span import Span, find_span
from audionews.models import Article, BlockKind, DropKind

#: A first line longer than this is body text, so the article has no headline line.
MAX_HEADLINE_WORDS = 40
#: A kicker is a section label: a few words.
MAX_KICKER_WORDS = 5
MAX_KICKER_CHARS = 40
#: A standfirst is a sentence or two, never a long paragraph.
MAX_STANDFIRST_WORDS = 60
MAX_STANDFIRSTS = 2
#: A subheading is a short line; longer unpunctuated lines are paragraphs.
MAX_SUBHEADING_WORDS = 14
#: Lines of at most this many words with no sentence punctuation can be menu entries.
MAX_MENU_WORDS = 4
#: Small words that may stay lowercase in a Title Case section name ("War in Ukraine").
_TITLE_SMALL_WORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "&",
        "the",
        "of",
        "in",
        "on",
        "at",
        "to",
        "for",
        "by",
        "with",
        "from",
        "or",
        "de",
        "la",
        "y",
    ]
)


#: Why lines outside the article's span (span.py) are not read.
BEFORE_REASON = "page before the article: menus and teasers"
AFTER_REASON = "page after the article: related stories, comments, footer"
WIDGET_REASON = "between two parts of the article: a gallery, player or box"
#: A reporter's title on its own line under the byline.
REPORTER_TITLE = rules.BoilerplateRule(DropKind.METADATA, "byline", "")
#: A short line in a run of them at the top of the page: a menu entry.
MENU_LINE = rules.BoilerplateRule(DropKind.NAVIGATION, "menu line", "")


class UnitKind(Enum):
    TEXT = "text"
    ITEM = "item"
    FURNITURE = "furniture"


@dataclass
class Unit:
    """One logical line of the page, classified on its own."""

    text: str
    kind: UnitKind
    item: str = ""  # the item's text without its marker, for ITEM
    glyph_marker: bool = False  # "•", "✅"... (a single such line is still a list)
    furniture: Furniture | None = None


def parse_text(text: str) -> Article:
    """Parse scraped plain text into an Article (raises InputError if nothing readable)."""
    parts = ArticleParts(source_format="text")
    lines = _logical_lines(text)
    span = find_span(lines)
    _drop_outside(lines, span, parts)
    inside = [line for index, line in enumerate(lines) if span.reads(index)]
    units = [_classify(line) for line in _without_repeats(inside, parts)]
    start = _read_header(units, parts)
    _read_body(units[start:], parts)
    return parts.build()


def _without_repeats(lines: list[str], parts: ArticleParts) -> list[str]:
    """Drop a line that repeats the line above it: a copied page prints a headline as a link
    and as the heading, a photo's alt text and its caption."""
    kept: list[str] = []
    for line in lines:
        if kept and line == kept[-1]:
            parts.drop(DropKind.OTHER, line, "repeats the line above")
        else:
            kept.append(line)
    return kept


def _drop_outside(lines: list[str], span: Span, parts: ArticleParts) -> None:
    """Record the page's lines before and after the article as dropped, with why."""
    for index, line in enumerate(lines):
        if span.reads(index):
            continue
        line = rules.strip_list_marker(line) or line
        rule = rules.match_boilerplate(line)
        if rule is not None:
            parts.drop(rule.kind, line, rule.reason)
        elif index == 0 and span.title_line:
            parts.drop(DropKind.NAVIGATION, line, "page title")
        elif index < span.start:
            parts.drop(DropKind.NAVIGATION, line, BEFORE_REASON)
        elif index < span.end:
            parts.drop(DropKind.NAVIGATION, line, WIDGET_REASON)
        else:
            parts.drop(DropKind.PROMOTION, line, AFTER_REASON)


# --------------------------------------------------------------------------- lines


def _logical_lines(text: str) -> list[str]:
    """Return the page's lines with wrapped lines joined and empty lines removed.

    A line that continues the previous one (starts in lowercase after an unfinished line) is
    joined to it; in hard-wrapped text (every line under ~100 characters) all the lines of a
    blank-separated paragraph are joined. A bare notice label ("Correction:") is joined to the
    next line, which holds its text.
    """
    lines = rules.split_lines(text)
    wrapped = _is_hard_wrapped(lines)
    width = max((len(line) for line in lines), default=0)
    out: list[str] = []
    previous_blank = True
    for line in lines:
        if not line:
            previous_blank = True
            continue
        if (out and not previous_blank and _continues(out[-1], line, wrapped, width)) or (
            out and _is_bare_label(out[-1]) and not rules.strip_list_marker(line)
        ):
            out[-1] = f"{out[-1]} {line}"
        else:
            out.append(line)
        previous_blank = False
    return out


def _is_hard_wrapped(lines: list[str]) -> bool:
    """Say whether the text was wrapped at a fixed width (plain-text e-mail style)."""
    long_lines = [line for line in lines if len(line) >= 50]
    return len(long_lines) >= 3 and max(len(line) for line in lines) <= 100


def _continues(previous: str, line: str, wrapped: bool, width: int) -> bool:
    """Say whether `line` continues `previous` rather than starting a new line of the page."""
    if rules.strip_list_marker(line) is not None or previous.endswith((":", "：")):
        return False
    if wrapped:
        return len(previous) >= 0.6 * width
    if not line[:1].islower() or rules.ends_sentence(previous):
        return False
    # "Scroll to Top" + "logo bandas" are two pieces of furniture, not one wrapped line.
    return classify_furniture(previous) is None and classify_furniture(line) is None


def _is_bare_label(line: str) -> bool:
    """Say whether `line` is only a label whose text is on the next line: a notice label with
    its colon ("Editor's note:"), or a byline's "By" (pages set the names as a link below it)."""
    if line.lower() == "by":
        return True
    return (
        line.endswith(":")
        and rules.word_count(line) <= 6
        and rules.notice_kind_for_label(line) is not None
    )


def _classify(line: str) -> Unit:
    """Classify one line on its own: furniture, list item or text."""
    item = rules.strip_list_marker(line)
    if item is not None:
        glyph = not line[:1].isascii() and line[:1] not in "–·"
        return Unit(line, UnitKind.ITEM, item=item, glyph_marker=glyph)
    furniture = classify_furniture(line)
    if furniture is not None:
        return Unit(line, UnitKind.FURNITURE, furniture=furniture)
    return Unit(line, UnitKind.TEXT)


# --------------------------------------------------------------------------- header


def _read_header(units: list[Unit], parts: ArticleParts) -> int:
    """Find kicker, headline and standfirsts; record header furniture; return the body start."""
    texts = [i for i, unit in enumerate(units) if unit.kind is UnitKind.TEXT]
    if not texts:
        return 0
    first = texts[0]
    menu_end = _skip_menu_lines(units, texts, parts)
    candidates = [i for i in texts if i >= menu_end]
    if not candidates:
        return _record_furniture_before(units, len(units), parts)
    head = candidates[0]
    if _is_kicker(units, candidates):
        parts.kicker = units[head].text
        head = candidates[1]
    # No headline line: the page starts with body text (build() derives a headline). So does a
    # page whose only text line is prose: taken as the headline, it would leave no article.
    only_prose = head == candidates[-1] and _reads_as_prose(units[head].text)
    if only_prose or rules.word_count(units[head].text) > MAX_HEADLINE_WORDS:
        if parts.kicker:
            parts.headline, parts.kicker = parts.kicker, ""
            _record_furniture_before(units, head, parts)
            return head
        return _record_furniture_before(units, first, parts)
    _record_furniture_before(units, head, parts)
    parts.headline = units[head].text
    _mark_bare_bylines(units, head + 1)
    return _read_standfirsts(units, head + 1, parts)


def _skip_menu_lines(units: list[Unit], texts: list[int], parts: ArticleParts) -> int:
    """Drop a run of menu-like lines at the top ("Home", "World", "Europe"), keep the last.

    The last short line before the headline may be the kicker, so it is kept.
    """
    run: list[int] = []
    for i in texts:
        if _is_menu_like(units[i].text):
            run.append(i)
        else:
            break
    if len(run) < 3:
        return texts[0]
    for i in run[:-1]:
        units[i] = Unit(
            units[i].text, UnitKind.FURNITURE, furniture=Furniture(units[i].text, MENU_LINE)
        )
    return run[-1]


def _is_menu_like(text: str) -> bool:
    """Say whether `text` could be a menu entry: a few capitalised words, no punctuation."""
    return rules.word_count(text) <= MAX_MENU_WORDS and rules.is_heading_like(text)


def _is_kicker(units: list[Unit], candidates: list[int]) -> bool:
    """Say whether the first text line is a kicker (section label) above the headline."""
    if len(candidates) < 2:
        return False
    first, second = units[candidates[0]].text, units[candidates[1]].text
    words = rules.word_count(first)
    if (
        words > MAX_KICKER_WORDS
        or len(first) > MAX_KICKER_CHARS
        or not rules.is_heading_like(first)
    ):
        return False
    if not _can_be_headline(second):
        return False
    # An ALL CAPS label over a normal-case line is a kicker even if the headline is short.
    caps_over_normal = rules.is_all_caps(first) and not rules.is_all_caps(second)
    if rules.word_count(second) < words + 2 and not caps_over_normal:
        return False
    return rules.is_all_caps(first) or _is_title_case(first)


def _reads_as_prose(text: str) -> bool:
    """Say whether a line is prose, not a title: not heading-like, or two sentences."""
    return not rules.is_heading_like(text) or _INNER_SENTENCE_END_RE.search(text) is not None


#: A sentence ends inside a line and another begins ("... at dawn. The office ...").
_INNER_SENTENCE_END_RE = re.compile(r"\w[.!?][\"'”’)]?\s+[\"'“‘(]?[A-Z]")


def _can_be_headline(text: str) -> bool:
    """Say whether `text` can be a headline (not a long paragraph, not a quote-only line)."""
    return rules.word_count(text) <= MAX_HEADLINE_WORDS and not text.endswith(":")


def _is_title_case(text: str) -> bool:
    """Say whether every word but small ones is capitalised ("War in Ukraine", "Education")."""
    words = [w for w in text.split() if any(c.isalpha() for c in w)]
    return bool(words) and all(
        w[:1].isupper() or (w.lower() in _TITLE_SMALL_WORDS and i > 0) for i, w in enumerate(words)
    )


def _record_furniture_before(units: list[Unit], end: int, parts: ArticleParts) -> int:
    """Record the furniture among units[:end] (once), and return `end`."""
    for i in range(end):
        _record_once(units, i, parts)
    return end


def _record_once(units: list[Unit], index: int, parts: ArticleParts) -> None:
    unit = units[index]
    if unit.kind is UnitKind.FURNITURE and unit.furniture is not None:
        parts.record(unit.furniture)
        units[index] = Unit(unit.text, UnitKind.FURNITURE)  # recorded: forget the finding


#: Last words of a reporter's title on its own line under the name ("Local Democracy Reporter").
_ROLE_WORDS = frozenset(
    ["reporter", "editor", "writer", "correspondent", "columnist", "contributor", "journalist",
     "producer", "photographer", "staff", "analyst", "critic"]
)  # fmt: skip
#: How far below the headline a bare name may stand above its date.
BYLINE_LOOKAHEAD = 3


def _mark_bare_bylines(units: list[Unit], start: int) -> None:
    """Mark a name set on its own line under the headline ("Kofi Mensah"), and the reporter's
    title under it, as the byline, when a date follows: pages copy a byline link without "By"."""
    for index in range(start, min(start + BYLINE_LOOKAHEAD, len(units))):
        unit = units[index]
        if unit.kind is not UnitKind.TEXT or rules.match_byline(f"By {unit.text}") is None:
            continue
        following = range(index + 1, min(index + 1 + BYLINE_LOOKAHEAD, len(units)))
        if not any(rules.is_date_line(units[i].text) for i in following):
            continue
        units[index] = Unit(
            unit.text, UnitKind.FURNITURE, furniture=Furniture(unit.text, byline=unit.text)
        )
        for i in following:
            if units[i].kind is UnitKind.TEXT and _is_role(units[i].text):
                role = Furniture(units[i].text, drop=REPORTER_TITLE)
                units[i] = Unit(units[i].text, UnitKind.FURNITURE, furniture=role)
        return


def _is_role(text: str) -> bool:
    """Say whether a line is a reporter's title ("Political Editor", "Staff Writer")."""
    words = text.lower().split()
    return 0 < len(words) <= 4 and words[-1] in _ROLE_WORDS and rules.is_heading_like(text)


def _read_standfirsts(units: list[Unit], start: int, parts: ArticleParts) -> int:
    """Take the standfirst lines after the headline; return where the body starts.

    Text lines are standfirsts when header furniture (byline, date, caption) follows them
    before the body, or when the line right after the headline has no final punctuation (a dek).
    """
    pending: list[int] = []
    index = start
    saw_furniture = False
    while index < len(units):
        unit = units[index]
        if unit.kind is UnitKind.FURNITURE:
            saw_furniture = True
        elif unit.kind is UnitKind.ITEM or saw_furniture or not _is_standfirst_like(unit.text):
            break
        elif len(pending) < MAX_STANDFIRSTS:
            pending.append(index)
        else:
            break
        index += 1
    if saw_furniture and pending:
        chosen = pending
    elif (
        pending
        and not rules.ends_sentence(units[pending[0]].text)
        and _followed_by_text(units, pending[0])
    ):
        chosen = pending[:1]
    else:
        chosen = []
    if not chosen:
        return start
    body_start = chosen[-1] + 1
    parts.standfirsts.extend(units[i].text for i in chosen)
    return body_start


def _is_standfirst_like(text: str) -> bool:
    """Say whether `text` could be a standfirst: a sentence or two, not a list title."""
    return rules.word_count(text) <= MAX_STANDFIRST_WORDS and not text.endswith((":", "："))


def _followed_by_text(units: list[Unit], index: int) -> bool:
    """Say whether a text line comes after units[index] (so the article has a body)."""
    return any(u.kind is not UnitKind.FURNITURE for u in units[index + 1 :])


# --------------------------------------------------------------------------- body


def _read_body(units: list[Unit], parts: ArticleParts) -> None:
    """Turn the body's units into blocks, in order."""
    index = 0
    while index < len(units):
        unit = units[index]
        following = units[index + 1] if index + 1 < len(units) else None
        if (
            unit.kind is UnitKind.FURNITURE
            and following is not None
            and following.kind is UnitKind.ITEM
            and rules.heads_links(unit.text)
        ):
            index = _read_list(units, index + 1, unit.text, parts)  # all dropped as links
        elif unit.kind is UnitKind.FURNITURE:
            _record_once(units, index, parts)
            index += 1
        elif unit.kind is UnitKind.ITEM:
            index = _read_list(units, index, "", parts)
        else:
            index = _read_text(units, index, parts)


def _next_content(units: list[Unit], index: int) -> Unit | None:
    """Return the next non-furniture unit after units[index], or None at the end."""
    return next((u for u in units[index + 1 :] if u.kind is not UnitKind.FURNITURE), None)


def _read_text(units: list[Unit], index: int, parts: ArticleParts) -> int:
    """Read one text line as a list title, subheading, page link or paragraph."""
    text = units[index].text
    following = _next_content(units, index)
    if (
        following is not None
        and following.kind is UnitKind.ITEM
        and units[index + 1].kind is UnitKind.ITEM
        and _is_list_title(text)
    ):
        return _read_list(units, index + 1, text, parts)
    if following is None and _is_page_link(text):
        parts.drop(DropKind.NAVIGATION, text, "link after the article")
    elif following is not None and _is_subheading(text, following):
        parts.add_block(BlockKind.SUBHEADING, text)
    else:
        parts.add_paragraph(text)
    return index + 1


def _is_list_title(text: str) -> bool:
    """Say whether `text`, right above list items, introduces them."""
    return (
        text.endswith((":", "："))
        or rules.is_key_points_title(text)
        or (rules.is_heading_like(text, max_words=8))
    )


def _is_subheading(text: str, following: Unit) -> bool:
    """Say whether `text` heads the text that follows it."""
    return (
        rules.is_heading_like(text, max_words=MAX_SUBHEADING_WORDS)
        and not rules.is_whole_quotation(text)
        and not (
            following.kind is UnitKind.TEXT
            and _is_menu_like(following.text)
            and _is_menu_like(text)
        )
    )


def _is_page_link(text: str) -> bool:
    """Say whether a short line after the last paragraph is a page link, not prose."""
    return rules.word_count(text) <= 8 and not rules.ends_sentence(text)


def _read_list(units: list[Unit], index: int, title: str, parts: ArticleParts) -> int:
    """Collect consecutive list items from units[index]; return the index after them.

    Furniture between items is recorded and skipped. A single dash- or number-led line is a
    paragraph (a dialogue dash or a stray number), while a single "•" or "✅" line is a list.
    """
    items: list[Unit] = []
    while index < len(units) and units[index].kind in (UnitKind.ITEM, UnitKind.FURNITURE):
        if units[index].kind is UnitKind.ITEM:
            items.append(units[index])
        else:
            _record_once(units, index, parts)
        index += 1
    if len(items) == 1 and not items[0].glyph_marker and not title:
        parts.add_paragraph(items[0].text)
    else:
        parts.add_list(title, [item.item for item in items])
    return index
