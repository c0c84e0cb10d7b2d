"""Timeline -> WebVTT, SRT, Podcasting 2.0 JSON chapters and a plain-text transcript. Pure.

Times come straight from the synthesis timeline, rounded to the millisecond. One cue per spoken
sentence, so captions follow the voice exactly. Every text is published with its unpaired bidi
controls neutralised (ingest/rules.neutral_bidi), whatever it came from.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterable
from typing import Protocol

from audionews.ingest.rules import neutral_bidi
from audionews.models import Script, Timeline

#: Caption line length that stays readable on a phone (BBC and Netflix guidelines use 37-42
#: for video; audio-only players have more room).
MAX_LINE = 65
CHAPTERS_VERSION = "1.2.0"
_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def _clock(seconds: float, separator: str) -> str:
    ms = round(seconds * 1000)
    hours, ms = divmod(ms, 3_600_000)
    minutes, ms = divmod(ms, 60_000)
    secs, ms = divmod(ms, 1000)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}{separator}{ms:03d}"


def wrap_caption(text: str, width: int = MAX_LINE) -> list[str]:
    """Split caption text into lines of at most `width` characters, breaking between words."""
    text = neutral_bidi(" ".join(text.split()))
    return textwrap.wrap(text, width, break_long_words=True) or [""]


def to_webvtt(timeline: Timeline) -> str:
    """Return a WebVTT file with one cue per sentence and a `<v Section>` voice tag."""
    blocks = ["WEBVTT"]
    for number, cue in enumerate(timeline.cues, 1):
        voice = f"<v {neutral_bidi(cue.section).translate(_ESCAPES)}>"
        lines = wrap_caption(cue.text)
        text = "\n".join(
            voice * (i == 0) + line.translate(_ESCAPES) for i, line in enumerate(lines)
        )
        times = f"{_clock(cue.start, '.')} --> {_clock(cue.end, '.')}"
        blocks.append(f"{number}\n{times}\n{text}")
    return "\n\n".join(blocks) + "\n"


class Span(Protocol):
    """Anything with a start, an end and a title: a chapter mark or a chapter in a view."""

    @property
    def start(self) -> float: ...
    @property
    def end(self) -> float: ...
    @property
    def title(self) -> str: ...


def chapters_webvtt(chapters: Iterable[Span]) -> str:
    """Return a WebVTT chapters file (for <track kind="chapters">): one cue per chapter."""
    blocks = ["WEBVTT"]
    for number, chapter in enumerate(chapters, 1):
        title = neutral_bidi(" ".join(chapter.title.split())).translate(_ESCAPES)
        times = f"{_clock(chapter.start, '.')} --> {_clock(chapter.end, '.')}"
        blocks.append(f"chapter-{number}\n{times}\n{title}")
    return "\n\n".join(blocks) + "\n"


def to_srt(timeline: Timeline) -> str:
    """Return the same cues as SubRip text (no voice tags: SRT has none)."""
    blocks = []
    for number, cue in enumerate(timeline.cues, 1):
        times = f"{_clock(cue.start, ',')} --> {_clock(cue.end, ',')}"
        blocks.append(f"{number}\n{times}\n" + "\n".join(wrap_caption(cue.text)))
    return "\n\n".join(blocks) + "\n"


def chapters_dict(timeline: Timeline) -> dict[str, object]:
    """Return Podcasting 2.0 JSON chapters (version 1.2.0) as a dict."""
    return {
        "version": CHAPTERS_VERSION,
        "chapters": [
            {
                "startTime": round(mark.start, 3),
                "endTime": round(mark.end, 3),
                "title": neutral_bidi(mark.title),
            }
            for mark in timeline.chapters
        ],
    }


def to_chapters_json(timeline: Timeline) -> str:
    """Return Podcasting 2.0 JSON chapters as text."""
    return json.dumps(chapters_dict(timeline), ensure_ascii=False, indent=2) + "\n"


def to_text(source: Timeline | Script) -> str:
    """Return a plain transcript: chapter headings, then each chapter's sentences as paragraphs."""
    if isinstance(source, Script):
        chapters = [
            (c.title, [" ".join(s.text for s in seg.sentences) for seg in c.segments])
            for c in source.chapters
        ]
    else:
        chapters = [
            (mark.title, ["\n".join(cue.text for cue in source.cues if cue.chapter_index == i)])
            for i, mark in enumerate(source.chapters)
        ]
    chapters = [
        (neutral_bidi(title), ["\n".join(map(neutral_bidi, p.split("\n"))) for p in paragraphs])
        for title, paragraphs in chapters
    ]
    parts = [
        f"{title}\n{'=' * len(title)}\n\n" + "\n\n".join(p for p in paragraphs if p)
        for title, paragraphs in chapters
    ]
    return "\n\n\n".join(parts) + "\n"
