"""Article -> Script: chapters, spoken announcements, earcons and the text for the voice. Pure.

The order a listener hears:
  opening    kicker (normal case), headline, standfirst(s), "By <name>."
  notices    each announced ("Correction.") then read without repeating its label; right after the
             opening, or before the closing when settings.notices_position == "end"
  body       one chapter per subheading; text before the first subheading is a chapter titled
             "Story" (its title in the table) so notices still come straight after the headline
  key points their own chapter, announced with the title and the count ("Three points.")
  closing    "You have been listening to <headline>, from <publication>."

Every word we add lives in ANNOUNCEMENTS (chapter titles included); settings.announcements
overrides any entry by key. Earcons: CHAPTER on each chapter's first segment, KEY_POINTS and
NOTICE on the announcement of those sections, CLOSING on the closing. Captions are never read.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Final

from audionews.config import Settings
from audionews.errors import ConfigError
from audionews.models import (
    Article,
    Block,
    BlockKind,
    Chapter,
    ChapterKind,
    Earcon,
    Notice,
    Script,
    Segment,
    SegmentKind,
    Sentence,
)
from audionews.speech.language import foreign_language, language_name
from audionews.speech.lexicon import Lexicon
from audionews.speech.normalize import calm_caps, normalize, speech_sentences
from audionews.vocabulary import NOTICE_LABELS, NoticeKind

#: How each kind of notice is announced before it is read.
NOTICE_ANNOUNCEMENTS: Final[dict[NoticeKind, str]] = {
    NoticeKind.TRANSLATION: "Notice: automatic translation.",
    NoticeKind.CORRECTION: "Correction.",
    NoticeKind.UPDATE: "Update.",
    NoticeKind.EDITORS_NOTE: "Editor's note.",
}

#: Everything the script says that is not in the article, and every chapter title we make up.
#: Placeholders: {title} {count} {number} {name} {language} {headline} {publication} {date}.
ANNOUNCEMENTS: Final[dict[str, str]] = {
    "byline": "By {name}.",
    "key_points": "{title}. {count}.",
    "key_points.title": "Key points",  # spoken and used as chapter title for an untitled list
    "count.one": "One point",
    "count.many": "{number} points",
    "list": "{title}.",  # a titled list in the body; untitled lists are read without a label
    **{f"notice.{kind}": words for kind, words in NOTICE_ANNOUNCEMENTS.items()},
    "language_note": "Here the text has a passage in {language}, which is not read aloud.",
    "closing": "You have been listening to {headline}, from {publication}.",
    "chapter.opening": "Introduction",
    "chapter.body": "Story",
    "chapter.continued": "{title}, continued",
    "chapter.notices": "Notices",  # several notices; one notice takes its own title below
    # a single notice's chapter is titled as the notice is labelled everywhere else
    **{f"chapter.notice.{kind}": label for kind, label in NOTICE_LABELS.items()},
    "chapter.closing": "Closing",
    # the note of an update publish/follow.py makes when a followed article's page changed
    "follow.updated": "This article was updated on {date}.",
}

#: Counts said as words in announcements ("Three points."); larger ones as digits.
NUMBER_WORDS: Final = (
    "Zero", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten",
    "Eleven", "Twelve", "Thirteen", "Fourteen", "Fifteen", "Sixteen", "Seventeen", "Eighteen",
    "Nineteen", "Twenty",
)  # fmt: skip

#: Earcon on the first segment of each chapter kind.
CHAPTER_EARCONS: Final[dict[ChapterKind, Earcon]] = {
    ChapterKind.OPENING: Earcon.CHAPTER,
    ChapterKind.NOTICES: Earcon.NOTICE,
    ChapterKind.BODY: Earcon.CHAPTER,
    ChapterKind.KEY_POINTS: Earcon.KEY_POINTS,
    ChapterKind.CLOSING: Earcon.CLOSING,
}

#: Body block kinds read as running text, and the segment kind each becomes.
TEXT_BLOCKS: Final[dict[BlockKind, SegmentKind]] = {
    BlockKind.PARAGRAPH: SegmentKind.PARAGRAPH,
    BlockKind.QUOTE: SegmentKind.QUOTE,
}

_TITLE_JUNK = re.compile(r"^[\W_]+|[\s:;.,—–-]+$")


def wording(settings: Settings) -> dict[str, str]:
    """Return the announcement table with the settings' overrides, checking their keys."""
    unknown = sorted(set(settings.announcements) - set(ANNOUNCEMENTS))
    if unknown:
        raise ConfigError(
            f"unknown announcement key(s) {', '.join(unknown)}: valid keys are "
            f"{', '.join(ANNOUNCEMENTS)}"
        )
    return {**ANNOUNCEMENTS, **settings.announcements}


@dataclass
class _Speaker:
    """Turns written text into segments with one wording table and one lexicon."""

    table: dict[str, str]
    lexicon: Lexicon
    language: str

    def say(self, key: str, **values: str) -> str:
        try:
            return self.table[key].format(**values)
        except (KeyError, IndexError, ValueError) as exc:
            raise ConfigError(
                f"announcement {key!r} = {self.table[key]!r} uses an unknown placeholder ({exc})"
            ) from exc

    def segment(
        self,
        kind: SegmentKind,
        text: str,
        prepare: Callable[[int, str], str] = lambda _i, s: s,
        earcon: Earcon | None = None,
    ) -> Segment | None:
        """Return a segment for `text` (None when nothing in it can be spoken)."""
        sentences = tuple(
            Sentence(written, self.lexicon.apply(speech))
            for written, speech in self._sentences(text, prepare)
        )
        return Segment(kind, text, sentences, earcon) if sentences else None

    def _sentences(
        self, text: str, prepare: Callable[[int, str], str]
    ) -> Iterable[tuple[str, str]]:
        for index, (written, speech) in enumerate(speech_sentences(text)):
            prepared = prepare(index, written)
            yield written, (normalize(prepared) if prepared != written else speech)

    def announce(self, key: str, earcon: Earcon | None = None, **values: str) -> Segment | None:
        return self.segment(SegmentKind.ANNOUNCEMENT, self.say(key, **values), earcon=earcon)

    def passage(self, kind: SegmentKind, text: str) -> Segment | None:
        """Return the segment for body text, or a language note if it is a long foreign passage."""
        foreign = foreign_language(text, self.language)
        if foreign is None:
            return self.segment(kind, text)
        note = self.say("language_note", language=language_name(foreign))
        note_sentences = self.segment(SegmentKind.LANGUAGE_NOTE, note)
        if note_sentences is None:
            return None
        return Segment(SegmentKind.LANGUAGE_NOTE, text, note_sentences.sentences)


@dataclass
class _Draft:
    title: str
    kind: ChapterKind
    segments: list[Segment] = field(default_factory=list)

    def add(self, *segments: Segment | None) -> None:
        self.segments.extend(s for s in segments if s is not None)

    def chapter(self) -> Chapter | None:
        if not self.segments:
            return None
        first, *rest = self.segments
        if first.earcon is None:
            first = replace(first, earcon=CHAPTER_EARCONS[self.kind])
        return Chapter(self.title, self.kind, (first, *rest))


def plan_script(
    article: Article, settings: Settings, *, voice: str, language: str, lexicon: Lexicon
) -> Script:
    """Plan what is said, in which order and under which chapter, for `article`, with the
    editors' pronunciations of `lexicon` (publish/pronunciations.load reads the shared one)."""
    speaker = _Speaker(wording(settings), lexicon, language)
    notices = _notices(article.notices, speaker)
    drafts = [_opening(article, speaker)]
    if settings.notices_position == "start":
        drafts.append(notices)
    drafts.extend(_body(article.body, speaker))
    if settings.notices_position != "start":
        drafts.append(notices)
    drafts.append(_closing(article, settings, speaker))
    chapters = tuple(c for c in (d.chapter() for d in drafts) if c is not None)
    return Script(article.headline, language, voice, chapters, article)


def _opening(article: Article, speaker: _Speaker) -> _Draft:
    draft = _Draft(speaker.say("chapter.opening"), ChapterKind.OPENING)
    if article.kicker:
        # "WAR IN UKRAINE" is a label in capitals, not an acronym to spell out
        draft.add(speaker.segment(SegmentKind.KICKER, article.kicker, lambda _i, s: calm_caps(s)))
    draft.add(speaker.segment(SegmentKind.HEADLINE, article.headline))
    draft.add(*(speaker.segment(SegmentKind.STANDFIRST, s) for s in article.standfirsts))
    if article.byline:
        draft.add(speaker.segment(SegmentKind.BYLINE, speaker.say("byline", name=article.byline)))
    return draft


def _notices(notices: tuple[Notice, ...], speaker: _Speaker) -> _Draft:
    if not notices:
        return _Draft("", ChapterKind.NOTICES)
    key = f"chapter.notice.{notices[0].kind}" if len(notices) == 1 else "chapter.notices"
    draft = _Draft(speaker.say(key), ChapterKind.NOTICES)
    for notice in notices:
        draft.add(
            speaker.announce(f"notice.{notice.kind}", earcon=Earcon.NOTICE),
            speaker.segment(SegmentKind.NOTICE, notice.text, _without_label(notice)),
        )
    return draft


def _without_label(notice: Notice) -> Callable[[int, str], str]:
    """Return a preparer that drops the label the announcement has just said.

    "Automatic Translation Notice: This text..." is heard as "Notice: automatic translation."
    then "This text...". Details in the label ("UPDATE (3:45 p.m.)") are kept: "3:45 PM: ...".
    """
    details = " ".join(re.findall(r"\(([^)]*\d[^)]*)\)", notice.label))

    def prepare(index: int, sentence: str) -> str:
        if index or not notice.label or not sentence.startswith(notice.label):
            return sentence
        rest = sentence[len(notice.label) :].lstrip(" :—–-")
        return f"{details}: {rest}" if details else rest

    return prepare


def _body(blocks: tuple[Block, ...], speaker: _Speaker) -> list[_Draft]:
    drafts = [_Draft(speaker.say("chapter.body"), ChapterKind.BODY)]
    for block in blocks:
        current = drafts[-1]
        if block.kind is BlockKind.SUBHEADING:
            title = clean_title(block.text)
            drafts.append(_Draft(title, ChapterKind.BODY))
            drafts[-1].add(speaker.segment(SegmentKind.SUBHEADING, block.text))
        elif block.kind is BlockKind.KEY_POINTS:
            drafts.append(_key_points(block, speaker))
            drafts.append(_continuation(current, speaker))
        elif block.kind is BlockKind.LIST:
            if block.text:
                current.add(speaker.announce("list", title=clean_title(block.text)))
            current.add(*(speaker.passage(SegmentKind.LIST_ITEM, i) for i in block.items))
        else:
            kind = TEXT_BLOCKS.get(block.kind, SegmentKind.PARAGRAPH)
            current.add(speaker.passage(kind, block.text))
    return drafts


def _continuation(interrupted: _Draft, speaker: _Speaker) -> _Draft:
    """Return the chapter for body text after a key-points list, named after the one it broke."""
    if not interrupted.segments:  # nothing was read yet: no need to say "continued"
        return _Draft(interrupted.title, ChapterKind.BODY)
    suffix = speaker.say("chapter.continued", title="")
    title = speaker.say("chapter.continued", title=interrupted.title.removesuffix(suffix))
    return _Draft(title, ChapterKind.BODY)


def _key_points(block: Block, speaker: _Speaker) -> _Draft:
    title = clean_title(block.text) or speaker.say("key_points.title")
    count = len(block.items)
    number = NUMBER_WORDS[count] if count < len(NUMBER_WORDS) else str(count)
    spoken_count = speaker.say("count.one" if count == 1 else "count.many", number=number)
    draft = _Draft(title, ChapterKind.KEY_POINTS)
    draft.add(speaker.announce("key_points", title=title, count=spoken_count))
    draft.add(*(speaker.passage(SegmentKind.KEY_POINT, item) for item in block.items))
    return draft


def _closing(article: Article, settings: Settings, speaker: _Speaker) -> _Draft:
    draft = _Draft(speaker.say("chapter.closing"), ChapterKind.CLOSING)
    headline = article.headline.rstrip(" .!?:;")
    text = speaker.say("closing", headline=headline, publication=settings.publication)
    draft.add(speaker.segment(SegmentKind.CLOSING, text))
    return draft


def clean_title(text: str) -> str:
    """Return a heading as a chapter title: no leading glyphs or emoji, no trailing colon."""
    return " ".join(_TITLE_JUNK.sub("", text).split())
