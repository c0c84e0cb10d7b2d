"""Timeline -> WebVTT, SRT, Podcasting 2.0 JSON chapters and transcript, plain text. Pure.

Times come straight from the synthesis timeline, rounded to the millisecond. WebVTT has one cue
per spoken sentence, its speaker in a voice tag (the narrator: podcast apps show a voice tag as
a person's name), its section in a class span (`<c.headline>`) and, where the sentence is timed
to the word, a timestamp tag before each word (`<00:01:02.345>`, karaoke-style captions). SRT
follows the Podcasting 2.0 caption guidance (at most two lines of 32 characters a cue), so a long
sentence is split into several cues, each starting at its first word. The JSON transcript has
one segment per written word. Every text is published with its unpaired bidi controls
neutralised (ingest/rules.neutral_bidi), whatever it came from.
"""

from __future__ import annotations

import json
import textwrap
from collections.abc import Iterable
from typing import Protocol

from audionews.ingest.rules import neutral_bidi
from audionews.models import Cue, Script, Timeline, Word

#: WebVTT caption line length: the Podcasting 2.0 transcript guidance recommends at most 65.
MAX_LINE = 65
#: SRT cues: at most SRT_LINES lines of SRT_LINE characters (Podcasting 2.0 guidance).
SRT_LINE = 32
SRT_LINES = 2
CHAPTERS_VERSION = "1.2.0"
TRANSCRIPT_VERSION = "1.0.0"
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


def _word_lines(words: list[str], width: int) -> list[list[str]]:
    """Split words into lines of at most `width` characters between words (a longer word
    gets a line of its own: a word is never cut, so its time stays with it)."""
    lines = textwrap.wrap(" ".join(words), width, break_long_words=False, break_on_hyphens=False)
    out: list[list[str]] = []
    position = 0
    for line in lines:
        count = len(line.split())
        out.append(words[position : position + count])
        position += count
    return out or [[]]


def section_class(section: str) -> str:
    """Return the WebVTT class name of a section label ("Key points" -> "key-points")."""
    return "-".join(neutral_bidi(section).lower().split()).translate(_CLASS_UNSAFE) or "section"


_CLASS_UNSAFE = str.maketrans({".": "-", "&": "-", "<": "-", ">": "-"})


def _shown_words(cue: Cue) -> tuple[list[str], tuple[Word, ...]]:
    """Return the cue's words as published (bidi controls neutralised over the whole text, so a
    paired embedding across words stays) and their times (() if the cue has none, or if
    neutralising removed a whole word)."""
    texts = neutral_bidi(" ".join(cue.text.split())).split()
    return texts, cue.words if len(cue.words) == len(texts) else ()


def _timed_words(cue: Cue) -> list[tuple[float | None, str]]:
    """Return (timestamp or None, text) per written word of the cue; a word gets a timestamp
    when it starts after the one before it (WebVTT wants them rising, inside the cue)."""
    texts, words = _shown_words(cue)
    times: list[float | None] = [None] * len(texts)
    if words:
        last = round(cue.start, 3)
        for i, word in enumerate(words):
            stamp = round(word.start, 3)
            if last < stamp < round(cue.end, 3):
                times[i] = last = stamp
    return list(zip(times, texts, strict=True))


def to_webvtt(timeline: Timeline, narrator: str = "") -> str:
    """Return a WebVTT file with one cue per sentence: `<v narrator>`, the section as a class
    span and a timestamp tag before each word timed to the word."""
    blocks = ["WEBVTT"]
    speaker = neutral_bidi(" ".join(narrator.split())).translate(_ESCAPES)
    for number, cue in enumerate(timeline.cues, 1):
        timed = _timed_words(cue)
        lines = []
        position = 0
        for line in _word_lines([text for _, text in timed], MAX_LINE):
            parts = []
            for stamp, text in timed[position : position + len(line)]:
                tag = f"<{_clock(stamp, '.')}>" if stamp is not None else ""
                parts.append(tag + text.translate(_ESCAPES))
            position += len(line)
            lines.append(" ".join(parts))
        opening = (f"<v {speaker}>" if speaker else "") + f"<c.{section_class(cue.section)}>"
        text = opening + "\n".join(lines) + "</c>"
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
    """Return SubRip captions: each sentence in cues of at most SRT_LINES lines of SRT_LINE
    characters (no voice tags: SRT has none).

    A sentence timed to the word is split exactly: each cue starts at its first word and ends
    where the next cue's first word starts (the last at the sentence's end). A sentence timed
    as a whole is split in proportion to its characters, the best estimate without word times.
    """
    blocks: list[str] = []
    for cue in timeline.cues:
        for start, end, lines in _srt_cues(cue):
            times = f"{_clock(start, ',')} --> {_clock(end, ',')}"
            blocks.append(f"{len(blocks) + 1}\n{times}\n" + "\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def _srt_cues(cue: Cue) -> list[tuple[float, float, list[str]]]:
    texts, timed = _shown_words(cue)
    lines = _word_lines(texts, SRT_LINE)
    groups = [lines[i : i + SRT_LINES] for i in range(0, len(lines), SRT_LINES)]
    starts: list[float] = []
    position = 0
    total = max(1, sum(len(w) + 1 for w in texts))
    done = 0
    for group in groups:
        if timed:
            starts.append(timed[position].start if position < len(timed) else cue.end)
        else:
            starts.append(cue.start + (cue.end - cue.start) * done / total)
        count = sum(len(line) for line in group)
        done += sum(len(w) + 1 for line in group for w in line)
        position += count
    starts[0] = cue.start
    ends = [*starts[1:], cue.end]
    return [
        (start, end, [" ".join(line) for line in group])
        for start, end, group in zip(starts, ends, groups, strict=True)
    ]


def transcript_dict(timeline: Timeline, narrator: str) -> dict[str, object]:
    """Return the Podcasting 2.0 JSON transcript (version 1.0.0): one segment per written word,
    or per sentence where it is timed as a whole."""
    speaker = neutral_bidi(narrator)
    segments: list[dict[str, object]] = []
    for cue in timeline.cues:
        texts, words = _shown_words(cue)
        if not words:
            words = (Word(cue.start, cue.end, " ".join(texts)),)
            texts = [words[0].text]
        for word, text in zip(words, texts, strict=True):
            if text:
                segments.append(
                    {
                        "speaker": speaker,
                        "startTime": round(word.start, 3),
                        "endTime": round(word.end, 3),
                        "body": text,
                    }
                )
    return {"version": TRANSCRIPT_VERSION, "segments": segments}


def to_transcript_json(timeline: Timeline, narrator: str) -> str:
    """Return the Podcasting 2.0 JSON transcript as text."""
    return json.dumps(transcript_dict(timeline, narrator), ensure_ascii=False) + "\n"


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
