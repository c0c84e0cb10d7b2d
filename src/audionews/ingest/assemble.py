"""Collect what a parser finds into an Article; classify paragraphs the same way in every format.

The parsers walk their source (lines, an HTML tree, Markdown tokens) and hand each piece of text
to an `ArticleParts`. `ArticleParts.add_paragraph` applies the shared tables (rules.py), so a
"Correction: ..." paragraph, an "Advertisement" line or a "By Jane Doe" line is treated alike
whatever the format it came from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from audionews.errors import InputError
from audionews.ingest import rules
from audionews.models import Article, Block, BlockKind, Caption, DropKind, Dropped, Notice

#: Dropped text is kept for editors; a whole navigation menu does not need to be kept verbatim.
MAX_DROPPED_CHARS = 300
#: Why a block the walker found is not read: main-content detection left it out (content.py).
OUTSIDE_REASON = "not part of the article's main text"
#: A standfirst repeating one of the first paragraphs of the body is not read twice.
REPEAT_BLOCKS = 3
#: A paragraph of this many words whose trigrams were mostly read before is not read again.
MIN_REPEAT_WORDS = 20
REPEAT_SHARE = 0.9
#: A section's heading is this short ("The release plan", "Step 3"); see `assemble`.
SECTION_HEADING_WORDS = 6
#: A list title is a few words; a longer line above a list is a sentence leading into it.
LIST_TITLE_WORDS = 5
_SENTENCE_RE = re.compile(r"^.{10,200}?[.!?](?=\s|$)")


@dataclass
class ArticleParts:
    """What a parser has found so far, in reading order; `build()` makes the Article."""

    source_format: str
    headline: str = ""
    kicker: str = ""
    standfirsts: list[str] = field(default_factory=list)
    byline: str = ""
    published: str = ""
    language: str = ""
    body: list[Block] = field(default_factory=list)
    notices: list[Notice] = field(default_factory=list)
    captions: list[Caption] = field(default_factory=list)
    dropped: list[Dropped] = field(default_factory=list)
    heard: set[tuple[str, ...]] = field(default_factory=set)  # word trigrams of the body so far

    # ----------------------------------------------------------------- recording

    def drop(self, kind: DropKind, text: str, reason: str = "") -> None:
        """Record text that is never read, with why."""
        text = rules.clean_text(text)
        if not text:
            return
        if len(text) > MAX_DROPPED_CHARS:
            text = text[: MAX_DROPPED_CHARS - 1].rstrip() + "…"
        self.dropped.append(Dropped(kind=kind, text=text, reason=reason))

    def add_caption(self, caption: Caption, written: str) -> None:
        """Keep an image caption for editors and record it as not read."""
        if caption.text or caption.credit:
            self.captions.append(caption)
            self.drop(DropKind.CAPTION, written, "image caption")

    def add_notice(self, text: str, match: rules.NoticeMatch) -> None:
        """Keep a notice ("Correction: ...") with its kind and label as written."""
        self.notices.append(Notice(kind=match.kind, label=match.label, text=text))

    def add_byline(self, names: str, written: str) -> None:
        """Keep the first byline's names as metadata; the line itself is not read."""
        if not self.byline:
            self.byline = names
        self.drop(DropKind.METADATA, written, "byline")

    def add_date(self, written: str) -> None:
        """Keep the first date found as metadata; the line itself is not read."""
        if not self.published:
            self.published = rules.iso_date(written)
        self.drop(DropKind.METADATA, written, "date")

    def add_block(
        self, kind: BlockKind, text: str, items: tuple[str, ...] = (), *, outside: bool = False
    ) -> None:
        """Append a body block; empty blocks are skipped.

        `outside`: main-content detection left the text out (content.py): it is dropped.
        """
        text = rules.without_media_links(text)
        if outside:
            self.drop(DropKind.OTHER, text, OUTSIDE_REASON)
            return
        tokens, own = rules.word_trigrams(text)
        if kind in (BlockKind.PARAGRAPH, BlockKind.QUOTE) and self._heard_already(tokens, own):
            self.drop(DropKind.OTHER, text, "repeats text already read")
        elif text or items:
            self.body.append(Block(kind=kind, text=text, items=items))
            self.heard |= own
            for item in items:
                self.heard |= rules.word_trigrams(item)[1]

    def _heard_already(self, tokens: tuple[str, ...], own: frozenset[tuple[str, ...]]) -> bool:
        """Say whether a long paragraph (its words and their trigrams) repeats the body read
        so far (a pull quote, a page that prints its text twice, a gallery's captions again).

        One that differs from what was heard by a number ("item 22222" after "item 11111") is a
        new entry of a list written as paragraphs, not a repeat.
        """
        if len(tokens) < MIN_REPEAT_WORDS:
            return False
        new = own - self.heard
        return len(own) - len(new) >= REPEAT_SHARE * len(own) and not any(
            char.isdigit() for trigram in new for word in trigram for char in word
        )

    # ----------------------------------------------------------------- shared classification

    def record(self, found: Furniture) -> None:
        """Record furniture found by `classify_furniture`."""
        if found.drop is not None:
            self.drop(found.drop.kind, found.text, found.drop.reason)
        elif found.notice is not None:
            self.add_notice(found.text, found.notice)
        elif found.caption is not None:
            self.add_caption(found.caption, found.text)
        elif found.byline is not None:
            self.add_byline(found.byline, found.text)
            if not self.published:
                self.published = rules.iso_date(found.text)
        else:
            self.add_date(found.text)

    def take_furniture(self, text: str) -> bool:
        """Record `text` if it is furniture; return True when it was (so it is not body text)."""
        found = classify_furniture(text)
        if found is not None:
            self.record(found)
        return found is not None

    def add_paragraph(self, text: str, *, outside: bool = False) -> None:
        """Add body text: furniture is recorded, a whole quotation is a QUOTE, else PARAGRAPH.

        `outside`: main-content detection left the text out; it is dropped unless it is
        furniture we keep (a notice, a byline, a caption).
        """
        text = rules.clean_text(text)
        if not text or self.take_furniture(text):
            return
        kind = BlockKind.QUOTE if rules.is_whole_quotation(text) else BlockKind.PARAGRAPH
        self.add_block(kind, text, outside=outside)

    def add_list(self, title: str, items: list[str]) -> None:
        """Add a list; a summary title ("Key takeaways") makes it KEY_POINTS.

        A title that is a lead-in sentence ("The measures include:") stays a paragraph before an
        untitled LIST, because it is part of the prose.
        """
        items = [i for i in (rules.clean_text(item) for item in items) if i]
        title = rules.clean_text(title)
        # The title as it will be read (lead glyphs stripped: "📌 Read more:") decides too.
        label = (
            (rules.match_boilerplate(title) or rules.match_boilerplate(rules.strip_title(title)))
            if title
            else None
        )
        if label is not None and label.heads_links:
            # A list under "Read more:" or "Most read" is links to other articles: all furniture.
            for text in (title, *items):
                self.drop(label.kind, text, label.reason)
            return
        if label is not None:  # "Advertisement" above a list: the label goes, the list stays
            self.drop(label.kind, title, label.reason)
            title = ""
        # Share links and "Read more: ..." entries are furniture even inside a list.
        items = [i for i in items if not self.drop_boilerplate(i)]
        if not items:
            if title:
                self.add_paragraph(title)
            return
        if title and rules.is_key_points_title(title):
            self.add_block(BlockKind.KEY_POINTS, rules.strip_title(title), tuple(items))
            return
        if title and rules.is_heading_like(rules.strip_title(title), max_words=LIST_TITLE_WORDS):
            self.add_block(BlockKind.LIST, rules.strip_title(title), tuple(items))
            return
        if title:
            self.add_paragraph(title)
        self.add_block(BlockKind.LIST, "", tuple(items))

    def drop_boilerplate(self, text: str) -> bool:
        """Record `text` as dropped if it is boilerplate; return True when it was."""
        rule = rules.match_boilerplate(text)
        if rule is not None:
            self.drop(rule.kind, text, rule.reason)
        return rule is not None

    # ----------------------------------------------------------------- result

    def build(self) -> Article:
        """Return the Article, or raise InputError when nothing readable was found."""
        headline = rules.clean_text(self.headline)
        body = list(self.body)
        if not headline:
            headline = self._headline_from_body(body)
        if not headline:
            found = ", ".join(sorted({str(d.kind) for d in self.dropped})) or "nothing"
            raise InputError(
                f"no article text found (only {found}): "
                "give the article's headline and body, not just page furniture"
            )
        return Article(
            headline=headline,
            body=tuple(body),
            kicker=rules.clean_text(self.kicker),
            standfirsts=self._standfirsts(body),
            byline=self.byline,
            published=self.published,
            notices=tuple(self.notices),
            captions=tuple(self.captions),
            dropped=tuple(self.dropped),
            language=self.language.strip(),
            source_format=self.source_format,
        )

    def _standfirsts(self, body: list[Block]) -> tuple[str, ...]:
        """Return the standfirsts that do not repeat the start of the body.

        Many pages print the first paragraph again as the dek or meta description; heard
        twice, it sounds like a mistake. The body keeps it.
        """
        kept = []
        opening = [b.text for b in body[:REPEAT_BLOCKS] if b.kind is BlockKind.PARAGRAPH]
        for standfirst in (rules.clean_text(s) for s in self.standfirsts):
            if not standfirst:
                continue
            if any(rules.repeats(standfirst, text) for text in opening):
                self.drop(DropKind.OTHER, standfirst, "standfirst repeats the first paragraph")
                continue
            kept.append(standfirst)
        return tuple(kept)

    @staticmethod
    def _headline_from_body(body: list[Block]) -> str:
        """Use a leading subheading, else the first sentence of the first paragraph, or of the
        first item of a list that comes before any paragraph (a page that is one list of notes).

        A leading subheading moves out of the body; a paragraph or a list stays, so nothing is
        lost.
        """
        for index, block in enumerate(body):
            if block.kind is BlockKind.SUBHEADING and index == 0:
                del body[0]
                return block.text
            if block.kind in (BlockKind.PARAGRAPH, BlockKind.QUOTE):
                return first_sentence(block.text)
            if block.kind in (BlockKind.LIST, BlockKind.KEY_POINTS) and block.items:
                return first_sentence(block.items[0])
        return ""


def first_sentence(text: str) -> str:
    """Return the first sentence of `text`, or its first twelve words when it has no end."""
    match = _SENTENCE_RE.match(text)
    if match:
        return match.group(0)
    words = text.split()
    return text if len(words) <= 16 else " ".join(words[:12]) + " …"


@dataclass(frozen=True)
class Furniture:
    """A line that is not body text: boilerplate, byline, date, caption or notice."""

    text: str
    drop: rules.BoilerplateRule | None = None
    notice: rules.NoticeMatch | None = None
    caption: Caption | None = None
    byline: str | None = None
    is_date: bool = False


def classify_furniture(text: str) -> Furniture | None:
    """Say what `text` is if it is not body text, else None. Pure: records nothing."""
    rule = rules.match_boilerplate(text)
    if rule is not None:
        return Furniture(text, drop=rule)
    metadata = classify_metadata(text)
    if metadata is not None:
        return metadata
    notice = rules.match_notice(text)
    if notice is not None:
        return Furniture(text, notice=notice)
    caption = rules.split_caption(text)
    if caption is not None:
        return Furniture(text, caption=caption)
    return None


_DATED_BYLINE_RE = re.compile(r"(?P<date>.{4,80}?)\s+by\s+(?P<names>.{2,150})", re.IGNORECASE)
_META_SPLIT_RE = re.compile(r"\s+[|·•]\s+|\s+[—–]\s+")


def classify_metadata(text: str) -> Furniture | None:
    """Recognise a byline/date line ("By Hana Sato | June 2, 2026 | Updated 10:15 a.m.")."""
    if len(text) > 250:
        return None
    parts = [p.strip() for p in _META_SPLIT_RE.split(text) if p.strip()]
    if not parts or len(parts) > 6:
        return None
    dated = _DATED_BYLINE_RE.fullmatch(parts[0])
    if dated and rules.is_date_line(dated.group("date")):  # "Posted on May 2, 2026 by Ana Ruiz"
        parts[:1] = [dated.group("date"), f"By {dated.group('names')}"]
    # A reading time beside the byline ("By Ana Ruiz | Nov 19, 2026 | 4 min read") is metadata.
    parts = [p for p in parts if rules.match_boilerplate(p) is not rules.READING_TIME] or parts
    names = [rules.match_byline(p) for p in parts]
    dates = [rules.is_date_line(p) for p in parts]
    # A byline may be followed by its agency or role ("By Jane Doe | Reuters").
    agency = [
        i > 0 and names[i - 1] is not None and rules.word_count(p) <= 4 and not dates[i]
        for i, p in enumerate(parts)
    ]
    if not all(n is not None or d or a for n, d, a in zip(names, dates, agency, strict=True)):
        return None
    byline = next((n for n in names if n), None)
    return Furniture(text, byline=byline, is_date=byline is None)


# --------------------------------------------------------------------------- structured formats
# HTML and Markdown are walked into these elements first, so that one function decides how a
# heading relates to the list after it, and captions, quotes and paragraphs are added alike.


@dataclass
class Heading:
    text: str
    outside: bool = False  # not part of the page's main text


@dataclass
class Paragraph:
    text: str
    images: list[Caption] = field(default_factory=list)
    outside: bool = False
    link: bool = False  # its text is (almost) all a link's: maybe a headline of another page


@dataclass
class ListElement:
    items: list[str]
    title: str = ""  # a title the list carries itself (an <aside> box's heading)


@dataclass
class Quote:
    text: str
    outside: bool = False


Element = Heading | Paragraph | ListElement | Quote


def assemble(elements: list[Element], parts: ArticleParts) -> None:
    """Add structured elements to `parts` in order.

    A heading or a paragraph ending with ":" right before a list is the list's title when it
    reads like one: a summary heading ("At a glance") makes the list KEY_POINTS and is not kept
    as a subheading; any other heading stays a SUBHEADING above an untitled list.
    """
    index = 0
    while index < len(elements):
        element = elements[index]
        following = elements[index + 1] if index + 1 < len(elements) else None
        if isinstance(element, ListElement):
            parts.add_list(element.title, element.items)
        elif isinstance(following, ListElement) and not following.title and _titles_list(element):
            parts.add_list(element.text, following.items)
            index += 1
        elif (links := _links_under(element, elements[index + 1 :])) is not None:
            # "You may also like..." over paragraphs that are each a link: a list in all but
            # markup, dropped with its label.
            parts.add_list(element.text, [link.text for link in links])
            index += len(links)
        elif isinstance(element, Heading):
            if not parts.drop_boilerplate(element.text):
                # Main-text detection often loses a short heading ("Step 3") whose section it
                # keeps: a short heading over body text is the article's (a longer one there
                # is more often another story's headline over its teaser).
                heads_body = isinstance(following, Paragraph) and not following.outside
                short = rules.word_count(element.text) <= SECTION_HEADING_WORDS
                outside = element.outside and not (heads_body and short)
                parts.add_block(BlockKind.SUBHEADING, element.text, outside=outside)
        elif isinstance(element, Quote):
            if element.text and not parts.take_furniture(element.text):
                parts.add_block(BlockKind.QUOTE, element.text, outside=element.outside)
        else:
            for caption in element.images:
                parts.add_caption(caption, " ".join((caption.text, caption.credit)).strip())
            parts.add_paragraph(element.text, outside=element.outside)
        index += 1


def _links_under(element: Element, rest: list[Element]) -> list[Paragraph] | None:
    """Return the link paragraphs right after a links label ("Related stories"), or None when
    `element` is no such label or nothing but links follows it."""
    if isinstance(element, ListElement | Quote) or not rules.heads_links(element.text):
        return None
    run = []
    for following in rest:
        if not isinstance(following, Paragraph) or not following.link:
            break
        run.append(following)
    return run or None


def _titles_list(element: Element) -> bool:
    """Say whether a heading or a paragraph ending with ':' introduces the list after it.

    A links label ("Most read", "Related stories") always does: its list is dropped with it.
    """
    if isinstance(element, Heading):
        return rules.is_key_points_title(element.text) or rules.heads_links(element.text)
    return isinstance(element, Paragraph) and (
        element.text.endswith((":", "："))
        or rules.heads_links(element.text)
        or rules.is_key_points_title(element.text)  # "<p><strong>The big picture</strong></p>"
    )
