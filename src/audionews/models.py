"""Frozen data passed between the stages: Article -> Script -> Timeline -> BuildResult.

Pure: no I/O, no third-party imports. Every stage takes one of these and returns the next, so
each stage can be tested on its own and the pipeline (pipeline.py) only wires them together.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from audionews.vocabulary import FileKind, NoticeKind

# --------------------------------------------------------------------------- the article


class BlockKind(StrEnum):
    """What a block of the article body is."""

    PARAGRAPH = "paragraph"
    SUBHEADING = "subheading"
    QUOTE = "quote"
    LIST = "list"  # an ordinary list in the body: items read in order
    KEY_POINTS = "key_points"  # a titled summary list ("Key takeaways", "At a glance")


class DropKind(StrEnum):
    """Why something on the page is never read to a listener."""

    NAVIGATION = "navigation"  # menus, "Scroll to Top", "Skip to content", logos
    ADVERTISEMENT = "advertisement"
    PROMOTION = "promotion"  # "Read more:", "Most read", related links, newsletter sign-ups
    SHARE = "share"  # share bars, "Follow us on ..."
    CONSENT = "consent"  # cookie and paywall banners
    LEGAL = "legal"  # copyright lines, footers
    CAPTION = "caption"  # image captions and photo credits
    METADATA = "metadata"  # bylines, dates, reading times already kept as metadata
    OTHER = "other"


@dataclass(frozen=True)
class Block:
    """One block of the body, in reading order.

    For LIST and KEY_POINTS, `items` holds the entries (glyphs such as "•" or "1." removed) and
    `text` holds the list's title as written ("Key negotiation points"), or "" for untitled lists.
    """

    kind: BlockKind
    text: str
    items: tuple[str, ...] = ()


@dataclass(frozen=True)
class Notice:
    """A notice such as "Correction: ...". `text` is the whole notice as written, label included."""

    kind: NoticeKind
    label: str  # the label as written: "Automatic Translation Notice", "UPDATE (3:45 p.m.)"
    text: str


@dataclass(frozen=True)
class Caption:
    """An image caption, kept for editors and the web page, never read aloud."""

    text: str
    credit: str = ""


@dataclass(frozen=True)
class Dropped:
    """Something on the page that is not read, kept with the reason so editors can check it."""

    kind: DropKind
    text: str
    reason: str = ""


@dataclass(frozen=True)
class Article:
    """An article as understood from its source, before any decision about speech."""

    headline: str
    body: tuple[Block, ...]
    kicker: str = ""
    standfirsts: tuple[str, ...] = ()
    byline: str = ""  # "Hana Sato" (names only, no "By")
    published: str = ""  # ISO 8601 date or date-time as found, "" when unknown
    notices: tuple[Notice, ...] = ()
    captions: tuple[Caption, ...] = ()
    dropped: tuple[Dropped, ...] = ()
    language: str = ""  # declared by the source (html lang, front matter), "" when not declared
    source_format: str = ""  # "text", "html" or "markdown"

    @property
    def key_points(self) -> tuple[Block, ...]:
        return tuple(b for b in self.body if b.kind is BlockKind.KEY_POINTS)

    def to_dict(self) -> dict[str, Any]:
        return _plain(asdict(self))


# --------------------------------------------------------------------------- the speech script


class ChapterKind(StrEnum):
    OPENING = "opening"
    NOTICES = "notices"
    BODY = "body"
    KEY_POINTS = "key_points"
    CLOSING = "closing"


class SegmentKind(StrEnum):
    ANNOUNCEMENT = "announcement"  # spoken label: "Key negotiation points. Three points."
    KICKER = "kicker"
    HEADLINE = "headline"
    STANDFIRST = "standfirst"
    BYLINE = "byline"
    PARAGRAPH = "paragraph"
    SUBHEADING = "subheading"
    KEY_POINT = "key_point"
    LIST_ITEM = "list_item"
    NOTICE = "notice"
    QUOTE = "quote"
    LANGUAGE_NOTE = "language_note"  # replaces a long passage in another language
    CLOSING = "closing"


class Earcon(StrEnum):
    """Short generated tones that make structure audible; rendered by audio/master.py."""

    CHAPTER = "chapter"
    KEY_POINTS = "key_points"
    NOTICE = "notice"
    CLOSING = "closing"


@dataclass(frozen=True)
class Sentence:
    """One sentence: what is written (captions) and what the voice says. One clip each."""

    text: str
    speech: str


@dataclass(frozen=True)
class Segment:
    """A unit of the script (a paragraph, a heading, an announcement...), split into sentences."""

    kind: SegmentKind
    text: str
    sentences: tuple[Sentence, ...]
    earcon: Earcon | None = None  # played just before this segment

    @property
    def speech(self) -> str:
        return " ".join(s.speech for s in self.sentences if s.speech)


@dataclass(frozen=True)
class Chapter:
    title: str
    kind: ChapterKind
    segments: tuple[Segment, ...]


@dataclass(frozen=True)
class Script:
    """Everything that will be said, in order, under chapters, with the article it came from."""

    title: str
    language: str
    voice: str
    chapters: tuple[Chapter, ...]
    article: Article

    @property
    def dropped(self) -> tuple[Dropped, ...]:
        return self.article.dropped

    def sentences(self) -> list[Sentence]:
        return [s for c in self.chapters for seg in c.segments for s in seg.sentences]

    def to_dict(self) -> dict[str, Any]:
        """Return the JSON contract of `audionews script --json`."""
        return {
            "title": self.title,
            "language": self.language,
            "voice": self.voice,
            "chapters": [
                {
                    "title": c.title,
                    "kind": str(c.kind),
                    "segments": [
                        {"kind": str(s.kind), "text": s.text, "speech": s.speech}
                        for s in c.segments
                    ],
                }
                for c in self.chapters
            ],
            "dropped": [{"kind": str(d.kind), "text": d.text} for d in self.dropped],
        }


# --------------------------------------------------------------------------- the timeline


@dataclass(frozen=True)
class Word:
    """One written word of a cue placed on the timeline: the span of the words it was spoken as
    (empty, start == end, for a written word that is not spoken, such as a dash)."""

    start: float
    end: float
    text: str  # the written word, as in cue.text.split()


@dataclass(frozen=True)
class Cue:
    """One spoken sentence placed on the episode's timeline (seconds from the start)."""

    start: float
    end: float
    text: str  # as written, shown in captions
    speech: str
    chapter_index: int
    section: str  # section label: "Key points", "Notice", "Headline", ... (a caption class)
    #: One per written word (cue.text.split()), contiguous, inside [start, end]; empty when
    #: the sentence is timed as a whole (no word times from the voice, or no honest mapping).
    words: tuple[Word, ...] = ()


@dataclass(frozen=True)
class ChapterMark:
    """A chapter on the timeline; marks are contiguous from 0 to the episode's end."""

    start: float
    end: float
    title: str
    kind: ChapterKind


@dataclass(frozen=True)
class Timeline:
    duration: float
    chapters: tuple[ChapterMark, ...]
    cues: tuple[Cue, ...]


@dataclass(frozen=True)
class BuildResult:
    """What `audionews build` made: files on disk plus the timeline they were made from."""

    slug: str
    files: Mapping[FileKind, Path]  # vocabulary.BUILT_FILES
    duration_s: float
    timeline: Timeline
    script: Script
    segments_synthesized: int
    segments_cached: int
    seconds: float
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def mp3(self) -> Path:
        return self.files[FileKind.MP3]


def _plain(value: Any) -> Any:
    """Turn enums and tuples inside asdict() output into JSON-ready values."""
    if isinstance(value, StrEnum):
        return str(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
